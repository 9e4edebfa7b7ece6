"""Section ``width``: wide tables, sklime and lime side by side.

A ``Ridge`` model on standard-normal data with ``d`` features, continuous
features, no selection (lime: ``discretize_continuous=False``,
``feature_selection="none"``, all ``d`` features), ``num_samples``
perturbations per row. sklime explains ``--width-rows`` rows (default 20) in
one ``transform``; lime explains fewer rows, one at a time (3, or 1 at
d = 1000 and above). Peak memory is sklime's traced allocation peak above
what was allocated before the transform (``tracemalloc``, which numpy
reports to), in a run of its own.
"""

import tracemalloc
import warnings

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge

from _common import Table, print_header, timed
from sklime import LimeExplainer


def _case(d, seed):
    """Training data and a fitted Ridge model with ``d`` features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2000, d))
    return X, Ridge().fit(X, X @ rng.standard_normal(d))


def _lime_seconds(X, model, n_rows, num_samples, seed):
    """lime's best time per row, explaining ``n_rows`` rows one at a time."""
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(
        X,
        mode="regression",
        discretize_continuous=False,
        feature_selection="none",
        random_state=seed,
    )
    d = X.shape[1]

    def explain():
        for row in X[:n_rows]:
            explainer.explain_instance(
                row, model.predict, num_features=d, num_samples=num_samples
            )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, _ = timed(explain, max_repeat=1)
    return seconds / n_rows


def _peak_mib(lime, rows):
    """Traced allocation peak of one transform, above the allocations before it."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    lime.transform(rows)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - before) / 2**20


def width(cfg, results):
    print_header(
        f"width: Ridge on standard-normal data, continuous, all features, "
        f"num_samples={cfg.num_samples}; sklime on {cfg.width_rows} rows",
        cfg,
    )
    from _compare import lime_available

    table = Table(
        [
            ("features", 8, "d"),
            ("lime rows", 9, "d"),
            ("lime ms/row", 11, ".1f"),
            ("sklime ms/row", 13, ".1f"),
            ("sklime / lime", 13, ".1f"),
            ("sklime peak MiB", 15, ".0f"),
        ]
    )
    table.header()
    for d in cfg.width_dims:
        X, model = _case(d, cfg.seed)
        lime = LimeExplainer(
            FrozenEstimator(model),
            num_samples=cfg.num_samples,
            sampler="random",
            random_state=cfg.seed,
        ).fit(X)
        rows = X[: cfg.width_rows]
        lime.transform(rows[:2])  # warm up
        seconds, _ = timed(lambda: lime.transform(rows), max_repeat=3)  # noqa: B023
        ours = 1000 * seconds / len(rows)
        n_lime = 1 if d >= 1000 else 3
        theirs = np.nan
        if lime_available():
            theirs = 1000 * _lime_seconds(X, model, n_lime, cfg.num_samples, cfg.seed)
        peak = _peak_mib(lime, rows)
        results["width"].append(dict(d=d, lime=theirs, sklime=ours, peak=peak))
        table.row([d, n_lime, theirs, ours, theirs / ours, peak])
