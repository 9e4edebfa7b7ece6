"""Benchmark LimeTextExplainer against lime's LimeTextExplainer, in one run.

The corpus is cut from the dataset descriptions scikit-learn ships (real
English, no download): windows of ``--words`` words, labelled by whether they
come from a medical data set (breast cancer, diabetes) or another. The model
is ``TfidfVectorizer`` followed by ``LogisticRegression``. Both explainers use
5000 perturbations per document, in two settings: ``all words`` keeps every
word (sklime ``feature_selection="none"``, lime ``num_features`` = the
document's number of words) and ``lime default`` keeps 10 (``num_features=10``
with lime's "auto" selection, highest weights, in both).

Section ``speed`` gives, per document length, seconds per document of:

* lime (its model calls timed separately: ``lime model`` is the share of its
  time spent in ``predict_proba``, and ``lime overhead`` its time over that);
* sklime through the vectorizer shortcut (the default for such a pipeline);
* sklime through strings (the model wrapped in ``ModelFunction``, so that it
  gets the perturbed strings), with ``overhead`` its time over the model's own
  time on those strings (``model s/doc``, timed inside the same run; best of
  three runs);
* ``shortcut / lime`` and ``strings / lime``: lime's time over sklime's (how
  many times faster sklime is).

Section ``lengths`` gives sklime's milliseconds per document (through the
shortcut, every word kept) on ``--length-docs`` documents of one length (50
distinct words each) and on as many of lengths spread evenly from 20 to 80
words (as many distinct lengths as documents, up to 61), built from the same
descriptions: the surrogates of documents of one length share one design,
those of different lengths each need their own. lime, which explains one
document at a time, is timed on ``--lime-docs`` of each.

Section ``memory`` explains ``--n-memory`` documents through the shortcut and
reports the traced peak memory (``tracemalloc``) against scikit-learn's
``working_memory``.

Run with ``python benchmarks/bench_text.py [--sections speed lengths memory]
[--threads 1]`` (needs the ``lime`` package: ``pip install -e ".[benchmark]"``;
on a busy machine multi-threaded BLAS runs many times slower than one thread,
and ``--threads 1`` gives stable numbers).
"""

import pathlib
import re
import time
import tracemalloc

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from _common import ModelClock, Table, best_transform, run_sections, section_parser
from sklime import LimeTextExplainer, ModelFunction

NUM_SAMPLES = 5000
MEDICAL = ("breast_cancer", "diabetes")


def descriptions():
    """The text of scikit-learn's data set descriptions, by file name."""
    folder = pathlib.Path(sklearn.datasets.__file__).parent / "descr"
    return {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*.rst"))
    }


def corpus(n_words):
    """Windows of ``n_words`` words of scikit-learn's data set descriptions."""
    docs, labels = [], []
    for name, text in descriptions().items():
        words = re.findall(r"\S+", text)
        step = max(n_words // 4, 1)
        for start in range(0, max(len(words) - n_words, 1), step):
            docs.append(" ".join(words[start : start + n_words]))
            labels.append(int(name in MEDICAL))
    return docs, np.array(labels)


def distinct_words(lengths, seed=0):
    """Documents of exactly ``lengths[i]`` distinct words each.

    Each is the first so many distinct words (lower case, as the model sees
    them) from a random place of the descriptions, in their order.
    """
    words = re.findall(r"\w+", " ".join(descriptions().values()).lower())
    rng = np.random.default_rng(seed)
    docs = []
    for n_words in lengths:
        start = int(rng.integers(len(words) - 50 * n_words))
        seen = dict.fromkeys(words[start : start + 50 * n_words])
        docs.append(" ".join(list(seen)[:n_words]))
    return docs


def probabilities(model):
    """``model.predict_proba`` of a list of the given texts."""
    return lambda texts: model.predict_proba(list(texts))


#: The settings compared: lime's ``num_features`` and sklime's parameters.
SETTINGS = {
    "all words": (None, {"feature_selection": "none"}),
    "lime default": (10, {"num_features": 10}),
}


def lime_per_doc(model, docs, num_features):
    """lime's seconds per document, and the part of it spent in the model."""
    from lime.lime_text import LimeTextExplainer as Reference

    clock = ModelClock(probabilities(model))
    explainer = Reference(random_state=0)
    # Counted before the clock starts, so that only lime is timed.
    n_words = [num_features or len(set(re.findall(r"\w+", doc))) for doc in docs]
    start = time.perf_counter()
    for doc, n_features in zip(docs, n_words, strict=True):
        explainer.explain_instance(
            doc, clock, num_features=n_features, num_samples=NUM_SAMPLES
        )
    total = time.perf_counter() - start
    return total / len(docs), clock.seconds / len(docs)


def sklime_per_doc(estimator, docs, train, params, clock=None):
    """sklime's best seconds per document, and the model's part of that run."""
    explainer = LimeTextExplainer(
        estimator, num_samples=NUM_SAMPLES, random_state=0, **params
    ).fit(train)
    total, model = best_transform(explainer, docs, clock)
    return total / len(docs), model / len(docs)


def speed(args):
    table = Table(
        [
            ("setting", 12, "s"),
            ("words", 6, "d"),
            ("lime s/doc", 10, ".3f"),
            ("lime model", 10, ".3f"),
            ("lime ovh", 8, ".2f"),
            ("shortcut s/doc", 14, ".4f"),
            ("shortcut / lime", 15, ".1f"),
            ("strings s/doc", 13, ".4f"),
            ("model s/doc", 11, ".4f"),
            ("overhead", 8, ".2f"),
            ("strings / lime", 14, ".1f"),
        ]
    )
    table.header()
    for n_words in args.words:
        docs, labels = corpus(n_words)
        model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10))
        model.fit(docs, labels)
        rng = np.random.default_rng(0)
        picked = [docs[i] for i in rng.choice(len(docs), args.docs, replace=False)]
        for setting, (lime_features, params) in SETTINGS.items():
            lime_s, lime_model = lime_per_doc(
                model, picked[: args.lime_docs], lime_features
            )
            fast, _ = sklime_per_doc(FrozenEstimator(model), picked, docs, params)
            # Frozen: fitting would clone the function, and with it the clock.
            clock = ModelClock(probabilities(model))
            wrapped = ModelFunction(clock, classes=model.classes_).fit()
            slow, model_s = sklime_per_doc(
                FrozenEstimator(wrapped), picked, docs, params, clock
            )
            table.row(
                [
                    setting,
                    n_words,
                    lime_s,
                    lime_model,
                    lime_s / lime_model,
                    fast,
                    lime_s / fast,
                    slow,
                    model_s,
                    slow / model_s,
                    lime_s / slow,
                ]
            )


def lengths(args):
    docs, labels = corpus(60)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10))
    model.fit(docs, labels)
    table = Table(
        [
            ("documents", 20, "s"),
            ("lengths", 7, "d"),
            ("sklime ms/doc", 13, ".2f"),
            ("lime ms/doc", 11, ".0f"),
            ("lime / sklime", 13, ".0f"),
        ]
    )
    table.header()
    cases = {
        "one length (50)": [50] * args.length_docs,
        "lengths 20 to 80": np.linspace(20, 80, args.length_docs).round().astype(int),
    }
    for name, words in cases.items():
        picked = distinct_words(words)
        fast, _ = sklime_per_doc(
            FrozenEstimator(model), picked, docs, SETTINGS["all words"][1]
        )
        step = max(len(picked) // args.lime_docs, 1)
        lime_s, _ = lime_per_doc(model, picked[::step][: args.lime_docs], None)
        table.row([name, len(set(words)), 1e3 * fast, 1e3 * lime_s, lime_s / fast])


def memory(args):
    docs, labels = corpus(60)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10))
    model.fit(docs, labels)
    rng = np.random.default_rng(0)
    many = [docs[i] for i in rng.integers(len(docs), size=args.n_memory)]
    explainer = LimeTextExplainer(
        FrozenEstimator(model), num_samples=NUM_SAMPLES, random_state=0
    ).fit(docs)
    working = sklearn.get_config()["working_memory"]
    tracemalloc.start()
    start = time.perf_counter()
    coef = explainer.transform(many)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        f"{len(many)} documents of 60 words: {elapsed:.1f} s "
        f"({1e3 * elapsed / len(many):.1f} ms/doc), traced peak {peak:.0f} MiB "
        f"with working_memory={working} MiB; result {coef.shape}, {coef.nnz} "
        "non-zeros"
    )


SECTIONS = {"speed": speed, "lengths": lengths, "memory": memory}


def main():
    parser = section_parser(__doc__.splitlines()[0], SECTIONS)
    parser.add_argument("--words", nargs="+", type=int, default=[60, 300])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--lime-docs", type=int, default=5)
    parser.add_argument("--length-docs", type=int, default=60)
    parser.add_argument("--n-memory", type=int, default=10_000)
    run_sections(parser, SECTIONS)


if __name__ == "__main__":
    main()
