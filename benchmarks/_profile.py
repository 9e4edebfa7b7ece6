"""Section ``profile``: cProfile of sklime's lime-default case."""

import cProfile
import io
import pstats

from _cases import make_case, make_setting, make_sklime
from _common import TIMING, print_header


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
    prof = cProfile.Profile(TIMING["clock"])  # CPU time with --cpu-time
    prof.enable()
    est.transform(rows)
    prof.disable()
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(25)
        text = buf.getvalue()
        print(text[text.find("Ordered by") :].rstrip())
        print()
