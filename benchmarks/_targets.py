"""The targets the measured numbers are checked against, printed at the end."""

import numpy as np

from _common import print_header

TARGETS = {
    "default_speedup": 300.0,
    "continuous_speedup": 30.0,
    "forest_overhead": 1.25,
    "cheap_overhead": 1.5,
    "linearity": 11.0,
    "memory_bytes": 2 * 1024**3,
    "width_speedup": 10.0,
}


def _name(r, compare):
    """The row's case, with its condition when the runs had several."""
    if len({c.get("condition") for c in compare}) > 1:
        return f"{r['case_name']} [{r['condition']}]"
    return r["case_name"]


def report_targets(results):
    lines = []
    by = {}
    compare = results["compare"]
    for r in compare:
        by.setdefault(r["setting"].name, []).append(r)

    def verdict(ok):
        return "PASS" if ok else "FAIL"

    if by.get("default"):
        items = [
            (_name(r, compare), r["ratio"])
            for r in by["default"]
            if r["ratio"] is not None
        ]
        if items:
            target = TARGETS["default_speedup"]
            parts = ", ".join(f"{c} {v:.0f}x {verdict(v >= target)}" for c, v in items)
            lines.append(f"(1) lime-default-equivalent >= {target:.0f}x lime: {parts}")
    if by.get("continuous"):
        items = [
            (_name(r, compare), r["ratio"])
            for r in by["continuous"]
            if r["ratio"] is not None
        ]
        if items:
            target = TARGETS["continuous_speedup"]
            parts = ", ".join(f"{c} {v:.0f}x {verdict(v >= target)}" for c, v in items)
            lines.append(f"(2) continuous marginal >= {target:.0f}x lime: {parts}")
    for case, label, key, number in (
        ("diabetes", "random forest", "forest_overhead", "3"),
        ("breast_cancer", "scaled logistic", "cheap_overhead", "3b"),
    ):
        line = _overhead_line(results["compare"], case, TARGETS[key], verdict)
        if line:
            lines.append(f"({number}) {label} overhead <= {TARGETS[key]}: {line}")
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
    if results["dask"]:
        parts = ", ".join(
            f"{r['model']} ({r['rows']:,} rows) {verdict(r['identical'])}"
            for r in results["dask"]
        )
        lines.append(f"(6) dask backend gives the single-process rows: {parts}")
    line = _width_line(results["width"], TARGETS["width_speedup"], verdict)
    if line:
        lines.append(line)
    if lines:
        print_header("targets", None)
        print("\n".join(lines))
        print()


def _overhead_line(compare, case, target, verdict):
    """Local and mask overheads of one case against ``target`` ("" if unmeasured)."""
    runs = [
        r
        for r in compare
        if r["case_name"] == case and r["setting"].name in ("local", "mask")
    ]
    several = len({r.get("condition") for r in compare}) > 1
    return ", ".join(
        r["setting"].name
        + (f" [{r['condition']}]" if several else "")
        + f" {r['overhead']:.2f} {verdict(r['overhead'] <= target)}"
        for r in runs
    )


def _width_line(width, target, verdict):
    """Every wide-table row's speed-up against ``target`` (None if unmeasured)."""
    runs = [r for r in width if not np.isnan(r["ratio"])]
    if not runs:
        return None
    ok = all(r["ratio"] >= target for r in runs)
    parts = "; ".join(
        f"d={r['d']} {r['setting']} {r['ratio']:.0f}x {verdict(r['ratio'] >= target)}"
        for r in runs
    )
    return f"(7) wide tables, every row >= {target:.0f}x lime: {verdict(ok)} ({parts})"
