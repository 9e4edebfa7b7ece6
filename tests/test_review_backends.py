"""Joblib backends without generator support must work too."""

import numpy as np
from joblib import parallel_config
from sklearn.linear_model import Ridge

from sklime import LimeExplainer


def test_multiprocessing_backend_gives_the_same_rows():
    """The README and the performance guide promise any joblib backend (dask,
    ray, spark). Ray's joblib backend subclasses joblib's multiprocessing
    backend and joblib-spark's does not declare result callbacks: neither
    supports ``Parallel(return_as="generator")``, so joblib refuses the call
    ("does not support return_as=generator") instead of running it.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    lime = LimeExplainer(Ridge(), num_samples=64, random_state=0).fit(X, X[:, 0])
    expected = lime.transform(X)
    with parallel_config(backend="multiprocessing", n_jobs=2):
        np.testing.assert_array_equal(lime.transform(X), expected)
