"""Submodular pick (SP-LIME): a few rows that show the model as a whole."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_random_state

from ._base import LimeBase
from ._compat import Interval, _num_samples, _safe_indexing, validate_params
from ._explanation_base import BaseExplanation


@validate_params(
    {
        "explanations": [
            LimeBase,
            BaseExplanation,
            "array-like",
            "sparse matrix",
        ],
        "n_picks": [Interval(Integral, 1, None, closed="left")],
        "X": ["array-like", None],
        "sample_size": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def submodular_pick(
    explanations, n_picks, *, X=None, sample_size=None, random_state=None
):
    """Choose representative rows whose explanations cover the important features.

    The importance of a coefficient column (one feature of one output) is
    ``sqrt(sum_i |W_ij|)``, summed over the candidate rows ``i``; a set of rows
    covers a column when one of its rows has a non-zero coefficient there.
    Rows are added greedily, each time the one that most increases the
    importance covered (the submodular pick of the LIME article); ties go to
    the earlier row.

    Parameters
    ----------
    explanations : LimeExplainer, LimeTextExplainer, LimeImageExplainer, \
            Explanation or array-like of shape (n_rows, n_columns)
        A fitted :class:`LimeExplainer`, :class:`LimeTextExplainer` or
        :class:`LimeImageExplainer` (then ``X`` is required), an
        :class:`Explanation` (a :class:`TextExplanation` or
        :class:`ImageExplanation` too: its columns are the vocabulary's
        words, or the pixels), or a coefficient matrix such as ``transform``
        returns (dense or sparse).
    n_picks : int
        Number of rows to choose, from 1 to the number of candidate rows.
    X : array-like, DataFrame or list of str, default=None
        Rows (documents, images) to explain, as the explainer's
        ``transform`` takes them; only with a fitted explainer.
    sample_size : int or None, default=None
        Only with a fitted explainer: explain only this many rows of ``X``,
        drawn without replacement (None, or a value of at least the number of
        rows of ``X``: all of them).
    random_state : int, RandomState instance or None, default=None
        Draws the ``sample_size`` rows. Pass an int for reproducible output
        across multiple function calls.

    Returns
    -------
    picks : ndarray of shape (n_picks,)
        Positions of the chosen rows in ``X`` (or in the explanation or
        coefficient matrix), in the order they were chosen.

    See Also
    --------
    sklime.LimeExplainer.explain : Explanations of many rows.

    Notes
    -----
    sklime explains every row with the same draw of perturbations, so the
    Monte Carlo error of that draw is shared by the rows and does not average
    out in the importance. Check that the picks persist with another
    ``random_state`` of the explainer before relying on them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime import submodular_pick
    >>> coef = np.array([[3.0, 0, 0], [2.0, 0, 0], [0, 1.0, 1.0]])
    >>> submodular_pick(coef, 2).tolist()
    [0, 2]
    """
    if isinstance(explanations, LimeBase):
        candidates, coef = _explain_candidates(
            explanations, X, sample_size, random_state
        )
    else:
        if X is not None or sample_size is not None:
            raise ValueError(
                "X and sample_size apply only when explanations is a fitted "
                "explainer; an Explanation or a coefficient matrix already "
                "holds its rows. Drop X and sample_size, or pass the explainer."
            )
        candidates = None
        coef = getattr(explanations, "coef", explanations)
    try:
        coef = check_array(
            coef, dtype=float, accept_sparse="csr", input_name="explanations"
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "explanations must be a fitted explainer (with X), one "
            "Explanation, or a 2-d numeric coefficient matrix such as "
            f"an explainer's transform returns ({exc}). To pick among several "
            "explanations, explain their rows together in one call."
        ) from exc
    if n_picks > coef.shape[0]:
        raise ValueError(
            f"n_picks={n_picks} exceeds the {coef.shape[0]} candidate rows; "
            f"choose n_picks between 1 and {coef.shape[0]}."
        )
    if sp.issparse(coef):  # text: words of a vocabulary
        coef = coef.toarray()
    picks = _greedy_cover(coef != 0, _importance(coef), n_picks)
    return picks if candidates is None else candidates[picks]


def _explain_candidates(explainer, X, sample_size, random_state):
    """Positions of the candidate rows of ``X`` and their coefficients."""
    if X is None:
        raise ValueError(
            "With a fitted explainer, pass the rows to explain as X= (or pass "
            "an Explanation or a coefficient matrix instead of the explainer)."
        )
    n_rows = _num_samples(X)
    candidates = np.arange(n_rows)
    if sample_size is not None and sample_size < n_rows:
        rng = check_random_state(random_state)
        candidates = np.sort(rng.choice(n_rows, size=sample_size, replace=False))
    return candidates, explainer.transform(_safe_indexing(X, candidates))


def _importance(coef):
    """``sqrt(sum_i |W_ij|)`` per column, up to a power of two that keeps it finite.

    The coefficients are divided by a power of four near the largest, which
    scales every importance by the same power of two exactly (under the
    square root too): the picks are those of the coefficients themselves,
    and the sums of huge coefficients do not overflow.
    """
    magnitude = np.abs(coef)
    largest = magnitude.max(initial=0.0)
    exponent = 2 * ((np.frexp(largest)[1] - 1) // 2)  # at most log2(largest)
    unit = np.ldexp(1.0, exponent) if largest > 0 else 1.0
    return np.sqrt((magnitude / unit).sum(axis=0))


def _greedy_cover(used, importance, n_picks):
    """Greedy maximum coverage of ``importance`` by rows of the ``used`` mask."""
    covered = np.zeros(used.shape[1], dtype=bool)
    available = np.ones(used.shape[0], dtype=bool)
    picks = []
    for _ in range(n_picks):
        gain = (used & ~covered) @ importance
        best = int(np.argmax(np.where(available, gain, -np.inf)))
        picks.append(best)
        available[best] = False
        covered |= used[best]
    return np.asarray(picks)
