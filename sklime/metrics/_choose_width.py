"""Choosing the kernel width of an explainer fitted on training data.

:func:`choose_width` scores candidate widths on rows with the statistics,
bins and seeds of one fitted explainer, so that the chosen width refits to
exactly the explanations it was scored with, and it queries the model once
on every point it needs, whichever widths and scorers need it.
"""

import copy
import time
from numbers import Integral, Real

import joblib
import numpy as np
from sklearn import get_config
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, _num_samples, validate_params
from .._constraints import TABLE_EXPLAINER_CONSTRAINT
from .._core._cache import BoundedCache
from .._tabular._schemes import scheme_of
from ._tuning import _widest_adherent, lime_scorers


class _RememberedModel:
    """The explainer's model, answering a query it already answered from memory.

    The points of many model calls do not depend on the kernel width: the
    fixed neighborhood of the fidelity, and under local, marginal and mask
    sampling every perturbation. Candidate explainers that differ in their
    width alone share one of these, so each such point is sent to the model
    once. A query is recognized by the hash of its exact input, and the
    model's answer kept read-only within a memory budget (the least recently
    used answers go first, and are asked again when needed); a copy
    (pickled, for a worker) starts with none. Everything else is the
    wrapped model's.
    """

    def __init__(self, black_box, max_bytes):
        self.black_box = black_box
        self._answers = BoundedCache(max_bytes)

    def __call__(self, X):
        return self._answers.get(joblib.hash(X), lambda: self.black_box(X))

    def __getattr__(self, name):
        if name == "black_box":  # not set yet: unpickling
            raise AttributeError(name)
        return getattr(self.black_box, name)


def _at_width(explainer, width, model):
    """A copy of the fitted explainer as ``fit`` would leave it at ``width``.

    The statistics, bins, seeds and model are the explainer's; the cache of
    values made by the first calls starts empty, as after ``fit``.
    """
    candidate = copy.copy(explainer)
    candidate.kernel_width = width
    candidate.kernel_width_ = width
    candidate._black_box = model
    candidate._cache = BoundedCache(explainer._cache.max_bytes)
    return candidate


def _check_widths(widths, sampling):
    """The candidate widths as a 1-D float array, each one ``sampling`` accepts."""
    values = np.asarray(widths, dtype=object).ravel()
    if values.size == 0 or any(
        isinstance(w, bool) or not isinstance(w, Real) for w in values
    ):
        raise ValueError(
            f"choose_width needs a non-empty list of kernel widths (numbers); got "
            f"{widths!r}. Give explicit widths, e.g. np.geomspace(0.1, 4, 15)."
        )
    values = values.astype(float)
    scheme = scheme_of(sampling)
    smallest, largest = scheme.min_kernel_width, scheme.max_kernel_width
    bad = values[~((values > 0) & (values >= smallest) & (values <= largest))]
    if bad.size:
        raise ValueError(
            f"choose_width got kernel_width={bad[0]:.3g}, which a LimeExplainer "
            f"with sampling={sampling!r} does not accept: widths must be positive"
            + (f", at least {smallest:.0e}" if smallest > 0 else "")
            + (f" and at most {largest:.0e}" if np.isfinite(largest) else "")
            + ". Give explicit widths, e.g. np.geomspace(0.1, 4, 15)."
        )
    return values


@validate_params(
    {
        "explainer": TABLE_EXPLAINER_CONSTRAINT,
        "X": ["array-like"],
        "widths": ["array-like"],
        "min_adherence": [Interval(Real, 0, 1, closed="right")],
        "n_seeds": [Interval(Integral, 2, None, closed="left")],
        "top_k": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def choose_width(
    explainer,
    X,
    widths,
    *,
    min_adherence=0.9,
    n_seeds=3,
    top_k=5,
    random_state=None,
    verbose=0,
):
    """The widest kernel width whose explanations of ``X`` still adhere.

    OptiLIME's rule, on an explainer fitted on training data: each candidate
    width explains the rows of ``X`` with the explainer's statistics, bins
    and seeds, and is scored by :func:`lime_scorers` (adherence, stability,
    fidelity); the chosen width is the widest whose mean adherence reaches
    ``min_adherence``, as :func:`optilime_refit` chooses. The scores of a
    width are those of the explainer fitted on the same training data with
    that ``kernel_width``, so ``explainer.set_params(kernel_width=width)``
    refitted on that data explains rows exactly as the chosen width was
    scored. The explainer itself is not changed.

    Parameters
    ----------
    explainer : LimeExplainer
        An explainer fitted on training data.
    X : array-like or DataFrame of shape (n_rows, n_features)
        Rows whose explanations are scored: a few dozen rows of the kind
        you mean to explain.
    widths : array-like of shape (n_widths,)
        The candidate kernel widths, positive numbers.
    min_adherence : float, default=0.9
        The least mean adherence a chosen width must reach, in (0, 1].
    n_seeds : int, default=3
        Number of perturbation seeds the stability is measured over.
    top_k : int, default=5
        Size of the compared top feature sets of the stability.
    random_state : int, RandomState instance or None, default=None
        Draws the stability's seeds. None derives them from the seed the
        explainer fixed in ``fit``, so its ``random_state`` decides them.
        Pass an int for reproducible output across multiple function calls.
    verbose : int, default=0
        0 is silent; otherwise a line is printed as each width is scored,
        with its scores and time.

    Returns
    -------
    width : float
        The chosen kernel width.
    scores : Bunch
        ``kernel_width`` (the candidates, in the order given) and the mean
        ``adherence``, ``stability`` and ``fidelity`` of each, arrays of
        shape (n_widths,): ``KernelWidthDisplay(**scores, chosen_width=width)``
        draws them.

    Warns
    -----
    UserWarning
        When no width of the grid is local for the model: no width reaches
        ``min_adherence`` (the most adherent is chosen), or the widest is
        chosen.

    See Also
    --------
    lime_scorers : The scores of each width.
    optilime_refit : The same rule, as ``GridSearchCV``'s ``refit``.

    Notes
    -----
    What it costs: the model is queried on ``n_seeds + 2`` batches of
    ``num_samples`` perturbations per row and width, plus one batch per row
    for the fixed neighborhood of the fidelity, which is the same for every
    width. Under local, marginal and mask sampling the perturbations do not
    depend on the width either: every width is scored on the model calls of
    the first (``n_seeds + 2`` batches per row in all, under marginal sampling
    ``n_seeds + 2`` batches in all). The model calls of parallel workers
    (the explainer's ``n_jobs``) are made again in each worker.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.svm import SVR
    >>> from sklime import LimeExplainer
    >>> from sklime.metrics import choose_width
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = FrozenEstimator(SVR().fit(X, y))
    >>> lime = LimeExplainer(
    ...     model, sampling="gaussian", num_samples=256, random_state=0
    ... ).fit(X)
    >>> width, scores = choose_width(lime, X[:10], [0.1, 0.3, 1.0, 3.0])
    >>> width, bool(scores.adherence[1] >= 0.9 > scores.adherence[2])
    (0.3, True)
    >>> lime = lime.set_params(kernel_width=width).fit(X)  # refit on training data
    """
    check_is_fitted(explainer)
    widths = _check_widths(widths, explainer.sampling)
    model = _RememberedModel(
        explainer._black_box, get_config()["working_memory"] * 2**20
    )
    scorers = lime_scorers(n_seeds=n_seeds, top_k=top_k, random_state=random_state)
    scores = {name: np.empty(len(widths)) for name in scorers}
    if verbose:
        print(f"Scoring {len(widths)} kernel widths on {_num_samples(X)} rows")
    for i, width in enumerate(widths):
        start = time.perf_counter()
        candidate = _at_width(explainer, float(width), model)
        for name, scorer in scorers.items():
            scores[name][i] = scorer(candidate, X)
        if verbose:
            _report(i, widths, scores, time.perf_counter() - start)
    best = _widest_adherent(
        widths, scores["adherence"], scores["stability"], min_adherence, stacklevel=3
    )
    return float(widths[best]), Bunch(kernel_width=widths, **scores)


def _report(i, widths, scores, seconds):
    """Print the scores of the ``i``-th width and the time they took."""
    values = ", ".join(f"{name}={score[i]:.3f}" for name, score in scores.items())
    print(
        f"[choose_width {i + 1}/{len(widths)}] kernel_width={widths[i]:.3g}: "
        f"{values} ({seconds:.1f}s)"
    )
