"""Perturbations: the shared noise and the perturbed points the model sees."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from sklime import LimeExplainer, ModelFunction
from sklime._core._cache import BoundedCache
from sklime._model import is_ensemble
from sklime._tabular import _plan, _sampling
from sklime._tabular._sampling import Noise

FIELDS = ("normal", "group", "value", "keep", "keep_uniform")


@pytest.mark.parametrize("sampler", ["sobol", "random"])
def test_noise_drawn_again_is_the_same_read_only_noise(sampler, monkeypatch):
    first = Noise.draw(300, 3, seed=7, sampler=sampler)
    again = Noise.draw(300, 3, seed=7, sampler=sampler)
    monkeypatch.setattr(_sampling, "_RECENT", BoundedCache(0))  # none kept
    fresh = Noise.draw(300, 3, seed=7, sampler=sampler)
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(again, field), getattr(first, field))
        np.testing.assert_array_equal(getattr(fresh, field), getattr(first, field))
        assert not getattr(first, field).flags.writeable
        assert not getattr(fresh, field).flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        first.normal[0, 0] = 0.0
    other = Noise.draw(300, 3, seed=8, sampler=sampler)
    assert not np.array_equal(other.normal, first.normal)


def test_recent_draws_stay_within_their_budget():
    recent = BoundedCache(max_bytes=3 * 800)
    made = []

    def make(n):
        made.append(n)
        return np.full(100, float(n))  # 800 bytes

    for n in range(5):
        assert recent.get(n, lambda n=n: make(n))[0] == n
    assert recent.get(4, lambda: make(-1))[0] == 4  # kept: not made again
    assert recent.get(0, lambda: make(0))[0] == 0  # the oldest went first
    assert made == [0, 1, 2, 3, 4, 0]
    big = recent.get("big", lambda: np.zeros(1000))  # over the whole budget
    assert not big.flags.writeable
    assert recent.get("big", lambda: np.ones(1000))[0] == 1.0  # not kept


_CALLS = []


class _RecordingTree(DecisionTreeRegressor):
    """A tree (whose predictions do not depend on the batch) recording its calls."""

    def predict(self, X, check_input=True):
        _CALLS.append(len(X))
        return super().predict(X, check_input=check_input)


@pytest.mark.parametrize("discretizer", [None, "quartile"])
@pytest.mark.parametrize("sampling", ["local", "mask"])
def test_points_sent_a_row_at_a_time_give_the_same_explanations(
    sampling, discretizer, monkeypatch
):
    X, y = load_diabetes(return_X_y=True)
    model = _RecordingTree(max_depth=6, random_state=0).fit(X, y)
    lime = LimeExplainer(
        FrozenEstimator(model),
        sampling=sampling,
        discretizer=discretizer,
        num_samples=200,
        random_state=0,
    ).fit(X)
    rows = X[:7]
    expected = lime.explain(rows)
    # Points of a single row per model call, instead of all seven at once.
    monkeypatch.setattr(_plan, "_QUERY_BYTES", 1)
    _CALLS.clear()
    blocks = lime.explain(rows)
    assert _CALLS == [200] * 7 + [7]  # each row's points, then the rows
    # Three rows' points per call.
    monkeypatch.setattr(_plan, "_QUERY_BYTES", 3 * 200 * X.shape[1] * 8)
    _CALLS.clear()
    threes = lime.explain(rows)
    assert _CALLS == [600, 600, 200, 7]
    for actual in (blocks, threes):
        for name in ["coef", "intercept", "score", "model_prediction"]:
            np.testing.assert_array_equal(
                getattr(actual, name), getattr(expected, name)
            )


class _RecordingForest(RandomForestRegressor):
    """A forest recording its calls."""

    def predict(self, X):
        _CALLS.append(len(X))
        return super().predict(X)


@pytest.mark.parametrize("sampling", ["local", "mask"])
def test_an_ensemble_gets_all_the_rows_points_in_one_call(sampling, monkeypatch):
    X, y = load_diabetes(return_X_y=True)
    forest = _RecordingForest(n_estimators=5, max_depth=4, random_state=0)
    model = FrozenEstimator(make_pipeline(StandardScaler(), forest).fit(X, y))
    lime = LimeExplainer(model, sampling=sampling, num_samples=200, random_state=0).fit(
        X
    )
    assert lime._black_box.ensemble
    monkeypatch.setattr(_plan, "_QUERY_BYTES", 1)
    _CALLS.clear()
    whole = lime.explain(X[:7])
    assert _CALLS == [7 * 200, 7]  # the rows' points in one call, then the rows
    monkeypatch.setattr(lime._black_box, "ensemble", False)
    _CALLS.clear()
    blocks = lime.explain(X[:7])
    assert _CALLS == [200] * 7 + [7]
    for name in ["coef", "intercept", "score", "model_prediction"]:
        np.testing.assert_array_equal(getattr(whole, name), getattr(blocks, name))


def test_ensembles_are_found_through_frozen_estimators_and_pipelines():
    X, y = load_diabetes(return_X_y=True)
    forest = RandomForestRegressor(n_estimators=2, random_state=0).fit(X, y)
    assert is_ensemble(forest)
    assert is_ensemble(FrozenEstimator(make_pipeline(StandardScaler(), forest)))
    assert not is_ensemble(RandomForestRegressor())  # no members before fit
    logistic = make_pipeline(StandardScaler(), LogisticRegression())
    assert not is_ensemble(FrozenEstimator(logistic.fit(X, y > 140)))
    assert not is_ensemble(ModelFunction(lambda X: X[:, 0]))


class _FirstColumn(RegressorMixin, BaseEstimator):
    """A model whose output is a view of its input: the first column."""

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        return X[:, 0]


@pytest.mark.parametrize("sampling", ["local", "mask"])
def test_an_output_that_is_a_view_of_the_points_is_kept(sampling, monkeypatch):
    X, _ = load_diabetes(return_X_y=True)
    lime = LimeExplainer(
        FrozenEstimator(_FirstColumn().fit(X)),
        sampling=sampling,
        num_samples=200,
        random_state=0,
    ).fit(X)
    expected = lime.explain(X[:5])
    monkeypatch.setattr(_plan, "_QUERY_BYTES", 1)  # one buffer, row after row
    actual = lime.explain(X[:5])
    np.testing.assert_array_equal(actual.coef, expected.coef)
    np.testing.assert_array_equal(actual.intercept, expected.intercept)
