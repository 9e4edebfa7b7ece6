"""Chunks dispatched through joblib: n_jobs and a dask cluster give the same matrix."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn import config_context
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from sklime import LimeExplainer


@pytest.fixture(scope="module")
def explainer():
    X, y = load_diabetes(return_X_y=True)
    model = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y)
    lime = LimeExplainer(
        FrozenEstimator(model), sampling="local", num_samples=300, random_state=0
    )
    return X, lime.fit(X)


def test_dask_backend_gives_the_single_process_matrix(explainer):
    distributed = pytest.importorskip("distributed")
    X, lime = explainer
    with config_context(working_memory=2):  # several chunks
        expected = lime.transform(X[:40])
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=False,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster),
            parallel_config(backend="dask"),
        ):
            coef = lime.set_params(n_jobs=-1).transform(X[:40])
    np.testing.assert_array_equal(coef, expected)
