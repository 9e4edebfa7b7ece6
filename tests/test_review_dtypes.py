"""Unsigned integer columns are ordinary numeric input."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from sklime import LimeExplainer

pd = pytest.importorskip("pandas")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
@pytest.mark.parametrize("as_frame", [False, True])
def test_unsigned_integer_columns_are_explained_like_signed_ones(dtype, as_frame):
    """uint columns (pixel values, counts) currently fail in fit with
    "TypeError: data type 'u' not understood" while int columns work."""
    rng = np.random.default_rng(0)
    values = rng.integers(0, 50, size=(60, 2))
    y = values @ np.array([1.0, -2.0])
    X_signed, X_unsigned = values.astype(np.int64), values.astype(dtype)
    if as_frame:
        X_signed = pd.DataFrame(X_signed, columns=["a", "b"])
        X_unsigned = pd.DataFrame(X_unsigned, columns=["a", "b"])
    expected = (
        LimeExplainer(Ridge(), num_samples=64, random_state=0)
        .fit(X_signed, y)
        .transform(X_signed[:3] if not as_frame else X_signed.iloc[:3])
    )
    got = (
        LimeExplainer(Ridge(), num_samples=64, random_state=0)
        .fit(X_unsigned, y)
        .transform(X_unsigned[:3] if not as_frame else X_unsigned.iloc[:3])
    )
    np.testing.assert_allclose(got, expected)
