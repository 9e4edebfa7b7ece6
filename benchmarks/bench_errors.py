"""How well sklime's standard errors predict the spread over seeds.

On ``load_diabetes`` with ``RandomForestRegressor(n_estimators=50)``, 10 rows
are explained with ``--seeds`` perturbation seeds (default 100) at
``num_samples=8192``, for each sampling scheme (gaussian sampling at its
default kernel width), with and without quartile bins,
under both noise sources (``sampler="sobol"``, the default, and
``"random"``). For each coefficient, the ratio of its standard deviation over
seeds to its mean reported standard error is computed; the table gives the
median ratio, the share of coefficients whose ratio exceeds 1 (the error was
too small), the share above 1.5 and the largest ratio. The last columns do the same for
``Explanation.mean_abs_coef_error`` (the error of a mean over the rows).

With 100 seeds a standard deviation is estimated to about 7%, so ratios up to
about 1.15 are consistent with calibrated errors.

The ``shared`` section measures what the shared noise does to averages over
rows, for independent draws (``sampler="random"``, 40 rows): the median
correlation over seeds between two rows' errors in the same coefficient, and
how many times the spread of a mean coefficient over seeds exceeds the naive
``sqrt(sum of squared standard errors) / n_rows``.

``--dataset breast_cancer`` runs the same on ``load_breast_cancer`` (30
features) with ``RandomForestClassifier(n_estimators=50)``.

Run with ``python benchmarks/bench_errors.py`` (several minutes) or
``--sections shared``.
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from _common import machine_report
from sklime import LimeExplainer

#: Perturbations per row, the same under every sampling scheme.
NUM_SAMPLES = 8192


def _ratios(model, X, rows, n_seeds, **params):
    """Spread over seeds divided by the mean reported error, per coefficient."""
    coefs, errors, means, mean_errors = [], [], [], []
    for seed in range(n_seeds):
        explanation = (
            LimeExplainer(model, num_samples=NUM_SAMPLES, random_state=seed, **params)
            .fit(X)
            .explain(rows)
        )
        coefs.append(explanation.coef)
        errors.append(explanation.standard_error)
        means.append(explanation.mean_abs_coef)
        mean_errors.append(explanation.mean_abs_coef_error)
    row = np.std(coefs, axis=0, ddof=1) / np.mean(errors, axis=0)
    mean = np.std(means, axis=0, ddof=1) / np.mean(mean_errors, axis=0)
    return row.ravel(), mean.ravel()


def _summary(ratio):
    """Median, shares above 1 and 1.5, and maximum of the ratios."""
    return (
        f"{np.median(ratio):.2f} | {np.mean(ratio > 1):.0%} "
        f"| {np.mean(ratio > 1.5):.1%} | {ratio.max():.2f}"
    )


def shared(model, X, n_seeds):
    """Between-row error correlation and the naive error's shortfall."""
    print("| sampling | bins | row error correlation (median) | spread / naive |")
    print("| --- | --- | ---: | ---: |")
    for sampling, discretizer in (("marginal", None), ("marginal", "quartile")):
        coefs, naive = [], []
        for seed in range(n_seeds):
            explanation = (
                LimeExplainer(
                    model,
                    num_samples=NUM_SAMPLES,
                    sampler="random",
                    sampling=sampling,
                    discretizer=discretizer,
                    random_state=seed,
                )
                .fit(X)
                .explain(X[:40])
            )
            coefs.append(explanation.coef)
            errors = explanation.standard_error
            naive.append(np.sqrt((errors**2).sum(axis=0)) / len(errors))
        coefs = np.asarray(coefs)  # (seed, row, column)
        correlations = [
            np.corrcoef(coefs[:, :, j].T)[np.triu_indices(coefs.shape[1], 1)]
            for j in range(coefs.shape[2])
        ]
        spread = coefs.mean(axis=1).std(axis=0, ddof=1)
        shortfall = np.median(spread / np.mean(naive, axis=0))
        print(
            f"| {sampling} | {discretizer or 'none'} "
            f"| {np.median(correlations):.2f} | {shortfall:.1f} |"
        )


def calibration(model, X, n_seeds):
    """The table of ratios of spread to reported error."""
    print(
        "| sampler | sampling | bins | row errors: median ratio | > 1 | > 1.5 "
        "| max | mean-over-rows errors: median ratio | > 1 | > 1.5 | max |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for sampler in ("sobol", "random"):
        for sampling in ("marginal", "local", "mask", "gaussian"):
            for discretizer in (None, "quartile"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    row, mean = _ratios(
                        model,
                        X,
                        X[:10],
                        n_seeds,
                        sampler=sampler,
                        sampling=sampling,
                        discretizer=discretizer,
                    )
                bins = discretizer or "none"
                print(
                    f"| {sampler} | {sampling} | {bins} | {_summary(row)} "
                    f"| {_summary(mean)} |"
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=["calibration", "shared"],
        default=["calibration", "shared"],
    )
    parser.add_argument(
        "--dataset", choices=["diabetes", "breast_cancer"], default="diabetes"
    )
    args = parser.parse_args()
    load, forest = {
        "diabetes": (load_diabetes, RandomForestRegressor),
        "breast_cancer": (load_breast_cancer, RandomForestClassifier),
    }[args.dataset]
    X, y = load(return_X_y=True)
    model = FrozenEstimator(forest(50, random_state=0).fit(X, y))
    machine_report()
    print(f"{args.dataset}, {args.seeds} seeds")
    for section in args.sections:
        {"calibration": calibration, "shared": shared}[section](model, X, args.seeds)


if __name__ == "__main__":
    main()
