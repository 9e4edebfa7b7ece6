"""Perturbations drawn in rounds (``tol``): where the rule stops, and that a row's
answer is its own and the fixed-size one at its last round, for every kind of data."""

import json

import numpy as np
import pytest
from _checks import call
from sklearn import config_context
from sklearn.datasets import load_diabetes
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression

from sklime import (
    LimeExplainer,
    LimeImageExplainer,
    LimeTextExplainer,
    ModelFunction,
    load_explanation,
)

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

#: What a row's explanation is made of, compared bit for bit.
FIELDS = ("coef", "standard_error", "intercept", "local_prediction", "score")
SAMPLINGS = ("marginal", "local", "mask", "gaussian")


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    forest = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0)
    return X, FrozenEstimator(forest.fit(X, y))


def _rows_equal(explanation, rows, other, other_rows=None):
    """The rows' explanation fields and sample counts are the same bits.

    Per-component arrays (of documents and images) are padded to the largest
    instance of their batch: the components both batches hold are compared.
    """
    other_rows = rows if other_rows is None else other_rows
    for name in (*FIELDS, "n_samples_used"):
        mine, theirs = getattr(explanation, name), getattr(other, name)
        if hasattr(mine, "toarray"):
            mine, theirs = mine.toarray(), theirs.toarray()
        mine, theirs = mine[rows], theirs[other_rows]
        if mine.ndim == 3:
            width = min(mine.shape[-1], theirs.shape[-1])
            mine, theirs = mine[..., :width], theirs[..., :width]
        np.testing.assert_array_equal(mine, theirs, name)


def test_two_dominant_features_stop_at_the_first_round():
    """A linear model with two large weights: the gap at K=2 is decided at once."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ [5.0, -3.0, 0.1, 0.0, 0.05]
    lime = LimeExplainer(
        LinearRegression(), num_samples=8192, num_features=2, tol=0.01, random_state=0
    ).fit(X, y)
    explanation = lime.explain(X[:4])
    np.testing.assert_array_equal(explanation.n_samples_used, 1024)
    assert set(np.flatnonzero(explanation.selected[0, 0])) == {0, 1}


@pytest.mark.parametrize("num_features", [1, 2])
def test_a_tie_at_num_features_runs_to_the_cap(num_features):
    """A model of one feature has a tie at K=2 (two zeros), a constant model at K=1."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    if num_features == 1:
        model, y = DummyRegressor(), X[:, 0]
    else:
        model, y = LinearRegression(), 2 * X[:, 0]
    lime = LimeExplainer(
        model, num_samples=3000, num_features=num_features, tol=0.5, random_state=0
    ).fit(X, y)
    explanation = lime.explain(X[:3])
    np.testing.assert_array_equal(explanation.n_samples_used, 3000)


def test_the_tolerance_decides_without_num_features(diabetes):
    """Errors within tol of the largest coefficient: loose stops, strict runs on."""
    X, forest = diabetes
    counts = {}
    for tol in (1e-6, 0.5):
        lime = LimeExplainer(forest, num_samples=4096, tol=tol, random_state=0).fit(X)
        counts[tol] = lime.explain(X[:5]).n_samples_used
    np.testing.assert_array_equal(counts[1e-6], 4096)
    np.testing.assert_array_equal(counts[0.5], 1024)
    constant = LimeExplainer(DummyRegressor(), tol=1e-6, random_state=0).fit(X, X[:, 0])
    np.testing.assert_array_equal(constant.explain(X[:2]).n_samples_used, 1024)


def test_rounds_are_powers_of_two_up_to_the_cap(diabetes):
    X, forest = diabetes
    lime = LimeExplainer(forest, num_samples=5000, tol=0.02, random_state=0).fit(X)
    used = lime.explain(X[:30]).n_samples_used
    assert set(used.tolist()) <= {1024, 2048, 4096, 5000}
    assert len(set(used.tolist())) > 1, "the rows should stop at different rounds"


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_a_stopped_row_is_the_fixed_size_answer(diabetes, sampling):
    """A row that stops at m perturbations is explained as num_samples=m explains it."""
    X, forest = diabetes
    params = dict(sampling=sampling, random_state=0)
    lime = LimeExplainer(forest, num_samples=4096, tol=0.03, **params).fit(X)
    rows = X[:12]
    explanation = lime.explain(rows)
    np.testing.assert_array_equal(lime.transform(rows), explanation.coef)
    used = explanation.n_samples_used
    for m in np.unique(used).tolist():
        fixed = LimeExplainer(forest, num_samples=m, **params).fit(X).explain(rows)
        at = np.flatnonzero(used == m)
        np.testing.assert_array_equal(fixed.n_samples_used, m)
        for name in FIELDS:
            np.testing.assert_array_equal(
                getattr(explanation, name)[at], getattr(fixed, name)[at], name
            )


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_a_row_is_its_own_alone_in_any_batch_order_chunk_or_jobs(diabetes, sampling):
    X, forest = diabetes
    lime = LimeExplainer(
        forest, num_samples=4096, tol=0.03, sampling=sampling, random_state=0
    ).fit(X)
    rows = X[:8]
    batch = lime.explain(rows)
    assert len(set(batch.n_samples_used.tolist())) > 1
    for i in (0, 5):
        _rows_equal(batch, [i], lime.explain(rows[[i]]), [0])
    _rows_equal(batch, slice(None), lime.explain(rows[::-1]), slice(None, None, -1))
    with config_context(working_memory=1):
        _rows_equal(batch, slice(None), lime.explain(rows))
    _rows_equal(batch, slice(None), lime.set_params(n_jobs=2).explain(rows))


def test_num_features_decides_on_the_full_surrogate(diabetes):
    """With K, the rows stop where the K-th and (K+1)-th coefficients are apart."""
    X, forest = diabetes
    lime = LimeExplainer(
        forest, num_samples=8192, num_features=3, tol=0.05, random_state=0
    ).fit(X)
    rows = X[:10]
    explanation = lime.explain(rows)
    used = explanation.n_samples_used
    full = LimeExplainer(forest, num_samples=8192, random_state=0).fit(X)
    stopped = np.flatnonzero(used < 8192)
    assert stopped.size
    for i in stopped:
        m = int(used[i])
        surrogate = full.set_params(num_samples=m).fit(X).explain(rows[[i]])
        size = np.sort(np.abs(surrogate.coef[0]))[::-1]
        error = surrogate.standard_error[0][np.argsort(-np.abs(surrogate.coef[0]))]
        assert size[2] - size[3] > 3 * np.hypot(error[2], error[3])
    for i in explanation.selected.sum(axis=-1).ravel():
        assert i == 3


def test_the_sample_counts_survive_the_file(diabetes, tmp_path):
    X, forest = diabetes
    lime = LimeExplainer(forest, num_samples=4096, tol=0.05, random_state=0).fit(X)
    explanation = lime.explain(X[:6])
    explanation.save(tmp_path / "e.json")
    loaded = load_explanation(tmp_path / "e.json")
    np.testing.assert_array_equal(loaded.n_samples_used, explanation.n_samples_used)
    assert loaded.n_samples_used.dtype == explanation.n_samples_used.dtype


def test_a_file_written_before_the_counts_were_kept_reads_without_them(
    diabetes, tmp_path
):
    X, forest = diabetes
    explanation = LimeExplainer(forest, num_samples=512, random_state=0).fit(X)
    explanation = explanation.explain(X[:2])
    explanation.save(tmp_path / "e.json")
    document = json.loads((tmp_path / "e.json").read_text())
    del document["explanation"]["state"]["n_samples_used"]
    (tmp_path / "old.json").write_text(json.dumps(document))
    loaded = load_explanation(tmp_path / "old.json")
    assert loaded.n_samples_used is None
    assert loaded.as_list(0) == explanation.as_list(0)


def test_without_tol_every_row_reports_num_samples(diabetes):
    X, forest = diabetes
    lime = LimeExplainer(forest, num_samples=700, random_state=0).fit(X)
    np.testing.assert_array_equal(lime.explain(X[:3]).n_samples_used, 700)


def test_tol_is_checked():
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="The 'tol' parameter of LimeExplainer"):
        LimeExplainer(LinearRegression(), tol=0.0).fit(X, X[:, 0])


# -- documents and images ----------------------------------------------------
def _word_score(texts):
    """A score of the counts of a few words, saturated: documents settle apart."""
    texts = list(texts)
    score = np.array(
        [t.split().count("good") - 0.7 * t.split().count("bad") for t in texts]
    )
    return np.tanh(score + 0.3 * np.array([len(t.split()) for t in texts]) / 10)


DOCUMENTS = [
    "good good bad film plot actors",
    "bad plot",
    "good film with bad actors and a good long plot of many words here",
    "a film",
    "good",
]


def test_documents_are_their_own_and_the_fixed_size_answer():
    text = LimeTextExplainer(
        ModelFunction(_word_score), num_samples=4096, tol=0.05, random_state=0
    ).fit(DOCUMENTS)
    batch = text.explain(DOCUMENTS)
    assert set(batch.n_samples_used.tolist()) == {1024, 4096}
    for i in (0, 2):
        _rows_equal(batch, [i], text.explain([DOCUMENTS[i]]), [0])
    with config_context(working_memory=1):
        _rows_equal(batch, slice(None), text.explain(DOCUMENTS))
    _rows_equal(batch, slice(None), text.set_params(n_jobs=2).explain(DOCUMENTS))
    for m in np.unique(batch.n_samples_used).tolist():
        at = np.flatnonzero(batch.n_samples_used == m)
        fixed = text.set_params(num_samples=m, tol=None, n_jobs=None)
        _rows_equal(batch, at, fixed.explain(DOCUMENTS))


def _bright_score(images):
    """A score of a few pixels, not of the segments' means (which hiding keeps)."""
    images = np.asarray(images, dtype=float).reshape(len(images), 4, 4)
    return np.tanh(4 * images[:, 0, 0] * images[:, 3, 2] - 2 * images[:, 1, 3])


def test_images_are_their_own_and_the_fixed_size_answer():
    rng = np.random.default_rng(0)
    images = rng.random((4, 4, 4))
    images[1] = 0.5
    params = dict(segmenter="grid", segmenter_params={"cell": 2}, random_state=0)
    lime = LimeImageExplainer(
        ModelFunction(_bright_score), num_samples=2500, tol=0.01, **params
    ).fit(images)
    batch = lime.explain(images)
    assert set(batch.n_samples_used.tolist()) == {1024, 2048, 2500}
    for i in range(len(images)):
        _rows_equal(batch, [i], lime.explain(images[[i]]), [0])
    for m in np.unique(batch.n_samples_used).tolist():
        at = np.flatnonzero(batch.n_samples_used == m)
        fixed = LimeImageExplainer(
            ModelFunction(_bright_score), num_samples=m, **params
        )
        _rows_equal(batch, at, fixed.fit(images).explain(images))


# -- properties ----------------------------------------------------------------
@hypothesis.settings(max_examples=15, deadline=None)
@hypothesis.given(
    sampling=st.sampled_from(SAMPLINGS),
    tol=st.floats(1e-3, 1.0),
    num_features=st.sampled_from([None, 1, 3, 9, 10]),
    rows=st.lists(st.integers(0, 29), min_size=1, max_size=4),
)
def test_any_row_is_its_own_whatever_the_settings(
    diabetes, sampling, tol, num_features, rows
):
    X, forest = diabetes
    lime = LimeExplainer(
        forest,
        num_samples=2100,
        tol=tol,
        sampling=sampling,
        num_features=num_features,
        random_state=1,
    ).fit(X)
    batch = call(lime.explain, X[rows])
    assert batch is not None
    assert set(batch.n_samples_used.tolist()) <= {1024, 2048, 2100}
    alone = call(lime.explain, X[rows[:1]])
    _rows_equal(batch, [0], alone, [0])
    assert np.isfinite(batch.coef).all()


def test_the_error_of_the_mean_over_rows(diabetes):
    """Rows stopped together: the fixed-size error; stopped apart: the mean error."""
    X, forest = diabetes
    together = LimeExplainer(forest, num_samples=4096, tol=0.5, random_state=0)
    explanation = together.fit(X).explain(X[:5])
    np.testing.assert_array_equal(explanation.n_samples_used, 1024)
    fixed = LimeExplainer(forest, num_samples=1024, random_state=0).fit(X)
    np.testing.assert_array_equal(
        explanation.mean_abs_coef_error, fixed.explain(X[:5]).mean_abs_coef_error
    )
    apart = LimeExplainer(forest, num_samples=4096, tol=0.03, random_state=0)
    explanation = apart.fit(X).explain(X[:8])
    assert len(set(explanation.n_samples_used.tolist())) > 1
    np.testing.assert_allclose(
        explanation.mean_abs_coef_error, explanation.standard_error.mean(axis=0)
    )
