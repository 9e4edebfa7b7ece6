"""Stability of explanations over seeds: sklime's defaults beside lime's.

On ``load_diabetes`` with ``RandomForestRegressor(n_estimators=100)``, 10 rows
are explained with 5 seeds and ``num_features=5``. For each row the top-5
feature sets of every pair of seeds are compared (Jaccard index); the table
gives the mean, the mean coefficient spread (standard deviation over seeds)
and the time per row. Run with ``python benchmarks/bench_stability.py``
(needs the ``lime`` package: ``pip install -e ".[benchmark]"``).
"""

import argparse
import platform
import time
from itertools import combinations

import numpy as np
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
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


def run_sklime(model, X, rows, seeds, **params):
    coefs, start = [], time.perf_counter()
    for seed in seeds:
        lime = LimeExplainer(FrozenEstimator(model), num_features=5, random_state=seed)
        coefs.append(lime.set_params(**params).fit(X).transform(rows))
    elapsed = (time.perf_counter() - start) / (len(seeds) * len(rows))
    return (*_jaccard_and_spread(np.array(coefs)), elapsed)


def run_lime(model, X, rows, seeds, **params):
    from lime.lime_tabular import LimeTabularExplainer

    coefs, start = [], time.perf_counter()
    for seed in seeds:
        explainer = LimeTabularExplainer(
            X, mode="regression", random_state=seed, **params
        )
        seed_coefs = np.zeros((len(rows), X.shape[1]))
        for i, row in enumerate(rows):
            exp = explainer.explain_instance(row, model.predict, num_features=5)
            for j, weight in exp.local_exp[1]:
                seed_coefs[i, j] = weight
        coefs.append(seed_coefs)
    elapsed = (time.perf_counter() - start) / (len(seeds) * len(rows))
    return (*_jaccard_and_spread(np.array(coefs)), elapsed)


def main(n_rows, n_seeds):
    X, y = load_diabetes(return_X_y=True)
    model = RandomForestRegressor(n_estimators=100, random_state=0).fit(X, y)
    rows, seeds = X[:n_rows], list(range(n_seeds))
    print(f"{platform.platform()}, {platform.processor() or platform.machine()}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, sklime {sklime.__version__}"
    )
    print(
        f"{n_rows} rows x {n_seeds} seeds, num_features=5; num_samples: sklime's "
        "default (8192) unless given, lime's default (5000)\n"
    )
    cases = [
        ("sklime defaults (continuous, Sobol)", run_sklime, {}),
        ("sklime num_samples=5000", run_sklime, {"num_samples": 5000}),
        ("sklime sampler='random'", run_sklime, {"sampler": "random"}),
        ("sklime discretizer='quartile'", run_sklime, {"discretizer": "quartile"}),
        (
            "lime discretize_continuous=False",
            run_lime,
            {"discretize_continuous": False},
        ),
        ("lime defaults (quartile)", run_lime, {}),
    ]
    print(f"{'setting':40s} {'top-5 Jaccard':>14s} {'coef spread':>12s} {'ms/row':>8s}")
    for name, run, params in cases:
        jaccard, spread, seconds = run(model, X, rows, seeds, **params)
        print(f"{name:40s} {jaccard:14.3f} {spread:12.3f} {1000 * seconds:8.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    main(args.rows, args.seeds)
