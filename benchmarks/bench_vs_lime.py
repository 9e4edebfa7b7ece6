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
(``n_jobs=2`` against ``n_jobs=1`` where the model dominates) and, on request,
``profile`` (cProfile of sklime's lime-default case on the diabetes forest).

Every time is the best of up to three runs (repeated while the runs took less
than 15 s in all): on a shared machine other processes only make runs slower.
The load average is printed at the start and after each section. When other
processes keep the cores busy, multi-threaded OpenBLAS and OpenMP (used by
numpy's stacked matmul, LogisticRegression, HistGradientBoosting) can run many
times slower than one thread and vary from run to run; ``--threads 1`` gives
stable, comparable numbers there (it limits lime and sklime alike).

Usage, from the repository root::

    python benchmarks/bench_vs_lime.py              # full run, ~12 min on 2 cores
    python benchmarks/bench_vs_lime.py --quick      # smoke run, < 1 minute
    python benchmarks/bench_vs_lime.py --threads 1  # busy machine: one thread
    python benchmarks/bench_vs_lime.py --cases diabetes --settings default local
    python benchmarks/bench_vs_lime.py --sections profile

Needs ``lime==0.2.0.1`` (``pip install -e .[benchmark]``); without it the lime
columns read "n/a".
"""

import argparse
import cProfile
import importlib.metadata
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import sklearn
from sklearn.base import is_classifier
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    make_classification,
    make_regression,
)
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklime
from sklime import LimeExplainer

CASES = ("diabetes", "breast_cancer", "classification50")
SETTINGS = ("default", "continuous", "local", "mask")
SECTIONS = ("compare", "linearity", "memory", "njobs", "profile")
DEFAULT_SECTIONS = ("compare", "linearity", "memory", "njobs")

#: Largest number of points passed to the model in one call when timing the
#: black box alone (keeps the timing arrays of the 50-feature case small).
MAX_POINTS_PER_CALL = 1_000_000

TARGETS = {
    "default_speedup": 100.0,
    "continuous_speedup": 30.0,
    "forest_overhead": 1.25,
    "linearity": 11.0,
    "memory_bytes": 2 * 1024**3,
}


# --------------------------------------------------------------------------
# Cases and settings
# --------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    label: str
    X: np.ndarray
    model: object

    @property
    def classifier(self):
        return is_classifier(self.model)

    @property
    def predict(self):
        """The model output both explainers use."""
        return self.model.predict_proba if self.classifier else self.model.predict

    @property
    def n_features(self):
        return self.X.shape[1]

    def rows(self, n):
        """``n`` rows to explain (the data repeated if it has fewer rows)."""
        return np.resize(self.X, (n, self.n_features))


def make_case(name, seed):
    if name == "diabetes":
        X, y = load_diabetes(return_X_y=True)
        model = RandomForestRegressor(n_estimators=100, random_state=seed)
        label = "diabetes / random forest"
    elif name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        label = "breast_cancer / scaler+logistic"
    elif name == "classification50":
        X, y = make_classification(
            n_samples=2000, n_features=50, n_informative=10, random_state=seed
        )
        model = HistGradientBoostingClassifier(random_state=seed)
        label = "make_classification 50 / HGB"
    else:
        raise ValueError(name)
    return Case(name, label, X, model.fit(X, y))


@dataclass
class Setting:
    name: str
    label: str
    sampling: str
    sklime_params: dict
    lime_init: dict | None = None
    lime_explain: dict = field(default_factory=dict)


def make_setting(name, n_features):
    if name == "default":
        return Setting(
            name,
            "(a) quartile bins, fwd sel 5",
            "marginal",
            dict(discretizer="quartile", num_features=5, feature_selection="auto"),
            dict(discretize_continuous=True, discretizer="quartile"),
            dict(num_features=5),
        )
    if name == "continuous":
        return Setting(
            name,
            "(b) continuous, no selection",
            "marginal",
            {},
            dict(discretize_continuous=False, feature_selection="none"),
            dict(num_features=n_features),
        )
    if name == "local":
        return Setting(
            name,
            "(c) local sampling",
            "local",
            dict(sampling="local"),
            dict(
                discretize_continuous=False,
                sample_around_instance=True,
                feature_selection="none",
            ),
            dict(num_features=n_features),
        )
    if name == "mask":
        return Setting(name, "(d) mask sampling", "mask", dict(sampling="mask"))
    raise ValueError(name)


def make_sklime(case, setting, num_samples, seed, **extra):
    params = dict(setting.sklime_params, **extra)
    est = LimeExplainer(
        FrozenEstimator(case.model),
        num_samples=num_samples,
        random_state=seed,
        **params,
    )
    return est.fit(case.X)


# --------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------


#: Timing policy, set from the command line: a measurement is repeated (up to
#: ``max_repeat`` times) while its runs took less than ``min_total`` seconds in
#: all, and the best run counts (other processes on a shared machine only ever
#: make a run slower).
TIMING = dict(max_repeat=3, min_total=15.0)


def timed(fn, *, max_repeat=None, min_total=None):
    """Best wall time of ``fn()`` and its result, see :data:`TIMING`."""
    max_repeat = TIMING["max_repeat"] if max_repeat is None else max_repeat
    min_total = TIMING["min_total"] if min_total is None else min_total
    best, total, repeat, result = np.inf, 0.0, 0, None
    while repeat < max_repeat and (repeat == 0 or total < min_total):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best, total, repeat = min(best, elapsed), total + elapsed, repeat + 1
    return best, result


def perturbed_points(case, sampling, rows, num_samples, rng):
    """Points shaped like the perturbations of ``sampling``, for timing the
    black box alone (the model's cost can depend on where the points are, so
    they are drawn as the explainers draw them, not repeated rows)."""
    mean, std = case.X.mean(axis=0), case.X.std(axis=0)
    if sampling == "marginal":
        return mean + std * rng.standard_normal((num_samples, case.n_features))
    noise = rng.standard_normal((num_samples, case.n_features))
    if sampling == "local":
        return rows[:, None, :] + std * noise
    keep = rng.random((num_samples, case.n_features)) < 0.5
    return np.where(keep, rows[:, None, :], mean + std * noise)


def black_box_seconds(case, sampling, n_rows, num_samples, seed):
    """Time of the bare model on the points sklime's transform needs."""
    rng = np.random.default_rng(seed)
    rows = case.rows(n_rows)
    predict = case.predict
    if sampling == "marginal":
        points = perturbed_points(case, sampling, rows, num_samples, rng)
        predict(points[:10])  # warm up

        def run():
            predict(points)
            predict(rows)

        return timed(run)[0]
    block = max(1, MAX_POINTS_PER_CALL // num_samples)
    predict(rows[:2])
    blocks = [
        perturbed_points(case, sampling, rows[i : i + block], num_samples, rng)
        for i in range(0, n_rows, block)
    ]
    blocks = [points.reshape(-1, case.n_features) for points in blocks]

    def run():
        for points in blocks:
            predict(points)

    return timed(run)[0]


def sklime_seconds(est, rows, **kwargs):
    """Best transform time of ``rows`` (after a warm-up on two rows)."""
    est.transform(rows[:2])
    return timed(lambda: est.transform(rows), **kwargs)


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


def lime_available():
    try:
        import lime.lime_tabular  # noqa: F401
    except ImportError:
        return False
    return True


def run_lime(case, setting, n_rows, num_samples, seed):
    """Best seconds for lime to explain ``n_rows`` rows, one at a time, and
    its coefficients."""
    from lime.lime_tabular import LimeTabularExplainer

    mode = "classification" if case.classifier else "regression"
    explainer = LimeTabularExplainer(
        case.X, mode=mode, random_state=seed, **setting.lime_init
    )
    rows = case.rows(n_rows)

    def explain(row):
        exp = explainer.explain_instance(
            row, case.predict, num_samples=num_samples, **setting.lime_explain
        )
        coef = np.zeros(case.n_features)
        # label 1: the positive class, or (regression) the target itself
        for j, w in exp.local_exp[1]:
            coef[j] = w
        return coef

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explain(rows[0])  # warm up
        return timed(lambda: np.array([explain(row) for row in rows]))


def coef_corr(a, b):
    a, b = np.ravel(a), np.ravel(b)
    if a.std() == 0 or b.std() == 0:
        return np.nan
    return float(np.corrcoef(a, b)[0, 1])


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------


def compare(cases, settings, cfg, results):
    print_header("sklime vs lime", cfg)
    print(
        f"num_samples={cfg.num_samples}; lime on {cfg.lime_rows} rows; sklime on "
        f"{cfg.marginal_rows} rows (marginal) or {cfg.local_rows} rows (local, "
        "mask); black box = bare model output on the same number of perturbed "
        "points; overhead = sklime s / black box s; each time is the best of "
        f"up to {TIMING['max_repeat']} runs (repeated while under "
        f"{TIMING['min_total']:g} s in all)"
    )
    cols = [
        ("case", 31, "s"),
        ("setting", 29, "s"),
        ("lime rows", 9, "d"),
        ("lime rows/s", 11, ".2f"),
        ("sklime rows", 11, "d"),
        ("sklime rows/s", 13, ".1f"),
        ("sklime/lime", 11, ".1f"),
        ("black box s", 11, ".3f"),
        ("sklime s", 9, ".3f"),
        ("overhead", 8, ".2f"),
        ("coef corr", 9, ".3f"),
    ]
    table = Table(cols)
    table.header()
    have_lime = lime_available()
    for case_name in cases:
        case = make_case(case_name, cfg.seed)
        for setting_name in settings:
            setting = make_setting(setting_name, case.n_features)
            n_rows = (
                cfg.marginal_rows if setting.sampling == "marginal" else cfg.local_rows
            )
            rows = case.rows(n_rows)
            est = make_sklime(case, setting, cfg.num_samples, cfg.seed)
            sk_s, sk_coef = sklime_seconds(est, rows)
            bb_s = black_box_seconds(
                case, setting.sampling, n_rows, cfg.num_samples, cfg.seed
            )
            lime_rows = lime_rps = ratio = corr = None
            if setting.lime_init is not None and have_lime:
                lime_rows = min(cfg.lime_rows, n_rows)
                lime_s, lime_coef = run_lime(
                    case, setting, lime_rows, cfg.num_samples, cfg.seed
                )
                lime_rps = lime_rows / lime_s
                ratio = (n_rows / sk_s) / lime_rps
                corr = coef_corr(lime_coef, sk_coef[:lime_rows])
            row = dict(
                case=case.label,
                setting=setting.label,
                lime_rows=lime_rows,
                lime_rps=lime_rps,
                sklime_rows=n_rows,
                sklime_rps=n_rows / sk_s,
                ratio=ratio,
                black_box_s=bb_s,
                sklime_s=sk_s,
                overhead=sk_s / bb_s,
                corr=corr,
            )
            results["compare"].append(dict(row, case_name=case_name, setting=setting))
            table.row(list(row.values()))


def linearity(cfg, results):
    print_header("linearity: sklime on N and 10 N rows (diabetes forest)", cfg)
    case = make_case("diabetes", cfg.seed)
    table = Table(
        [
            ("setting", 29, "s"),
            ("N", 6, "d"),
            ("time N s", 9, ".3f"),
            ("10N", 6, "d"),
            ("time 10N s", 10, ".3f"),
            ("time ratio", 10, ".2f"),
        ]
    )
    table.header()
    for setting_name, n in (
        ("default", cfg.linearity_marginal),
        ("local", cfg.linearity_local),
    ):
        setting = make_setting(setting_name, case.n_features)
        est = make_sklime(case, setting, cfg.num_samples, cfg.seed)
        # the same number of runs for both sizes, the best of each counts
        small, _ = sklime_seconds(est, case.rows(n), max_repeat=2, min_total=np.inf)
        large, _ = sklime_seconds(
            est, case.rows(10 * n), max_repeat=2, min_total=np.inf
        )
        results["linearity"].append(dict(setting=setting.label, ratio=large / small))
        table.row([setting.label, n, small, 10 * n, large, large / small])


def memory_child(working_memory, n_rows, num_samples, seed):
    """Runs in a subprocess: transform many rows, report peak RSS as JSON."""
    X, y = make_regression(n_samples=2000, n_features=10, random_state=seed)
    model = Ridge().fit(X, y)
    rows = np.random.default_rng(seed).standard_normal((n_rows, X.shape[1]))
    est = LimeExplainer(
        FrozenEstimator(model), num_samples=num_samples, random_state=seed
    ).fit(X)
    est.transform(rows[:2])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if working_memory is None:
        coef = est.transform(rows)
        chunk = chunk_rows(est, n_rows)
    else:
        with sklearn.config_context(working_memory=working_memory):
            coef = est.transform(rows)
            chunk = chunk_rows(est, n_rows)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            dict(
                before_kib=before,
                peak_kib=peak,
                seconds=elapsed,
                shape=list(coef.shape),
                chunk_rows=chunk,
                working_memory=working_memory or sklearn.get_config()["working_memory"],
            )
        )
    )


#: Starts the memory child from a small process. On Linux a process inherits
#: its parent's peak RSS through fork and exec (``ru_maxrss`` of a child
#: started from this large benchmark process would start at this process's
#: peak); a grandchild forked from a small launcher starts near zero.
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def memory(cfg, results):
    print_header(
        f"memory: transform {cfg.memory_rows:,} rows, Ridge on 10 features, "
        f"marginal sampling, num_samples={cfg.num_samples} (one subprocess each)",
        cfg,
    )
    table = Table(
        [
            ("working_memory MiB", 18, "s"),
            ("rows/chunk", 10, "s"),
            ("seconds", 8, ".1f"),
            ("rows/s", 8, ".0f"),
            ("RSS before MiB", 14, ".0f"),
            ("peak RSS MiB", 12, ".0f"),
        ]
    )
    table.header()
    for wm in (None, 128):
        cmd = [
            sys.executable,
            "-c",
            _LAUNCHER,
            sys.executable,
            os.path.abspath(__file__),
            "--memory-child",
            "default" if wm is None else str(wm),
            "--memory-rows",
            str(cfg.memory_rows),
            "--num-samples",
            str(cfg.num_samples),
            "--seed",
            str(cfg.seed),
        ]
        if cfg.threads is not None:
            cmd += ["--threads", str(cfg.threads)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"memory child failed (working_memory={wm}):\n{out.stderr}")
            continue
        res = json.loads(out.stdout.strip().splitlines()[-1])
        res["requested"] = wm
        results["memory"].append(res)
        table.row(
            [
                f"{res['working_memory']}" + (" (default)" if wm is None else ""),
                res["chunk_rows"],
                res["seconds"],
                cfg.memory_rows / res["seconds"],
                res["before_kib"] / 1024,
                res["peak_kib"] / 1024,
            ]
        )
    print("(ru_maxrss of the child process; 'before' is the peak before transform)")


def njobs(cfg, results):
    print_header(
        "n_jobs: local sampling on the diabetes forest (the model dominates)", cfg
    )
    case = make_case("diabetes", cfg.seed)
    setting = make_setting("local", case.n_features)
    rows = case.rows(cfg.njobs_rows)
    table = Table(
        [
            ("working_memory MiB", 18, "s"),
            ("rows/chunk", 10, "s"),
            ("n_jobs", 6, "d"),
            ("seconds", 8, ".2f"),
            ("rows/s", 8, ".1f"),
            ("speedup", 8, ".2f"),
        ]
    )
    table.header()
    for wm in (None, 64):
        base = None
        for n_jobs in (1, 2):
            est = make_sklime(case, setting, cfg.num_samples, cfg.seed, n_jobs=n_jobs)
            ctx = (
                sklearn.config_context()
                if wm is None
                else sklearn.config_context(working_memory=wm)
            )
            with ctx:
                chunk = chunk_rows(est, len(rows))
                # warm-up: two one-row chunks, so that every worker starts
                with (
                    sklearn.config_context(working_memory=1),
                    warnings.catch_warnings(),
                ):
                    warnings.simplefilter("ignore")
                    est.transform(rows[:2])
                seconds, _ = timed(lambda est=est: est.transform(rows), max_repeat=2)
            base = base or seconds
            results["njobs"].append(
                dict(working_memory=wm, n_jobs=n_jobs, speedup=base / seconds)
            )
            table.row(
                [
                    "default" if wm is None else str(wm),
                    chunk,
                    n_jobs,
                    seconds,
                    len(rows) / seconds,
                    base / seconds,
                ]
            )
    print(
        "(n_jobs splits rows by chunk: with fewer rows than one chunk there is "
        "nothing to parallelize)"
    )


def profile(cfg, results):
    del results
    n_rows = cfg.marginal_rows
    print_header(
        f"cProfile: sklime lime-default case (a), diabetes forest, {n_rows} rows",
        cfg,
    )
    case = make_case("diabetes", cfg.seed)
    setting = make_setting("default", case.n_features)
    est = make_sklime(case, setting, cfg.num_samples, cfg.seed)
    rows = case.rows(n_rows)
    est.transform(rows[:2])
    prof = cProfile.Profile()
    prof.enable()
    est.transform(rows)
    prof.disable()
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(25)
        text = buf.getvalue()
        print(text[text.find("Ordered by") :].rstrip())
        print()


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


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


def report_targets(results):
    lines = []
    by = {}
    for r in results["compare"]:
        by.setdefault(r["setting"].name, []).append(r)

    def verdict(ok):
        return "PASS" if ok else "FAIL"

    if by.get("default"):
        items = [
            (r["case_name"], r["ratio"])
            for r in by["default"]
            if r["ratio"] is not None
        ]
        if items:
            target = TARGETS["default_speedup"]
            parts = ", ".join(f"{c} {v:.0f}x {verdict(v >= target)}" for c, v in items)
            lines.append(f"(1) lime-default-equivalent >= {target:.0f}x lime: {parts}")
    if by.get("continuous"):
        items = [
            (r["case_name"], r["ratio"])
            for r in by["continuous"]
            if r["ratio"] is not None
        ]
        if items:
            target = TARGETS["continuous_speedup"]
            parts = ", ".join(f"{c} {v:.0f}x {verdict(v >= target)}" for c, v in items)
            lines.append(f"(2) continuous marginal >= {target:.0f}x lime: {parts}")
    forest = [
        r
        for r in results["compare"]
        if r["case_name"] == "diabetes" and r["setting"].name in ("local", "mask")
    ]
    if forest:
        target = TARGETS["forest_overhead"]
        parts = ", ".join(
            f"{r['setting'].name} {r['overhead']:.2f} "
            f"{verdict(r['overhead'] <= target)}"
            for r in forest
        )
        lines.append(f"(3) random forest overhead <= {target}: {parts}")
    if results["linearity"]:
        target = TARGETS["linearity"]
        parts = ", ".join(
            f"{r['setting']} {r['ratio']:.2f}x {verdict(r['ratio'] <= target)}"
            for r in results["linearity"]
        )
        lines.append(f"(4) 10x rows <= {target:.0f}x time: {parts}")
    if results["memory"]:
        target = TARGETS["memory_bytes"]
        parts = ", ".join(
            f"working_memory={r['working_memory']} {r['peak_kib'] / 1024:.0f} MiB "
            f"{verdict(r['peak_kib'] * 1024 < target)}"
            for r in results["memory"]
        )
        lines.append(f"(5) peak RSS < 2 GiB: {parts}")
    if lines:
        print_header("targets", None)
        print("\n".join(lines))
        print()


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="few rows: a smoke run (< 1 minute)"
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
        "--threads",
        type=int,
        help="limit the BLAS and OpenMP thread pools (threadpoolctl) of the whole "
        "run, for stable timings on a busy machine; default: as they are",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    cfg = parser.parse_args(argv)
    quick = cfg.quick
    defaults = dict(
        lime_rows=2 if quick else 10,
        marginal_rows=100 if quick else 1000,
        local_rows=10 if quick else 200,
        memory_rows=5_000 if quick else 200_000,
        njobs_rows=40 if quick else 400,
    )
    for key, value in defaults.items():
        if getattr(cfg, key) is None:
            setattr(cfg, key, value)
    cfg.linearity_marginal = 30 if quick else 300
    cfg.linearity_local = 5 if quick else 30
    if quick:
        TIMING.update(max_repeat=1, min_total=0.0)
    return cfg


def limit_threads(n_threads):
    """Limit every BLAS and OpenMP thread pool to ``n_threads`` (None: as is)."""
    if n_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=n_threads)


def main(argv=None):
    cfg = parse_args(argv)
    if cfg.memory_child is not None:
        wm = None if cfg.memory_child == "default" else int(cfg.memory_child)
        limit_threads(cfg.threads)
        memory_child(wm, cfg.memory_rows, cfg.num_samples, cfg.seed)
        return
    limit_threads(cfg.threads)
    start = time.perf_counter()
    machine_report()
    results = {"compare": [], "linearity": [], "memory": [], "njobs": []}
    sections = dict(
        compare=lambda: compare(cfg.cases, cfg.settings, cfg, results),
        linearity=lambda: linearity(cfg, results),
        memory=lambda: memory(cfg, results),
        njobs=lambda: njobs(cfg, results),
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
