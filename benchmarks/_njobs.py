"""Section ``njobs``: ``n_jobs=2`` against ``n_jobs=1`` where the model dominates."""

import time
import warnings

import sklearn

from _cases import make_case, make_setting, make_sklime
from _common import Table, chunk_rows, print_header, timed


def njobs(cfg, results):
    print_header(
        "n_jobs: local sampling on the diabetes forest (the model dominates; "
        "wall clock, since CPU time would miss the workers)",
        cfg,
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
                seconds, _ = timed(
                    lambda est=est: est.transform(rows),
                    max_repeat=2,
                    clock=time.perf_counter,
                )
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
