"""Helpers shared by the benchmark sections: timing, tables, the machine report."""

import importlib.metadata
import os
import platform
import subprocess
import time

import numpy as np
import sklearn

import sklime

#: Timing policy, set from the command line: a measurement is repeated (up to
#: ``max_repeat`` times) while its runs took less than ``min_total`` seconds in
#: all, and the best run counts (other processes on a shared machine only ever
#: make a run slower).
#: ``clock`` is the wall clock, or the process's CPU time (``--cpu-time``):
#: with one thread per pool, CPU time is what the run would take on an idle
#: machine, and other processes time-sharing the cores do not inflate it.
TIMING = dict(max_repeat=3, min_total=15.0, clock=time.perf_counter)


def timed(fn, *, max_repeat=None, min_total=None, clock=None):
    """Best time of ``fn()`` and its result; ``None`` settings come from
    :data:`TIMING`."""
    max_repeat = TIMING["max_repeat"] if max_repeat is None else max_repeat
    min_total = TIMING["min_total"] if min_total is None else min_total
    clock = TIMING["clock"] if clock is None else clock
    best, total, repeat, result = np.inf, 0.0, 0, None
    while repeat < max_repeat and (repeat == 0 or total < min_total):
        start = clock()
        result = fn()
        elapsed = clock() - start
        best, total, repeat = min(best, elapsed), total + elapsed, repeat + 1
    return best, result


def sklime_seconds(est, rows, **kwargs):
    """Best transform time of ``rows`` (after a warm-up on two rows)."""
    est.transform(rows[:2])
    return timed(lambda: est.transform(rows), **kwargs)


class ModelClock:
    """A model function that sums the wall-clock seconds spent in ``fn``."""

    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, X):
        start = time.perf_counter()
        out = self.fn(X)
        self.seconds += time.perf_counter() - start
        return out


def best_transform(explainer, rows, model_clock=None, runs=3):
    """Best of ``runs`` wall-clock ``transform(rows)``, after a one-row warm-up.

    Returns that run's ``(total, model)`` seconds, ``model`` being the time
    ``model_clock`` (a :class:`ModelClock` inside the explainer's model)
    counted during it, 0.0 without one.
    """
    explainer.transform(rows[:1])
    results = []
    for _ in range(runs):
        if model_clock is not None:
            model_clock.seconds = 0.0
        start = time.perf_counter()
        explainer.transform(rows)
        total = time.perf_counter() - start
        results.append((total, 0.0 if model_clock is None else model_clock.seconds))
    return min(results)


def chunk_rows(est, n_rows):
    """Rows per chunk sklime uses for ``n_rows`` rows (private API: None when
    it cannot be found in this version)."""
    try:
        from sklime._engine import _chunk_rows

        return int(_chunk_rows(est, n_rows))
    except (ImportError, AttributeError, TypeError):
        pass
    try:
        return int(est._chunk_rows(n_rows))
    except (AttributeError, TypeError):
        return None


class Table:
    def __init__(self, cols):
        self.cols = cols

    def header(self):
        print(
            "  ".join(
                f"{name:<{width}}" if fmt == "s" and width > 20 else f"{name:>{width}}"
                for name, width, fmt in self.cols
            )
        )
        print("  ".join("-" * width for _, width, _ in self.cols))

    def row(self, values):
        cells = []
        for value, (_, width, fmt) in zip(values, self.cols, strict=True):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                cells.append(f"{'n/a':>{width}}")
            elif fmt == "s":
                cells.append(f"{value:<{width}}" if width > 20 else f"{value:>{width}}")
            else:
                cells.append(f"{value:>{width}{fmt}}")
        print("  ".join(cells), flush=True)


def git_state():
    """`` (git <commit>[, modified])`` when sklime is imported from a checkout."""
    package = os.path.dirname(os.path.abspath(sklime.__file__))
    try:
        commit = subprocess.run(
            ["git", "-C", package, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", package, "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f" (git {commit}{', modified' if dirty else ''})"


def load_average():
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def print_header(title, cfg):
    del cfg
    print(title)
    print("=" * len(title))


def version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_report():
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print(f"machine: {platform.platform()} ({platform.machine()})")
    print(
        f"cpu: {platform.processor() or 'unknown'}; os.cpu_count()={os.cpu_count()}, "
        f"usable={usable}"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, sklime {sklime.__version__}, "
        f"lime {version('lime')}"
    )
    print(f"sklime from {os.path.dirname(sklime.__file__)}{git_state()}")
    print(f"load average at start (1, 5, 15 min): {load_average()}")
    try:
        from threadpoolctl import threadpool_info

        pools = ", ".join(
            f"{p['internal_api']}({p['num_threads']} threads)"
            for p in threadpool_info()
        )
        print(f"thread pools: {pools}")
    except ImportError:
        pass
    print()


def limit_threads(n_threads):
    """Limit every BLAS and OpenMP thread pool to ``n_threads`` (None: as is)."""
    if n_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=n_threads)


def section_parser(description, sections):
    """A command line with ``--sections`` (from ``sections``) and ``--threads``."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--sections", nargs="+", default=list(sections), choices=list(sections)
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS and OpenMP threads (1 on a busy machine)",
    )
    return parser


def run_sections(parser, sections):
    """Parse the command line and run the chosen sections, with the machine report."""
    import warnings

    args = parser.parse_args()
    limit_threads(args.threads)
    machine_report()
    warnings.simplefilter("ignore", UserWarning)
    for name in args.sections:
        print(f"\n{name}\n{'-' * len(name)}")
        sections[name](args)
        print(f"load average: {load_average()}")
