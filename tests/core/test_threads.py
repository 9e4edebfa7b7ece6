"""sklime's arithmetic on one BLAS thread; the model and the caller keep theirs."""

import numpy as np
import pytest
from scipy.sparse import issparse
from sklearn.datasets import load_diabetes
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_info, threadpool_limits

from sklime import (
    LimeExplainer,
    LimeImageExplainer,
    LimeTextExplainer,
    ModelFunction,
)
from sklime._core import _surrogate
from sklime._core._threads import model_threads, own_arithmetic, usable_processors


def _blas_threads():
    """The BLAS libraries' thread counts, one per library."""
    return [
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    ]


_SEEN = []


def _recording_model(X):
    """A linear model recording the BLAS threads it is called with."""
    _SEEN.append(_blas_threads())
    return np.asarray(X, dtype=float) @ np.arange(X.shape[1], dtype=float)


@pytest.mark.parametrize("sampling", ["marginal", "local"])
def test_the_model_gets_the_callers_threads_and_sklime_one(sampling, monkeypatch):
    X, _ = load_diabetes(return_X_y=True)
    moments_threads = []
    weighted_moments = _surrogate.weighted_moments

    def recording(*args, **kwargs):
        moments_threads.append(_blas_threads())
        return weighted_moments(*args, **kwargs)

    monkeypatch.setattr("sklime._core._problem.weighted_moments", recording)
    lime = LimeExplainer(
        ModelFunction(_recording_model),
        sampling=sampling,
        num_samples=300,
        random_state=0,
    ).fit(X)
    with threadpool_limits(limits=3, user_api="blas"):
        caller = _blas_threads()
        _SEEN.clear()
        lime.explain(X[:4])
        assert _blas_threads() == caller  # restored after explain
    assert caller and set(caller) == {3}
    # The caller's threads, up to the processors this process may use.
    model = {min(3, usable_processors())}
    assert _SEEN and all(set(seen) == model for seen in _SEEN)
    assert moments_threads and all(set(t) == {1} for t in moments_threads)


def test_nested_limits_keep_the_outermost_callers_threads():
    with threadpool_limits(limits=2, user_api="blas"):
        with own_arithmetic():
            assert set(_blas_threads()) == {1}
            with own_arithmetic():
                with model_threads():
                    assert set(_blas_threads()) == {min(2, usable_processors())}
                assert set(_blas_threads()) == {1}
        assert set(_blas_threads()) == {2}
    with model_threads():  # outside sklime's arithmetic: nothing changes
        assert _blas_threads() == _blas_threads()


def test_the_callers_threads_come_back_when_the_model_raises():
    X, _ = load_diabetes(return_X_y=True)

    def broken(points):
        if len(points) > 5:
            raise RuntimeError("no")
        return points[:, 0]

    lime = LimeExplainer(ModelFunction(broken), num_samples=300).fit(X)
    with threadpool_limits(limits=3, user_api="blas"):
        with pytest.raises(ValueError, match="raised RuntimeError"):
            lime.transform(X[:2])
        assert set(_blas_threads()) == {3}


def test_text_transform_restores_the_callers_threads():
    docs = ["good movie", "bad plot", "good acting bad plot", "great movie"] * 3
    model = make_pipeline(CountVectorizer(), LogisticRegression())
    model.fit(docs, [1, 0, 0, 1] * 3)
    lime = LimeTextExplainer(FrozenEstimator(model), num_samples=200, random_state=0)
    lime.fit(docs)
    with threadpool_limits(limits=3, user_api="blas"):
        lime.transform(docs[:3])
        assert set(_blas_threads()) == {3}


def _same_bits(one, two, coef="coef"):
    for name in [coef, "standard_error", "intercept", "score"]:
        expected, got = getattr(one, name), getattr(two, name)
        if issparse(expected):
            expected, got = expected.toarray(), got.toarray()
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("n_features, num_samples", [(40, 20000), (80, 2048)])
def test_wide_tables_give_the_same_bits_with_one_or_two_jobs(n_features, num_samples):
    # Every process runs sklime's arithmetic on one BLAS thread, so workers
    # and the parent round alike (80 features solve by conjugate gradients).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, n_features))
    model = LinearRegression().fit(X, np.sin(X[:, 0]) + X[:, 1] * X[:, 2])
    lime = LimeExplainer(
        FrozenEstimator(model), num_samples=num_samples, random_state=0
    )
    lime.fit(X)
    one = lime.explain(X[:8])
    two = lime.set_params(n_jobs=2).explain(X[:8])
    _same_bits(one, two)


def test_long_documents_give_the_same_bits_with_one_or_two_jobs():
    # About 130 distinct words per document: the surrogates are wide enough
    # for BLAS to split their products when it has more than one thread.
    rng = np.random.default_rng(0)
    vocabulary = [f"w{i}" for i in range(400)]
    docs = [" ".join(rng.choice(vocabulary, 150)) for _ in range(20)]
    model = make_pipeline(CountVectorizer(), LogisticRegression())
    model.fit(docs, rng.integers(0, 2, len(docs)))
    lime = LimeTextExplainer(FrozenEstimator(model), num_samples=1000, random_state=0)
    lime.fit(docs)
    with pytest.warns(UserWarning, match="effective sample size"):
        one = lime.explain(docs[:4])
        two = lime.set_params(n_jobs=2).explain(docs[:4])
    assert one.coef.shape[1] > 120
    _same_bits(one, two)


def _half_contrast(images):
    """Two-class probabilities from the first 300 pixels against the rest."""
    flat = np.asarray(images, dtype=float).reshape(len(images), -1)
    score = 20 * (flat[:, :300].mean(axis=1) - flat[:, 300:].mean(axis=1))
    positive = 1 / (1 + np.exp(-score))
    return np.column_stack([1 - positive, positive])


def test_images_of_256_segments_give_the_same_bits_with_one_or_two_jobs():
    images = np.random.default_rng(0).random((4, 32, 32))
    lime = LimeImageExplainer(
        ModelFunction(_half_contrast, classes=[0, 1]),
        image_shape=(32, 32),
        segmenter="grid",
        segmenter_params={"cell": 2},
        num_samples=1500,
        random_state=0,
    ).fit(images)
    one = lime.explain(images)
    two = lime.set_params(n_jobs=2).explain(images)
    assert one.segment_coef.shape[-1] == 256
    _same_bits(one, two, coef="segment_coef")


def test_the_model_never_gets_more_blas_threads_than_processors(monkeypatch):
    monkeypatch.setattr("sklime._core._threads.usable_processors", lambda: 2)
    with threadpool_limits(limits=16, user_api="blas"):
        with own_arithmetic():
            with model_threads():
                assert set(_blas_threads()) == {2}
        assert set(_blas_threads()) == {16}
    with threadpool_limits(limits=1, user_api="blas"):
        with own_arithmetic():
            with model_threads():
                assert set(_blas_threads()) == {1}  # fewer are kept
