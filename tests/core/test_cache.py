"""What no row changes is made once per fitted explainer, with the same bits."""

import copy
import pickle

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.tree import DecisionTreeRegressor

from sklime import LimeExplainer
from sklime._core._cache import BoundedCache

SAMPLINGS = ["marginal", "local", "mask", "gaussian"]

_CALLS = []


class _RecordingTree(DecisionTreeRegressor):
    """A tree (whose predictions do not depend on the batch) recording its calls."""

    def predict(self, X, check_input=True):
        _CALLS.append(len(X))
        return super().predict(X, check_input=check_input)


@pytest.fixture(scope="module")
def tree():
    X, y = load_diabetes(return_X_y=True)
    return X, _RecordingTree(max_depth=5, random_state=0).fit(X, y)


def _explainer(tree, **params):
    X, model = tree
    params = {"num_samples": 256, "random_state": 0, **params}
    return LimeExplainer(FrozenEstimator(model), **params)


@pytest.mark.parametrize("discretizer", [None, "quartile"])
@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_cached_and_uncached_explanations_have_the_same_bits(
    tree, sampling, discretizer
):
    X, _ = tree
    params = {"sampling": sampling, "discretizer": discretizer}
    if sampling == "gaussian" and discretizer is not None:
        params["discretizer"] = None
    cached = _explainer(tree, **params).fit(X)
    first = cached.explain(X[:6])
    again = cached.explain(X[:6])  # from the cache
    with config_context(working_memory=1e-6):  # keeps nothing
        uncached = _explainer(tree, **params).fit(X)
    fresh = uncached.explain(X[:6])
    for name in ["coef", "standard_error", "intercept", "score", "model_prediction"]:
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
        np.testing.assert_array_equal(getattr(fresh, name), getattr(first, name))
    np.testing.assert_array_equal(cached.transform(X[:6]), first.coef)
    np.testing.assert_array_equal(uncached.transform(X[:6]), first.coef)


@pytest.mark.parametrize("discretizer", [None, "quartile"])
@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_one_row_per_call_gives_the_batch_numbers(tree, sampling, discretizer):
    X, _ = tree
    if sampling == "gaussian":
        discretizer = None
    lime = _explainer(tree, sampling=sampling, discretizer=discretizer).fit(X)
    rows = X[10:18]
    batch = lime.explain(rows)
    one_by_one = [lime.explain(rows[i : i + 1]) for i in range(len(rows))]
    for name in ["coef", "standard_error", "intercept", "score", "model_prediction"]:
        np.testing.assert_array_equal(
            np.concatenate([getattr(e, name) for e in one_by_one]),
            getattr(batch, name),
        )
    coefs = [lime.transform(rows[i : i + 1]) for i in range(len(rows))]
    np.testing.assert_array_equal(np.concatenate(coefs), batch.coef)


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_marginal_perturbations_are_queried_once_per_fitted_explainer(tree):
    X, _ = tree
    lime = _explainer(tree).fit(X)
    _CALLS.clear()
    lime.transform(X[:3])
    assert _CALLS == [256]  # the shared perturbations only, not the rows
    lime.transform(X[3:4])
    lime.transform(X[:50])
    assert _CALLS == [256]
    lime.explain(X[:5])
    assert _CALLS == [256, 5]  # explain also predicts the rows themselves
    lime.fit(X)
    _CALLS.clear()
    lime.transform(X[:1])
    assert _CALLS == [256]  # a new fit makes its perturbations anew


def test_transform_does_not_query_the_rows_under_local_sampling(tree):
    X, _ = tree
    lime = _explainer(tree, sampling="local").fit(X)
    _CALLS.clear()
    lime.transform(X[:2])
    assert _CALLS == [2 * 256]
    lime.explain(X[:2])
    assert _CALLS == [2 * 256, 2 * 256, 2]


def test_a_copy_with_another_noise_seed_gets_its_own_perturbations(tree):
    # explanation_stability redraws the noise on copies of the explainer,
    # which share its cache: what the cache keeps depends on the seed.
    X, _ = tree
    lime = _explainer(tree).fit(X)
    first = lime.transform(X[:4])
    other = copy.copy(lime)
    other._noise_seed = lime._noise_seed + 1
    expected = _explainer(tree, random_state=0).fit(X)
    expected._noise_seed = other._noise_seed
    np.testing.assert_array_equal(other.transform(X[:4]), expected.transform(X[:4]))
    assert not np.array_equal(other.transform(X[:4]), first)
    np.testing.assert_array_equal(lime.transform(X[:4]), first)


def test_pickles_hold_no_kept_value_and_give_the_same_bits(tree):
    X, _ = tree
    lime = _explainer(tree).fit(X)
    before = pickle.dumps(lime)
    coef = lime.transform(X[:4])
    assert pickle.dumps(lime) == before
    _CALLS.clear()
    loaded = pickle.loads(before)
    np.testing.assert_array_equal(loaded.transform(X[:4]), coef)
    assert _CALLS == [256]  # made again, once


def test_kept_arrays_are_read_only_and_the_budget_holds():
    cache = BoundedCache(max_bytes=2 * 800)
    made = []

    def make(n):
        made.append(n)
        return (np.full(50, float(n)), {"more": np.zeros(50)})  # 800 bytes

    for n in range(3):
        cache.get(("value", n), lambda n=n: make(n))
    value = cache.get(("value", 2), lambda: make(-1))
    assert made == [0, 1, 2]  # the last two are kept, the first went
    cache.get(("value", 0), lambda: make(0))
    assert made == [0, 1, 2, 0]
    with pytest.raises(ValueError, match="read-only"):
        value[0][0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        value[1]["more"][0] = 1.0
    restored = pickle.loads(pickle.dumps(cache))
    assert restored.max_bytes == cache.max_bytes
    restored.get(("value", 2), lambda: make(2))
    assert made == [0, 1, 2, 0, 2]  # a pickle keeps no value
