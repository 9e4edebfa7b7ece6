"""Section ``width``: wide tables, sklime and lime side by side.

A ``Ridge`` model on standard-normal data with ``d`` features (``--width-dims``,
default 100, 300 and 1000), continuous features, ``num_samples`` perturbations
per row, ``sampler="random"``. For each ``d``, four settings:

* ``all``: every feature kept (lime: ``discretize_continuous=False,
  feature_selection="none"``, ``num_features=d``; sklime:
  ``num_features=None``);
* ``10, <method>``: ten features chosen by ``<method>``, one of
  "forward_selection", "highest_weights" and "lasso_path" (lime:
  ``discretize_continuous=False, feature_selection=<method>``,
  ``num_features=10``; sklime: ``num_features=10,
  feature_selection=<method>``).

sklime explains ``--width-rows`` rows (default 20) in one ``transform``, best
of ``--repeat`` runs, and (``1/call``) rows one per call, as many as lime
and under the same budget (one run). lime explains rows one at a time, at most
:data:`LIME_MAX_ROWS`, and stops once it has spent :data:`LIME_BUDGET` seconds
(so one row where a row is slow: forward selection at d = 1000 fits about
10,000 ridge models per row); the table gives the rows it explained. Peak
memory is sklime's traced allocation peak above what was allocated before the
transform (``tracemalloc``, which numpy reports to), in a run of its own.
sklime's warnings are printed after the table, the first one per setting.

The *dense-floor ratio* compares sklime with the minimal dense algorithm,
which forms each row's weighted Gram matrix: ``num_samples * d**2`` flops per
row (a symmetric rank-k update), at the machine's matrix-multiply rate
(measured at the start, best of several 1000 x 1000 float64 products under the
same thread limit). It is that floor time over sklime's time: 1 means sklime
runs as fast as forming the Gram matrices at matmul speed; above 1 means
faster than the dense floor (sklime then avoids forming them).
"""

import tracemalloc
import warnings

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge

from _common import TIMING, Table, per_call_seconds, print_header, sklime_seconds, timed
from sklime import LimeExplainer

#: Feature selection methods timed with ``num_features=10``.
SELECTIONS = ("forward_selection", "highest_weights", "lasso_path")
#: lime explains at most this many rows per setting...
LIME_MAX_ROWS = 3
#: ...and no further row once its rows took this many seconds in all.
LIME_BUDGET = 4.0
#: Order of the square matrices that measure the machine's matmul rate.
MATMUL_SIZE = 1000
#: Runs of that product; the best one counts.
MATMUL_REPEAT = 7


#: ``(label, num_features, feature_selection)`` of each setting.
SETTINGS = [("all", None, "none")] + [(f"10, {m}", 10, m) for m in SELECTIONS]


def _case(d, seed):
    """Training data and a fitted Ridge model with ``d`` features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2000, d))
    return X, Ridge().fit(X, X @ rng.standard_normal(d))


def matmul_flops(seed):
    """Double-precision flops per second of ``a @ b`` on :data:`MATMUL_SIZE`
    square matrices (best of :data:`MATMUL_REPEAT` runs)."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, MATMUL_SIZE, MATMUL_SIZE))
    a @ b  # warm up
    seconds, _ = timed(lambda: a @ b, max_repeat=MATMUL_REPEAT, min_total=np.inf)
    return 2 * MATMUL_SIZE**3 / seconds


def _lime_seconds(X, model, num_features, selection, num_samples, seed):
    """lime's time per row and the rows it explained, one at a time.

    Rows are explained until :data:`LIME_MAX_ROWS` are done or they took
    :data:`LIME_BUDGET` seconds in all.
    """
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(
        X,
        mode="regression",
        discretize_continuous=False,
        feature_selection=selection,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return per_call_seconds(
            lambda row: explainer.explain_instance(
                row,
                model.predict,
                num_features=num_features or X.shape[1],
                num_samples=num_samples,
            ),
            X,
            max_calls=LIME_MAX_ROWS,
            budget=LIME_BUDGET,
            max_repeat=1,
        )


def _peak_mib(lime, rows):
    """Traced allocation peak of one transform, above the allocations before it."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    lime.transform(rows)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - before) / 2**20


def _print_floor(cfg, flops):
    """The machine's matmul rate and the dense floor per row at each ``d``."""
    print(
        f"matmul rate: {flops / 1e9:.1f} GFLOP/s (best {MATMUL_SIZE} x "
        f"{MATMUL_SIZE} float64 a @ b)"
    )
    floors = ", ".join(
        f"d={d} {1000 * cfg.num_samples * d**2 / flops:.1f} ms" for d in cfg.width_dims
    )
    print(
        f"dense floor per row (num_samples * d**2 flops, each row's weighted "
        f"Gram matrix as a rank-k update, at that rate): {floors}"
    )
    print(
        "sklime / lime: lime's time per row over sklime's. dense-floor ratio: "
        "dense floor time over sklime's time (above 1: faster than forming the "
        "Gram matrices)"
    )
    print()


def _measure(cfg, X, model, setting, have_lime, flops):
    """One table row: lime and sklime per row, sklime's peak and floor ratio."""
    label, num_features, selection = setting
    lime = LimeExplainer(
        FrozenEstimator(model),
        num_samples=cfg.num_samples,
        sampler="random",
        num_features=num_features,
        feature_selection=selection,
        random_state=cfg.seed,
    ).fit(X)
    rows = X[: cfg.width_rows]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seconds, _ = sklime_seconds(
            lime, rows, max_repeat=TIMING["max_repeat"], min_total=np.inf
        )
        one, _ = per_call_seconds(
            lambda row: lime.transform(row[None]),
            rows,
            max_calls=LIME_MAX_ROWS,
            budget=LIME_BUDGET,
            max_repeat=1,
        )
        peak = _peak_mib(lime, rows)
    theirs, n_lime = np.nan, None
    if have_lime:
        theirs, n_lime = _lime_seconds(
            X, model, num_features, selection, cfg.num_samples, cfg.seed
        )
    return dict(
        d=X.shape[1],
        setting=label,
        lime_rows=n_lime,
        lime=1000 * theirs,
        sklime=1000 * seconds / len(rows),
        ratio=theirs * len(rows) / seconds,
        one_per_call=1000 * one,
        one_ratio=theirs / one,
        peak=peak,
        floor_ratio=len(rows) * cfg.num_samples * X.shape[1] ** 2 / seconds / flops,
        warning=str(caught[0].message) if caught else None,
    )


def width(cfg, results):
    print_header(
        f"width: Ridge on standard-normal data, continuous, "
        f"num_samples={cfg.num_samples}, sampler='random'; sklime on "
        f"{cfg.width_rows} rows in one transform and one per call, lime on at most "
        f"{LIME_MAX_ROWS} rows ({LIME_BUDGET:.0f} s budget)",
        cfg,
    )
    from _compare import lime_available

    have_lime = lime_available()
    flops = matmul_flops(cfg.seed)
    _print_floor(cfg, flops)
    table = Table(
        [
            ("features", 8, "d"),
            ("setting", 21, "s"),
            ("lime rows", 9, "d"),
            ("lime ms/row", 11, ".1f"),
            ("sklime ms/row", 13, ".1f"),
            ("sklime / lime", 13, ".1f"),
            ("1/call ms/row", 13, ".1f"),
            ("1/call / lime", 13, ".1f"),
            ("sklime peak MiB", 15, ".0f"),
            ("dense-floor ratio", 17, ".2f"),
        ]
    )
    table.header()
    notes = []
    for d in cfg.width_dims:
        X, model = _case(d, cfg.seed)
        for setting in SETTINGS:
            r = _measure(cfg, X, model, setting, have_lime, flops)
            results["width"].append(r)
            if r["warning"]:
                notes.append(f"  d={d} {r['setting']}: {r['warning']}")
            table.row(
                [
                    d,
                    r["setting"],
                    r["lime_rows"],
                    r["lime"],
                    r["sklime"],
                    r["ratio"],
                    r["one_per_call"],
                    r["one_ratio"],
                    r["peak"],
                    r["floor_ratio"],
                ]
            )
    if notes:
        print("sklime's first warning, per setting that warned:")
        print("\n".join(notes))
