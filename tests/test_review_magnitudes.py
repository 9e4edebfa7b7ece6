"""Huge feature values must give finite perturbations or a clear error."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

from sklime import LimeExplainer


class _FiniteInputModel(RegressorMixin, BaseEstimator):
    """A model that tolerates NaN but records whether it was queried with any."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        self.non_finite_queries_ = 0
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        self.non_finite_queries_ += int((~np.isfinite(X)).any(axis=1).sum())
        return np.nan_to_num(X[:, 0] / 1e160)


@pytest.mark.parametrize("sampling", ["marginal", "mask"])
def test_quartile_bins_of_huge_values_give_finite_perturbations(sampling):
    """Values near 1e160 are finite doubles: the bin draws must stay finite.

    The per-bin variance of such values overflows, and the truncated-normal
    draws inside the bins come out NaN; a model that accepts NaN then explains
    NaN points silently.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) * 1e160
    y = X[:, 0] / 1e160
    lime = LimeExplainer(
        _FiniteInputModel(),
        discretizer="quartile",
        sampling=sampling,
        num_samples=256,
        random_state=0,
    ).fit(X, y)
    lime.explain(X[:2])
    assert lime.estimator_.non_finite_queries_ == 0
