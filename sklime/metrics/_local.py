"""Measures of a fitted explainer's explanations of rows.

Fidelity in the rows' neighborhoods, stability across seeds, effective
sample size.
"""

from dataclasses import dataclass
from itertools import combinations
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, validate_params
from .._constraints import TABLE_EXPLAINER_CONSTRAINT
from .._core._linalg import power_of_two_scale

#: Constraints shared by every function taking a fitted explainer and rows.
_EXPLAINER_AND_ROWS = {"explainer": TABLE_EXPLAINER_CONSTRAINT, "X": ["array-like"]}


@validate_params(_EXPLAINER_AND_ROWS, prefer_skip_nested_validation=True)
def neighborhood_fidelity(explainer, X):
    """Local fidelity of the explanations on fresh perturbations.

    The same number as :meth:`LimeExplainer.score`: each row's surrogate is
    evaluated on fresh perturbations weighted by a kernel of width
    ``fidelity_width`` (independent of ``kernel_width``), and the weighted
    squared errors are pooled over rows into an R^2.

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    X : array-like or DataFrame of shape (n_rows, n_features)
        Rows whose explanations are measured.

    Returns
    -------
    fidelity : float
        Higher is better; 1 is a perfect local fit.

    See Also
    --------
    sklime.LimeExplainer.score : The same measure, as a scorer.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklime import LimeExplainer
    >>> from sklime.metrics import neighborhood_fidelity
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = FrozenEstimator(LinearRegression().fit(X, y))
    >>> lime = LimeExplainer(model, num_samples=1000, random_state=0).fit(X)
    >>> round(neighborhood_fidelity(lime, X[:5]), 3)  # a linear model is linear
    1.0
    """
    return explainer.score(X)


@validate_params(_EXPLAINER_AND_ROWS, prefer_skip_nested_validation=True)
def effective_sample_size(explainer, X):
    """Effective number of perturbations behind each row's explanation.

    ``(sum w)^2 / sum w^2`` of the row's kernel weights: the number of
    equally weighted samples that would give the same precision. A value
    close to the number of coefficients means the kernel is too narrow for
    ``num_samples``.

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    X : array-like or DataFrame of shape (n_rows, n_features)
        Rows to explain.

    Returns
    -------
    ess : ndarray of shape (n_rows,)

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklime import LimeExplainer
    >>> from sklime.metrics import effective_sample_size
    >>> X, y = load_diabetes(return_X_y=True)
    >>> lime = LimeExplainer(num_samples=500, random_state=0).fit(X, y)
    >>> ess = effective_sample_size(lime, X[:3])
    >>> ess.shape, bool((ess <= 500).all())
    ((3,), True)
    """
    return explainer.explain(X).effective_sample_size


@dataclass
class Stability:
    """How much explanations change when only the perturbations are redrawn.

    Attributes
    ----------
    jaccard : float
        Mean Jaccard index of the top-k feature sets between pairs of seeds
        (1 means the same features every time).
    coef_spread : float
        Mean standard deviation of a coefficient over seeds.
    row_jaccard : ndarray of shape (n_rows,)
        ``jaccard`` per row.
    row_spread : ndarray of shape (n_rows,)
        ``coef_spread`` per row.
    """

    jaccard: float
    coef_spread: float
    row_jaccard: np.ndarray
    row_spread: np.ndarray


@validate_params(
    {
        **_EXPLAINER_AND_ROWS,
        "n_seeds": [Interval(Integral, 2, None, closed="left")],
        "top_k": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def explanation_stability(explainer, X, *, n_seeds=5, top_k=5, random_state=None):
    """Agreement of explanations over repeated draws of the perturbations.

    The fitted explainer (statistics, bins and model unchanged) explains ``X``
    with ``n_seeds`` different perturbation seeds. For each row and output
    the ``top_k`` features by absolute coefficient (among the selected ones)
    are compared between every pair of seeds.

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    X : array-like or DataFrame of shape (n_rows, n_features)
        Rows to explain.
    n_seeds : int, default=5
        Number of perturbation seeds, at least 2 (the seeds are compared in
        pairs).
    top_k : int, default=5
        Size of the compared feature sets; with fewer features than that,
        all features are compared (their sets then differ only where
        ``num_features`` selects different ones).
    random_state : int, RandomState instance or None, default=None
        Draws the seeds. Pass an int for reproducible output across multiple
        function calls.

    Returns
    -------
    stability : Stability

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklime import LimeExplainer
    >>> from sklime.metrics import explanation_stability
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = FrozenEstimator(LinearRegression().fit(X, y))
    >>> lime = LimeExplainer(model, num_samples=2000, random_state=0).fit(X)
    >>> explanation_stability(lime, X[:4], n_seeds=3, top_k=3, random_state=0).jaccard
    1.0
    """
    check_is_fitted(explainer)
    top_k = min(top_k, explainer.n_features_in_)
    seeds = check_random_state(random_state).randint(
        np.iinfo(np.int32).max, size=n_seeds
    )
    coefs = []
    for seed in seeds:
        explanation = explainer._reseeded(seed).explain(X)
        n_rows, n_outputs, n_features = explanation.selected.shape
        coefs.append(
            np.where(
                explanation.selected,
                explanation.coef.reshape(n_rows, n_outputs, -1),
                0.0,
            )
        )
    coefs = np.stack(coefs)  # (seed, row, output, feature)
    tops = [_top_set(c, top_k) for c in coefs]
    pairs = [_jaccard(a, b) for a, b in combinations(tops, 2)]
    row_jaccard = np.mean(pairs, axis=(0, 2)) if pairs else np.ones(coefs.shape[1])
    # Each row's coefficients divided by a power of two near its largest
    # (exact), so that their squares neither overflow nor underflow.
    unit = power_of_two_scale(np.abs(coefs).max(axis=(0, 2, 3), initial=0.0))
    spread = (coefs / unit[:, None, None]).std(axis=0, ddof=1)
    row_spread = unit * spread.mean(axis=(1, 2))
    return Stability(
        jaccard=float(row_jaccard.mean()),
        coef_spread=float(row_spread.mean()),
        row_jaccard=row_jaccard,
        row_spread=row_spread,
    )


def _top_set(coef, top_k):
    """Boolean mask of the ``top_k`` largest absolute non-zero coefficients."""
    order = np.argsort(-np.abs(coef), axis=-1, kind="stable")[..., :top_k]
    mask = np.zeros(coef.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return mask & (coef != 0)


def _jaccard(a, b):
    """Jaccard index of boolean set masks along the last axis (1 for two empty sets)."""
    union = (a | b).sum(axis=-1)
    return np.where(union > 0, (a & b).sum(axis=-1) / np.maximum(union, 1), 1.0)
