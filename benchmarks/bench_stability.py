"""Stability of explanations over seeds: sklime beside lime, in the same run.

Section ``defaults``: on ``load_diabetes`` with ``RandomForestRegressor`` and
``load_breast_cancer`` with ``RandomForestClassifier`` (100 trees each),
``--rows`` rows are explained with ``--seeds`` seeds and ``num_features=5``.
For each row the top-5 feature sets of every pair of seeds are compared
(Jaccard index); the table gives the mean, the mean coefficient spread
(standard deviation over seeds) and the time per row: for sklime, fitting the
explainer once per seed and one ``transform`` of all the rows per seed; for
lime, one ``explain_instance`` per row and seed. The last column is sklime's
time for a single row (fit and ``transform`` of one row): under marginal
sampling the model is queried on all ``num_samples`` perturbations once per
``transform`` call, so a batch of one pays it alone (lime's time per row does
not depend on the batch). The row "top 5 by |coef| of all features" ranks the
coefficients of the surrogate on every feature instead of lime's forward
selection (``feature_selection="auto"`` for 5 features).

Both sides run with the process's default threads, as a user's would
(``--threads 1`` limits every pool to one thread, for the steady comparison;
``--blas-threads`` and ``--busy`` repeat the sections at other BLAS thread
settings and beside busy processes, see ``_common.add_run_options``), and
every time is the best of ``--repeat`` runs (the explanations are the same in
every run).

Section ``narrow``: the same on ``load_diabetes`` at narrow kernel widths,
``sampling="local"`` (draws around the row, weighted by the kernel; lime's
``sample_around_instance=True``) against ``sampling="gaussian"`` (draws from
the kernel's own distribution, weighted uniformly).

Section ``text``: ``--docs`` documents x ``--seeds`` seeds with every
default of both explainers (lime: 5000 perturbations), the surrogate on all
words and its top 5 by absolute coefficient compared across seeds. Two
corpora: ``bench_text``'s (windows of 60 words of scikit-learn's data set
descriptions, ``TfidfVectorizer`` and ``LogisticRegression``), and whole
descriptions cut at 150 words, explained with the same model. sklime's time
per document is one fit and one ``transform`` of all documents per seed;
lime's one ``explain_instance`` per document and seed; ``/ lime`` is
sklime's time over lime's. Rows: sklime's defaults (``sampling="lime"``),
the kernel's own masks (``sampling="kernel"``), the defaults at 20000
samples, and the masks of scrambled Sobol sequences (``sampling="sobol"``)
at 5000, 20000 and 100000 samples.

Section ``image``: the same with ``--photos`` photos of 96 x 96 pixels (cut
from scikit-learn's sample images, and scikit-image's astronaut, coffee, cat
and rocket, resized), slic with 40 segments on both sides, the mean fill,
and a cheap nonlinear model (``warm_edges``: warm colors and edges).

Run with ``python benchmarks/bench_stability.py [--sections defaults narrow
text image] [--threads 1] [--quick]`` (needs the ``lime`` package and
scikit-image: ``pip install -e ".[benchmark]"``); ``--quick`` explains 3
documents and 2 photos per case.
"""

import contextlib
import io
import warnings
from itertools import combinations

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from _common import Table, load_average, run_sections, section_parser, timed
from sklime import LimeExplainer, LimeImageExplainer, LimeTextExplainer, ModelFunction


def _jaccard_and_spread(coefs):
    """Mean top-5 Jaccard over seed pairs and mean coefficient spread.

    ``coefs`` has shape (n_seeds, n_rows, n_features), zero where a feature
    is not selected.
    """
    sets = [[set(np.flatnonzero(row)) for row in seed] for seed in coefs]
    scores = [
        len(a[i] & b[i]) / len(a[i] | b[i])
        for a, b in combinations(sets, 2)
        for i in range(coefs.shape[1])
    ]
    return float(np.mean(scores)), float(coefs.std(axis=0, ddof=1).mean())


def _sklime(case, seed, rows, params):
    """sklime's coefficients of ``rows`` (fit included) with ``num_features=5``.

    ``top_by_coef`` fits the surrogate on every feature and keeps the five
    largest absolute coefficients instead.
    """
    params = dict(params)
    top_by_coef = params.pop("top_by_coef", False)
    lime = LimeExplainer(
        FrozenEstimator(case["model"]),
        num_features=None if top_by_coef else 5,
        random_state=seed,
    )
    coef = lime.set_params(**params).fit(case["X"]).transform(rows)
    if top_by_coef:
        top = np.argsort(-np.abs(coef), axis=1, kind="stable")[:, :5]
        kept = np.zeros(coef.shape, dtype=bool)
        np.put_along_axis(kept, top, True, axis=1)
        coef = np.where(kept, coef, 0.0)
    return coef


def run_sklime(case, seeds, repeat=1, **params):
    rows = case["rows"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # narrow kernels: small ESS
        elapsed, coefs = timed(
            lambda: [_sklime(case, seed, rows, params) for seed in seeds],
            max_repeat=repeat,
            min_total=np.inf,
        )
        single, _ = timed(
            lambda: _sklime(case, seeds[0], rows[:1], params),
            max_repeat=repeat,
            min_total=np.inf,
        )
    per_row = elapsed / (len(seeds) * len(rows))
    return (*_jaccard_and_spread(np.array(coefs)), per_row, single)


def run_lime(case, seeds, repeat=1, **params):
    with warnings.catch_warnings():
        # Narrow kernels: lime's ridge solves warn about ill-conditioning.
        warnings.simplefilter("ignore")
        elapsed, coefs = timed(
            lambda: [_lime_coefs(case, seed, params) for seed in seeds],
            max_repeat=repeat,
            min_total=np.inf,
        )
    per_row = elapsed / (len(seeds) * len(case["rows"]))
    return (*_jaccard_and_spread(np.array(coefs)), per_row, per_row)


def _lime_coefs(case, seed, params):
    """lime's top-5 coefficients of every row for one seed (zero elsewhere)."""
    from lime.lime_tabular import LimeTabularExplainer

    model, X, rows = case["model"], case["X"], case["rows"]
    classifier = hasattr(model, "predict_proba")
    predict = model.predict_proba if classifier else model.predict
    explainer = LimeTabularExplainer(
        X,
        mode="classification" if classifier else "regression",
        random_state=seed,
        **params,
    )
    seed_coefs = np.zeros((len(rows), X.shape[1]))
    for i, row in enumerate(rows):
        # Label 1: the positive class, and where lime files a regression.
        exp = explainer.explain_instance(row, predict, num_features=5, labels=(1,))
        for j, weight in exp.local_exp[1]:
            seed_coefs[i, j] = weight
    return seed_coefs


def load_cases(n_rows):
    X, y = load_diabetes(return_X_y=True)
    diabetes = RandomForestRegressor(n_estimators=100, random_state=0).fit(X, y)
    Xc, yc = load_breast_cancer(return_X_y=True)
    cancer = RandomForestClassifier(n_estimators=100, random_state=0).fit(Xc, yc)
    return {
        "diabetes, random forest": {"model": diabetes, "X": X, "rows": X[:n_rows]},
        "breast cancer, random forest": {
            "model": cancer,
            "X": Xc,
            "rows": Xc[:n_rows],
        },
    }


DEFAULT_CASES = [
    ("sklime defaults", run_sklime, {}),
    ("sklime num_samples=5000", run_sklime, {"num_samples": 5000}),
    ("sklime num_samples=8192", run_sklime, {"num_samples": 8192}),
    ("sklime num_samples=32768", run_sklime, {"num_samples": 32768}),
    ("sklime num_samples=65536", run_sklime, {"num_samples": 65536}),
    (
        "sklime num_samples=8192, top 5 by |coef|",
        run_sklime,
        {"num_samples": 8192, "top_by_coef": True},
    ),
    ("sklime defaults, top 5 by |coef|", run_sklime, {"top_by_coef": True}),
    ("sklime sampler='random'", run_sklime, {"sampler": "random"}),
    ("sklime discretizer='quartile'", run_sklime, {"discretizer": "quartile"}),
    ("lime discretize_continuous=False", run_lime, {"discretize_continuous": False}),
    ("lime defaults (quartile)", run_lime, {}),
]


def narrow_cases(widths):
    cases = []
    for width in widths:
        cases += [
            (
                f"lime sample_around_instance, w={width}",
                run_lime,
                {
                    "discretize_continuous": False,
                    "sample_around_instance": True,
                    "kernel_width": width,
                },
            ),
            (
                f"sklime sampling='local', w={width}",
                run_sklime,
                {"sampling": "local", "kernel_width": width},
            ),
            (
                f"sklime sampling='gaussian', w={width}",
                run_sklime,
                {"sampling": "gaussian", "kernel_width": width},
            ),
        ]
    return cases


def _table(title, case, runs, seeds, repeat):
    print(f"\n{title} (load average {load_average()})")
    table = Table(
        [
            ("setting", 42, "s"),
            ("top-5 Jaccard", 13, ".3f"),
            ("coef spread", 11, ".4f"),
            ("ms/row", 8, ".1f"),
            ("ms, 1 row", 10, ".1f"),
        ]
    )
    table.header()
    for name, run, params in runs:
        jaccard, spread, seconds, single = run(case, seeds, repeat, **params)
        table.row([name, jaccard, spread, 1000 * seconds, 1000 * single])


def _warm_up(cases):
    """Import and run both sides once, so that no timed run pays for it."""
    from lime.lime_tabular import LimeTabularExplainer

    case = next(iter(cases.values()))
    _sklime(case, 0, case["rows"][:1], {"num_samples": 256})
    LimeTabularExplainer(case["X"], mode="regression").explain_instance(
        case["rows"][0], case["model"].predict, num_samples=256
    )


def _prepare(args):
    """The cases and seeds, after a warm-up of both sides."""
    print(
        f"{args.rows} rows x {args.seeds} seeds, num_features=5, best of "
        f"{args.repeat} run(s); lime: 5000 samples"
    )
    cases = load_cases(args.rows)
    _warm_up(cases)
    return cases, list(range(args.seeds))


def defaults(args):
    """Section ``defaults``: stability and time per row of sklime's settings
    and lime's on the two forests."""
    cases, seeds = _prepare(args)
    for title, case in cases.items():
        _table(title, case, DEFAULT_CASES, seeds, args.repeat)


def narrow(args):
    """Section ``narrow``: narrow kernel widths on the diabetes forest, local
    against gaussian sampling."""
    cases, seeds = _prepare(args)
    title = "diabetes, random forest"
    _table(
        f"{title}, narrow kernels",
        cases[title],
        narrow_cases([0.1, 0.3]),
        seeds,
        args.repeat,
    )


def _top5(coef):
    """``coef`` (n, d) with all but each row's 5 largest absolute values zeroed."""
    coef = np.asarray(coef)
    top = np.argsort(-np.abs(coef), axis=1, kind="stable")[:, :5]
    kept = np.zeros(coef.shape, dtype=bool)
    np.put_along_axis(kept, top, True, axis=1)
    return np.where(kept, coef, 0.0)


def _instance_table(title, runs, seeds, n_instances):
    """Top-5 Jaccard, spread and time per instance of each run beside lime's.

    ``runs`` maps a name to ``run(seed) -> coef`` of shape (n_instances, d);
    the run named ``"lime defaults"`` is the reference of ``/ lime``.
    """
    print(f"\n{title} (load average {load_average()})")
    table = Table(
        [
            ("setting", 30, "s"),
            ("top-5 Jaccard", 13, ".3f"),
            ("coef spread", 11, ".4f"),
            ("ms/instance", 11, ".1f"),
            ("/ lime", 6, ".2f"),
        ]
    )
    results = {}
    for name, run in runs.items():
        elapsed, coefs = timed(
            lambda run=run: [_top5(run(seed)) for seed in seeds],
            max_repeat=1,
            min_total=np.inf,
        )
        results[name] = (
            *_jaccard_and_spread(np.array(coefs)),
            elapsed / (len(seeds) * n_instances),
        )
    table.header()
    lime_seconds = results["lime defaults"][2]
    for name, (jaccard, spread, seconds) in results.items():
        table.row([name, jaccard, spread, 1000 * seconds, seconds / lime_seconds])


def _text_cases(n_docs):
    """The text model, its training windows and the documents of each corpus."""
    from bench_text import descriptions, text_model

    model, train = text_model()
    windows = train[:: max(len(train) // n_docs, 1)][:n_docs]
    whole = [" ".join(text.split()[:150]) for _, text in descriptions()][:n_docs]
    return model, train, {"60-word windows": windows, "150-word descriptions": whole}


def _sklime_words(model, train, docs, seed, **params):
    """sklime's coefficients of each document's words, (n_docs, n_words)."""
    explainer = LimeTextExplainer(FrozenEstimator(model), random_state=seed)
    explanation = explainer.set_params(**params).fit(train).explain(docs)
    width = max(len(words) for words in explanation.words)
    return explanation.word_coef[:, -1, :width]


def _lime_words(model, docs, seed, words):
    """lime's coefficients of the words of ``words`` (sklime's order)."""
    from lime.lime_text import LimeTextExplainer as Reference

    explainer = Reference(random_state=seed, feature_selection="none")
    width = max(len(w) for w in words)
    coef = np.zeros((len(docs), width))
    for i, doc in enumerate(docs):
        exp = explainer.explain_instance(
            doc, model.predict_proba, num_features=len(words[i])
        )
        lookup = dict(exp.as_list(label=1))
        coef[i, : len(words[i])] = [lookup[w] for w in words[i]]
    return coef


def text(args):
    """Section ``text``: stability over seeds of text explanations at the
    defaults, sklime beside lime."""
    model, train, cases = _text_cases(3 if args.quick else args.docs)
    seeds = list(range(args.seeds))
    for title, docs in cases.items():
        words = LimeTextExplainer(FrozenEstimator(model), num_samples=10)
        words = words.fit(train).explain(docs).words
        runs = {
            "sklime defaults": lambda seed, docs=docs: _sklime_words(
                model, train, docs, seed
            ),
            "sklime sampling='kernel'": lambda seed, docs=docs: _sklime_words(
                model, train, docs, seed, sampling="kernel"
            ),
            "sklime 20000 samples": lambda seed, docs=docs: _sklime_words(
                model, train, docs, seed, num_samples=20000
            ),
            "sklime sampling='sobol'": lambda seed, docs=docs: _sklime_words(
                model, train, docs, seed, sampling="sobol"
            ),
            "sklime 'sobol', 20000 samples": lambda seed, docs=docs: _sklime_words(
                model, train, docs, seed, sampling="sobol", num_samples=20000
            ),
            "sklime 'sobol', 100000 samples": lambda seed, docs=docs: _sklime_words(
                model, train, docs, seed, sampling="sobol", num_samples=100000
            ),
            "lime defaults": lambda seed, docs=docs, words=words: _lime_words(
                model, docs, seed, words
            ),
        }
        _instance_table(
            f"{title}, tf-idf + logistic regression, {len(docs)} documents",
            runs,
            seeds,
            len(docs),
        )


def _photos(n):
    """``n`` photos of 96 x 96 of each set: scikit-learn's, scikit-image's."""
    from skimage import data
    from skimage.transform import resize

    from bench_image import photos

    ours = photos(n)[:, 5:101, 30:126]
    theirs = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    theirs = [
        resize(image, (96, 96), preserve_range=True).astype(np.uint8)
        for image in theirs[:n]
    ]
    return {"scikit-learn photos": ours, "scikit-image photos": np.stack(theirs)}


SLIC = {"n_segments": 40}


def _slic(image):
    """slic with 40 segments, for lime."""
    from skimage.segmentation import slic

    return slic(image, **SLIC)


def _sklime_segments(model, images, seed, **params):
    """sklime's segment coefficients of each image, (n_images, n_segments)."""
    explainer = LimeImageExplainer(
        ModelFunction(model, classes=[0, 1]),
        segmenter="slic",
        segmenter_params=SLIC,
        random_state=seed,
        **params,
    )
    return explainer.fit(images).explain(images).segment_coef[:, -1]


def _lime_segments(model, images, seed):
    """lime's segment coefficients of each image, (n_images, n_segments)."""
    from lime.lime_image import LimeImageExplainer as Reference

    explainer = Reference(random_state=seed)
    n_segments = [len(np.unique(_slic(image))) for image in images]
    coef = np.zeros((len(images), max(n_segments)))
    for i, image in enumerate(images):
        with contextlib.redirect_stderr(io.StringIO()):  # lime's progress bar
            exp = explainer.explain_instance(
                image,
                model,
                labels=(1,),
                top_labels=None,
                num_features=n_segments[i],
                segmentation_fn=_slic,
            )
        for segment, weight in exp.local_exp[1]:
            coef[i, segment] = weight
    return coef


def warm_edges(images):
    """A cheap nonlinear model of 8-bit RGB photos: warm colors and edges.

    The class-1 probability grows with the mean of ``tanh`` of how much
    redder than blue each pixel is and of its horizontal contrast.
    """
    images = np.asarray(images, dtype=float)
    warmth = np.tanh((images[..., 0] - images[..., 2]) / 32.0).mean(axis=(1, 2))
    grey = images.mean(axis=3)
    edges = np.tanh(np.abs(np.diff(grey, axis=2)) / 16.0).mean(axis=(1, 2))
    p = 1.0 / (1.0 + np.exp(-4.0 * (warmth + edges - 0.5)))
    return np.column_stack([1 - p, p])


def image(args):
    """Section ``image``: stability over seeds of image explanations at the
    defaults, sklime beside lime."""
    model = warm_edges
    seeds = list(range(args.seeds))
    for title, images in _photos(2 if args.quick else args.photos).items():
        runs = {
            "sklime defaults": lambda seed, images=images: _sklime_segments(
                model, images, seed
            ),
            "sklime sampling='kernel'": lambda seed, images=images: _sklime_segments(
                model, images, seed, sampling="kernel"
            ),
            "lime defaults": lambda seed, images=images: _lime_segments(
                model, images, seed
            ),
        }
        _instance_table(
            f"{title}, 96 x 96, slic 40, warm edges, {len(images)} photos",
            runs,
            seeds,
            len(images),
        )


SECTIONS = {"defaults": defaults, "narrow": narrow, "text": text, "image": image}


def main():
    parser = section_parser(__doc__.splitlines()[0], SECTIONS)
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--docs", type=int, default=10)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument(
        "--quick", action="store_true", help="3 documents and 2 photos per case"
    )
    run_sections(parser, SECTIONS)


if __name__ == "__main__":
    main()
