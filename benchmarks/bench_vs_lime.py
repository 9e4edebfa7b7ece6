"""Benchmark sklime's LimeExplainer against the lime package.

Section ``onerow`` (first, the headline) measures as a user runs: one row per
call, every default of both packages left alone, on five models (a forest on
breast cancer, gradient boosting on wine, a forest on diabetes, a scaled
logistic regression, lime's tabular tutorial on iris): lime's ms per row, and
sklime's fit, first call, ms per row one row per call (``transform`` and
``explain``) and in batches of 20 and 200 rows, with lime's time over each
(see ``_onerow.py``).

Section ``compare``: both explain the same fitted model, on the same rows,
with the same number of perturbations, in one process. lime explains one row
per call and is slow, so it is timed on a few rows and sklime on many; the
comparison is in rows per second. For each case and setting the table gives:

* rows per second of lime and of sklime, and their ratio (sklime / lime);
* ``1/call``: sklime's rows per second explaining ``--one-per-call-rows``
  rows (``--lime-rows`` by default) one per call, as lime does, and that
  over lime's;
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
runs took less than 15 s in all; ``onerow``: ``--onerow-seconds``): on a
shared machine other processes only make runs slower. ``--cpu-time`` times
by the process's CPU time instead of the wall clock: with ``--threads 1`` it
is about the wall time on an idle machine, and time-sharing the cores with
other processes does not inflate it (their use of the shared caches and
memory still can). The ``njobs`` section always times by the wall clock (the
process's CPU time would miss its workers'), and so does ``onerow`` (what a
user waits for).

The machine, the thread pools (library, version, default threads), sklime's
git commit and the command line are printed at the start, the load average
at the start and after each section. Every section runs with the process's
default threads, as a user's would. When other processes keep the cores busy,
multi-threaded OpenBLAS and OpenMP (used by numpy's stacked matmul,
LogisticRegression, HistGradientBoosting) can run many times slower than one
thread and vary from run to run; ``--threads 1`` gives stable, comparable
numbers there (it limits every pool, lime's and sklime's alike, for the whole
run). ``--blas-threads 1,default,16`` repeats each in-process section
(``onerow``, ``compare``, ``linearity``, ``width``, ``profile``) with the BLAS
pools limited to each number of threads (``default``: no limit), and
``--busy 0,2`` repeats it idle and beside two busy processes (CPU-bound
loops started for the section and stopped after it, each bounded by
``--busy-seconds``); ``--markdown`` prints the tables as Markdown.

Usage, from the repository root::

    python benchmarks/bench_vs_lime.py              # full run
    python benchmarks/bench_vs_lime.py --quick      # smoke run, about a minute
    python benchmarks/bench_vs_lime.py --sections onerow  # as a user runs
    python benchmarks/bench_vs_lime.py --sections onerow \\
        --blas-threads 1,default,16 --busy 0,2  # 3 thread settings, idle and busy
    python benchmarks/bench_vs_lime.py --sections compare --cases breast_cancer \\
        --settings local mask --blas-threads 1,default,16 --busy 0,2  # cheap model
    python benchmarks/bench_vs_lime.py --threads 1  # the steady comparison: one thread
    python benchmarks/bench_vs_lime.py --threads 1 --cpu-time  # CPU time, not wall
    python benchmarks/bench_vs_lime.py --cases diabetes --settings default local
    python benchmarks/bench_vs_lime.py --sections profile
    python benchmarks/bench_vs_lime.py --sections dask --dask-rows 200000

Needs ``lime==0.2.0.1`` (``pip install -e .[benchmark]``); without it the lime
columns read "n/a". The dask section needs ``dask[distributed]``
(``pip install -e .[distributed]``) and is skipped without it.

This script runs the sections; the code lives beside it: ``_cases.py`` (models
and settings), ``_common.py`` (timing, tables, machine report, thread settings
and busy processes), one module per section (``_onerow.py``, ``_compare.py``,
``_linearity.py``, ``_memory.py``, ``_njobs.py``, ``_dask.py``, ``_width.py``,
``_profile.py``) and ``_targets.py`` (the targets checked at the end).
"""

import argparse
import time

from _cases import CASES, SETTINGS, USER_CASES
from _common import (
    TABLE_STYLE,
    TIMING,
    add_run_options,
    limit_threads,
    load_average,
    machine_report,
    run_under_conditions,
    thread_pools,
)
from _compare import compare
from _dask import dask
from _linearity import linearity
from _memory import memory
from _njobs import njobs
from _onerow import onerow
from _profile import profile
from _targets import report_targets
from _width import width

SECTIONS = (
    "onerow",
    "compare",
    "linearity",
    "memory",
    "njobs",
    "dask",
    "width",
    "profile",
)
DEFAULT_SECTIONS = tuple(name for name in SECTIONS if name != "profile")
#: Sections that run in this process, which --blas-threads and --busy repeat;
#: the others start processes of their own and run once.
IN_PROCESS = ("onerow", "compare", "linearity", "width", "profile")


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
    parser.add_argument(
        "--onerow-cases", nargs="+", choices=USER_CASES, default=list(USER_CASES)
    )
    parser.add_argument(
        "--onerow-rows",
        type=int,
        help="rows explained one per call (onerow; 10, at most --onerow-seconds)",
    )
    parser.add_argument(
        "--onerow-seconds",
        type=float,
        help="time budget of each one-per-call loop, and the total under which "
        "a timing is repeated (onerow; 1)",
    )
    parser.add_argument(
        "--onerow-batches",
        type=int,
        nargs="+",
        help="rows per call of the batch columns (onerow; 20 200)",
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
        "run (1: the steady comparison, stable on a busy machine); default: as "
        "they are, as a user runs",
    )
    parser.add_argument(
        "--one-per-call-rows",
        type=int,
        help="rows sklime also explains one per call (compare; --lime-rows)",
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
    add_run_options(parser)
    cfg = parser.parse_args(argv)
    quick = cfg.quick
    defaults = dict(
        onerow_rows=2 if quick else 10,
        onerow_seconds=0.0 if quick else 1.0,
        onerow_batches=[5, 20] if quick else [20, 200],
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
    if cfg.one_per_call_rows is None:
        cfg.one_per_call_rows = cfg.lime_rows
    cfg.linearity_marginal = 30 if quick else 300
    cfg.linearity_local = 5 if quick else 30
    cfg.dask_check_rows = 1_000 if quick else 20_000
    cfg.dask_nested_rows = 20 if quick else 100
    TIMING["max_repeat"] = cfg.repeat
    TABLE_STYLE["markdown"] = cfg.markdown
    if cfg.cpu_time:
        TIMING["clock"] = time.process_time
    if quick:
        TIMING.update(max_repeat=1, min_total=0.0)
    return cfg


def main(argv=None):
    cfg = parse_args(argv)
    start = time.perf_counter()
    machine_report()
    limit_threads(cfg.threads)
    if cfg.threads is not None:
        print(f"--threads {cfg.threads}: {thread_pools()}\n")
    results = {
        "onerow": [],
        "compare": [],
        "linearity": [],
        "memory": [],
        "njobs": [],
        "dask": [],
        "width": [],
    }
    sections = dict(
        onerow=lambda: onerow(cfg, results),
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
            if name in IN_PROCESS:
                run_under_conditions(run, cfg)
            else:
                if cfg.blas_threads != [None] or cfg.busy != [0]:
                    print(
                        f"({name} runs once, without --blas-threads and --busy: "
                        "it starts processes of its own)"
                    )
                run()
            elapsed = time.perf_counter() - section_start
            print(f"[{name}: {elapsed:.0f} s, load average {load_average()}]\n")
    report_targets(results)
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    print(f"total time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
