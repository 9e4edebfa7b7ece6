"""Properties of LimeTextExplainer on random small corpora, settings and models.

Every case either raises a ValueError or TypeError with a message, or returns
finite output of the documented shape; the documents given are never
changed; a document's explanation is the same alone, in a batch or in
reverse order; the vectorizer shortcut gives the string path's numbers to
the bit; HTML never carries markup from a document. The examples are drawn
by hypothesis with the fixed profile of ``conftest.py``.
"""

import copy
import os
import re
import tempfile
from dataclasses import dataclass
from unittest import mock

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from _checks import call
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfVectorizer,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from sklime import LimeTextExplainer, ModelFunction
from sklime._core import _components

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies
given = hypothesis.given

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: Markup that documents carry and HTML must show as text.
MARKUP = ("<b>", "<script", "<img", "</p>", "<span")

# -- random corpora -------------------------------------------------------------
#: Words of the random documents: plain, cased, unicode, punctuated, markup.
WORDS = [
    "good",
    "bad",
    "film",
    "the",
    "The",
    "THE",
    "a",
    "café",
    "naïve",
    "İstanbul",
    "straße",
    "日本語",
    "Ωμέγα",
    "e\u0301",
    "don't",
    "e-mail",
    "x_y",
    "fi_lm",
    "goXod",
    "42",
    "😀ok",
    "𝔘𝔫𝔦",
    "<b>bold</b>",
    "&amp;",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</p>",
    "\udce9t\udce9",  # undecodable bytes read with errors="surrogateescape"
    "w" * 300,
]
#: What separates words in a document.
SEPARATORS = [" ", " ", "  ", ", ", ". ", "\r\n", "\t", "-", "!? ", " & ", "\x00"]
#: Documents of their own: empty, blank, one word, markup only, and more
#: distinct words than perturbations.
SPECIAL = [
    "",
    "   ",
    "\n\t",
    "good",
    "<b>&amp;</b>",
    "w" * 1000,
    " ".join(f"t{i}" for i in range(150)),
]


@st.composite
def documents(draw):
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(SPECIAL))
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + word
    return text


corpora = st.lists(documents(), min_size=1, max_size=4)
#: How documents are passed: the list itself or a container of them.
CONTAINERS = ["list", "tuple", "object", "unicode", "series"]


def contain(X, container):
    """``X`` in ``container``, and a copy of it to compare with after a call."""
    if container == "tuple":
        X = tuple(X)
    elif container == "object":
        X = np.array(X, dtype=object)
    elif container == "unicode":
        X = np.array(X, dtype=str)
    elif container == "series":
        X = pytest.importorskip("pandas").Series(X)
    return X, copy.deepcopy(X)


def assert_unchanged(X, before):
    if isinstance(X, np.ndarray):
        np.testing.assert_array_equal(X, before, strict=True)
    elif hasattr(X, "equals"):
        assert X.equals(before) and X.dtype == before.dtype
    else:
        assert X == before


# -- models ---------------------------------------------------------------------
#: Base documents every frozen model also learns from, so it knows some words.
BASE = [
    "good film",
    "bad film",
    "good plot, the best",
    "bad plot, the worst",
    "café naïve 日本語",
    "<b>bold</b> &amp; good",
]

VECTORIZERS = {
    "count": CountVectorizer,
    "tfidf": TfidfVectorizer,
    "hashing": HashingVectorizer,
}
VECTORIZER_SETTINGS = {
    "count": [
        {},
        {"binary": True, "lowercase": False},
        {"stop_words": "english"},
        {"token_pattern": r"\S+"},
        {"token_pattern": r"\w+", "strip_accents": "unicode"},
        {"ngram_range": (1, 2)},
        {"analyzer": "char_wb", "ngram_range": (2, 3)},
        {"max_features": 4},
        {"token_pattern": r"\w"},
        {"tokenizer": str.split, "token_pattern": None, "lowercase": False},
    ],
    "tfidf": [
        {},
        {"sublinear_tf": True},
        {"use_idf": False, "norm": "l1"},
        {"norm": None, "smooth_idf": False, "binary": True},
    ],
    "hashing": [
        {"n_features": 2**8},
        {"n_features": 2**3, "alternate_sign": False, "binary": True},
        {"n_features": 2**3, "norm": None},
        {"n_features": 2**2, "norm": "l1", "lowercase": False},
        {"n_features": 2**8, "stop_words": "english", "token_pattern": r"\w+"},
    ],
}


def _word_scorer(docs):
    """A rule-based score: words push it up or down, markup counts too."""
    out = []
    for doc in docs:
        words = re.findall(r"\w+", doc)
        out.append(
            0.3 * words.count("good")
            - 0.5 * ("bad" in words)
            + 0.01 * len(words)
            + 0.2 * ("<b>" in doc)
        )
    return np.array(out)


def _word_probabilities(docs):
    p = 1.0 / (1.0 + np.exp(-_word_scorer(docs)))
    return np.column_stack([1.0 - p, p])


def _listed_scores(docs):
    """Scores as a list of one-element lists."""
    return [[score] for score in _word_scorer(docs).tolist()]


def _undefined_on_empty(docs):
    """NaN for a document without a word: a model that must be refused."""
    return np.where(
        [bool(re.search(r"\w", d)) for d in docs], _word_scorer(docs), np.nan
    )


#: ModelFunction scorers; the last one is refused whenever it meets NaN.
FUNCTIONS = [_word_scorer, _listed_scores, _undefined_on_empty]


#: Class labels, markup included: HTML must show them as text.
LABELS = ["<b>no</b>", "yes", "<script>maybe"]


@dataclass(frozen=True)
class Model:
    """How the explained model is made.

    ``kind`` is "default" (the explainer's own), a vectorizer kind ("count",
    "tfidf", "hashing") before a logistic regression, "ridge" (tf-idf and
    ridge regression), "unfitted" (a count pipeline the explainer fits) or
    "function" (a :class:`ModelFunction` scorer, with or without classes).
    """

    kind: str
    setting: int
    n_classes: int  # 0 is a regression target

    def target(self, n):
        if self.n_classes:
            return np.asarray(LABELS)[np.arange(n) % self.n_classes]
        return np.linspace(-1.0, 2.0, n)

    def build(self):
        """The estimator to give the explainer, and whether it needs y."""
        if self.kind == "default":
            return None
        if self.kind == "function":
            if self.n_classes:
                return ModelFunction(_word_probabilities, classes=LABELS[:2])
            return ModelFunction(FUNCTIONS[self.setting % len(FUNCTIONS)])
        if self.kind == "unfitted":
            return make_pipeline(CountVectorizer(), LogisticRegression())
        if self.kind == "ridge":
            model = make_pipeline(TfidfVectorizer(), Ridge())
            return FrozenEstimator(model.fit(BASE, np.linspace(-1.0, 2.0, len(BASE))))
        settings = VECTORIZER_SETTINGS[self.kind]
        vectorizer = VECTORIZERS[self.kind](**settings[self.setting % len(settings)])
        model = make_pipeline(vectorizer, LogisticRegression(max_iter=1000))
        labels = Model(self.kind, self.setting, max(self.n_classes, 2))
        return FrozenEstimator(model.fit(BASE, labels.target(len(BASE))))


models = st.builds(
    Model,
    kind=st.sampled_from(
        ["default", "count", "tfidf", "hashing", "ridge", "unfitted", "function"]
    ),
    setting=st.integers(0, 9),
    n_classes=st.sampled_from([0, 2, 3]),
)

#: Explainer settings; kernel_width and alpha include extremes.
settings = st.fixed_dictionaries(
    {
        "bow": st.booleans(),
        "mask_string": st.sampled_from(
            [None, "", "UNK", "<b>", "two words", "é", "İ", "the"]
        ),
        "token_pattern": st.sampled_from(
            [
                r"\w+",
                r"\w+",
                r"\S+",
                r"(?u)\b\w\w+\b",
                r"\w*",
                r"[a-z]+",
                r"\w",
                r"\w\w?",
                r"[^\W\d]+",
            ]
        ),
        "num_features": st.sampled_from([None, 1, 2, 5, 50]),
        "feature_selection": st.sampled_from(
            ["auto", "none", "highest_weights", "forward_selection", "lasso_path"]
        ),
        "alpha": st.sampled_from([1.0, 0.0, 1e-8, 100.0]),
        "kernel_width": st.sampled_from([25.0, 1e-6, 0.5, 1e6]),
        "sampling": st.sampled_from(["lime", "kernel", "sobol"]),
        "response_method": st.sampled_from(
            ["auto", "auto", "predict_proba", "decision_function", "predict"]
        ),
        "num_samples": st.sampled_from([2, 50, 97, 200]),
        "random_state": st.integers(0, 1000),
    }
)


#: Ordinary settings, for explicit examples.
TYPICAL = {
    "bow": True,
    "mask_string": None,
    "token_pattern": r"\w+",
    "num_features": None,
    "feature_selection": "auto",
    "alpha": 1.0,
    "kernel_width": 25.0,
    "response_method": "auto",
    "num_samples": 50,
    "random_state": 0,
}


# -- helpers ----------------------------------------------------------------------
def fit_case(train, model, params):
    """The explainer fitted on ``train``, or None when it refused the case."""
    lime = LimeTextExplainer(model.build(), **params)
    y = model.target(len(train)) if model.kind in ("default", "unfitted") else None
    before = copy.deepcopy(train)
    lime = call(lime.fit, train, y)
    assert train == before
    return lime


def dense(matrix):
    assert sp.issparse(matrix) and matrix.format == "csr", type(matrix)
    return matrix.toarray()


# -- properties -------------------------------------------------------------------
def model_output(lime, X, method):
    """The explained outputs of the model on ``X``, as the user computes them."""
    out = np.asarray(getattr(lime.estimator_, method)(list(X)), dtype=float)
    out = out.reshape(len(X), -1)
    return out[:, 1:] if out.shape[1] == 2 and lime._black_box.classifier else out


@given(
    train=corpora,
    X=corpora,
    container=st.sampled_from(CONTAINERS),
    model=models,
    params=settings,
)
def test_transform_and_explain_have_the_documented_shapes(
    train, X, container, model, params
):
    lime = fit_case(train, model, params)
    if lime is None:
        return
    n, k, n_words = len(X), len(lime.outputs_), len(lime.vocabulary_)
    X, before = contain(X, container)
    coef = call(lime.transform, X)
    assert_unchanged(X, before)
    if coef is None:
        return
    coef = dense(coef)
    assert coef.shape == (n, k * n_words)
    assert np.isfinite(coef).all()
    assert lime.get_feature_names_out().shape == (k * n_words,)
    wanted = params["num_features"]
    if wanted is not None and params["feature_selection"] != "none":
        nonzero = (coef.reshape(n, k, n_words) != 0).sum(axis=2)
        assert (nonzero <= wanted).all(), nonzero
    assert all(word for word in lime.vocabulary_), "an empty word has a column"

    explanation = call(lime.explain, X)
    assert_unchanged(X, before)
    assert explanation is not None, "transform worked, explain refused"
    np.testing.assert_array_equal(dense(explanation.coef), coef)
    sizes = [len(words) for words in explanation.words]
    assert explanation.word_coef.shape[:2] == (n, k)
    assert explanation.word_coef.shape[2] >= max(sizes)
    for name in ["word_coef", "standard_error", "selected"]:
        assert getattr(explanation, name).shape == explanation.word_coef.shape, name
    for name in ["intercept", "local_prediction", "model_prediction", "score"]:
        assert getattr(explanation, name).shape == (n, k), name
    for name in ["word_coef", "intercept", "local_prediction", "model_prediction"]:
        assert np.isfinite(getattr(explanation, name)).all(), name
    assert np.isfinite(explanation.score).all()
    assert (explanation.score <= 1 + 1e-9).all()
    ess = explanation.effective_sample_size
    assert ess.shape == (n,) and (ess >= 1 - 1e-9).all()
    assert (ess <= params["num_samples"] * (1 + 1e-9)).all()
    error = explanation.standard_error
    assert not np.isnan(error).any() and (error >= 0).all()
    selected = explanation.selected
    assert (explanation.word_coef[~selected] == 0).all()
    assert (error[~selected] == 0).all()
    for row, size in enumerate(sizes):
        assert not selected[row, :, size:].any(), "padding is selected"
    if wanted is not None and params["feature_selection"] != "none":
        assert (selected.sum(axis=2) <= wanted).all()
    # The surrogate at the document keeps every word.
    np.testing.assert_allclose(
        explanation.local_prediction,
        explanation.intercept + explanation.word_coef.sum(axis=2),
        rtol=1e-9,
        atol=1e-9,
    )
    np.testing.assert_allclose(
        explanation.model_prediction,
        model_output(lime, X, lime._black_box.method),
        rtol=1e-12,
        atol=1e-12,
    )
    # A document's words are its own: non-empty, each in the document.
    for text, words in zip(list(X), explanation.words, strict=True):
        assert all(word and word in text for word in words), words
    for row in range(n):
        for output in explanation.outputs.tolist():
            pairs = explanation.as_list(row, output)
            assert (
                len(pairs) == selected[row, explanation.output_index(row, output)].sum()
            )
    if explanation.to_frame is not None and container != "series":
        return
    assert len(explanation.to_frame()) == selected.sum()


@given(train=corpora, X=corpora, model=models, params=settings)
def test_a_document_is_explained_the_same_alone_or_in_any_batch(
    train, X, model, params
):
    lime = fit_case(train, model, params)
    if lime is None:
        return
    whole = call(lime.transform, X)
    if whole is None:
        return
    whole = dense(whole)
    reverse = dense(lime.transform(X[::-1]))[::-1]
    np.testing.assert_array_equal(reverse, whole)
    with sklearn.config_context(working_memory=1e-3):  # a document per chunk
        np.testing.assert_array_equal(dense(lime.transform(X)), whole)
    with joblib.parallel_backend("threading"):
        lime.set_params(n_jobs=2)
        np.testing.assert_array_equal(dense(lime.transform(X)), whole)
        lime.set_params(n_jobs=None)
    for row, document in enumerate(X):
        np.testing.assert_array_equal(dense(lime.transform([document]))[0], whole[row])


@given(
    train=corpora,
    X=corpora,
    model=st.builds(
        Model,
        kind=st.sampled_from([*VECTORIZERS, "ridge"]),
        setting=st.integers(0, 9),
        n_classes=st.sampled_from([0, 2, 3]),
    ),
    params=settings,
)
# Text between words that forms tokens once a word is replaced or removed.
@hypothesis.example(
    train=["good"],
    X=["x_y good"],
    model=Model("count", 0, 2),
    params={**TYPICAL, "token_pattern": "[a-z]+", "mask_string": "the"},
)
@hypothesis.example(
    train=["good"],
    X=["fiqlm"],
    model=Model("count", 0, 0),
    params={**TYPICAL, "token_pattern": r"\w"},
)
def test_the_shortcut_gives_the_numbers_of_the_strings(train, X, model, params):
    lime = fit_case(train, model, params)
    if lime is None or lime._shortcut is None:
        return
    fast = call(lime.explain, X)
    lime._shortcut = None
    slow = call(lime.explain, X)
    assert (fast is None) == (slow is None)
    if fast is None:
        return
    for name in [
        "word_coef",
        "standard_error",
        "intercept",
        "local_prediction",
        "score",
        "selected",
    ]:
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), name)


#: Pieces of token patterns over the characters of ``PATTERN_TEXT``: tokens
#: of one pattern can hold what the other leaves between words.
PATTERN_PIECES = ["a", "b", r"\d", "[a-z]", "_", " ", r"\w", "[^1]", r"\s", "A"]
PATTERN_TEXT = "ab12 _A-"


@st.composite
def token_patterns(draw):
    pieces = draw(st.lists(st.sampled_from(PATTERN_PIECES), min_size=1, max_size=3))
    repeats = draw(st.lists(st.sampled_from(["", "+", "?"]), min_size=3, max_size=3))
    flags = draw(st.sampled_from(["", "", "(?i)", "(?a)"]))
    return flags + "".join(p + r for p, r in zip(pieces, repeats, strict=False))


@pytest.mark.filterwarnings("ignore:The kernel leaves:UserWarning")
@given(
    X=st.lists(st.text(PATTERN_TEXT, min_size=1, max_size=8), min_size=1, max_size=3),
    token_pattern=token_patterns(),
    vectorizer_pattern=token_patterns(),
    lowercase=st.booleans(),
    mask_string=st.sampled_from([None, "A", "b_"]),
)
@hypothesis.example(
    X=["a1b2"],
    token_pattern=r"\d",
    vectorizer_pattern=r"ab\d",
    lowercase=True,
    mask_string=None,
)
def test_the_shortcut_sees_tokens_across_the_text_between_words(
    X, token_pattern, vectorizer_pattern, lowercase, mask_string
):
    """Tokens joining the text between words once words go: as the strings say."""
    vectorizer = CountVectorizer(token_pattern=vectorizer_pattern, lowercase=lowercase)
    train = [*X, "ab1 ab2 a1 b2 _a 12 A1"]
    try:
        counts = vectorizer.fit_transform(train)
    except ValueError:  # no token in any training document
        return
    model = Ridge(alpha=1e-3).fit(counts, np.arange(len(train)) % 3)
    model = FrozenEstimator(make_pipeline(vectorizer, model))
    lime = LimeTextExplainer(
        model,
        token_pattern=token_pattern,
        mask_string=mask_string,
        num_samples=30,
        alpha=0.0,
        random_state=0,
    ).fit(X)
    if lime._shortcut is None:  # a pattern that can match the empty string
        assert re.fullmatch(vectorizer_pattern, "") is not None
        return
    fast = lime.explain(X)
    lime._shortcut = None
    slow = lime.explain(X)
    np.testing.assert_array_equal(fast.word_coef, slow.word_coef)
    np.testing.assert_array_equal(fast.intercept, slow.intercept)


#: sklime's own tags in highlighted text.
_OWN_TAGS = re.compile(
    r'<p class="sklime-text">|</p>|<span style="[^"<>]*" title="[^"<>]*">|</span>'
)


@given(train=corpora, X=corpora, model=models, params=settings)
def test_html_shows_document_markup_as_text(train, X, model, params):
    lime = fit_case(train, model, params)
    if lime is None:
        return
    explanation = call(lime.explain, X)
    if explanation is None:
        return
    for row in range(len(X)):
        for output in explanation.outputs.tolist():
            html = explanation.highlight_html(row, output)
            assert "<" not in _OWN_TAGS.sub("", html), html
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "page.html")
        explanation.save_html(path, rows=range(len(X)))
        with open(path, encoding="utf-8") as page:
            text = page.read()
    for html in (text, explanation._repr_html_()):
        for tag in MARKUP:
            if tag in ("</p>", "<span"):  # sklime's own tags
                continue
            assert tag not in html, tag


# -- documents on the wide path ---------------------------------------------------
# The same promises where every document of three or more distinct words takes
# the path of documents with thousands of them.


@given(
    train=corpora,
    X=corpora,
    container=st.sampled_from(CONTAINERS),
    model=models,
    params=settings,
)
def test_wide_documents_have_the_documented_shapes(train, X, container, model, params):
    inner = test_transform_and_explain_have_the_documented_shapes.hypothesis
    with mock.patch.object(_components, "WIDE_MIN_COMPONENTS", 3):
        inner.inner_test(train, X, container, model, params)


@given(train=corpora, X=corpora, model=models, params=settings)
def test_a_wide_document_is_explained_the_same_alone_or_in_any_batch(
    train, X, model, params
):
    inner = test_a_document_is_explained_the_same_alone_or_in_any_batch.hypothesis
    with mock.patch.object(_components, "WIDE_MIN_COMPONENTS", 3):
        inner.inner_test(train, X, model, params)
