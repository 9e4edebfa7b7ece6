"""Section ``compare``: rows per second of lime and sklime on the same cases."""

import time
import warnings

import numpy as np

from _cases import make_case, make_setting, make_sklime
from _common import (
    CONDITION,
    TIMING,
    Table,
    per_call_seconds,
    print_header,
    sklime_seconds,
    timed,
)

#: Largest number of points passed to the model in one call when timing the
#: black box alone (keeps the timing arrays of the 50-feature case small).
MAX_POINTS_PER_CALL = 1_000_000


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


def compare(cases, settings, cfg, results):
    print_header("sklime vs lime", cfg)
    print(
        f"num_samples={cfg.num_samples}; lime on {cfg.lime_rows} rows; sklime on "
        f"{cfg.marginal_rows} rows (marginal) or {cfg.local_rows} rows (local, "
        f"mask) in one call, and on {cfg.one_per_call_rows} rows one per call "
        "(1/call); black box = bare model output on the same number of perturbed "
        "points; overhead = sklime s / black box s; each time is the best of "
        f"up to {TIMING['max_repeat']} runs (repeated while under "
        f"{TIMING['min_total']:g} s in all), by "
        f"{'CPU time' if TIMING['clock'] is time.process_time else 'wall clock'}"
    )
    cols = [
        ("case", 31, "s"),
        ("setting", 29, "s"),
        ("lime rows", 9, "d"),
        ("lime rows/s", 11, ".2f"),
        ("sklime rows", 11, "d"),
        ("sklime rows/s", 13, ".1f"),
        ("sklime/lime", 11, ".1f"),
        ("1/call rows/s", 13, ".1f"),
        ("1/call/lime", 11, ".1f"),
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
            one_s, _ = per_call_seconds(
                lambda i, est=est, rows=rows: est.transform(rows[i : i + 1]),
                range(n_rows),
                max_calls=cfg.one_per_call_rows,
                budget=np.inf,
            )
            bb_s = black_box_seconds(
                case, setting.sampling, n_rows, cfg.num_samples, cfg.seed
            )
            lime_rows = lime_rps = ratio = one_ratio = corr = None
            if setting.lime_init is not None and have_lime:
                lime_rows = min(cfg.lime_rows, n_rows)
                lime_s, lime_coef = run_lime(
                    case, setting, lime_rows, cfg.num_samples, cfg.seed
                )
                lime_rps = lime_rows / lime_s
                ratio = (n_rows / sk_s) / lime_rps
                one_ratio = (1 / one_s) / lime_rps
                corr = coef_corr(lime_coef, sk_coef[:lime_rows])
            row = dict(
                case=case.label,
                setting=setting.label,
                lime_rows=lime_rows,
                lime_rps=lime_rps,
                sklime_rows=n_rows,
                sklime_rps=n_rows / sk_s,
                ratio=ratio,
                one_per_call_rps=1 / one_s,
                one_per_call_ratio=one_ratio,
                black_box_s=bb_s,
                sklime_s=sk_s,
                overhead=sk_s / bb_s,
                corr=corr,
            )
            results["compare"].append(
                dict(
                    row,
                    case_name=case_name,
                    setting=setting,
                    condition=CONDITION["label"],
                )
            )
            table.row(list(row.values()))
