"""Locality and stability of the tabular explanations, candidate by candidate.

Are the explanations of the row, or of the data set? For each model and each
candidate setting of :class:`sklime.LimeExplainer` (the defaults;
``discretizer="quartile"``; ``kernel_width="auto"``; ``sampling="gaussian"``
at ``--gaussian-width`` and with ``kernel_width="auto"``), ``--rows`` rows
drawn at random (seed 0) are explained and the table gives:

* ``adherence``: the pooled weighted R^2 of the rows' surrogates on fresh
  perturbations drawn and weighted with their own kernel
  (``sklime.metrics.lime_scorers()["adherence"]``): how well each surrogate
  describes the model in the neighborhood it claims to describe;
* ``fidelity``: :meth:`LimeExplainer.score`, the same in the fixed
  neighborhood of width ``0.75 * sqrt(n_features)``;
* ``corr``: the median Pearson correlation between two rows' coefficient
  vectors (all features, every explained class): near 1, every row gets the
  same explanation, the model's global linear fit;
* ``jaccard``: the mean top-5 Jaccard index over ``--seeds`` perturbation
  seeds (:func:`sklime.metrics.explanation_stability`);
* ``width``: the kernel width in use (``kernel_width_``);
* ``fit s`` and ``ms/row``: the time of ``fit`` (the model is prefitted and
  frozen, so this is the explainer's own work, the width search of "auto"
  included) and of one ``transform`` of the rows, per row (under marginal
  sampling that includes the one model call on the shared perturbations).

lime (``LimeTabularExplainer``, 5000 samples, every feature kept, seeds as
many as sklime's) is measured beside it where cheap, on ``--lime-rows`` rows:
``discretize_continuous=False`` beside today's defaults, lime's own default
(quartile bins) beside ``discretizer="quartile"``; only ``corr`` and
``jaccard`` (top 5 by absolute coefficient).

Run with ``python benchmarks/bench_locality.py [--rows 10] [--seeds 4]``
(needs the ``lime`` package for its rows: ``pip install -e ".[benchmark]"``).
Most of its time goes to the model calls of gaussian sampling (one batch of
``num_samples`` points per row and call) and to the width search of
``kernel_width="auto"``, both in proportion to the rows: ``--rows 20`` took
more than 25 minutes on two cores shared with other work.
"""

import time
import warnings
from itertools import combinations

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from _common import Table, load_average, run_sections, section_parser
from sklime import LimeExplainer
from sklime.metrics import explanation_stability, lime_scorers


def load_cases():
    """The models explained, fitted on all of their data set."""
    X, y = load_diabetes(return_X_y=True)
    Xc, yc = load_breast_cancer(return_X_y=True)
    Xw, yw = load_wine(return_X_y=True)
    return {
        "diabetes, random forest": (RandomForestRegressor(random_state=0), X, y),
        "diabetes, scaled SVR": (make_pipeline(StandardScaler(), SVR(C=100)), X, y),
        "breast cancer, random forest": (
            RandomForestClassifier(random_state=0),
            Xc,
            yc,
        ),
        "breast cancer, scaled logistic": (
            make_pipeline(StandardScaler(), LogisticRegression()),
            Xc,
            yc,
        ),
        "wine, gradient boosting": (
            HistGradientBoostingClassifier(random_state=0),
            Xw,
            yw,
        ),
    }


def candidates(gaussian_width):
    """Candidate settings: (name, LimeExplainer parameters, lime's or None)."""
    return [
        ("defaults", {}, {"discretize_continuous": False}),
        ("discretizer='quartile'", {"discretizer": "quartile"}, {}),
        ("kernel_width='auto'", {"kernel_width": "auto"}, None),
        (
            f"gaussian, kernel_width={gaussian_width}",
            {"sampling": "gaussian", "kernel_width": gaussian_width},
            None,
        ),
        (
            "gaussian, kernel_width='auto'",
            {"sampling": "gaussian", "kernel_width": "auto"},
            None,
        ),
    ]


def median_correlation(coef):
    """Median Pearson correlation between two rows of ``coef``."""
    corr = np.corrcoef(coef)
    return float(np.nanmedian(corr[np.triu_indices(len(coef), 1)]))


def top5_jaccard(coefs):
    """Mean top-5 Jaccard index between seeds; ``coefs`` is (seed, row, coef)."""
    tops = [
        [set(np.argsort(-np.abs(row), kind="stable")[:5]) for row in seed]
        for seed in coefs
    ]
    return float(
        np.mean(
            [
                len(a[i] & b[i]) / len(a[i] | b[i])
                for a, b in combinations(tops, 2)
                for i in range(coefs.shape[1])
            ]
        )
    )


def run_sklime(model, X, rows, params, n_seeds):
    """Scores, width and times of one candidate."""
    start = time.perf_counter()
    explainer = LimeExplainer(FrozenEstimator(model), random_state=0, **params)
    explainer.fit(X)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    coef = explainer.transform(rows)
    per_row = (time.perf_counter() - start) / len(rows)
    adherence = lime_scorers()["adherence"](explainer, rows)
    stability = explanation_stability(explainer, rows, n_seeds=n_seeds, random_state=0)
    return {
        "adherence": adherence,
        "fidelity": explainer.score(rows),
        "corr": median_correlation(coef),
        "jaccard": stability.jaccard,
        "width": explainer.kernel_width_,
        "fit s": fit_seconds,
        "ms/row": 1000 * per_row,
    }


def run_lime(model, X, rows, params, n_seeds):
    """lime's ``corr`` and ``jaccard`` with ``params``, every feature kept."""
    from lime.lime_tabular import LimeTabularExplainer

    classifier = hasattr(model, "predict_proba")
    n_classes = len(model.classes_) if classifier else 1
    labels = (1,) if n_classes <= 2 else tuple(range(n_classes))
    predict = model.predict_proba if classifier else model.predict
    coefs = []
    for seed in range(n_seeds):
        explainer = LimeTabularExplainer(
            X,
            mode="classification" if classifier else "regression",
            random_state=seed,
            **params,
        )
        seed_coef = np.zeros((len(rows), len(labels), X.shape[1]))
        for i, row in enumerate(rows):
            exp = explainer.explain_instance(
                row, predict, num_features=X.shape[1], labels=labels
            )
            for k, label in enumerate(labels):
                for j, weight in exp.local_exp[label]:
                    seed_coef[i, k, j] = weight
        coefs.append(seed_coef.reshape(len(rows), -1))
    coefs = np.array(coefs)
    return {"corr": median_correlation(coefs[0]), "jaccard": top5_jaccard(coefs)}


def _has_lime():
    try:
        import lime  # noqa: F401
    except ImportError:
        return False
    return True


COLUMNS = [
    ("adherence", 9, ".3f"),
    ("fidelity", 8, ".3f"),
    ("corr", 6, ".3f"),
    ("jaccard", 7, ".3f"),
    ("width", 6, ".3g"),
    ("fit s", 6, ".2f"),
    ("ms/row", 7, ".1f"),
]


def locality(args):
    with_lime = _has_lime()
    table = Table([("model", 30, "s"), ("candidate", 36, "s"), *COLUMNS])
    print(f"load average {load_average()}")
    table.header()
    for name, (model, X, y) in load_cases().items():
        model.fit(X, y)
        rng = np.random.RandomState(0)
        rows = X[np.sort(rng.choice(len(X), args.rows, replace=False))]
        for label, params, lime_params in candidates(args.gaussian_width):
            scores = run_sklime(model, X, rows, params, args.seeds)
            table.row([name, label] + [scores[col] for col, _, _ in COLUMNS])
            if with_lime and lime_params is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    lime_scores = run_lime(
                        model, X, rows[: args.lime_rows], lime_params, args.seeds
                    )
                lime_label = "  lime " + (
                    ", ".join(f"{k}={v}" for k, v in lime_params.items()) or "defaults"
                )
                table.row(
                    [name, lime_label] + [lime_scores.get(col) for col, _, _ in COLUMNS]
                )


SECTIONS = {"locality": locality}

if __name__ == "__main__":
    parser = section_parser(__doc__, SECTIONS)
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--lime-rows", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--gaussian-width", type=float, default=0.5)
    run_sections(parser, SECTIONS)
