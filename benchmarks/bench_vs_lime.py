"""Benchmark sklime's LimeExplainer against the lime package.

Both explain the same fitted model, on the same rows, with the same number of
perturbations, in one process. lime explains one row per call and is slow, so
it is timed on a few rows and sklime on many; the comparison is in rows per
second. For each case and setting the table gives:

* rows per second of lime and of sklime, and their ratio (sklime / lime);
* the *black box* time: the bare ``predict`` (regressors) or
  ``predict_proba`` (classifiers) of the model on as many perturbed points as
  sklime needs for its rows: ``num_samples`` points plus the rows for marginal
  sampling (one model call shared by all rows), ``n_rows * num_samples``
  points for local and mask sampling;
* sklime's *overhead*: its transform time divided by that black box time (1.0
  would mean sklime costs nothing beyond the model's own predictions);
* ``coef corr``: the correlation of lime's and sklime's coefficients on the
  rows both explained (a sanity check that they compute the same thing; both
  are random, so it is not 1).

The settings (all with ``num_samples`` perturbations per row):

(a) ``default``: lime's defaults, ``LimeTabularExplainer(discretize_continuous=
    True, discretizer="quartile")`` and ``explain_instance(num_features=5)``
    (forward selection), against ``LimeExplainer(discretizer="quartile",
    num_features=5, feature_selection="auto")``;
(b) ``continuous``: marginal sampling of continuous features, no selection:
    lime ``discretize_continuous=False, feature_selection="none"``, all
    features, against sklime's defaults;
(c) ``local``: sampling around the row: lime ``sample_around_instance=True,
    discretize_continuous=False`` (with ``feature_selection="none"``, all
    features, as sklime's default), against ``sampling="local"``;
(d) ``mask``: sklime's ``sampling="mask"``; lime has no equivalent.

Further sections: ``linearity`` (sklime on N and 10 N rows), ``memory`` (peak
RSS of transforming 200,000 rows, each run in its own subprocess, with the
default ``working_memory`` and with ``working_memory=128``), ``njobs``
(``n_jobs=2`` against ``n_jobs=1`` where the model dominates), ``dask``
(1,000,000 rows, ``num_samples=1024``, through joblib's dask backend on a
``distributed.LocalCluster`` of worker processes: time, each worker's peak RSS,
and a sample of rows checked bit-identical to one process), ``width`` (wide
tables: a Ridge model with 100, 300 and 1000 continuous features, all kept or
10 chosen by each selection method, lime and sklime per row, with sklime's
traced memory peak and its time against the dense floor of forming each row's
Gram matrix at the machine's matmul rate) and, on request,
``profile`` (cProfile of sklime's lime-default case on the diabetes forest).

Every time is the best of up to three runs (``--repeat``; repeated while the
runs took less than 15 s in all): on a shared machine other processes only
make runs slower. ``--cpu-time`` times by the process's CPU time instead of the
wall clock: with ``--threads 1`` it is about the wall time on an idle machine,
and time-sharing the cores with other processes does not inflate it (their
use of the shared caches and memory still can). The ``njobs`` section always
times by the wall clock: the process's CPU time would miss its workers'.
The load average is printed at the start and after each section. When other
processes keep the cores busy, multi-threaded OpenBLAS and OpenMP (used by
numpy's stacked matmul, LogisticRegression, HistGradientBoosting) can run many
times slower than one thread and vary from run to run; ``--threads 1`` gives
stable, comparable numbers there (it limits lime and sklime alike).

Usage, from the repository root::

    python benchmarks/bench_vs_lime.py              # full run, ~14 min on 2 cores
    python benchmarks/bench_vs_lime.py --quick      # smoke run, about a minute
    python benchmarks/bench_vs_lime.py --threads 1  # busy machine: one thread
    python benchmarks/bench_vs_lime.py --threads 1 --cpu-time  # CPU time, not wall
    python benchmarks/bench_vs_lime.py --cases diabetes --settings default local
    python benchmarks/bench_vs_lime.py --sections profile
    python benchmarks/bench_vs_lime.py --sections dask --dask-rows 200000

Needs ``lime==0.2.0.1`` (``pip install -e .[benchmark]``); without it the lime
columns read "n/a". The dask section needs ``dask[distributed]``
(``pip install -e .[distributed]``) and is skipped without it.

This script runs the sections; the code lives beside it: ``_cases.py`` (models
and settings), ``_common.py`` (timing, tables, machine report), one module per
section (``_compare.py``, ``_linearity.py``, ``_memory.py``, ``_njobs.py``,
``_dask.py``, ``_width.py``, ``_profile.py``) and ``_targets.py`` (the targets
checked at the end).
"""

import argparse
import time

from _cases import CASES, SETTINGS
from _common import TIMING, limit_threads, load_average, machine_report
from _compare import compare
from _dask import dask
from _linearity import linearity
from _memory import memory
from _njobs import njobs
from _profile import profile
from _targets import report_targets
from _width import width

SECTIONS = ("compare", "linearity", "memory", "njobs", "dask", "width", "profile")
DEFAULT_SECTIONS = ("compare", "linearity", "memory", "njobs", "dask", "width")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="few rows: a smoke run (about a minute)"
    )
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument(
        "--settings", nargs="+", choices=SETTINGS, default=list(SETTINGS)
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=SECTIONS,
        default=list(DEFAULT_SECTIONS),
        help="parts to run (profile is not run unless asked for)",
    )
    parser.add_argument("--num-samples", type=int, default=5000)
    parser.add_argument("--lime-rows", type=int, help="rows lime explains")
    parser.add_argument(
        "--marginal-rows", type=int, help="rows sklime explains, marginal sampling"
    )
    parser.add_argument(
        "--local-rows", type=int, help="rows sklime explains, local and mask sampling"
    )
    parser.add_argument(
        "--memory-rows", type=int, help="rows of the memory case (200,000)"
    )
    parser.add_argument("--njobs-rows", type=int, help="rows of the n_jobs case")
    parser.add_argument(
        "--dask-rows", type=int, help="rows of the dask case (1,000,000)"
    )
    parser.add_argument(
        "--dask-num-samples",
        type=int,
        default=1024,
        help="num_samples of the dask section (default 1024, to bound its time)",
    )
    parser.add_argument(
        "--dask-workers",
        type=int,
        default=2,
        help="worker processes (1 thread each) of the dask LocalCluster",
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="limit the BLAS and OpenMP thread pools (threadpoolctl) of the whole "
        "run, for stable timings on a busy machine; default: as they are",
    )
    parser.add_argument(
        "--width-dims",
        type=int,
        nargs="+",
        default=[100, 300, 1000],
        help="numbers of features of the width section",
    )
    parser.add_argument(
        "--width-rows", type=int, default=20, help="rows sklime explains (width)"
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time by the process's CPU time instead of the wall clock (with "
        "--threads 1: stable timings on a machine shared with other processes; "
        "the njobs section keeps the wall clock)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per timing, the best counts"
    )
    parser.add_argument("--seed", type=int, default=0)
    cfg = parser.parse_args(argv)
    quick = cfg.quick
    defaults = dict(
        lime_rows=2 if quick else 10,
        marginal_rows=100 if quick else 1000,
        local_rows=10 if quick else 200,
        memory_rows=5_000 if quick else 200_000,
        njobs_rows=40 if quick else 400,
        dask_rows=20_000 if quick else 1_000_000,
    )
    for key, value in defaults.items():
        if getattr(cfg, key) is None:
            setattr(cfg, key, value)
    cfg.linearity_marginal = 30 if quick else 300
    cfg.linearity_local = 5 if quick else 30
    cfg.dask_check_rows = 1_000 if quick else 20_000
    cfg.dask_nested_rows = 20 if quick else 100
    TIMING["max_repeat"] = cfg.repeat
    if cfg.cpu_time:
        TIMING["clock"] = time.process_time
    if quick:
        TIMING.update(max_repeat=1, min_total=0.0)
    return cfg


def main(argv=None):
    cfg = parse_args(argv)
    limit_threads(cfg.threads)
    start = time.perf_counter()
    machine_report()
    results = {
        "compare": [],
        "linearity": [],
        "memory": [],
        "njobs": [],
        "dask": [],
        "width": [],
    }
    sections = dict(
        compare=lambda: compare(cfg.cases, cfg.settings, cfg, results),
        linearity=lambda: linearity(cfg, results),
        memory=lambda: memory(cfg, results),
        njobs=lambda: njobs(cfg, results),
        dask=lambda: dask(cfg, results),
        width=lambda: width(cfg, results),
        profile=lambda: profile(cfg, results),
    )
    for name, run in sections.items():
        if name in cfg.sections:
            section_start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - section_start
            print(f"[{name}: {elapsed:.0f} s, load average {load_average()}]\n")
    report_targets(results)
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    print(f"total time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
