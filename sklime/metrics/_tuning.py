"""Tuning the kernel width: scorers for ``GridSearchCV`` and the OptiLIME refit rule.

A narrow kernel gives surrogates that adhere to the model but vary with the
draw of perturbations; a wide one gives stable surrogates that no longer
describe the model near the row. :func:`lime_scorers` measures both for every
candidate, and :func:`optilime_refit` picks the widest candidate whose
surrogates still adhere (OptiLIME's rule), so that ``GridSearchCV`` answers
"which width gives explanations that are both local and trustworthy for this
model?".
"""

import warnings
from numbers import Integral, Real

import joblib
import numpy as np

from .._compat import Interval, validate_params
from ._local import explanation_stability

#: Suffix of the ``cv_results_`` column holding a candidate's kernel width.
_WIDTH_PARAM = "kernel_width"


class _SharedSurrogates:
    """The surrogates the adherence and fidelity scorers share.

    ``GridSearchCV`` calls every scorer of :func:`lime_scorers` on the same
    fitted explainer and held-out rows, one after the other, and the
    adherence and the fidelity evaluate the same surrogates (each on its own
    evaluation points). The first of the two fits them, which queries the
    model on every perturbation of every row, and keeps them; the second
    takes them back, so the model is queried on those perturbations once per
    candidate instead of once per scorer. Kept surrogates are given back only
    to a call on the same explainer, whose attributes are all the very
    objects they were (a refit or ``set_params`` fits them anew), with rows
    of the same content; a copy (pickled, for instance) starts empty.
    """

    def __init__(self):
        self._kept = None

    def __call__(self, explainer, X):
        """The surrogates of the rows of ``X``, fitted or taken back."""
        key = (explainer, dict(vars(explainer)), joblib.hash(X))
        if self._kept is not None and _same_call(self._kept[0], key):
            surrogates, self._kept = self._kept[1], None
            return surrogates
        surrogates = explainer._surrogates(X)
        self._kept = (key, surrogates)
        return surrogates

    def __getstate__(self):
        return {"_kept": None}


def _same_call(kept, key):
    """Whether two (explainer, its attributes, rows' hash) keys are the same call."""
    (explainer, state, rows), (other, other_state, other_rows) = kept, key
    return (
        explainer is other
        and rows == other_rows
        and state.keys() == other_state.keys()
        and all(value is other_state[name] for name, value in state.items())
    )


class _FreshFidelityScorer:
    """Pooled weighted R^2 of the surrogates on fresh perturbations.

    The adherence (drawn and weighted with the candidate's own kernel) or
    the fidelity (:meth:`LimeExplainer.score`, the fixed neighborhood).
    """

    def __init__(self, name, own_kernel, surrogates):
        self.name = name
        self.own_kernel = own_kernel
        self.surrogates = surrogates

    def __call__(self, explainer, X, y=None):
        del y
        _check_explainer(explainer, self.name)
        return explainer._fresh_fidelity(
            X, own_kernel=self.own_kernel, surrogates=self.surrogates(explainer, X)
        )

    def __repr__(self):
        return f"{self.name}_scorer()"


class _StabilityScorer:
    """Mean top-k Jaccard index of the explanations across perturbation seeds."""

    def __init__(self, n_seeds, top_k, random_state):
        self.n_seeds = n_seeds
        self.top_k = top_k
        self.random_state = random_state

    def __call__(self, explainer, X, y=None):
        del y
        _check_explainer(explainer, "stability")
        random_state = self.random_state
        if random_state is None:
            random_state = explainer._noise_seed
        return explanation_stability(
            explainer,
            X,
            n_seeds=self.n_seeds,
            top_k=self.top_k,
            random_state=random_state,
        ).jaccard

    def __repr__(self):
        return (
            f"stability_scorer(n_seeds={self.n_seeds}, top_k={self.top_k}, "
            f"random_state={self.random_state!r})"
        )


def _check_explainer(explainer, name):
    """The lime scorers score a fitted LimeExplainer and nothing else."""
    if not hasattr(explainer, "_fresh_fidelity"):
        raise TypeError(
            f"The {name!r} scorer of lime_scorers scores a LimeExplainer; got "
            f"{type(explainer).__name__}. Search over the explainer itself "
            "(GridSearchCV(LimeExplainer(...), ...))."
        )


@validate_params(
    {
        "n_seeds": [Interval(Integral, 2, None, closed="left")],
        "top_k": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def lime_scorers(*, n_seeds=3, top_k=5, random_state=None):
    """Scorers of LIME explanations, for ``GridSearchCV``'s multi-metric scoring.

    Parameters
    ----------
    n_seeds : int, default=3
        Number of perturbation seeds the stability is measured over (each
        costs one more explanation of the scored rows).
    top_k : int, default=5
        Size of the compared top feature sets of the stability. With at least
        as many features as there are, every seed gives the same set and the
        stability is 1: choose it below the number of features.
    random_state : int, RandomState instance or None, default=None
        Draws the stability's seeds. None derives them from the seed the
        explainer fixed in ``fit``, so its ``random_state`` decides them.
        Pass an int for reproducible output across multiple function calls.

    Returns
    -------
    scorers : dict
        Picklable callables ``scorer(explainer, X, y=None) -> float``, higher
        is better:

        - ``"adherence"``: how well the surrogates describe the model where
          they claim to. The pooled weighted R^2 of each row's surrogate on
          fresh perturbations drawn and weighted with the candidate's *own*
          kernel and width (from a seed fixed in ``fit``, distinct from the
          perturbations the surrogates were fitted on);
        - ``"stability"``: the mean Jaccard index of the ``top_k`` features
          of each row between pairs of ``n_seeds`` perturbation seeds
          (:func:`explanation_stability`);
        - ``"fidelity"``: :meth:`LimeExplainer.score`, the fidelity in the
          fixed neighborhood of width ``fidelity_width``.

    See Also
    --------
    choose_width : Scores widths with these scorers and chooses one, on an
        explainer fitted on training data.
    optilime_refit : Chooses the width from these scores.
    explanation_stability : The stability, as a function.

    Notes
    -----
    The adherence rises as the kernel narrows (a smaller neighborhood is
    closer to linear) until too few perturbations remain to fit the
    surrogate; the stability falls as the kernel narrows. Neither contains
    its own answer: the adherence of every candidate is measured in that
    candidate's own neighborhood.

    The adherence and the fidelity evaluate the same surrogates, which the
    scorers of one call share: scoring a candidate (``GridSearchCV`` calls
    each scorer in turn on the same explainer and rows) fits them once, and
    queries the model on ``n_seeds + 3`` batches of ``num_samples``
    perturbations per row. ``GridSearchCV(..., verbose=3)`` prints the
    scores and time of each fit as it ends.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklime import LimeExplainer
    >>> from sklime.metrics import lime_scorers
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = FrozenEstimator(LinearRegression().fit(X, y))
    >>> lime = LimeExplainer(model, num_samples=1000, random_state=0).fit(X)
    >>> scorers = lime_scorers()
    >>> sorted(scorers)
    ['adherence', 'fidelity', 'stability']
    >>> round(scorers["adherence"](lime, X[:5]), 3)  # a linear model is linear
    1.0
    """
    surrogates = _SharedSurrogates()
    return {
        "adherence": _FreshFidelityScorer("adherence", True, surrogates),
        "stability": _StabilityScorer(n_seeds, top_k, random_state),
        "fidelity": _FreshFidelityScorer("fidelity", False, surrogates),
    }


class _OptiLimeRefit:
    """The refit rule of :func:`optilime_refit` (a picklable callable)."""

    def __init__(self, min_adherence, adherence, stability):
        self.min_adherence = min_adherence
        self.adherence = adherence
        self.stability = stability

    def __repr__(self):
        return (
            f"optilime_refit(min_adherence={self.min_adherence!r}, "
            f"adherence={self.adherence!r}, stability={self.stability!r})"
        )

    def __call__(self, cv_results):
        adherence = self._column(cv_results, self.adherence)
        stability = self._column(cv_results, self.stability)
        if adherence.size == 0:
            raise ValueError(
                "optilime_refit got cv_results_ without any candidate. Give "
                "GridSearchCV a non-empty grid of kernel widths."
            )
        if np.isnan(adherence).all():
            raise ValueError(
                f"optilime_refit got no {self.adherence!r} score for any "
                "candidate (all NaN: the scorers failed, for example on an "
                "estimator that is not a fitted LimeExplainer). Search over a "
                "LimeExplainer itself and check the errors GridSearchCV reports "
                "(error_score='raise' shows them)."
            )
        widths = _candidate_widths(cv_results, adherence.size)
        return _widest_adherent(
            widths, adherence, stability, self.min_adherence, stacklevel=2
        )

    @staticmethod
    def _column(cv_results, metric):
        key = f"mean_test_{metric}"
        if key not in cv_results:
            raise ValueError(
                f"optilime_refit needs the {metric!r} metric, but cv_results_ has "
                f"no {key!r}. Pass scoring=lime_scorers() to GridSearchCV (or a "
                f"dict of scorers with the key {metric!r})."
            )
        return np.asarray(cv_results[key], dtype=float)


def _widest_adherent(widths, adherence, stability, min_adherence, *, stacklevel):
    """OptiLIME's choice: the index of the widest candidate that still adheres.

    Among the candidates whose ``adherence`` reaches ``min_adherence``, the
    widest; among equally wide ones, the most stable. When none adheres, the
    most adherent. Either way, it warns when no width of the grid is local
    (:func:`_warn_not_local`). ``stacklevel`` is that of a warning the
    caller would give itself.
    """
    scored = np.nan_to_num(adherence, nan=-np.inf)
    adherent = np.flatnonzero(scored >= min_adherence)
    if adherent.size == 0:
        best = int(np.argmax(scored))
    else:
        # Widest first; among equally wide candidates, the most stable.
        order = np.lexsort(
            (np.nan_to_num(-stability[adherent], nan=np.inf), -widths[adherent])
        )
        best = int(adherent[order[0]])
    _warn_not_local(widths, adherence, best, min_adherence, stacklevel + 1)
    return best


def _warn_not_local(widths, adherence, best, min_adherence, stacklevel):
    """Warn when the choice is no local explanation: no width adheres, or the widest.

    A piecewise constant model (nearest neighbours, tree ensembles) adheres
    better the wider the kernel, so both lead to the grid's most global
    explanation.
    """
    widest = widths[best] == widths.max() and np.unique(widths).size > 1
    reached = f"adherence {adherence[best]:.3f} at kernel_width={widths[best]:.3g}"
    if adherence[best] >= min_adherence and not widest:
        return
    if adherence[best] < min_adherence:
        problem = (
            f"No candidate reaches an adherence of {min_adherence} (the best is "
            f"{reached}): no width in the grid is local for this model; choosing "
            "the most adherent one"
        )
        problem += ", the widest: a near-global explanation." if widest else "."
        accept = "lower min_adherence to the adherence you accept"
    else:
        problem = (
            f"The chosen width is the widest of the grid ({reached}, "
            f"min_adherence={min_adherence}): no width in the grid is local for "
            "this model, the explanation is the grid's most global one."
        )
        accept = "right for a model linear at every scale, such as a linear model"
    warnings.warn(
        f"{problem} A piecewise constant model (nearest neighbours, tree "
        "ensembles) adheres better the wider the kernel, at every scale. Add "
        "narrower kernel widths to the grid; if they adhere no better, sample "
        "differently (sampling='gaussian' spends every perturbation within the "
        "width, sampling='local' weights draws around the row), or accept a "
        f"global explanation ({accept}).",
        UserWarning,
        stacklevel=stacklevel + 1,
    )


def _candidate_widths(cv_results, n_candidates, caller="optilime_refit"):
    """Each candidate's kernel width (zeros when the grid does not vary it).

    ``caller`` names the function whose errors these are.
    """
    key = _width_key(cv_results, caller)
    if key is None:
        return np.zeros(n_candidates)
    column = np.ma.asarray(cv_results[key])
    values = np.ma.filled(column.astype(object), None)
    if any(not isinstance(value, Real) for value in values):
        raise ValueError(
            f"{caller} compares kernel widths, but the grid holds a "
            f"kernel_width that is not a number ({key}: {values.tolist()}). Give "
            "explicit widths, e.g. np.geomspace(0.1, 4, 10)."
        )
    return values.astype(float)


def _width_key(cv_results, caller):
    """The ``cv_results_`` column of the candidates' kernel width, or None.

    The width is the ``param_kernel_width`` column, or a ``param_*__kernel_width``
    column of a nested explainer.
    """
    keys = [
        key
        for key in cv_results
        if key == f"param_{_WIDTH_PARAM}" or key.endswith(f"__{_WIDTH_PARAM}")
    ]
    if len(keys) > 1:
        raise ValueError(
            f"{caller} found several kernel width columns {keys}; search over "
            "one explainer's kernel_width."
        )
    return keys[0] if keys else None


@validate_params(
    {
        "min_adherence": [Interval(Real, 0, 1, closed="right")],
        "adherence": [str],
        "stability": [str],
    },
    prefer_skip_nested_validation=True,
)
def optilime_refit(min_adherence=0.9, *, adherence="adherence", stability="stability"):
    """A ``refit`` rule for ``GridSearchCV``: the widest kernel that still adheres.

    OptiLIME's rule: among the candidates whose mean adherence reaches
    ``min_adherence``, choose the one with the widest ``kernel_width`` (a
    wider kernel gives more stable explanations); among equally wide
    candidates (a grid over other parameters too), the most stable. Use it
    with ``scoring=lime_scorers()``.

    Parameters
    ----------
    min_adherence : float, default=0.9
        The least mean adherence (weighted R^2 of the surrogates in their own
        neighborhood) a chosen candidate must reach, in (0, 1].
    adherence : str, default="adherence"
        Key of the adherence scorer in GridSearchCV's ``scoring``.
    stability : str, default="stability"
        Key of the stability scorer in GridSearchCV's ``scoring``.

    Returns
    -------
    refit : callable
        ``refit(cv_results) -> int``, the index of the chosen candidate; pass
        it as GridSearchCV's ``refit``. It is picklable. When no candidate
        adheres, it warns and chooses the most adherent one; it also warns
        when it chooses the widest candidate (no width of the grid is then
        local for the model).

    See Also
    --------
    choose_width : The same rule on an explainer fitted on training data.
    lime_scorers : The scorers whose results this rule reads.

    Notes
    -----
    ``GridSearchCV`` fits the explainer on the rows it tunes on, so its
    ``best_estimator_`` has learned its feature statistics (means, standard
    deviations, bins, category frequencies) from those rows, not from the
    training data: refit the chosen width on the training data, or tune with
    :func:`choose_width`, which keeps the statistics of an explainer fitted
    on it.

    The chosen width means: at this scale around a row, measured in training
    standard deviations per unit of the representation, a linear surrogate
    explains a fraction ``min_adherence`` of the model's variation; the
    model is not linear enough for a wider kernel to keep that promise. Under
    ``sampling="gaussian"`` the width is directly the standard deviation of the
    perturbations in units of each feature's training standard deviation.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklime import LimeExplainer
    >>> from sklime.metrics import lime_scorers, optilime_refit
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = FrozenEstimator(LinearRegression().fit(X, y))
    >>> lime = LimeExplainer(model, sampling="gaussian", num_samples=256)
    >>> search = GridSearchCV(
    ...     lime,
    ...     {"kernel_width": [0.25, 0.5, 1.0, 2.0]},
    ...     scoring=lime_scorers(),
    ...     refit=optilime_refit(min_adherence=0.9),
    ...     cv=2,
    ... ).fit(X[:20])
    >>> search.best_params_  # a linear model is linear at every scale
    {'kernel_width': 2.0}
    """
    return _OptiLimeRefit(min_adherence, adherence, stability)
