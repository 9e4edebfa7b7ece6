"""Section ``linearity``: sklime's time on N and 10 N rows."""

import numpy as np

from _cases import make_case, make_setting, make_sklime
from _common import Table, print_header, sklime_seconds


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
