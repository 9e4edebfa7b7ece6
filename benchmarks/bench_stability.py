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

Run with ``python benchmarks/bench_stability.py [--sections defaults narrow]
[--threads 1]`` (needs the ``lime`` package: ``pip install -e ".[benchmark]"``).
"""

import warnings
from itertools import combinations

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from _common import Table, load_average, run_sections, section_parser, timed
from sklime import LimeExplainer


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


SECTIONS = {"defaults": defaults, "narrow": narrow}


def main():
    parser = section_parser(__doc__.splitlines()[0], SECTIONS)
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    run_sections(parser, SECTIONS)


if __name__ == "__main__":
    main()
