"""LimeTextExplainer: known answers, the vectorizer shortcut, batches, errors."""

import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfVectorizer,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from sklime import (
    LimeTextExplainer,
    ModelFunction,
    TextExplanation,
)
from sklime._core import _engine
from sklime._core._components import cosine_distance
from sklime._core._kernels import exponential_kernel
from sklime._core._wide import WIDE_MIN_COMPONENTS
from sklime._tabular import _explainer
from sklime._text._document import TextNoise, above_order_statistic

SIGNAL = {"great": 1, "awful": 0}


def _corpus(n_docs=120, seed=0):
    """Random filler words plus one planted signal word deciding the label."""
    rng = np.random.default_rng(seed)
    filler = [f"w{i}" for i in range(60)]
    docs, labels = [], []
    for _ in range(n_docs):
        words = list(rng.choice(filler, size=rng.integers(8, 20)))
        label = int(rng.random() < 0.5)
        words.insert(int(rng.integers(len(words))), "great" if label else "awful")
        docs.append(" ".join(words) + ".")
        labels.append(label)
    return docs, np.array(labels)


@pytest.fixture(scope="module")
def corpus():
    return _corpus()


@pytest.fixture(scope="module")
def tfidf_model(corpus):
    docs, y = corpus
    return make_pipeline(TfidfVectorizer(), LogisticRegression(C=10)).fit(docs, y)


def _linear_scorer(weights, intercept=0.5):
    """A model linear in which words are present: the known answer."""

    def score(docs):
        return np.array(
            [
                intercept + sum(weights.get(w, 0.0) for w in set(re.findall(r"\w+", d)))
                for d in docs
            ]
        )

    return ModelFunction(score)


@pytest.mark.parametrize("sampling", ["lime", "sobol"])
def test_linear_model_gives_its_weights(sampling):
    """With alpha=0, a model linear in the kept words is recovered exactly."""
    weights = {"alpha": 2.0, "beta": -1.0, "gamma": 0.5, "delta": 0.0}
    docs = ["alpha beta gamma delta", "beta, gamma; alpha alpha", "gamma delta"]
    lime = LimeTextExplainer(
        _linear_scorer(weights),
        num_samples=300,
        alpha=0.0,
        sampling=sampling,
        random_state=0,
    ).fit(docs)
    explanation = lime.explain(docs)
    for row, doc_words in enumerate(explanation.words):
        expected = [weights[w] for w in doc_words]
        got = explanation.word_coef[row, 0, : len(doc_words)]
        np.testing.assert_allclose(got, expected, atol=1e-8)
    # transform puts each word's coefficient in its vocabulary column
    coef = lime.transform(docs).toarray()
    column = lime.vocabulary_["alpha"]
    np.testing.assert_allclose(coef[:2, column], 2.0, atol=1e-8)
    assert coef[2, column] == 0  # "alpha" is not in the third document


def test_planted_words_are_top_features(corpus, tfidf_model):
    docs, y = corpus
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=1000, num_features=3, random_state=0
    ).fit(docs)
    explanation = lime.explain(docs[:15])
    for row in range(15):
        top_word, weight = explanation.as_list(row, output=1)[0]
        assert top_word in SIGNAL
        assert (weight > 0) == (SIGNAL[top_word] == 1)


VECTORIZERS = [
    CountVectorizer(),
    CountVectorizer(binary=True, lowercase=False),
    TfidfVectorizer(sublinear_tf=True, stop_words="english"),
    TfidfVectorizer(use_idf=False, norm="l1", token_pattern=r"(?u)\b\w+\b"),
    HashingVectorizer(n_features=2**10),
    HashingVectorizer(n_features=2**8, alternate_sign=False, binary=True),
    TfidfVectorizer(ngram_range=(1, 2)),  # word pairs: always through strings
    CountVectorizer(analyzer="char_wb", ngram_range=(2, 3)),  # through strings
    CountVectorizer(token_pattern=r"\S+"),  # tokens cross words: through strings
]


@pytest.mark.parametrize("vectorizer", VECTORIZERS, ids=repr)
@pytest.mark.parametrize("bow", [True, False])
def test_shortcut_equals_strings(corpus, vectorizer, bow):
    """The count shortcut gives exactly the coefficients of the string path."""
    docs, y = corpus
    docs = [*docs[:6], "The THE the, don't stop! great-awful..."]
    model = make_pipeline(clone(vectorizer), LogisticRegression()).fit(
        corpus[0] + docs[-1:], np.r_[y, 1]
    )
    lime = LimeTextExplainer(
        FrozenEstimator(model), num_samples=200, bow=bow, random_state=0
    ).fit(docs)
    fast = lime.explain(docs)
    lime._shortcut = None
    slow = lime.explain(docs)
    np.testing.assert_array_equal(fast.word_coef, slow.word_coef)
    np.testing.assert_array_equal(fast.standard_error, slow.standard_error)


@pytest.mark.parametrize(
    "doc, token_pattern, mask_string",
    [
        ("x_y good", "[a-z]+", "the"),  # the mask joins the text between words
        ("fiqlm", r"\w", None),  # removing q joins fi and lm into film
    ],
)
def test_shortcut_sees_tokens_formed_by_removal(doc, token_pattern, mask_string):
    """Text between words that forms tokens once a word goes takes strings."""
    docs = ["good film", "bad film", "the good", "the bad"]
    model = make_pipeline(CountVectorizer(), Ridge(alpha=1e-3))
    model.fit(docs, [1.0, 0.0, 0.5, -0.5])
    lime = LimeTextExplainer(
        FrozenEstimator(model),
        token_pattern=token_pattern,
        mask_string=mask_string,
        num_samples=100,
        alpha=0.0,
        random_state=0,
    ).fit([doc])
    assert lime._shortcut is not None
    fast = lime.explain([doc]).word_coef
    lime._shortcut = None
    np.testing.assert_array_equal(fast, lime.explain([doc]).word_coef)


class _CountingVectorizer(CountVectorizer):
    """A CountVectorizer that counts the documents it transforms."""

    def transform(self, raw_documents):
        self.n_transformed_ = getattr(self, "n_transformed_", 0) + len(raw_documents)
        return super().transform(raw_documents)


@pytest.mark.parametrize(
    "doc, token_pattern, vectorizer_pattern, shortcut",
    [
        ("Good film, bad plot!", r"\w+", r"(?u)\b\w\w+\b", True),
        ("good film-goers", r"\w+", r"[a-z\-]+", False),  # "-" can be in tokens
        ("a1b2", r"\d", r"ab\d", False),  # without its word 1: the token ab2
    ],
)
def test_documents_take_the_shortcut_only_when_tokens_stay_in_words(
    doc, token_pattern, vectorizer_pattern, shortcut
):
    """Strings are built only where the text between words can form tokens."""
    vectorizer = _CountingVectorizer(token_pattern=vectorizer_pattern)
    train = ["good film", "bad plot", "film-goers ab2", "ab1 good"]
    model = make_pipeline(vectorizer, Ridge(alpha=1e-3)).fit(train, [1, 0, 2, 1])
    lime = LimeTextExplainer(
        FrozenEstimator(model), token_pattern=token_pattern, num_samples=100
    ).fit([doc])
    vectorizer.n_transformed_ = 0
    fast = lime.explain([doc]).word_coef
    # The document itself always; its perturbations unless the shortcut applies.
    assert vectorizer.n_transformed_ == (1 if shortcut else 101)
    lime._shortcut = None
    np.testing.assert_array_equal(fast, lime.explain([doc]).word_coef)
    assert np.abs(fast).max() > 0.1  # the strings' tokens are seen


@pytest.mark.parametrize(
    "vectorizer",
    [
        CountVectorizer(token_pattern=r"(?<!\.)\.\.(?!\.)"),  # looks around
        CountVectorizer(token_pattern=r"\.\.", tokenizer=str.split),
        CountVectorizer(token_pattern=r"\.\.", preprocessor=str.lower),
    ],
    ids=repr,
)
def test_tokens_that_depend_on_their_context_take_strings(vectorizer):
    """Removing one word can make a token elsewhere: a..c.d from a.b.c.d.

    The pattern finds no token in the whole document nor in the document
    without its words, so only the vectorizer's settings can tell.
    """
    docs, y = ["x..y", "x.y", "a..b", "a.b"], [1, 0, 1, 0]
    model = make_pipeline(vectorizer, LogisticRegression()).fit(docs, y)
    lime = LimeTextExplainer(FrozenEstimator(model), num_samples=300, random_state=0)
    lime.fit(docs)
    assert lime._shortcut is None
    coef = lime.explain(["a.b.c.d"]).word_coef
    if vectorizer.tokenizer is None and vectorizer.preprocessor is None:
        assert np.abs(coef).max() > 1e-3  # the string path sees "a..c.d"


def test_shortcut_applies_to_single_word_vectorizers(tfidf_model):
    lime = LimeTextExplainer(FrozenEstimator(tfidf_model), num_samples=50)
    assert lime.fit(["a b"])._shortcut is not None
    pairs = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression())
    pairs.fit(["one two three", "three four five"], [0, 1])
    assert LimeTextExplainer(FrozenEstimator(pairs)).fit(["a b"])._shortcut is None


def test_same_numbers_whatever_the_batch(corpus, tfidf_model):
    docs, _ = corpus
    docs = docs[:9] + ["", "lonely"]
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=300, num_features=4, random_state=3
    ).fit(docs)
    whole = lime.transform(docs).toarray()
    reversed_ = lime.transform(docs[::-1]).toarray()[::-1]
    alone = np.vstack([lime.transform([d]).toarray() for d in docs])
    parallel = lime.set_params(n_jobs=2).transform(docs).toarray()
    for other in (reversed_, alone, parallel):
        np.testing.assert_array_equal(whole, other)


@pytest.mark.filterwarnings("ignore:The kernel leaves:UserWarning")
@pytest.mark.parametrize("sampling", ["lime", "sobol", "kernel"])
def test_documents_of_many_lengths_in_one_call_have_their_bits_alone(sampling):
    """Each length reads the first columns of draws made once for the call
    (lengths on both sides of a block of 64 columns, and of one word)."""
    filler = [f"w{i}" for i in range(100)]
    docs = [" ".join(filler[:d]) for d in (1, 2, 5, 40, 64, 65, 90)]
    model = make_pipeline(CountVectorizer(), Ridge()).fit(docs, [0, 1, 0, 1, 0, 1, 0])
    lime = LimeTextExplainer(
        FrozenEstimator(model), num_samples=200, sampling=sampling, random_state=1
    ).fit(docs)
    whole = lime.explain(docs)
    for row, document in enumerate(docs):
        alone = lime.explain([document])
        d = alone.word_coef.shape[-1]
        for field in ("word_coef", "standard_error", "intercept"):
            np.testing.assert_array_equal(
                getattr(alone, field)[0], getattr(whole, field)[row][..., :d]
            )


def test_each_chunk_is_sent_its_own_documents_only(corpus, tfidf_model, monkeypatch):
    """A worker gets its chunk's documents and noise, not the batch's."""
    docs, _ = corpus
    docs = docs[:9] + ["", "lonely"]
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=100, random_state=3
    ).fit(docs)
    expected = lime.transform(docs).toarray()
    sent = []

    def recording(plan, with_errors):
        sizes = [d.n_components for d in plan.documents]
        sent.append(sizes)
        assert plan.noise.priority.shape[1] == max(sizes)
        return chunk(plan, with_errors)

    chunk = _engine._instance_chunk
    monkeypatch.setattr(_engine, "_instance_chunk", recording)
    with sklearn.config_context(working_memory=0.25):  # a few documents per chunk
        np.testing.assert_array_equal(lime.transform(docs).toarray(), expected)
    assert sorted(n for sizes in sent for n in sizes) == sorted(
        len(set(re.findall(r"\w+", d)))
        for d in docs  # bow: distinct words
    )
    # Chunks take the documents by size, several sizes to a chunk.
    assert len(sent) > 1 and any(len(set(sizes)) > 1 for sizes in sent)
    assert all(max(a) <= min(b) for a, b in zip(sent[:-1], sent[1:], strict=True))


#: Per-document results of ``explain``, compared bit for bit.
_FIELDS = (
    "word_coef",
    "standard_error",
    "selected",
    "intercept",
    "score",
    "local_prediction",
    "model_prediction",
    "effective_sample_size",
)


def _own_numbers(explanation, row):
    """A document's results, its per-word arrays cut to its own words."""
    width = len(explanation.words[row])
    numbers = []
    for field in _FIELDS:
        value = getattr(explanation, field)[row]
        if value.ndim == 2:  # per word: the padding beyond its words is empty
            assert not value[:, width:].any()
            value = value[:, :width]
        numbers.append(value)
    return numbers


@pytest.mark.parametrize("sampling", ["lime", "sobol"])
def test_documents_of_every_length_get_their_own_numbers(corpus, tfidf_model, sampling):
    """Whatever the lengths of the other documents, their order, the chunks or
    the workers, a document's explanation has the same bits as alone."""
    docs, _ = corpus
    docs = docs[:12] + ["", "lonely", " ".join(docs[12:16])]
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model),
        num_samples=300,
        num_features=5,
        sampling=sampling,
        random_state=1,
    ).fit(docs)
    alone = [_own_numbers(lime.explain([d]), 0) for d in docs]
    batches = {"whole": lime.explain(docs)}
    batches["reversed"] = lime.explain(docs[::-1])
    with sklearn.config_context(working_memory=2):  # a few documents per chunk
        batches["chunked"] = lime.explain(docs)
    batches["parallel"] = lime.set_params(n_jobs=2).explain(docs)
    for name, explanation in batches.items():
        for row in range(len(docs)):
            position = len(docs) - 1 - row if name == "reversed" else row
            for got, expected in zip(
                _own_numbers(explanation, position), alone[row], strict=True
            ):
                np.testing.assert_array_equal(got, expected, err_msg=name)


def test_a_document_gets_the_ridge_fit_of_its_own_perturbations():
    """Batched with longer and shorter documents, a document's surrogate is the
    weighted ridge fit on its own words' perturbations, and nothing else."""
    rng = np.random.default_rng(0)
    vocabulary = [f"v{i}" for i in range(90)]
    weights = dict(zip(vocabulary, rng.normal(size=len(vocabulary)), strict=True))

    def model(docs):
        return np.tanh([sum(weights[w] for w in set(d.split())) for d in docs])

    docs = [" ".join(rng.choice(vocabulary, m, replace=False)) for m in (3, 17, 40)]
    lime = LimeTextExplainer(
        ModelFunction(model), num_samples=1000, random_state=0
    ).fit(docs)
    explanation = lime.explain(docs)
    for row, words in enumerate(explanation.words):
        m = len(words)
        keep = TextNoise.draw(lime.num_samples, m, lime._noise_seed).keep(m)
        y = model([" ".join(np.array(words)[kept]) for kept in keep])
        w = exponential_kernel(100 * cosine_distance(keep), lime.kernel_width)
        x = keep.astype(float)
        x_mean, y_mean = w @ x / w.sum(), w @ y / w.sum()
        centered = x - x_mean
        gram = centered.T @ (w[:, None] * centered)
        # lime's ridge penalty, and the solver's relative loading
        loading = lime.alpha + 1e-10 * max(np.abs(np.diag(gram)).mean(), 1.0)
        coef = np.linalg.solve(
            gram + loading * np.eye(m), centered.T @ (w * (y - y_mean))
        )
        np.testing.assert_allclose(explanation.word_coef[row, 0, :m], coef, rtol=1e-9)
        np.testing.assert_allclose(
            explanation.intercept[row, 0], y_mean - x_mean @ coef, rtol=1e-9
        )
        assert not explanation.word_coef[row, 0, m:].any()
        assert not explanation.selected[row, 0, m:].any()
        assert explanation.selected[row, 0, :m].all()


def test_sobol_masks_of_a_document_do_not_depend_on_the_batch():
    """A document's quasi-random masks are the same whatever the width of its
    batch; documents of the wide path get the independent masks of "lime"."""
    for d in (1, 2, 63, 64, 65, 130):
        alone = TextNoise.draw(101, d, 7, "sobol").keep(d)
        for width in (130, 700):
            wider = TextNoise.draw(101, width, 7, "sobol")
            np.testing.assert_array_equal(wider.keep(d), alone)
            np.testing.assert_array_equal(wider.narrow(d).keep(d), alone)
        assert alone[0].all()  # the document itself
        assert not np.array_equal(alone, TextNoise.draw(101, d, 7).keep(d))
    wide = WIDE_MIN_COMPONENTS + 5
    np.testing.assert_array_equal(
        TextNoise.draw(101, wide, 7, "sobol").keep(wide),
        TextNoise.draw(101, wide, 7).keep(wide),
    )


def test_sobol_counts_are_balanced_in_every_replicate():
    """8 replicates of 64 Sobol points: each replicate removes every count of
    1 .. d - 1 equally often, and each of d words equally often given none."""
    noise = TextNoise.draw(1 + 8 * 64, 5, 3, "sobol")
    np.testing.assert_array_equal(noise.replicates, 1 + 64 * np.arange(8))
    removed = 5 - noise.keep(5).sum(axis=1)
    assert removed[0] == 0
    for start in noise.replicates:
        counts = np.bincount(removed[start : start + 64], minlength=5)
        np.testing.assert_array_equal(counts, [0, 16, 16, 16, 16])
    single = TextNoise.draw(1 + 8 * 64, 1, 3, "sobol").keep(1)[1:, 0]
    np.testing.assert_array_equal(single.reshape(8, 64).sum(axis=1), 32)


def _tanh_spread_over_seeds(sampling, n_seeds=40):
    """Coefficients and standard errors of a 3-word document under seeds."""
    weights = {"one": 1.0, "two": 0.6, "three": 0.2}

    def model(docs):
        return np.tanh([sum(weights[w] for w in set(d.split())) for d in docs])

    doc = ["one two three"]
    coefs, errors = [], []
    for seed in range(n_seeds):
        lime = LimeTextExplainer(
            ModelFunction(model), num_samples=512, sampling=sampling, random_state=seed
        )
        explanation = lime.fit(doc).explain(doc)
        coefs.append(explanation.word_coef[0, 0])
        errors.append(explanation.standard_error[0, 0])
    return np.array(coefs), np.array(errors)


@pytest.fixture(scope="module")
def tanh_spreads():
    return {s: _tanh_spread_over_seeds(s) for s in ("lime", "sobol")}


def test_sobol_standard_errors_cover_the_spread_over_seeds(tanh_spreads):
    """From the spread between replicates of Sobol points, the reported
    errors match the spread of the coefficients over seeds."""
    coefs, errors = tanh_spreads["sobol"]
    z = (coefs - coefs.mean(axis=0)) / errors
    spread = z.std(axis=0, ddof=1)
    assert 0.7 < spread.min() and spread.max() < 1.4, spread


def test_sobol_masks_vary_less_over_seeds_than_lime_masks(tanh_spreads):
    """On a nonlinear model of three words, the coefficients of "sobol" spread
    over seeds by well under 0.7 of those of "lime", word by word."""
    lime, sobol = (tanh_spreads[s][0].std(axis=0, ddof=1) for s in ("lime", "sobol"))
    assert (sobol < 0.7 * lime).all(), (sobol, lime)
    # Both estimate the same surrogate.
    np.testing.assert_allclose(
        tanh_spreads["sobol"][0].mean(axis=0),
        tanh_spreads["lime"][0].mean(axis=0),
        atol=4 * lime.max() / np.sqrt(40),
    )


def test_kept_words_follow_the_order_of_the_priorities_themselves():
    """Sorted in single precision, which rounds neighbours to one value, the
    priorities keep the words their double precision order keeps."""
    rng = np.random.default_rng(0)
    values = rng.random((3000, 90))
    values[:, 1] = values[:, 0] + 1e-12  # equal once rounded
    values[:1000, 2] = values[:1000, 0]  # equal
    for d in (2, 3, 64, 65, 90):
        rank = rng.integers(1, d, len(values))
        order = np.sort(values[:, :d], axis=1)
        threshold = order[np.arange(len(values)), rank - 1][:, None]
        np.testing.assert_array_equal(
            above_order_statistic(values[:, :d], rank), values[:, :d] > threshold
        )


def test_random_state_reproducible_and_matters(corpus, tfidf_model):
    docs, _ = corpus
    model = FrozenEstimator(tfidf_model)
    first = LimeTextExplainer(model, num_samples=200, random_state=1).fit(docs)
    again = LimeTextExplainer(model, num_samples=200, random_state=1).fit(docs)
    other = LimeTextExplainer(model, num_samples=200, random_state=2).fit(docs)
    a, b, c = (e.transform(docs[:3]).toarray() for e in (first, again, other))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("seed", [0, 1])
def test_agrees_with_lime(corpus, tfidf_model, seed):
    """Same documents and settings: coefficients agree with lime's."""
    lime_text = pytest.importorskip("lime.lime_text")
    docs, _ = corpus
    ours = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=5000, random_state=seed
    ).fit(docs)
    explanation = ours.explain(docs[:3])
    reference = lime_text.LimeTextExplainer(random_state=seed)
    for row in range(3):
        words = explanation.words[row]
        theirs = reference.explain_instance(
            docs[row],
            tfidf_model.predict_proba,
            num_features=len(words),
            num_samples=5000,
        )
        lookup = dict(theirs.as_list(label=1))
        expected = np.array([lookup[w] for w in words])
        got = explanation.word_coef[row, 0, : len(words)]
        assert np.corrcoef(got, expected)[0, 1] > 0.95
        big = np.abs(expected) > 0.2 * np.abs(expected).max()
        relative = np.abs(got[big] - expected[big]) / np.abs(expected[big])
        assert relative.max() < 0.3


def test_transform_is_sparse_over_vocabulary(corpus, tfidf_model):
    docs, _ = corpus
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=200, num_features=2, random_state=0
    ).fit(docs)
    coef = lime.transform(["great w1 w2 unseenword", "awful"])
    assert sp.issparse(coef) and coef.format == "csr"
    assert coef.shape == (2, len(lime.vocabulary_))
    assert (coef.getnnz(axis=1) <= 2).all()
    names = lime.get_feature_names_out()
    assert names[lime.vocabulary_["great"]] == "coef_great"
    explanation = lime.explain(["great w1 w2 unseenword"])
    assert "unseenword" in explanation.words[0]


def test_multiclass_blocks():
    docs = ["red apple", "green leaf", "blue sky", "red fire", "green grass", "sky"]
    y = ["r", "g", "b", "r", "g", "b"]
    lime = LimeTextExplainer(num_samples=100, random_state=0).fit(docs, y)
    assert lime.outputs_.tolist() == ["b", "g", "r"]
    assert lime.transform(docs).shape == (6, 3 * len(lime.vocabulary_))
    assert lime.get_feature_names_out()[0] == "coef_b_apple"


def test_batch_views_use_vocabulary_columns():
    """coefficients is a sparse block of coef; rows are documents, as a list."""
    docs = ["red apple", "green leaf", "blue sky", "red fire", "green grass", "sky"]
    y = ["r", "g", "b", "r", "g", "b"]
    lime = LimeTextExplainer(num_samples=100, random_state=0).fit(docs, y)
    explanation = lime.explain(docs[:4])
    assert len(explanation) == 4
    n_words = len(lime.vocabulary_)
    green = explanation.coefficients("g")
    assert sp.issparse(green) and green.shape == (4, n_words)
    np.testing.assert_array_equal(
        green.toarray(), lime.transform(docs[:4]).toarray()[:, n_words : 2 * n_words]
    )
    with pytest.raises(ValueError, match=r"3 classes \['b', 'g', 'r'\]; pass output="):
        explanation.coefficients()
    words = explanation.descriptions(-1)
    assert words == ["red", "fire"]
    words.append("changed")  # the caller's copy
    assert explanation.descriptions(3) == ["red", "fire"]
    with pytest.raises(IndexError, match="Row 4 is out of range: .* 4 rows"):
        explanation.descriptions(4)


def test_positions_sum_into_word_columns():
    weights = {"a": 1.0, "b": -2.0}
    lime = LimeTextExplainer(
        _linear_scorer(weights), bow=False, num_samples=400, alpha=0.0, random_state=0
    ).fit(["a b a"])
    explanation = lime.explain(["a b a"])
    assert explanation.words[0] == ["a", "b", "a"]
    # positions are not additive for this model (a word counts once), but the
    # matrix sums each word's positions
    coef = lime.transform(["a b a"]).toarray()[0]
    positions = explanation.word_coef[0, 0, :3]
    assert coef[lime.vocabulary_["a"]] == pytest.approx(positions[0] + positions[2])


def test_empty_and_single_word_documents(tfidf_model):
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=200, random_state=0
    ).fit(["great", ""])
    explanation = lime.explain(["", "great", "  ...  "])
    assert explanation.as_list(0) == [] and explanation.as_list(2) == []
    np.testing.assert_allclose(
        explanation.intercept[0], explanation.model_prediction[0]
    )
    ((word, weight),) = explanation.as_list(1, output=1)
    assert word == "great" and weight > 0


def test_one_word_document_warns_that_alpha_shrinks_its_coefficient():
    """A one-word document's removals weigh exp(-8) each: alpha=1 outweighs them.

    With one component the ridge coefficient is the unpenalized one times
    g / (g + alpha) exactly, the share the warning reports; the effective
    sample size counts the removals by their weight, not their number.
    """
    lime = LimeTextExplainer(
        _linear_scorer({"good": 0.7}), num_samples=5000, random_state=0
    ).fit(["good"])
    with pytest.warns(UserWarning, match="alpha=1 shrinks coefficients of 1 of 2") as w:
        shrunk = lime.explain(["good", "..."])
    (message,) = [str(x.message) for x in w if "ridge penalty" in str(x.message)]
    assert "documents (at position 0) to as little as" in message
    assert "Use a larger kernel_width, more num_samples or a smaller alpha" in message
    unpenalized = lime.set_params(alpha=0.0).explain(["good"])
    np.testing.assert_allclose(unpenalized.word_coef[0, 0, 0], 0.7)
    share = shrunk.word_coef[0, 0, 0] / 0.7
    assert 0.3 < share < 0.6
    assert f"to as little as {100 * share:.0f}%" in message
    ess = shrunk.effective_sample_size
    assert ess[0] < 5  # about half of the 5000 perturbations remove the word
    assert f"effective sample size of {ess[0]:.1f}" in message
    assert ess[1] == 5000  # a document without words is not perturbed


def test_ordinary_documents_get_no_shrinkage_warning(corpus, tfidf_model, recwarn):
    docs, _ = corpus
    lime = LimeTextExplainer(FrozenEstimator(tfidf_model), random_state=0).fit(docs)
    explanation = lime.explain(docs[:3])
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    # Only the document's own copy is identical to it: about Kish's formula.
    assert (explanation.effective_sample_size > 2000).all()


def test_pattern_matching_the_empty_string_has_no_empty_word():
    lime = LimeTextExplainer(
        _linear_scorer({"a": 1.0}), token_pattern=r"\w*", num_samples=50
    ).fit(["a, b", "c"])
    assert sorted(lime.vocabulary_) == ["a", "b", "c"]
    assert lime.explain(["a, b"]).words == [["a", "b"]]


def test_undecodable_bytes_are_text_like_any_other(tmp_path):
    """Lone surrogates (bytes read with errors="surrogateescape") go through."""
    doc = b"caf\xe9 good \xff".decode("utf-8", "surrogateescape")
    lime = LimeTextExplainer(
        _linear_scorer({"good": 1.0, "caf": -1.0}),
        bow=False,
        mask_string="\udcff",
        num_samples=100,
        alpha=0.0,
        random_state=0,
    ).fit([doc])
    explanation = lime.explain([doc])
    assert explanation.words == [["caf", "good"]]
    np.testing.assert_allclose(explanation.word_coef[0, 0, :2], [-1, 1], atol=1e-8)
    explanation.save_html(tmp_path / "page.html")
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert r"\udce9" in page and r"\udcff</p>" in page


def test_explanation_views(corpus, tfidf_model):
    pd = pytest.importorskip("pandas")
    docs, _ = corpus
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=200, num_features=3, random_state=0
    ).fit(docs)
    explanation = lime.explain(docs[:2])
    assert isinstance(explanation, TextExplanation)
    frame = explanation.to_frame()
    assert len(frame) == 2 * 3  # binary classifier: one block
    assert isinstance(explanation.to_frame("wide"), pd.DataFrame)
    assert explanation.descriptions(0) == explanation.words[0]


def test_highlight_escapes_markup(tmp_path):
    weights = {"script": 1.0, "alert": -1.0}
    doc = "<script>alert('x')</script> & more"
    lime = LimeTextExplainer(_linear_scorer(weights), num_samples=200).fit([doc])
    explanation = lime.explain([doc])
    html = explanation.highlight_html(0)
    assert "<script" not in html and html.count("&lt;") == 2
    assert 'title="+' in html and 'title="-' in html
    path = tmp_path / "page.html"
    explanation.save_html(path)
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page and "&amp; " in page
    assert "<script" not in explanation._repr_html_()


def test_default_model_fits_text():
    docs = ["good fun", "bad dull", "good film", "dull plot"]
    lime = LimeTextExplainer(num_samples=100, random_state=0).fit(docs, [1, 0, 1, 0])
    assert lime._shortcut is not None  # tf-idf pipeline: the shortcut applies
    regression = LimeTextExplainer(num_samples=100).fit(docs, [1.5, 0.2, 1.1, 0.3])
    assert regression.outputs_.tolist() == [None]


def test_page_rows_are_checked_like_a_table(tmp_path):
    """save_html takes rows and top as for tabular explanations."""
    docs = ["good plot", "bad plot", "good fun"]
    lime = LimeTextExplainer(_linear_scorer({"good": 1.0}), num_samples=100)
    explanation = lime.fit(docs).explain(docs)
    path = tmp_path / "page.html"
    with pytest.raises(IndexError, match="Row 3 is out of range: .* 3 rows"):
        explanation.save_html(path, rows=[0, 3])
    with pytest.raises(ValueError, match="'top' parameter .* range \\[1, inf\\)"):
        explanation.save_html(path, top=0)
    explanation.save_html(path, rows=[-1], top=1)
    page = path.read_text(encoding="utf-8")
    assert page.count("<table") == 1 and "Row 2:" in page
    assert page.count('<p class="sklime-text">') == 1 and "fun" in page
    # One style for the page; each document comes before its table.
    notebook = explanation._repr_html_()
    assert notebook.count("<style>") == 1
    pieces = re.findall(r'<p class="sklime-text">|<table', notebook)
    assert pieces == ['<p class="sklime-text">', "<table"] * 3


def test_inputs_accepted(tfidf_model):
    pd = pytest.importorskip("pandas")
    docs = ["great w1", "awful w2"]
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=100, random_state=0
    ).fit(docs)
    expected = lime.transform(docs).toarray()
    for X in (
        np.array(docs),
        np.array(docs, dtype=object),
        pd.Series(docs),
        pd.DataFrame({"text": docs}),
        tuple(docs),
    ):
        np.testing.assert_array_equal(lime.transform(X).toarray(), expected)


def test_input_never_mutated(tfidf_model):
    docs = np.array(["great w1", "awful w2"], dtype=object)
    copy = docs.copy()
    LimeTextExplainer(FrozenEstimator(tfidf_model), num_samples=50).fit(docs).transform(
        docs
    )
    np.testing.assert_array_equal(docs, copy)


@pytest.mark.parametrize(
    "X, error, match",
    [
        ("just one string", TypeError, "not a single string"),
        (["ok", 3], TypeError, "Document 1 is int"),
        (["ok", None], TypeError, "Document 1 is NoneType"),
        ([["a", "b"], ["c", "d"]], TypeError, "Document 0 is list"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "must be 1-D"),
        ([], ValueError, "no document"),
    ],
)
def test_bad_documents(tfidf_model, X, error, match):
    with pytest.raises(error, match=match):
        LimeTextExplainer(FrozenEstimator(tfidf_model)).fit(X)


def test_bad_settings_and_models(tfidf_model):
    frozen = FrozenEstimator(tfidf_model)
    with pytest.raises(ValueError, match="not a valid regular expression"):
        LimeTextExplainer(frozen, token_pattern="(").fit(["a"])
    with pytest.raises(ValueError, match="DataFrame of documents must have one"):
        pd = pytest.importorskip("pandas")
        LimeTextExplainer(frozen).fit(pd.DataFrame({"a": ["x"], "b": ["y"]}))

    def broken(docs):
        raise RuntimeError("tokenizer crashed")

    with pytest.raises(ValueError, match="tokenizer crashed.*list of str"):
        LimeTextExplainer(ModelFunction(broken)).fit(["a b"])
    unfitted = make_pipeline(TfidfVectorizer(), LogisticRegression())
    with pytest.raises(ValueError, match="NotFittedError"):
        LimeTextExplainer(FrozenEstimator(unfitted)).fit(["a b"])
    with pytest.raises(ValueError, match="requires y"):
        LimeTextExplainer().fit(["a b"])
    with pytest.raises(ValueError, match="one entry per row"):
        LimeTextExplainer().fit(["a b", "c"], [1])

    def wrong_shape(docs):
        return np.ones((len(docs) + 1, 2))

    with pytest.raises(ValueError, match="returned an array of shape"):
        LimeTextExplainer(ModelFunction(wrong_shape, classes=[0, 1])).fit(["a b"])


def test_errors_of_the_default_model_fit_are_wrapped():
    with pytest.raises(ValueError, match="only one class") as info:
        LimeTextExplainer(num_samples=50).fit(["good film", "bad film"], [1, 1])
    assert str(info.value).startswith(
        "LimeTextExplainer could not fit its model: fitting the default model on "
        "the 2 training documents raised ValueError"
    )
    assert "y needs two or more classes" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(ValueError, match="empty vocabulary.*two or more characters"):
        LimeTextExplainer(num_samples=50).fit(["a b", "c d"], [0, 1])


def test_models_outside_scikit_learn(corpus, tfidf_model):
    docs, _ = corpus

    class Wrapper:  # a fitted text model of another library
        classes_ = tfidf_model.classes_

        def predict_proba(self, documents):
            return tfidf_model.predict_proba(documents)

    lime = LimeTextExplainer(
        FrozenEstimator(Wrapper()), num_samples=300, random_state=0
    ).fit(docs)
    reference = LimeTextExplainer(
        ModelFunction(tfidf_model.predict_proba, classes=tfidf_model.classes_),
        num_samples=300,
        random_state=0,
    ).fit(docs)
    np.testing.assert_array_equal(
        lime.transform(docs[:2]).toarray(), reference.transform(docs[:2]).toarray()
    )
    with pytest.raises(ValueError, match=r"ModelFunction\(rf.predict_proba"):
        LimeTextExplainer(tfidf_model.predict_proba).fit(docs)
    three = ModelFunction(lambda d: np.zeros(len(d)), classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="returned 1 column for 3 classes"):
        LimeTextExplainer(three).fit(docs)


def test_clone_pickle_and_pipeline(corpus, tfidf_model):
    docs, y = corpus
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=100, random_state=0
    ).fit(docs)
    restored = pickle.loads(pickle.dumps(lime))
    np.testing.assert_array_equal(
        restored.transform(docs[:2]).toarray(), lime.transform(docs[:2]).toarray()
    )
    assert clone(lime).get_params()["num_samples"] == 100
    pipeline = make_pipeline(
        LimeTextExplainer(FrozenEstimator(tfidf_model), num_samples=100),
        Ridge(),
    )
    pipeline.fit(docs[:20], np.arange(20.0))
    assert pipeline.predict(docs[:2]).shape == (2,)


def test_submodular_pick_over_words(corpus, tfidf_model):
    """Pick works on documents: their columns are the vocabulary's words."""
    from sklime import submodular_pick

    docs, _ = corpus
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=200, num_features=2, random_state=0
    ).fit(docs)
    from_explainer = submodular_pick(lime, 2, X=docs[:8])
    from_explanation = submodular_pick(lime.explain(docs[:8]), 2)
    from_matrix = submodular_pick(lime.transform(docs[:8]), 2)
    assert from_explainer.tolist() == from_explanation.tolist()
    assert from_explanation.tolist() == from_matrix.tolist()
    # the two picks cover both signal words
    words = {w for row in from_matrix for w, _ in lime.explain([docs[row]]).as_list(0)}
    assert {"great", "awful"} <= words


def test_model_function_refuses_what_is_not_a_function():
    with pytest.raises(ValueError, match="'function' parameter of ModelFunction must"):
        LimeTextExplainer(ModelFunction(3)).fit(["a b"])


def test_model_function_works_frozen_or_not():
    """A function needs no fitting: frozen, it explains as it does unfrozen."""

    def positive(docs):
        p = np.array([0.9 if "good" in d.split() else 0.2 for d in docs])
        return np.column_stack([1 - p, p])

    docs = ["a good film", "a bad film"]
    model = ModelFunction(positive, classes=["neg", "pos"])
    assert model.classes_.tolist() == ["neg", "pos"]  # without fit
    assert model.predict(docs).tolist() == ["pos", "neg"]
    plain = LimeTextExplainer(model, num_samples=200, random_state=0).fit(docs)
    frozen = LimeTextExplainer(FrozenEstimator(model), num_samples=200, random_state=0)
    np.testing.assert_array_equal(
        frozen.fit(docs).explain(docs).word_coef, plain.explain(docs).word_coef
    )
    assert frozen.outputs_.tolist() == ["pos"]
    scores = ModelFunction(lambda docs: np.zeros(len(docs)))
    assert not hasattr(scores, "classes_")
    with pytest.raises(AttributeError, match="Pass classes=\\[...\\]"):
        scores.predict_proba(docs)


def test_noise_of_short_documents_at_many_samples_stays_within_working_memory():
    """The noise of a 3-word document holds its 3 columns of draws, not whole
    blocks of 64: the peak stays within a small multiple of working_memory."""
    import tracemalloc

    lime = LimeTextExplainer(
        ModelFunction(lambda docs: np.array([d.count("a") for d in docs], float)),
        num_samples=60_000,
        random_state=0,
    ).fit(["a b c"])
    working_memory = 4  # MiB
    tracemalloc.start()
    try:
        with sklearn.config_context(working_memory=working_memory):
            coef = lime.transform(["a b c"]).toarray()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < 3 * working_memory
    assert coef[0, 0] == pytest.approx(1.0, abs=0.05)  # "a" counts once


def test_fit_refuses_num_samples_whose_perturbations_cannot_fit(monkeypatch):
    monkeypatch.setattr(_explainer, "_physical_memory", lambda: 2**20)
    lime = LimeTextExplainer(
        ModelFunction(lambda docs: np.zeros(len(docs))), num_samples=100_000
    )
    with pytest.raises(
        ValueError,
        match=r"num_samples=100000 needs about 0\.0 GiB for the perturbations of a "
        r"single instance .* Use a smaller num_samples \(at most 13107;",
    ):
        lime.fit(["a b"])


def test_a_document_too_long_for_memory_gets_a_clear_error(monkeypatch):
    lime = LimeTextExplainer(
        ModelFunction(lambda docs: np.zeros(len(docs))), num_samples=100
    ).fit(["a b"])
    monkeypatch.setattr(_explainer, "_physical_memory", lambda: 2**22)
    document = " ".join(f"w{i}" for i in range(1000))
    # Wider than num_samples: its system is num_samples x num_samples.
    with pytest.raises(
        ValueError,
        match=r"an instance with 1000 components needs about 0\.0 GiB \(its "
        r"surrogate's 100 x 100 moments .* split the document",
    ):
        lime.transform([document])


def test_chosen_classes_of_documents_have_the_bits_of_all_classes():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    docs = [" ".join(rng.choice(words, 10)) for _ in range(80)]
    y = rng.integers(0, 4, 80)
    model = FrozenEstimator(
        make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, y)
    )
    params = {"num_samples": 300, "num_features": 4, "random_state": 0}
    every = LimeTextExplainer(model, **params).fit(docs).explain(docs[:5])
    lime = LimeTextExplainer(model, labels=3, **params).fit(docs)
    chosen = lime.explain(docs[:5])
    order = np.argsort(-model.predict_proba(docs[:5]), axis=1, kind="stable")
    np.testing.assert_array_equal(chosen.row_outputs, order[:, :3])
    np.testing.assert_array_equal(
        chosen.word_coef,
        np.take_along_axis(every.word_coef, order[:, :3, None], axis=1),
    )
    assert lime.get_feature_names_out()[0] == "coef_rank0_w0"
    assert lime.transform(docs[:5]).shape == (5, 3 * len(lime.vocabulary_))
    first = order[0, 0]
    assert chosen.as_list(0) == every.as_list(0, output=first)
    assert chosen.highlight_html(0) == every.highlight_html(0, output=first)


def test_binary_documents_show_either_class(corpus, tfidf_model):
    docs, _ = corpus
    lime = LimeTextExplainer(
        FrozenEstimator(tfidf_model), num_samples=300, random_state=0
    ).fit(docs)
    exp = lime.explain(docs[:2])
    negative = exp.as_list(0, output=0)
    assert negative == [(w, -c) for w, c in exp.as_list(0, output=1)]
    np.testing.assert_array_equal(
        exp.to_frame("wide").to_numpy(), lime.transform(docs[:2]).toarray()
    )
    # The negative class's colors are the mirror of the positive class's.
    assert exp.highlight_html(0, output=0) != exp.highlight_html(0, output=1)
