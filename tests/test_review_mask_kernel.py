"""Undetermined surrogates under mask sampling must be flagged."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression

from sklime import LimeExplainer


def test_narrow_kernel_under_mask_sampling_warns_when_coefficients_are_undetermined():
    """A narrow kernel under mask sampling puts all the weight on the
    perturbations that keep every feature, copies of the row whose
    representation is all ones: the slopes are undetermined (infinite
    standard errors), yet the effective sample size counts those copies
    (num_samples / 2**n_features) and the small-sample warning stays silent.
    The user guide says the warning fires wherever the coefficients are
    undetermined.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    model = LinearRegression().fit(X, X @ np.array([3.0, -2.0, 0.5]))
    lime = LimeExplainer(
        FrozenEstimator(model),
        sampling="mask",
        kernel_width=0.05,
        num_samples=512,
        random_state=0,
    ).fit(X)
    with pytest.warns(UserWarning, match="effective sample size"):
        explanation = lime.explain(X[:1])
    assert np.isinf(explanation.standard_error).all()
