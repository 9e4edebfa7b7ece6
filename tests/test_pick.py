"""Submodular pick on cases whose right answer is known."""

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator

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
    with pytest.raises(ValueError, match="n_picks=5 must be between 1"):
        submodular_pick(coef, 5)


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
