"""Section ``onerow``: one row per call with every default, as users explain.

lime's tutorials explain one row per call, and that is how most users call an
explainer. For each case of ``_cases.USER_CASES`` (``--onerow-cases``) both
packages run in one process, on the same fitted model and rows, each with its
defaults left alone (``_cases.make_user_case`` gives the settings: sklime's
defaults against lime's continuous equivalent, and lime's tabular tutorial on
iris with quartile bins):

* ``lime ms/row``: ``LimeTabularExplainer(X_train, mode=...,
  random_state=seed, ...).explain_instance(row, predict)`` per row (lime's
  default of 5000 perturbations), after one warm-up row; the explainer's
  construction is not timed;
* ``fit s``: ``LimeExplainer(FrozenEstimator(model), random_state=seed,
  ...).fit(X_train)`` (the fit may do work once for all later calls, such as
  querying the model on the shared perturbations);
* ``1st call ms``: ``transform(X.iloc[[0]])`` right after that fit;
* ``transform ms/row`` and ``explain ms/row``: ``transform(X.iloc[[i]])`` and
  ``explain(X.iloc[[i]])``, one row per call, after that first call (the
  first ``explain`` call is not set apart: where calls are cheap, the best of
  several runs leaves out any work it does once); sklime's defaults draw many
  more perturbations than lime's 5000 (``num_samples="auto"``);
* ``batch B ms/row``: ``transform`` of ``B`` rows in one call (``--onerow-
  batches``, default 20 and 200; rows repeated where the data set has fewer),
  over ``B``;
* ``lime / ...``: lime's time per row over sklime's (above 1: sklime is
  faster).

One-row-per-call loops explain rows in turn until ``--onerow-rows`` are done
or they took ``--onerow-seconds`` (at least one row); then the same rows are
explained again while all runs took less than ``--onerow-seconds`` (up to
``--repeat`` runs), and the best run counts. Batches and fits follow the same
rule. Times are always by the wall clock (what a user waits for), whatever
``--cpu-time``; ``--blas-threads`` and ``--busy`` repeat the section at
other thread settings and beside busy processes.
"""

import time
import warnings

import numpy as np
from sklearn.frozen import FrozenEstimator

from _cases import make_user_case
from _common import (
    CONDITION,
    TIMING,
    Table,
    per_call_seconds,
    print_header,
    timed,
)
from sklime import LimeExplainer


def _sklime(case, cfg):
    """sklime's fit, first call, one-per-call and batch times (seconds)."""
    policy = dict(
        max_repeat=TIMING["max_repeat"],
        min_total=cfg.onerow_seconds,
        clock=time.perf_counter,
    )
    loop = dict(max_calls=cfg.onerow_rows, budget=cfg.onerow_seconds, **policy)
    rows = case.X_rows

    def fit():
        return LimeExplainer(
            FrozenEstimator(case.model), random_state=cfg.seed, **case.sklime_params
        ).fit(case.X_train)

    fit_s, est = timed(fit, **policy)
    start = time.perf_counter()
    est.transform(rows.iloc[[0]])
    first = time.perf_counter() - start
    later = range(1, len(rows))
    transform, n_calls = per_call_seconds(
        lambda i: est.transform(rows.iloc[[i]]), later, **loop
    )
    explain, _ = per_call_seconds(lambda i: est.explain(rows.iloc[[i]]), later, **loop)
    batches = []
    for size in cfg.onerow_batches:
        batch = rows.iloc[np.arange(size) % len(rows)]
        seconds, _ = timed(lambda batch=batch: est.transform(batch), **policy)
        batches.append(seconds / size)
    return dict(
        fit=fit_s,
        first=first,
        rows=n_calls,
        transform=transform,
        explain=explain,
        batches=batches,
    )


def _lime(case, cfg):
    """lime's seconds per row, one row per call, and the rows it explained."""
    from lime.lime_tabular import LimeTabularExplainer

    explainer = LimeTabularExplainer(
        case.X_train.to_numpy(),
        mode="classification" if case.classifier else "regression",
        random_state=cfg.seed,
        **case.lime_init,
    )
    rows = case.X_rows.to_numpy()

    def call(i):
        explainer.explain_instance(rows[i], case.predict, **case.lime_explain)

    call(0)  # warm-up
    return per_call_seconds(
        call,
        range(1, len(rows)),
        max_calls=cfg.onerow_rows,
        budget=cfg.onerow_seconds,
        max_repeat=TIMING["max_repeat"],
        min_total=cfg.onerow_seconds,
        clock=time.perf_counter,
    )


def onerow(cfg, results):
    """Section ``onerow``: for each case, lime's ms per row and sklime's fit,
    first call and ms per row one row per call (``transform``, ``explain``)
    and in batches, with lime's time over each (see the module's docstring)."""
    from _compare import lime_available

    print_header(
        "one row per call, every default: sklime and lime side by side (ms per "
        "row, wall clock)",
        cfg,
    )
    print(
        f"one-per-call loops: up to {cfg.onerow_rows} rows or "
        f"{cfg.onerow_seconds:g} s; every time the best of up to "
        f"{TIMING['max_repeat']} runs (repeated while under "
        f"{cfg.onerow_seconds:g} s in all); lime/x: lime's ms/row over sklime's"
    )
    sizes = cfg.onerow_batches
    batch_cols = [(f"batch {b} ms/row", 13 + len(str(b)), ".1f") for b in sizes]
    ratio_cols = [(f"lime/b{b}", 6 + len(str(b)), ".2f") for b in sizes]
    table = Table(
        [
            ("case", 41, "s"),
            ("lime rows", 9, "d"),
            ("lime ms/row", 11, ".1f"),
            ("rows", 4, "d"),
            ("fit s", 6, ".2f"),
            ("1st call ms", 11, ".1f"),
            ("transform ms/row", 16, ".1f"),
            ("explain ms/row", 14, ".1f"),
            *batch_cols,
            ("lime/transform", 14, ".2f"),
            ("lime/explain", 12, ".2f"),
            *ratio_cols,
        ]
    )
    table.header()
    have_lime = lime_available()
    for name in cfg.onerow_cases:
        case = make_user_case(name, cfg.seed)
        with warnings.catch_warnings():
            # lime passes arrays to models fitted on DataFrames
            warnings.simplefilter("ignore")
            ours = _sklime(case, cfg)
            lime_s, lime_rows = _lime(case, cfg) if have_lime else (np.nan, None)
        results["onerow"].append(
            dict(ours, case_name=name, lime=lime_s, condition=CONDITION["label"])
        )
        table.row(
            [
                case.label,
                lime_rows,
                1e3 * lime_s,
                ours["rows"],
                ours["fit"],
                1e3 * ours["first"],
                1e3 * ours["transform"],
                1e3 * ours["explain"],
                *(1e3 * b for b in ours["batches"]),
                lime_s / ours["transform"],
                lime_s / ours["explain"],
                *(lime_s / b for b in ours["batches"]),
            ]
        )
