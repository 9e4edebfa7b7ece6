"""The explanation object: lists and tables."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from sklime import LimeExplainer

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def explanation():
    X, y = load_iris(return_X_y=True, as_frame=True)
    lime = LimeExplainer(
        LogisticRegression(max_iter=500),
        discretizer="quartile",
        num_features=2,
        num_samples=500,
        random_state=0,
    ).fit(X, y)
    return lime, X, lime.explain(X.iloc[[0, 60, 120]])


def test_wide_table_is_transform_with_feature_names(explanation):
    lime, X, exp = explanation
    wide = exp.to_frame("wide")
    assert list(wide.columns) == list(lime.get_feature_names_out())
    np.testing.assert_array_equal(wide.to_numpy(), lime.transform(X.iloc[[0, 60, 120]]))


def test_long_table_lists_selected_features(explanation):
    _, X, exp = explanation
    long = exp.to_frame()
    # 3 rows x 3 classes x 2 selected features.
    assert len(long) == 18
    first = long[(long.row == 1) & (long.output == 2)]
    assert [(d, w) for d, w in zip(first.description, first.weight, strict=True)] == (
        exp.as_list(1, output=2)
    )
    assert (
        first.feature_value.to_numpy() == X.iloc[60][first.feature].to_numpy()
    ).all()
    np.testing.assert_allclose(first.model_prediction, exp.model_prediction[1, 2])
    assert (long.standard_error > 0).all()
    with pytest.raises(ValueError, match="layout must be"):
        exp.to_frame("tall")


def test_as_list_defaults_to_the_predicted_class(explanation):
    _, _, exp = explanation
    predicted = int(np.argmax(exp.model_prediction[2]))
    assert exp.as_list(2) == exp.as_list(2, output=predicted)
    with pytest.raises(ValueError, match="Unknown output 7"):
        exp.as_list(0, output=7)
