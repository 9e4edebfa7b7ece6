"""Instances with thousands of components: solved within bounded memory."""

import tracemalloc
import warnings

import numpy as np
import pytest
import sklearn

from sklime import LimeImageExplainer, LimeTextExplainer, ModelFunction
from sklime._core import _components

_VOCABULARY = [f"w{i}" for i in range(60)]
_WEIGHTS = dict(zip(_VOCABULARY, np.random.default_rng(0).normal(size=60), strict=True))


def _scores(docs):
    """Two class probabilities and a third output, smooth in the words."""
    total = np.array([sum(_WEIGHTS[w] for w in set(d.split())) for d in docs])
    p = 1 / (1 + np.exp(-total / 3))
    return np.c_[1 - p, p, 0.3 * np.tanh(total)]


_DOCS = [
    " ".join(_VOCABULARY[:40]),
    " ".join(_VOCABULARY[5:45]),
    " ".join(_VOCABULARY[10:50]),
]


def _explain(lime, docs, threshold, monkeypatch):
    monkeypatch.setattr(_components, "WIDE_MIN_COMPONENTS", threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few samples per coefficient
        return lime.explain(docs)


@pytest.mark.parametrize("num_samples", [300, 36])  # fewer components, more
@pytest.mark.parametrize(
    "num_features, method",
    [
        (None, "auto"),
        (3, "auto"),
        (5, "forward_selection"),
        (8, "highest_weights"),
        (4, "lasso_path"),
    ],
)
def test_wide_path_gives_the_direct_answer(num_samples, num_features, method, mp):
    # The threshold is set low for the wide path, high for the direct one.
    """Coefficients, intercepts, scores and standard errors of the wide path
    (the primal with more perturbations than components, else the dual) are
    the direct path's to rounding; each document's are the same alone."""
    lime = LimeTextExplainer(
        ModelFunction(_scores),
        num_samples=num_samples,
        num_features=num_features,
        feature_selection=method,
        random_state=0,
    ).fit(_DOCS)
    direct = _explain(lime, _DOCS, 10**9, mp)
    wide = _explain(lime, _DOCS, 20, mp)
    alone = _explain(lime, _DOCS[1:2], 20, mp)
    for field in ("word_coef", "intercept", "score", "local_prediction"):
        np.testing.assert_allclose(
            getattr(wide, field), getattr(direct, field), rtol=1e-8, atol=1e-12
        )
    np.testing.assert_array_equal(wide.selected, direct.selected)
    finite = np.isfinite(direct.standard_error)
    np.testing.assert_array_equal(np.isfinite(wide.standard_error), finite)
    np.testing.assert_allclose(
        wide.standard_error[finite], direct.standard_error[finite], rtol=1e-8
    )
    if num_samples > 40 or num_features is not None:
        assert finite[wide.selected].all()
    else:  # more coefficients than perturbations: none is determined
        assert np.isinf(wide.standard_error[wide.selected]).all()
    for field in ("word_coef", "standard_error", "intercept", "score"):
        np.testing.assert_array_equal(getattr(alone, field)[0], getattr(wide, field)[1])
    np.testing.assert_array_equal(
        alone.effective_sample_size[0], wide.effective_sample_size[1]
    )


@pytest.fixture
def mp(monkeypatch):
    return monkeypatch


def test_a_long_document_is_explained_within_working_memory():
    """1,500 distinct words and 2,000 perturbations: the direct path would
    hold about 175 MiB; the wide one holds its 1500 x 1500 system and blocks
    of perturbations, whatever the explanation's outputs."""
    vocabulary = [f"w{i}" for i in range(1500)]
    document = " ".join(vocabulary)
    lime = LimeTextExplainer(
        ModelFunction(lambda docs: np.array([d.count("w7") for d in docs], float)),
        num_samples=2000,
        alpha=1e-6,
        random_state=0,
    ).fit([document])
    working_memory = 8  # MiB
    tracemalloc.start()
    try:
        with sklearn.config_context(working_memory=working_memory):
            explanation = lime.explain([document])
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    system = 8 * 1500**2 / 2**20  # 17 MiB
    assert peak < system + 2 * working_memory
    # The model counts "w7" and the words starting with it ("w70".."w799").
    coef = explanation.word_coef[0, 0]
    counted = [w.startswith("w7") for w in explanation.words[0]]
    np.testing.assert_allclose(coef[counted], 1.0, atol=1e-6)
    np.testing.assert_allclose(coef[~np.array(counted)], 0.0, atol=1e-6)
    # An effective sample size below its 1,501 coefficients: none determined.
    assert explanation.effective_sample_size[0] < 1501
    assert np.isinf(explanation.standard_error).all()


def test_an_image_of_one_pixel_segments_is_explained():
    """4,096 one-pixel segments and 50 perturbations: the dual's 50 x 50
    system; the surrogate interpolates a model linear in the segments, and
    no standard error pretends to be finite."""
    image = np.random.default_rng(0).random((64, 64))
    lime = LimeImageExplainer(
        ModelFunction(lambda X: X.reshape(len(X), -1).mean(axis=1)),
        segmenter="grid",
        segmenter_params={"cell": 1},
        hide_color=0.0,
        num_samples=50,
        alpha=1e-8,
        random_state=0,
    ).fit(image[None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 50 samples for 4,096 coefficients
        explanation = lime.explain(image[None])
    assert explanation.score[0, 0] > 1 - 1e-6
    assert np.isinf(explanation.standard_error).all()
    np.testing.assert_allclose(
        explanation.local_prediction, explanation.model_prediction, rtol=1e-6
    )


def test_chosen_classes_of_wide_documents_are_their_blocks_of_all(mp):
    """With ``labels``, the wide path solves the chosen classes alone and
    gives their blocks of every class's answer, as the direct path does."""
    model = ModelFunction(_scores, classes=["a", "b", "c"])
    params = dict(num_samples=300, random_state=0)
    every = LimeTextExplainer(model, **params).fit(_DOCS)
    chosen = LimeTextExplainer(model, labels=["c", "a"], **params).fit(_DOCS)
    wide_all = _explain(every, _DOCS, 20, mp)
    wide = _explain(chosen, _DOCS, 20, mp)
    direct = _explain(chosen, _DOCS, 10**9, mp)
    np.testing.assert_allclose(wide.word_coef, direct.word_coef, rtol=1e-8, atol=1e-12)
    for field in ("intercept", "standard_error"):
        np.testing.assert_array_equal(
            getattr(wide, field), getattr(wide_all, field)[:, [2, 0]]
        )
