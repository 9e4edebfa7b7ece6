"""Binning continuous features: lime's quartile, decile and entropy bins.

A binned feature is represented by "is the value in the same bin as the
explained row's?". Bins are right-closed intervals ``(e[b-1], e[b]]`` around
the sorted inner edges ``e`` (lime's convention). Values are drawn inside a bin
from a normal with the bin's training mean and standard deviation, truncated
to the bin; a bin whose training values are all equal gives that value. A
feature with missing (NaN) values in training has one more bin, after the
others, holding them: its draws are NaN.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import truncnorm
from sklearn.base import clone
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.multiclass import type_of_target

from ._schema import missing_values

_PERCENTILES = {
    "quartile": [25, 50, 75],
    "decile": [10, 20, 30, 40, 50, 60, 70, 80, 90],
}


def fit_bin_edges(discretizer, values, y, random_state):
    """Inner bin edges of each continuous column.

    Parameters
    ----------
    discretizer : {"quartile", "decile", "entropy"} or estimator
        A name, or a KBinsDiscretizer-like object exposing ``bin_edges_``
        after ``fit``.
    values : ndarray of shape (n_samples, n_columns)
        Training values of the continuous columns.
    y : array-like of shape (n_samples,) or None
        Target, needed by ``"entropy"``.
    random_state : int
        Seed of the entropy trees.

    Returns
    -------
    edges : list of ndarray
        Sorted distinct inner edges per column, learned from its observed
        (not NaN) values only: with missing values, each column is binned
        on its own.
    """
    missing = np.isnan(values)
    if missing.any():
        target = None if y is None else np.asarray(y)
        return [
            fit_bin_edges(
                discretizer,
                column[~gone, None],
                None if target is None else target[~gone],
                random_state,
            )[0]
            for column, gone in zip(values.T, missing.T, strict=True)
        ]
    if isinstance(discretizer, str) and discretizer in _PERCENTILES:
        q = _PERCENTILES[discretizer]
        raw = [_without_overflow(np.percentile, col, q) for col in values.T]
    elif isinstance(discretizer, str):  # "entropy"
        raw = _entropy_edges(values, y, random_state)
    else:
        raw = _estimator_edges(discretizer, values)
    return [np.unique(np.asarray(edges, dtype=float)) for edges in raw]


def _entropy_edges(values, y, random_state):
    """Split points of a depth-3 tree on each column (lime's entropy bins)."""
    if y is None:
        raise ValueError(
            "This LimeExplainer estimator requires y to be passed, but the target "
            "y is None: discretizer='entropy' places bin edges where they best "
            "separate the target, so fit needs y. Pass y to fit, or use "
            "discretizer='quartile'."
        )
    y = np.asarray(y)
    missing = missing_values(y.astype(object)).sum()
    if missing:
        raise ValueError(
            f"y holds {missing} missing value(s) (None, NaN or infinite), but "
            "discretizer='entropy' needs a target value for every row of X to "
            "place its bin edges. Drop or fill those rows, or use "
            "discretizer='quartile'."
        )
    try:
        target = type_of_target(y)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"discretizer='entropy' cannot read y as a target ({exc}); pass "
            "numbers or labels of a single type (e.g. y.astype(str))."
        ) from exc
    if target in ("binary", "multiclass"):
        tree = DecisionTreeClassifier(
            criterion="entropy", max_depth=3, random_state=random_state
        )
    else:
        tree = DecisionTreeRegressor(max_depth=3, random_state=random_state)
    edges = []
    for column in values.T:
        distinct, ranks = np.unique(column, return_inverse=True)
        tree.fit(ranks.reshape(-1, 1).astype(float), y)
        inner = tree.tree_.threshold[tree.tree_.children_left > -1]
        if inner.size:
            edges.append(_midpoints(distinct, inner))
        else:
            edges.append([_without_overflow(np.median, column)])
    return edges


def _without_overflow(statistic, column, *args):
    """``statistic(column, *args)``, an average of values, that cannot overflow.

    A column holding values beyond half the largest float is halved first
    (exactly) and the result doubled, so that interpolating between two
    values stays finite; other columns are used as they are.
    """
    if np.abs(column).max(initial=0.0) <= np.finfo(float).max / 2:
        return statistic(column, *args)
    return 2 * statistic(column / 2, *args)


def _midpoints(distinct, thresholds):
    """Edges between the distinct values whose ranks a tree split at ``thresholds``.

    The trees are fitted on the ranks of a column's distinct values, so that
    the bins do not depend on its units (a tree works in float32 and merges
    values closer than 1e-7). A split between ranks ``r`` and ``r + 1`` becomes
    the midpoint of those two values, computed without overflow, and kept
    below the upper value so that each value stays in its own bin. Past
    2**24 distinct values float32 rounds the ranks, which may move a split by
    a few values but never past the last one.
    """
    lower = np.minimum(np.floor(thresholds).astype(np.intp), distinct.size - 2)
    below, above = distinct[lower], distinct[lower + 1]
    middle = below / 2 + above / 2
    return np.where(middle < above, middle, below)


def _estimator_edges(discretizer, values):
    """Inner edges from a fitted KBinsDiscretizer-like object's ``bin_edges_``."""
    try:
        fitted = clone(discretizer).fit(values)
    except TypeError as exc:
        raise TypeError(
            f"The discretizer {discretizer!r} cannot be fitted on the continuous "
            f"columns alone ({exc}). Pass 'quartile', 'decile', 'entropy' or a "
            "KBinsDiscretizer-like object that sets bin_edges_."
        ) from exc
    bin_edges = getattr(fitted, "bin_edges_", None)
    if bin_edges is None or len(bin_edges) != values.shape[1]:
        raise TypeError(
            f"The discretizer {discretizer!r} has no per-column bin_edges_ after "
            "fit. Pass 'quartile', 'decile', 'entropy' or a KBinsDiscretizer-like "
            "object that sets bin_edges_."
        )
    return [np.asarray(edges)[1:-1] for edges in bin_edges]


@dataclass
class Bins:
    """The bins of one continuous feature and their training statistics.

    Attributes
    ----------
    edges : ndarray of shape (n_bins - 1,)
        Sorted inner edges; bin ``b`` is ``(edges[b-1], edges[b]]``.
    freq, mean, std, low, high : ndarray of shape (n_bins,) or (n_bins + 1,)
        Training frequency, mean, standard deviation and range of each bin,
        then (for a feature with missing values in training) of the bin of
        missing values, whose statistics are NaN.
    """

    edges: np.ndarray
    freq: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def from_training(cls, column, edges):
        """Bin statistics of one training column.

        The statistics are computed on the column divided by its largest
        absolute value, so that values up to the largest float do not
        overflow. Missing (NaN) values make a last bin of their own, whose
        statistics are NaN.
        """
        missing = np.isnan(column)
        if not missing.any():
            return cls._observed(column, edges)
        bins = cls._observed(column[~missing], edges)
        share = np.count_nonzero(missing) / len(column)
        freq = np.append(bins.freq * (1.0 - share), share)
        stats = [
            np.append(a, np.nan) for a in (bins.mean, bins.std, bins.low, bins.high)
        ]
        return cls(edges, freq, *stats)

    @classmethod
    def _observed(cls, column, edges):
        """Bin statistics of a training column without missing values."""
        codes = np.searchsorted(edges, column)
        n_bins = len(edges) + 1
        scale = np.abs(column).max(initial=0.0) or 1.0
        scaled = column / scale
        counts = np.bincount(codes, minlength=n_bins).astype(float)
        sums = np.bincount(codes, weights=scaled, minlength=n_bins)
        mean = np.divide(sums, counts, out=np.zeros(n_bins), where=counts > 0)
        squares = np.bincount(
            codes, weights=(scaled - mean[codes]) ** 2, minlength=n_bins
        )
        std = scale * np.sqrt(
            np.divide(squares, counts, out=np.zeros(n_bins), where=counts > 0)
        )
        mean = scale * mean
        low = np.concatenate([[column.min()], edges])
        high = np.concatenate([edges, [column.max()]])
        return cls(edges, counts / counts.sum(), mean, std, low, high)

    @property
    def missing_code(self):
        """Code of the bin of missing values, or None without one."""
        n_observed = len(self.edges) + 1
        return n_observed if len(self.freq) > n_observed else None

    def code(self, values):
        """Bin index of each value (``missing_code`` for NaN)."""
        codes = np.searchsorted(self.edges, values)
        if self.missing_code is not None:
            codes[np.isnan(values)] = self.missing_code
        return codes

    def draw(self, codes, uniforms):
        """Values inside the given bins, by the inverse CDF at ``uniforms``."""
        mean, std = self.mean[codes], self.std[codes]
        low, high = self.low[codes], self.high[codes]
        spread = (std > 0) & (high > low)
        out = mean.astype(float, copy=True)
        if spread.any():
            s = std[spread]
            out[spread] = truncnorm.ppf(
                uniforms[spread],
                (low[spread] - mean[spread]) / s,
                (high[spread] - mean[spread]) / s,
                loc=mean[spread],
                scale=s,
            )
        return out
