"""Section ``dask``: a million rows through joblib's dask backend.

``transform`` runs on a ``distributed.LocalCluster`` of worker processes, as it
would on a real cluster: ``parallel_config(backend="dask")`` and ``n_jobs=-1``
send sklime's chunks to the workers. Each worker's peak resident memory
during the transform (Linux ``VmHWM``, reset before it) is asked of every
worker with ``Client.run``. A random sample of the rows is then explained
alone in this process: every row's explanation depends only on the shared
noise and the row, so the two must be bit-identical.

Another row runs a model with its own ``n_jobs`` (a random forest,
``n_jobs=2``) under local sampling, where the model is called inside the
chunks on the workers: sklime runs the model's joblib calls sequentially in
chunks it runs in parallel, so the workers do not wait on themselves.
"""

import time

import numpy as np
from joblib import parallel_config
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from _cases import many_rows_case
from _common import Table, chunk_rows, print_header
from sklime import LimeExplainer


def _status_mib(field):
    """A memory field of this process's ``/proc/self/status``, in MiB (None
    where there is no ``/proc``)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak_rss():
    """Reset this process's peak RSS to its current RSS (Linux); return it.

    ``ru_maxrss`` cannot be reset and a worker process inherits its parent's
    peak through fork and exec; ``VmHWM``, reset by writing 5 to
    ``/proc/self/clear_refs``, counts this process image alone."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return None
    return _status_mib("VmRSS")


def _peak_rss():
    """This process's peak RSS (MiB) since the last reset."""
    return _status_mib("VmHWM")


def _on_workers(client, fn):
    """``fn()`` on every worker, in worker order."""
    out = client.run(fn)
    return [out[worker] for worker in sorted(out)]


def _nested_forest_case(n_rows, num_samples, seed):
    """A forest with its own ``n_jobs=2`` under local sampling (the model is
    called inside every chunk), and ``n_rows`` rows of the diabetes data."""
    X, y = load_diabetes(return_X_y=True)
    model = RandomForestRegressor(n_estimators=20, n_jobs=2, random_state=seed)
    est = LimeExplainer(
        FrozenEstimator(model.fit(X, y)),
        sampling="local",
        num_samples=num_samples,
        random_state=seed,
        n_jobs=-1,
    )
    return est.fit(X), np.resize(X, (n_rows, X.shape[1]))


def _run_on_cluster(client, est, rows):
    """Transform ``rows`` through the dask backend: seconds, the matrix, and
    each worker's RSS (MiB) before and its peak during the transform."""
    with parallel_config(backend="dask"):
        est.transform(rows[:2])  # warm-up: every worker imports sklime
        before = _on_workers(client, _reset_peak_rss)
        start = time.perf_counter()
        coef = est.transform(rows)
        seconds = time.perf_counter() - start
    return seconds, coef, before, _on_workers(client, _peak_rss)


def _mib_list(values):
    """Per-worker MiB as one table cell."""
    return " / ".join("n/a" if v is None else f"{v:.0f}" for v in values)


def _check_one_process(est, rows, coef, n_check, seed):
    """Explain a random sample of the rows alone, in this process, and compare
    with the cluster's matrix. Returns the sample's seconds and the verdict."""
    idx = np.sort(
        np.random.default_rng(seed).choice(len(rows), min(n_check, len(rows)), False)
    )
    alone = est.set_params(n_jobs=None)
    alone.transform(rows[:2])
    start = time.perf_counter()
    expected = alone.transform(rows[idx])
    seconds = time.perf_counter() - start
    try:
        np.testing.assert_array_equal(coef[idx], expected)
    except AssertionError as exc:
        print(f"NOT identical to one process:\n{exc}")
        return seconds, False
    return seconds, True


def dask(cfg, results):
    num_samples = cfg.dask_num_samples
    print_header(
        f"dask: transform {cfg.dask_rows:,} rows on a LocalCluster of "
        f"{cfg.dask_workers} worker processes x 1 thread, num_samples={num_samples}",
        cfg,
    )
    try:
        import distributed
    except ImportError:
        print('distributed is not installed: pip install "dask[distributed]"')
        return
    cases = [
        ("forest n_jobs=2, diabetes", "local")
        + _nested_forest_case(cfg.dask_nested_rows, num_samples, cfg.seed),
        ("Ridge, 10 features", "marginal")
        + many_rows_case(cfg.dask_rows, num_samples, cfg.seed, n_jobs=-1),
    ]
    table = Table(
        [
            ("model", 25, "s"),
            ("sampling", 8, "s"),
            ("rows", 9, "d"),
            ("rows/chunk", 10, "d"),
            ("seconds", 8, ".1f"),
            ("rows/s", 8, ".0f"),
            ("worker RSS before MiB", 21, "s"),
            ("worker peak RSS MiB", 19, "s"),
            ("1 process rows/s", 16, ".0f"),
            ("identical", 14, "s"),
        ]
    )
    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=cfg.dask_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        print(f"cluster started in {time.perf_counter() - start:.1f} s")
        table.header()
        for label, sampling, est, rows in cases:
            n_rows = len(rows)
            with parallel_config(backend="dask"):
                chunk = chunk_rows(est, n_rows)
            seconds, coef, before, peak = _run_on_cluster(client, est, rows)
            n_check = min(cfg.dask_check_rows, n_rows)
            alone_s, same = _check_one_process(est, rows, coef, n_check, cfg.seed)
            results["dask"].append(
                dict(
                    model=label,
                    rows=n_rows,
                    seconds=seconds,
                    peak_mib=peak,
                    identical=same,
                )
            )
            table.row(
                [
                    label,
                    sampling,
                    n_rows,
                    chunk,
                    seconds,
                    n_rows / seconds,
                    _mib_list(before),
                    _mib_list(peak),
                    n_check / alone_s,
                    f"{'yes' if same else 'NO'} ({n_check:,})",
                ]
            )
    print(
        "(one run each, after a two-row warm-up; worker RSS: at the start and "
        "the peak during the transform, VmHWM of each worker process; "
        "'1 process' explains the checked sample of rows alone in this process, "
        "n_jobs=None; identical: np.testing.assert_array_equal on that sample)"
    )
