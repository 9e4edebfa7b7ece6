"""Submodular pick (SP-LIME): a few rows that show the model as a whole."""

import numpy as np
from sklearn.utils import check_random_state


def submodular_pick(
    explanations, n_picks, *, X=None, sample_size=None, random_state=None
):
    """Choose representative rows whose explanations cover the important features.

    The global importance of a coefficient column is ``sqrt(sum_i |W_ij|)``
    over the explained rows; a set of rows covers a column when one of its
    rows has a non-zero coefficient there. Rows are added greedily, each time
    the one that most increases the importance covered (the submodular pick of
    the LIME article); ties go to the earlier row.

    Parameters
    ----------
    explanations : LimeExplainer, Explanation or array-like of shape \
            (n_rows, n_columns)
        A fitted explainer (then ``X`` is required), an explanation, or a
        coefficient matrix such as ``LimeExplainer.transform`` returns.
    n_picks : int
        Number of rows to choose (at most the number of candidate rows).
    X : array-like or DataFrame of shape (n_rows, n_features), default=None
        Rows to explain, with a fitted explainer.
    sample_size : int or None, default=None
        With a fitted explainer, explain only this many rows of ``X`` drawn
        without replacement (None: all).
    random_state : int, RandomState instance or None, default=None
        Draws the ``sample_size`` rows. Pass an int for reproducible output
        across multiple function calls.

    Returns
    -------
    picks : ndarray of shape (n_picks,)
        Positions of the chosen rows in ``X`` (or in the coefficient matrix),
        in the order they were chosen.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime import submodular_pick
    >>> coef = np.array([[3.0, 0, 0], [2.0, 0, 0], [0, 1.0, 1.0]])
    >>> submodular_pick(coef, 2).tolist()
    [0, 2]
    """
    candidates = None
    if hasattr(explanations, "transform"):
        if X is None:
            raise ValueError("With a fitted explainer, pass the rows X to explain.")
        n_rows = X.shape[0]
        candidates = np.arange(n_rows)
        if sample_size is not None and sample_size < n_rows:
            rng = check_random_state(random_state)
            candidates = np.sort(rng.choice(n_rows, size=sample_size, replace=False))
        rows = X.iloc[candidates] if hasattr(X, "iloc") else np.asarray(X)[candidates]
        coef = explanations.transform(rows)
    else:
        coef = getattr(explanations, "coef", explanations)
    coef = np.asarray(coef, dtype=float)
    if coef.ndim != 2:
        raise ValueError(f"Expected a 2-d coefficient matrix; got shape {coef.shape}.")
    if not 1 <= n_picks <= coef.shape[0]:
        raise ValueError(
            f"n_picks={n_picks} must be between 1 and the number of candidate rows "
            f"({coef.shape[0]})."
        )
    picks = _greedy_cover(coef != 0, np.sqrt(np.abs(coef).sum(axis=0)), n_picks)
    return picks if candidates is None else candidates[picks]


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
