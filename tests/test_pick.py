"""Submodular pick on cases whose right answer is known, and its arguments."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression

from sklime import LimeExplainer, submodular_pick


def test_greedy_cover_on_a_coefficient_matrix():
    coef = np.array(
        [
            [5.0, 0.0, 0.0, 0.0],
            [4.0, 1.0, 0.0, 0.0],  # adds feature 1 to feature 0
            [0.0, 0.0, 2.0, 2.0],  # covers features 2 and 3
            [0.0, 0.0, 2.0, 0.0],
        ]
    )
    # Importance: sqrt(9), sqrt(1), sqrt(4), sqrt(2). Row 1 covers 3 + 1; row
    # 2 covers 2 + 1.41; then row 2 adds the most to row 1's coverage.
    assert submodular_pick(coef, 2).tolist() == [1, 2]
    assert submodular_pick(coef, 4).tolist() == [1, 2, 0, 3]
    assert submodular_pick(coef.tolist(), 2).tolist() == [1, 2]
    with pytest.raises(ValueError, match="n_picks=5 exceeds the 4 candidate rows"):
        submodular_pick(coef, 5)
    with pytest.raises(ValueError, match="'n_picks' parameter .* range \\[1, inf\\)"):
        submodular_pick(coef, 0)
    with pytest.raises(ValueError, match="Expected 2D array"):
        submodular_pick(coef[0], 1)


class _SwitchModel:
    """Uses feature 0 where feature 2 is positive, feature 1 elsewhere."""

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return np.where(X[:, 2] > 0, 3 * X[:, 0], 3 * X[:, 1])

    def get_params(self, deep=True):
        return {}

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type="regressor", target_tags=TargetTags(required=False))


def test_pick_finds_one_row_of_each_regime():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    X[:, 2] = np.where(np.arange(300) % 2, 2.0, -2.0)  # two clear regimes
    lime = LimeExplainer(
        FrozenEstimator(_SwitchModel().fit(X)),
        sampling="local",
        num_features=1,
        num_samples=1000,
        random_state=0,
    ).fit(X)
    picks = submodular_pick(lime, 2, X=X[:40], random_state=0)
    assert sorted(X[picks, 2].tolist()) == [-2.0, 2.0]
    again = submodular_pick(lime, 2, X=X[:40], sample_size=20, random_state=0)
    np.testing.assert_array_equal(
        again, submodular_pick(lime, 2, X=X[:40], sample_size=20, random_state=0)
    )
    assert sorted(X[again, 2].tolist()) == [-2.0, 2.0]


@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    model = FrozenEstimator(LinearRegression().fit(X, X @ [1.0, 2.0, 3.0]))
    lime = LimeExplainer(model, num_features=1, num_samples=200, random_state=0)
    return lime.fit(X), X


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_pick_accepts_an_explainer_an_explanation_or_a_matrix(linear):
    lime, X = linear
    rows = X[:10]
    picks = submodular_pick(lime, 2, X=rows)
    assert submodular_pick(lime, 2, X=rows.tolist()).tolist() == picks.tolist()
    assert submodular_pick(lime.explain(rows), 2).tolist() == picks.tolist()
    assert submodular_pick(lime.transform(rows), 2).tolist() == picks.tolist()


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_pick_arguments_are_checked(linear):
    lime, X = linear
    for size in (0, -1):
        with pytest.raises(ValueError, match="'sample_size' parameter .* Got"):
            submodular_pick(lime, 2, X=X, sample_size=size)
    with pytest.raises(ValueError, match="pass the rows to explain as X="):
        submodular_pick(lime, 2)
    with pytest.raises(ValueError, match="X and sample_size apply only"):
        submodular_pick(lime.transform(X[:5]), 2, sample_size=3)
    with pytest.raises(ValueError, match="X and sample_size apply only"):
        submodular_pick(lime.explain(X[:5]), 2, X=X[:5])
    with pytest.raises(ValueError, match="'explanations' parameter"):
        submodular_pick("rows", 1)
    # A sample larger than X takes every row.
    np.testing.assert_array_equal(
        submodular_pick(lime, 2, X=X[:10], sample_size=50),
        submodular_pick(lime, 2, X=X[:10]),
    )


@pytest.mark.parametrize("exponent", [-1074, -1000, 0, 1000, 1022])
def test_picks_do_not_depend_on_the_unit_of_the_coefficients(exponent):
    # Coefficients a power of two apart, however huge or tiny, are picked
    # alike: the importances of huge ones must not overflow (an infinite
    # importance times an unused column is NaN, which argmax would pick).
    coef = np.array([[3.0, 0, 0], [2.0, 0, 0], [0, 1.0, 1.0]])
    scaled = coef * np.ldexp(1.0, exponent) if exponent > -1074 else coef * 5e-324
    assert submodular_pick(scaled, 2).tolist() == [0, 2]
