"""Section ``memory``: peak RSS of transforming many rows, in a fresh process."""

import json
import os
import resource
import subprocess
import sys
import time

import sklearn

from _cases import many_rows_case
from _common import Table, chunk_rows, limit_threads, print_header


def memory_child(working_memory, n_rows, num_samples, seed):
    """Runs in a subprocess: transform many rows, report peak RSS as JSON."""
    est, rows = many_rows_case(n_rows, num_samples, seed)
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
            "default" if wm is None else str(wm),
            str(cfg.memory_rows),
            str(cfg.num_samples),
            str(cfg.seed),
            str(cfg.threads),
        ]
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


if __name__ == "__main__":
    # the child, run by memory(): python _memory.py WORKING_MEMORY|default ROWS
    # NUM_SAMPLES SEED THREADS|None
    wm, n_rows, num_samples, seed, threads = sys.argv[1:]
    limit_threads(None if threads == "None" else int(threads))
    memory_child(
        None if wm == "default" else int(wm), int(n_rows), int(num_samples), int(seed)
    )
