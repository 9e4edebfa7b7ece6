"""Tuning the kernel width: choose_width beside the GridSearchCV recipe, in one run.

Section ``tuning``: an ``SVR`` on ``load_diabetes`` (fitted on all rows, which
are also the explainer's training data), 15 kernel widths
``np.geomspace(0.1, 4, 15)``, scored on the first ``--rows`` rows (30) with
``lime_scorers()`` (adherence, stability over 3 seeds, fidelity) and chosen by
OptiLIME's rule at ``min_adherence=0.9``, three ways:

* ``GridSearchCV``: the former recipe, ``GridSearchCV(LimeExplainer(...),
  {"kernel_width": widths}, scoring=lime_scorers(),
  refit=optilime_refit(0.9)).fit(rows)`` (5 folds: every row scored once per
  width, by an explainer fitted on the other rows);
* ``lime_scorers``: the same scorers on one explainer per width fitted on the
  training data, each scorer called in turn, as ``GridSearchCV`` calls them:
  the numbers ``choose_width`` must give;
* ``choose_width``: ``choose_width(explainer, rows, widths)`` on one explainer
  fitted on the training data.

For each sampling scheme (``--samplings``, default gaussian and local) the
table gives each way's time (best of ``--repeat`` runs), the points it sent to
the model, its speedup over ``GridSearchCV`` and over ``lime_scorers``, the
chosen width, and whether ``choose_width``'s scores are bit for bit those of
``lime_scorers``. Almost all the time is the model's (an ``SVR`` predicts
8192 points in about 0.17 s on the reference machine; cProfile puts 96% of a
search in ``SVR.predict``), so the times follow the points. Under gaussian
sampling the perturbations scale with the width: only the fidelity's fixed
neighborhood is shared by the widths. Under local sampling no perturbation
depends on the width, and every width is scored on the model calls of the
first.

``--num-samples`` (default 1024) sets the perturbations per row of every way
alike (the guide's recipe uses the default 8192 of gaussian and local
sampling, 8 times the work of each way, and the same ratios).

Run with ``python benchmarks/bench_tuning.py [--rows 30] [--num-samples 1024]
[--repeat 2] [--samplings gaussian local]``.
"""

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVR

from _common import Table, print_header, run_sections, section_parser, timed
from sklime import LimeExplainer, ModelFunction
from sklime.metrics import choose_width, lime_scorers, optilime_refit

#: The candidate widths of the user guide's recipe.
WIDTHS = np.geomspace(0.1, 4, 15)
#: The threshold of OptiLIME's rule.
MIN_ADHERENCE = 0.9
#: The scores of lime_scorers, in the order they are called.
SCORES = ("adherence", "stability", "fidelity")


class _CountedModel:
    """The SVR's ``predict``, counting the points it is asked about."""

    def __init__(self, svr):
        self.svr = svr
        self.points = 0

    def __call__(self, X):
        self.points += len(X)
        return self.svr.predict(X)


def _grid_search(counted, X, rows, params):
    """The former recipe; its choice (the scores are of other statistics)."""
    search = GridSearchCV(
        LimeExplainer(FrozenEstimator(ModelFunction(counted)), **params),
        {"kernel_width": WIDTHS},
        scoring=lime_scorers(),
        refit=optilime_refit(MIN_ADHERENCE),
    ).fit(rows)
    return search.best_params_["kernel_width"], None


def _lime_scorers(counted, X, rows, params):
    """lime_scorers on one explainer per width, fitted on the training data."""
    scores = {name: [] for name in SCORES}
    for width in WIDTHS:
        lime = LimeExplainer(
            FrozenEstimator(ModelFunction(counted)), kernel_width=width, **params
        ).fit(X)
        for name, scorer in lime_scorers().items():
            scores[name].append(scorer(lime, rows))
    results = {f"mean_test_{name}": np.asarray(scores[name]) for name in SCORES}
    results["param_kernel_width"] = np.ma.MaskedArray(WIDTHS.astype(object))
    return WIDTHS[optilime_refit(MIN_ADHERENCE)(results)], scores


def _choose_width(counted, X, rows, params):
    lime = LimeExplainer(FrozenEstimator(ModelFunction(counted)), **params).fit(X)
    return choose_width(lime, rows, WIDTHS, min_adherence=MIN_ADHERENCE)


WAYS = {
    "GridSearchCV": _grid_search,
    "lime_scorers": _lime_scorers,
    "choose_width": _choose_width,
}


def tuning(args):
    print_header(
        f"Tuning 15 kernel widths on {args.rows} diabetes rows, SVR, "
        f"num_samples={args.num_samples}",
        args,
    )
    X, y = load_diabetes(return_X_y=True)
    svr = SVR().fit(X, y)
    rows = X[: args.rows]
    table = Table(
        [
            ("sampling", 8, "s"),
            ("way", 12, "s"),
            ("seconds", 8, ".1f"),
            ("model points", 12, "d"),
            ("x GridSearchCV", 14, ".2f"),
            ("x lime_scorers", 14, ".2f"),
            ("chosen width", 12, ".3g"),
            ("same scores", 11, "s"),
        ]
    )
    table.header()
    for sampling in args.samplings:
        params = dict(sampling=sampling, num_samples=args.num_samples, random_state=0)
        seconds, results = {}, {}
        for name, way in WAYS.items():
            counted = _CountedModel(svr)

            def run(way=way, counted=counted, params=params):
                counted.points = 0
                return way(counted, X, rows, params)

            seconds[name], results[name] = timed(
                run, max_repeat=args.repeat, min_total=np.inf
            )
            same = None
            if name == "choose_width":
                chosen, scores = results[name]
                reference = results["lime_scorers"][1]
                same = str(all(np.array_equal(scores[s], reference[s]) for s in SCORES))
            table.row(
                [
                    sampling,
                    name,
                    seconds[name],
                    counted.points,
                    seconds["GridSearchCV"] / seconds[name],
                    seconds.get("lime_scorers", np.nan) / seconds[name],
                    results[name][0],
                    same,
                ]
            )


SECTIONS = {"tuning": tuning}


def main():
    parser = section_parser(__doc__.splitlines()[0], SECTIONS)
    parser.add_argument("--rows", type=int, default=30)
    parser.add_argument("--num-samples", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--samplings", nargs="+", default=["gaussian", "local"], metavar="SAMPLING"
    )
    run_sections(parser, SECTIONS)


if __name__ == "__main__":
    main()
