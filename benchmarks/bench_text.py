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

Section ``memory`` explains ``--n-memory`` documents through the shortcut and
reports the traced peak memory (``tracemalloc``) against scikit-learn's
``working_memory``.

Run with ``python benchmarks/bench_text.py [--sections speed memory]
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


def corpus(n_words):
    """Windows of ``n_words`` words of scikit-learn's data set descriptions."""
    folder = pathlib.Path(sklearn.datasets.__file__).parent / "descr"
    docs, labels = [], []
    for path in sorted(folder.glob("*.rst")):
        words = re.findall(r"\S+", path.read_text(encoding="utf-8"))
        step = max(n_words // 4, 1)
        for start in range(0, max(len(words) - n_words, 1), step):
            docs.append(" ".join(words[start : start + n_words]))
            labels.append(int(path.stem in MEDICAL))
    return docs, np.array(labels)


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


SECTIONS = {"speed": speed, "memory": memory}


def main():
    parser = section_parser(__doc__.splitlines()[0], SECTIONS)
    parser.add_argument("--words", nargs="+", type=int, default=[60, 300])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--lime-docs", type=int, default=5)
    parser.add_argument("--n-memory", type=int, default=10_000)
    run_sections(parser, SECTIONS)


if __name__ == "__main__":
    main()
