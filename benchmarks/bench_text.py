"""Benchmark LimeTextExplainer against lime's LimeTextExplainer, in one run.

The corpus is cut from the dataset descriptions scikit-learn ships (real
English, no download): windows of ``--words`` words, labeled by whether they
come from a medical data set (breast cancer, diabetes) or another. The model
is ``TfidfVectorizer`` followed by ``LogisticRegression``. Both explainers use
5000 perturbations per document, in two settings: ``all words`` keeps every
word (sklime ``feature_selection="none"``, lime ``num_features`` = the
document's number of words) and ``lime default`` keeps 10 (``num_features=10``
with lime's "auto" selection, highest weights, in both).

Section ``speed`` gives, per document length, seconds per document of:

* lime, one document per call (its model calls timed separately: ``lime
  model`` is the share of its time spent in ``predict_proba``, and ``lime
  overhead`` its time over that);
* sklime through the vectorizer shortcut (the default for such a pipeline),
  ``--docs`` documents in one call and (``1/call``) the first ``--lime-docs``
  one per call;
* sklime through strings (the model wrapped in ``ModelFunction``, so that it
  gets the perturbed strings), in one call, with ``overhead`` its time over
  the model's own time on those strings (``model s/doc``, timed inside the
  same run; best of three runs), and one per call (``str 1/call``);
* ``... / lime``: lime's time over sklime's (how many times faster sklime is).

Section ``lengths`` compares a corpus of equal-length documents with one of
mixed lengths: ``--length-docs`` documents (60) of exactly as many distinct
words each (the mean of ``--length-words``, 50) against as many of 20 to 80
distinct words (uniform), the same model (fitted on 60-word windows) and both
settings. It gives sklime's ms per document one document per call (in turn,
until all are done or they took ``--length-seconds``) and all of them in one
call (documents with as many words share one weighted Gram matrix in a
batch), each the best of up to three runs (repeated while under 15 s in
all), the mixed corpus's over the equal one's (``/ equal``: what many
lengths cost per document), and lime's ms per document on the first
``--lime-docs``, for reference.

Section ``memory`` explains ``--n-memory`` documents through the shortcut and
reports the traced peak memory (``tracemalloc``) against scikit-learn's
``working_memory``.

Every section runs with the process's default threads, as a user's would;
``--threads 1`` limits every pool to one thread for the whole run (stable
numbers on a busy machine), ``--blas-threads 1,default,16`` repeats each
section at each BLAS thread setting and ``--busy 0,2`` idle and beside two
busy processes (see ``_common.add_run_options``); ``--markdown`` prints the
tables as Markdown. For example::

    python benchmarks/bench_text.py --sections lengths \\
        --blas-threads 1,default,16 --busy 0,2

Needs the ``lime`` package (``pip install -e ".[benchmark]"``).
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

from _common import (
    ModelClock,
    Table,
    best_transform,
    per_call_seconds,
    run_sections,
    section_parser,
    sklime_seconds,
)
from sklime import LimeTextExplainer, ModelFunction

NUM_SAMPLES = 5000
MEDICAL = ("breast_cancer", "diabetes")


def descriptions():
    """``(name, text)`` of every data set description scikit-learn ships."""
    folder = pathlib.Path(sklearn.datasets.__file__).parent / "descr"
    return [
        (path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.rst"))
    ]


def corpus(n_words):
    """Windows of ``n_words`` words of scikit-learn's data set descriptions."""
    docs, labels = [], []
    for name, text in descriptions():
        words = re.findall(r"\S+", text)
        step = max(n_words // 4, 1)
        for start in range(0, max(len(words) - n_words, 1), step):
            docs.append(" ".join(words[start : start + n_words]))
            labels.append(int(name in MEDICAL))
    return docs, np.array(labels)


def distinct_word_docs(counts, seed):
    """Documents of exactly ``counts[k]`` distinct words (``\\w+``, as both
    explainers count them): runs of consecutive words of scikit-learn's data
    set descriptions from random starting points, joined by spaces."""
    texts = [re.findall(r"\w+", text) for _, text in descriptions()]
    rng = np.random.default_rng(seed)
    docs = []
    for n_distinct in counts:
        while True:
            words = texts[rng.integers(len(texts))]
            start = end = int(rng.integers(len(words)))
            seen = set()
            while end < len(words) and len(seen) < n_distinct:
                seen.add(words[end])
                end += 1
            if len(seen) == n_distinct:
                docs.append(" ".join(words[start:end]))
                break
    return docs


def text_model():
    """The model explained: ``TfidfVectorizer`` and ``LogisticRegression``
    fitted on windows of 60 words, and those windows (the explainers' fit)."""
    docs, labels = corpus(60)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10))
    return model.fit(docs, labels), docs


def probabilities(model):
    """``model.predict_proba`` of a list of the given texts."""
    return lambda texts: model.predict_proba(list(texts))


#: The settings compared: lime's ``num_features`` and sklime's parameters.
SETTINGS = {
    "all words": (None, {"feature_selection": "none"}),
    "lime default": (10, {"num_features": 10}),
}


def lime_per_doc(model, docs, num_features):
    """lime's seconds per document, one document per call, and the part of it
    spent in the model."""
    from lime.lime_text import LimeTextExplainer as Reference

    clock = ModelClock(probabilities(model))
    explainer = Reference(random_state=0)
    # Counted before the clock starts, so that only lime is timed.
    n_words = [num_features or len(set(re.findall(r"\w+", doc))) for doc in docs]
    # A warm-up (few samples), so that lime's first call pays no lazy set-up.
    explainer.explain_instance(docs[0], clock, num_features=n_words[0], num_samples=100)
    clock.seconds = 0.0
    start = time.perf_counter()
    for doc, n_features in zip(docs, n_words, strict=True):
        explainer.explain_instance(
            doc, clock, num_features=n_features, num_samples=NUM_SAMPLES
        )
    total = time.perf_counter() - start
    return total / len(docs), clock.seconds / len(docs)


def sklime_per_doc(estimator, docs, train, params, clock=None, one_per_call=0):
    """sklime's best seconds per document with all ``docs`` in one call, the
    model's part of that run, and its best seconds per document over the
    first ``one_per_call`` documents explained one per call (None if 0)."""
    explainer = LimeTextExplainer(
        estimator, num_samples=NUM_SAMPLES, random_state=0, **params
    ).fit(train)
    total, model = best_transform(explainer, docs, clock)
    single = None
    if one_per_call:
        single, _ = per_call_seconds(
            lambda doc: explainer.transform([doc]),
            docs,
            max_calls=one_per_call,
            budget=np.inf,
        )
    return total / len(docs), model / len(docs), single


def speed(args):
    """Section ``speed``: lime against sklime (shortcut and strings) per
    document, by document length, all documents in one call and one per call."""
    print(
        f"sklime: {args.docs} documents in one call (best of 3 runs) and the "
        f"first {args.lime_docs} one per call (1/call); lime: {args.lime_docs} "
        "documents; x / lime: lime's time over sklime's"
    )
    table = Table(
        [
            ("setting", 12, "s"),
            ("words", 6, "d"),
            ("lime s/doc", 10, ".3f"),
            ("lime model", 10, ".3f"),
            ("lime ovh", 8, ".2f"),
            ("shortcut s/doc", 14, ".4f"),
            ("shortcut / lime", 15, ".1f"),
            ("1/call s/doc", 12, ".4f"),
            ("1/call / lime", 13, ".1f"),
            ("strings s/doc", 13, ".4f"),
            ("model s/doc", 11, ".4f"),
            ("overhead", 8, ".2f"),
            ("strings / lime", 14, ".1f"),
            ("str 1/call s/doc", 16, ".4f"),
            ("str 1/call / lime", 17, ".1f"),
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
            fast, _, fast_one = sklime_per_doc(
                FrozenEstimator(model),
                picked,
                docs,
                params,
                one_per_call=args.lime_docs,
            )
            # Frozen: fitting would clone the function, and with it the clock.
            clock = ModelClock(probabilities(model))
            wrapped = ModelFunction(clock, classes=model.classes_).fit()
            slow, model_s, slow_one = sklime_per_doc(
                FrozenEstimator(wrapped),
                picked,
                docs,
                params,
                clock,
                one_per_call=args.lime_docs,
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
                    fast_one,
                    lime_s / fast_one,
                    slow,
                    model_s,
                    slow / model_s,
                    lime_s / slow,
                    slow_one,
                    lime_s / slow_one,
                ]
            )


def lengths(args):
    """Section ``lengths``: ms per document of a corpus of equal-length
    documents against one of mixed lengths, one per call and in one call."""
    low, high = args.length_words
    middle = (low + high) // 2
    n_docs = args.length_docs
    model, train = text_model()
    counts = np.random.default_rng(0).integers(low, high + 1, size=n_docs)
    corpora = {
        f"equal, {middle} words": distinct_word_docs([middle] * n_docs, seed=1),
        f"mixed, {low}-{high} words": distinct_word_docs(counts, seed=2),
    }
    print(
        f"{n_docs} documents per corpus (distinct words); sklime one per call "
        f"(1/call: in turn until all are done or they took {args.length_seconds:g}"
        f" s) and all {n_docs} in one call, each the best of up to 3 runs; lime "
        f"on the first {args.lime_docs}, for reference; x / lime: lime's time "
        "over sklime's"
    )
    table = Table(
        [
            ("setting", 12, "s"),
            ("corpus", 22, "s"),
            ("lime ms/doc", 11, ".1f"),
            ("1/call ms/doc", 13, ".1f"),
            ("batch ms/doc", 12, ".1f"),
            ("1/call / lime", 13, ".1f"),
            ("batch / lime", 12, ".1f"),
            ("1/call / equal", 14, ".2f"),
            ("batch / equal", 13, ".2f"),
        ]
    )
    table.header()
    for setting, (lime_features, params) in SETTINGS.items():
        equal = None
        for name, docs in corpora.items():
            lime_s, _ = lime_per_doc(model, docs[: args.lime_docs], lime_features)
            explainer = LimeTextExplainer(
                FrozenEstimator(model),
                num_samples=NUM_SAMPLES,
                random_state=0,
                **params,
            ).fit(train)
            batch, _ = sklime_seconds(explainer, docs)
            one, _ = per_call_seconds(
                lambda doc, explainer=explainer: explainer.transform([doc]),
                docs,
                max_calls=n_docs,
                budget=args.length_seconds,
            )
            equal = equal or (one, batch)
            table.row(
                [
                    setting,
                    name,
                    1e3 * lime_s,
                    1e3 * one,
                    1e3 * batch / n_docs,
                    lime_s / one,
                    lime_s * n_docs / batch,
                    one / equal[0],
                    batch / equal[1],
                ]
            )


def memory(args):
    """Section ``memory``: the traced peak of explaining many documents."""
    model, docs = text_model()
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
    parser.add_argument(
        "--length-docs", type=int, default=60, help="documents per corpus (lengths)"
    )
    parser.add_argument(
        "--length-words",
        nargs=2,
        type=int,
        default=[20, 80],
        metavar=("LOW", "HIGH"),
        help="distinct words of the mixed corpus; the equal one has their mean",
    )
    parser.add_argument(
        "--length-seconds",
        type=float,
        default=5.0,
        help="time budget of the one-per-call loop (lengths; 5)",
    )
    parser.add_argument("--n-memory", type=int, default=10_000)
    run_sections(parser, SECTIONS)


if __name__ == "__main__":
    main()
