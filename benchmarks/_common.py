"""Helpers shared by the benchmark sections: timing, tables, the machine report."""

import contextlib
import importlib.metadata
import multiprocessing
import os
import platform
import shlex
import subprocess
import sys
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


def per_call_seconds(
    call, items, *, max_calls, budget, max_repeat=None, min_total=None, clock=None
):
    """Best seconds per call of ``call(item)``, one item per call, and the calls.

    The first run calls ``call`` on the items in turn until ``max_calls`` are
    done or the calls took ``budget`` seconds in all (at least one call);
    further runs call it on the same items, under the policy of :func:`timed`
    (the first run counts towards ``min_total``). ``None`` settings come from
    :data:`TIMING`.
    """
    max_repeat = TIMING["max_repeat"] if max_repeat is None else max_repeat
    min_total = TIMING["min_total"] if min_total is None else min_total
    clock = TIMING["clock"] if clock is None else clock
    total, n_calls = 0.0, 0
    while n_calls < min(max_calls, len(items)) and (n_calls == 0 or total < budget):
        start = clock()
        call(items[n_calls])
        total += clock() - start
        n_calls += 1
    best = total
    if max_repeat > 1 and total < min_total:

        def run():
            for item in items[:n_calls]:
                call(item)

        again, _ = timed(
            run, max_repeat=max_repeat - 1, min_total=min_total - total, clock=clock
        )
        best = min(best, again)
    return best / n_calls, n_calls


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
        from sklime._core._engine import _rows_per_chunk
        from sklime._tabular._plan import TabularPlan

        plan = TabularPlan(est, None, None, est.kernel, est.kernel_width_)
        floats = plan.chunk_floats(est.n_features_in_, False)
        return int(_rows_per_chunk(floats, n_rows, est.n_jobs))
    except (ImportError, AttributeError, TypeError):
        pass
    try:
        return int(est._chunk_rows(n_rows))
    except (AttributeError, TypeError):
        return None


#: Table style, set from the command line: ``markdown`` prints the tables as
#: Markdown (``--markdown``), ready to paste into ``docs/performance.md``.
TABLE_STYLE = dict(markdown=False)


class Table:
    """A table printed row by row: ``cols`` are ``(name, width, format)``,
    format ``"s"`` for text (left-aligned when wider than 20)."""

    def __init__(self, cols):
        self.cols = cols

    def header(self):
        if TABLE_STYLE["markdown"]:
            print("| " + " | ".join(name for name, _, _ in self.cols) + " |")
            print(
                "| "
                + " | ".join("---" if fmt == "s" else "---:" for _, _, fmt in self.cols)
                + " |"
            )
            return
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
        if TABLE_STYLE["markdown"]:
            print("| " + " | ".join(c.strip() for c in cells) + " |", flush=True)
        else:
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


def thread_pools():
    """The thread pools loaded in this process, as threadpoolctl reports them:
    library, version, file and current number of threads."""
    from threadpoolctl import threadpool_info

    return "; ".join(
        f"{p['user_api']} {p['internal_api']} {p.get('version') or ''} "
        f"({os.path.basename(p['filepath'])}"
        + (f", {p['threading_layer']}" if p.get("threading_layer") else "")
        + f"): {p['num_threads']} threads"
        for p in threadpool_info()
    )


def command_line():
    """The command that started this process, as typed from the repository root."""
    return shlex.join(["python", *sys.argv])


def machine_report():
    """Print the machine, the versions, the git commit, the thread pools (before
    any limit: the process's defaults) and the command line."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print(f"command: {command_line()}")
    print(f"machine: {platform.platform()} ({platform.machine()})")
    print(
        f"cpu: {platform.processor() or 'unknown'}; cores: os.cpu_count()="
        f"{os.cpu_count()}, usable={usable}"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, sklime {sklime.__version__}, "
        f"lime {version('lime')}, threadpoolctl {version('threadpoolctl')}"
    )
    print(f"sklime from {os.path.dirname(sklime.__file__)}{git_state()}")
    print(f"load average at start (1, 5, 15 min): {load_average()}")
    print(f"thread pools (defaults): {thread_pools()}")
    print()


def limit_threads(n_threads):
    """Limit every BLAS and OpenMP thread pool to ``n_threads`` (None: as is)."""
    if n_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=n_threads)


def blas_threads(n_threads):
    """A context that limits the BLAS thread pools to ``n_threads`` (None: a
    context that changes nothing, the process's default threads)."""
    if n_threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n_threads, user_api="blas")


def _busy_loop(seconds, started):
    """Keep one core busy with pure-Python arithmetic for ``seconds``."""
    started.set()
    deadline = time.monotonic() + seconds
    x = 0
    while time.monotonic() < deadline:
        for i in range(100_000):
            x = (x + i * i) % 1_000_003


class BusyProcesses:
    """``n`` CPU-bound processes (a pure-Python loop each, no I/O) running
    beside the block: each stops by itself after ``seconds`` and all are
    terminated when the block ends. ``n=0`` starts nothing."""

    def __init__(self, n, seconds):
        self.n, self.seconds, self.processes = n, seconds, []

    def __enter__(self):
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        for _ in range(self.n):
            started = context.Event()
            process = context.Process(
                target=_busy_loop, args=(self.seconds, started), daemon=True
            )
            process.start()
            started.wait(timeout=60)
            self.processes.append(process)
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        if self.processes and time.monotonic() - self.start > self.seconds:
            print(
                f"(the busy processes stopped after {self.seconds:g} s, before the "
                "section ended: raise --busy-seconds)"
            )
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join()
        self.processes = []
        return False


def _int_list(text, words=None):
    """``"1,default,16"`` as ``[1, None, 16]`` (``words`` map to None)."""
    values = []
    for part in text.split(","):
        part = part.strip()
        if words and part in words:
            values.append(None)
        else:
            values.append(int(part))
    return values


def blas_thread_list(text):
    """The argument of ``--blas-threads``: numbers and ``default`` (no limit)."""
    return _int_list(text, words=("default", "none"))


def busy_list(text):
    """The argument of ``--busy``: numbers of busy processes, 0 for idle."""
    return _int_list(text)


def add_run_options(parser):
    """``--blas-threads``, ``--busy`` and ``--busy-seconds`` (the conditions
    under which the sections are repeated, see :func:`run_under_conditions`)
    and ``--markdown`` (the tables' style)."""
    parser.add_argument(
        "--blas-threads",
        type=blas_thread_list,
        default=[None],
        metavar="N,default,...",
        help="repeat each section at each BLAS thread setting, comma-separated "
        "('default': no limit, the process's own threads; e.g. 1,default,16); "
        "threadpoolctl limits the BLAS pools of the whole process (sklime, lime "
        "and the model alike) for the duration of the section; default: default",
    )
    parser.add_argument(
        "--busy",
        type=busy_list,
        default=[0],
        metavar="N,...",
        help="repeat each section beside each number of busy processes, "
        "comma-separated (0: idle; e.g. 0,2): CPU-bound pure-Python loops in "
        "processes of their own, started for the section and stopped after it",
    )
    parser.add_argument(
        "--busy-seconds",
        type=float,
        default=900.0,
        help="time bound of each busy process (it stops by itself then; 900)",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the tables as Markdown, to paste into docs/performance.md",
    )


def describe_threads(n_threads, cfg):
    """The label of a ``--blas-threads`` setting (None: no limit but
    ``--threads``, if given)."""
    if n_threads is not None:
        return f"{n_threads} BLAS threads"
    if getattr(cfg, "threads", None) is not None:
        return f"{cfg.threads} threads (--threads)"
    return "default BLAS threads"


def describe_busy(n_busy):
    return "idle" if not n_busy else f"beside {n_busy} busy processes"


#: The condition the running section is measured under (its label), for results.
CONDITION = {"label": None}


def run_under_conditions(run, cfg):
    """Run ``run()`` once per BLAS thread setting and number of busy processes
    of ``cfg`` (from :func:`add_run_options`), saying which before each
    run; returns nothing."""
    for n_busy in cfg.busy:
        for n_threads in cfg.blas_threads:
            label = f"{describe_threads(n_threads, cfg)}, {describe_busy(n_busy)}"
            CONDITION["label"] = label
            with blas_threads(n_threads), BusyProcesses(n_busy, cfg.busy_seconds):
                print(f"\n[{label}]")
                print(f"thread pools: {thread_pools()}")
                print(f"load average: {load_average()}")
                start = time.perf_counter()
                run()
                elapsed = time.perf_counter() - start
                print(f"[{label}: {elapsed:.0f} s, load average {load_average()}]")
    CONDITION["label"] = None


def section_parser(description, sections):
    """A command line with ``--sections`` (from ``sections``), ``--threads`` and
    the options of :func:`add_run_options`."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--sections", nargs="+", default=list(sections), choices=list(sections)
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS and OpenMP threads for the whole run (1: the steady "
        "comparison); default: no limit",
    )
    add_run_options(parser)
    return parser


def run_sections(parser, sections):
    """Parse the command line and run the chosen sections, with the machine
    report, each under every condition asked for."""
    import warnings

    args = parser.parse_args()
    TABLE_STYLE["markdown"] = args.markdown
    machine_report()
    limit_threads(args.threads)
    if args.threads is not None:
        print(f"--threads {args.threads}: {thread_pools()}")
    warnings.simplefilter("ignore", UserWarning)
    for name in args.sections:
        print(f"\n{name}\n{'-' * len(name)}")
        run_under_conditions(lambda name=name: sections[name](args), args)
