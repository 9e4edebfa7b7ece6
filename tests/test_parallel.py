"""Chunks dispatched through joblib: n_jobs and a dask cluster give the same matrix.

Every test here runs threads or processes, so each has a bounded timeout
(thread method: it works on every platform and also ends a test that is
stuck in a lock held by another thread).
"""

import threading

import numpy as np
import pytest
from joblib import parallel_config
from sklearn import config_context
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge

from sklime import LimeExplainer, ModelFunction

pytestmark = pytest.mark.timeout(120, method="thread")


def _local_cluster(distributed):
    """Two single-threaded in-process dask workers."""
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
    )


def _fitted(n_jobs):
    """Diabetes, and local-sampling LIME of a frozen forest with the model's n_jobs."""
    X, y = load_diabetes(return_X_y=True)
    model = RandomForestRegressor(n_estimators=10, n_jobs=n_jobs, random_state=0)
    lime = LimeExplainer(
        FrozenEstimator(model.fit(X, y)),
        sampling="local",
        num_samples=300,
        random_state=0,
    )
    return X, lime.fit(X)


@pytest.fixture(scope="module")
def explainer():
    return _fitted(n_jobs=None)


def _assert_dask_gives_the_single_process_matrix(X, lime):
    distributed = pytest.importorskip("distributed")
    with config_context(working_memory=2):  # several chunks
        expected = lime.transform(X[:40])
        with (
            _local_cluster(distributed) as cluster,
            distributed.Client(cluster),
            parallel_config(backend="dask"),
        ):
            coef = lime.set_params(n_jobs=-1).transform(X[:40])
    np.testing.assert_array_equal(coef, expected)


def test_dask_backend_gives_the_single_process_matrix(explainer):
    _assert_dask_gives_the_single_process_matrix(*explainer)


def test_model_with_its_own_jobs_under_dask_does_not_hang():
    # The forest's own joblib calls (n_jobs=2) run inside chunks that a dask
    # backend dispatches; they must not wait on the same two worker threads.
    _assert_dask_gives_the_single_process_matrix(*_fitted(n_jobs=2))


def test_loky_workers_give_the_single_process_matrix(explainer):
    X, lime = explainer
    with config_context(working_memory=2):
        expected = lime.set_params(n_jobs=None).transform(X[:40])
        coef = lime.set_params(n_jobs=2).transform(X[:40])
    np.testing.assert_array_equal(coef, expected)


def test_backends_that_cannot_stream_give_the_same_rows():
    """joblib's multiprocessing backend (and those built on it) cannot return
    results as a generator; the chunks then come back as a list."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    lime = LimeExplainer(Ridge(), num_samples=64, random_state=0).fit(X, X[:, 0])
    expected = lime.transform(X)
    with parallel_config(backend="multiprocessing", n_jobs=2):
        np.testing.assert_array_equal(lime.transform(X), expected)


def test_n_jobs_zero_set_after_fit_is_refused():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    lime = LimeExplainer(Ridge(), num_samples=64, random_state=0).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="n_jobs=0 means no worker"):
        lime.set_params(n_jobs=0).transform(X)


def test_a_joblib_backend_with_workers_still_gets_the_chunks():
    # n_jobs=None takes its workers from the joblib context: the chunks go to
    # its threads, and one worker runs them in the caller's own thread.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    threads = set()

    def linear(Z):
        threads.add(threading.get_ident())
        return np.asarray(Z) @ np.arange(1.0, 4.0)

    lime = LimeExplainer(
        ModelFunction(linear), sampling="local", num_samples=64, random_state=0
    ).fit(X)
    with config_context(working_memory=0.01):  # several chunks
        expected = lime.transform(X)
        assert threads == {threading.get_ident()}
        with parallel_config(backend="threading", n_jobs=2):
            coef = lime.transform(X)
    assert threading.get_ident() in threads and len(threads) > 1
    np.testing.assert_array_equal(coef, expected)
