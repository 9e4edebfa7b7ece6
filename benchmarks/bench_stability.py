"""Stability of explanations over seeds: sklime beside lime, in the same run.

Section ``defaults``: on ``load_diabetes`` with ``RandomForestRegressor`` and
``load_breast_cancer`` with ``RandomForestClassifier`` (100 trees each),
``--rows`` rows are explained with ``--seeds`` seeds and ``num_features=5``.
For each row the top-5 feature sets of every pair of seeds are compared
(Jaccard index); the table gives the mean, the mean coefficient spread
(standard deviation over seeds) and the time per row (fitting the explainer
once per seed included, for sklime).

Section ``narrow``: the same on ``load_diabetes`` at narrow kernel widths,
``sampling="local"`` (draws around the row, weighted by the kernel; lime's
``sample_around_instance=True``) against ``sampling="gaussian"`` (draws from
the kernel's own distribution, weighted uniformly).

Run with ``python benchmarks/bench_stability.py [--sections defaults narrow]``
(needs the ``lime`` package: ``pip install -e ".[benchmark]"``).
"""

import argparse
import os
import platform
import time
import warnings
from itertools import combinations

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.frozen import FrozenEstimator

import sklime
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


def run_sklime(case, seeds, **params):
    model, X, rows = case["model"], case["X"], case["rows"]
    coefs, start = [], time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # narrow kernels: small ESS
        for seed in seeds:
            lime = LimeExplainer(
                FrozenEstimator(model), num_features=5, random_state=seed
            )
            coefs.append(lime.set_params(**params).fit(X).transform(rows))
    elapsed = (time.perf_counter() - start) / (len(seeds) * len(rows))
    return (*_jaccard_and_spread(np.array(coefs)), elapsed)


def run_lime(case, seeds, **params):
    coefs, start = [], time.perf_counter()
    with warnings.catch_warnings():
        # Narrow kernels: lime's ridge solves warn about ill-conditioning.
        warnings.simplefilter("ignore")
        coefs = [_lime_coefs(case, seed, params) for seed in seeds]
    elapsed = (time.perf_counter() - start) / (len(seeds) * len(case["rows"]))
    return (*_jaccard_and_spread(np.array(coefs)), elapsed)


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
    ("sklime num_samples=16384", run_sklime, {"num_samples": 16384}),
    ("sklime num_samples=32768", run_sklime, {"num_samples": 32768}),
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


def _table(title, case, runs, seeds):
    print(f"\n{title}")
    print(f"{'setting':42s} {'top-5 Jaccard':>14s} {'coef spread':>12s} {'ms/row':>8s}")
    for name, run, params in runs:
        jaccard, spread, seconds = run(case, seeds, **params)
        print(f"{name:42s} {jaccard:14.3f} {spread:12.4f} {1000 * seconds:8.1f}")


def main(n_rows, n_seeds, sections):
    print(f"{platform.platform()}, {platform.processor() or platform.machine()}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, sklime {sklime.__version__}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{n_rows} rows x {n_seeds} seeds, num_features=5; lime: 5000 samples")
    cases, seeds = load_cases(n_rows), list(range(n_seeds))
    if "defaults" in sections:
        for title, case in cases.items():
            _table(title, case, DEFAULT_CASES, seeds)
    if "narrow" in sections:
        title = "diabetes, random forest"
        _table(
            f"{title}, narrow kernels", cases[title], narrow_cases([0.1, 0.3]), seeds
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--sections",
        nargs="+",
        default=["defaults", "narrow"],
        choices=["defaults", "narrow"],
    )
    args = parser.parse_args()
    main(args.rows, args.seeds, args.sections)
