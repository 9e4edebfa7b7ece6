"""Perturbations and their interpretable representation.

Each feature has one of three representations:

* ``ZSCORE`` (continuous, no discretizer): ``(value - mean) / std``;
* ``BINNED`` (continuous, with a discretizer): 1 if the value is in the
  explained row's bin;
* ``CATEGORICAL``: 1 if the value is the explained row's category.

Missing values are a state of a feature, learned in ``fit`` with their
frequency: a category of their own, a bin of their own, and for a z-scored
feature a state beside the observed values. Marginal sampling draws that
state by its training frequency (a NaN value); a row's missing z-scored
feature is represented by 1 if the perturbation is missing too, an observed
row's by the z-score with missing perturbations at 0 (the training mean).
Local and mask sampling keep a row's missing value or replace it by a draw
from the observed values.

All randomness comes from one :class:`Noise` drawn from a seed fixed in
``fit`` and shared by every row (common random numbers). A neighborhood is
then a deterministic function of the noise and the row, which is what makes
explanations independent of chunking, row order and ``n_jobs``.
"""

import warnings
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
from scipy.special import expit, ndtri
from scipy.stats import qmc

from .._core._cache import BoundedCache
from .._core._linalg import rowwise_matmul
from ._discretize import Bins
from ._schema import OWN_VALUE

ZSCORE, BINNED, CATEGORICAL = 0, 1, 2

#: Probability that mask sampling keeps a feature, and that local sampling
#: keeps a categorical feature's value (else it takes another category).
KEEP_PROBABILITY = 0.5


class FeatureSpace:
    """Per-feature statistics of the training data, learned in ``fit``.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_features)
        Continuous training values (0 in categorical columns).
    categorical : ndarray of shape (n_features,), dtype bool
        Which columns are categorical.
    frequencies : list
        Training frequencies of each categorical column's categories (None in
        continuous columns).
    edges : list or None
        Inner bin edges of each continuous column (None in categorical
        columns), or None for no discretizer.

    Attributes
    ----------
    kind : ndarray of shape (n_features,)
        ``ZSCORE``, ``BINNED`` or ``CATEGORICAL``.
    mean, std : ndarray of shape (n_features,)
        Training mean and standard deviation (0 and 1 in categorical columns).
    groups : list
        Training frequency of each bin or category (None for z-scores).
    bins : list
        :class:`~sklime._tabular._discretize.Bins` of binned features, else None.
    missing : ndarray of shape (n_features,)
        Training frequency of missing values in continuous features (0 in
        categorical ones, whose missing values are a category).
    zscore_missing : ndarray of shape (n_features,), dtype bool
        Z-scored features with missing values in training.
    active : ndarray of shape (n_features,), dtype bool
        Features with training variation: a constant feature (zero standard
        deviation and no missing values, one category or one populated bin)
        gets a zero coefficient and is never perturbed away from the row's
        value.
    """

    def __init__(self, values, categorical, frequencies, edges):
        n_features = values.shape[1]
        gone = np.isnan(values) & ~categorical
        self.missing = gone.mean(axis=0) if len(values) else np.zeros(n_features)
        mean, std = _mean_std(values)
        self.mean = np.where(categorical, 0.0, mean)
        self.std = np.where(categorical, 1.0, std)
        self.kind = np.where(
            categorical, CATEGORICAL, ZSCORE if edges is None else BINNED
        )
        self.bins = [
            Bins.from_training(values[:, j], edges[j])
            if self.kind[j] == BINNED
            else None
            for j in range(n_features)
        ]
        self.groups = [
            self.bins[j].freq if self.kind[j] == BINNED else frequencies[j]
            for j in range(n_features)
        ]
        self.zscore_missing = (self.kind == ZSCORE) & (self.missing > 0)
        self.active = np.array(
            [
                self.std[j] > 0 or self.missing[j] > 0
                if self.kind[j] == ZSCORE
                else np.count_nonzero(self.groups[j]) > 1
                for j in range(n_features)
            ],
            dtype=bool,
        )

    @property
    def n_features(self):
        return self.kind.shape[0]

    def scale(self):
        """Standard deviations with constant features mapped to 1."""
        return np.where(self.std > 0, self.std, 1.0)

    def zscore(self, values):
        """Z-scores of continuous values."""
        return (values - self.mean) / self.scale()

    def group_codes(self, rows):
        """Bin or category code of each row in grouped features.

        Z-scored features with missing values in training get 1 where the
        row is missing, as their marginal draws do (:func:`marginal_points`);
        other z-scored features 0.
        """
        codes = rows.codes.copy()
        for j in np.flatnonzero(self.kind == BINNED):
            codes[:, j] = self.bins[j].code(rows.values[:, j])
        for j in np.flatnonzero(self.zscore_missing):
            codes[:, j] = np.isnan(rows.values[:, j])
        return codes

    def representation(self, rows):
        """Interpretable representation of the rows themselves.

        Z-scores of observed continuous features; 1 (the row's own bin,
        category or missing state) for every other feature. Mask sampling
        represents every feature by 1 (see ``sklime._tabular._schemes``).
        """
        zscored = (self.kind == ZSCORE) & ~np.isnan(rows.values)
        return np.where(zscored, self.zscore(rows.values), 1.0)


def _mean_std(values):
    """Column means and standard deviations that do not overflow.

    Each column is divided by its largest absolute value first, so that
    values up to the largest float give finite statistics. A column with
    missing (NaN) values gets those of its observed values.
    """
    scale = np.abs(values).max(axis=0, initial=0.0)
    scale = np.where(scale > 0, scale, 1.0)
    scaled = values / scale
    mean, std = scale * scaled.mean(axis=0), scale * scaled.std(axis=0)
    for j in np.flatnonzero(np.isnan(mean)):
        column = values[:, j]
        (mean[j],), (std[j],) = _mean_std(column[~np.isnan(column), None])
    return mean, std


class Noise:
    """Standard random numbers shared by every explained row.

    Each block is drawn when first used, so that a scheme pays only for the
    blocks it needs (marginal sampling of continuous features uses only the
    normals). Under the "random" sampler every block comes from its own
    stream of the seed, so a block's numbers do not depend on which others
    are drawn; the "sobol" sampler draws all blocks at once (sequences of
    ``4 * n_features`` dimensions, in independent replicates: see
    :attr:`replicates`).

    Attributes
    ----------
    key : tuple
        What decides every draw (shape, seed, sampler, and the kernel width
        of :meth:`from_kernel`): noises with equal keys are equal.
    normal : ndarray of shape (n_samples, n_features)
        Standard normal draws (continuous perturbations).
    group : ndarray of shape (n_samples, n_features)
        Uniform draws choosing a bin or category by training frequency.
    value : ndarray of shape (n_samples, n_features)
        Uniform draws choosing a value inside a bin.
    keep : ndarray of shape (n_samples, n_features), dtype bool
        Whether mask (and local categorical) sampling keeps the row's value.
    keep_uniform : ndarray of shape (n_samples, n_features)
        The uniform draws behind ``keep``, for other keep probabilities.
    """

    def __init__(self, shape, seed, sampler):
        self._shape, self._seed, self._sampler = shape, seed, sampler
        self.key = (shape, seed, sampler)

    @classmethod
    def draw(cls, num_samples, n_features, seed, sampler="sobol"):
        """The noise of ``num_samples`` perturbations from ``seed``.

        Parameters
        ----------
        num_samples : int
        n_features : int
        seed : int
        sampler : {"sobol", "random"}, default="sobol"
            "random" draws independent numbers; "sobol" a scrambled Sobol
            sequence (quasi-Monte Carlo), which covers the unit cube more
            evenly and so gives much less variable surrogates for the same
            number of samples, its normals through the inverse normal CDF.

        Returns
        -------
        noise : Noise
            Its arrays are read-only: the blocks drawn last are kept (see
            :class:`~sklime._core._cache.BoundedCache`), so that transforming batch
            after batch with the same fitted explainer draws its noise once.
        """
        if sampler == "sobol" and _NOISE_BLOCKS * n_features > _SOBOL_MAX_DIM:
            raise ValueError(
                f"sampler='sobol' supports up to {_SOBOL_MAX_DIM // _NOISE_BLOCKS} "
                f"features; got {n_features}. Use sampler='random'."
            )
        return cls((int(num_samples), int(n_features)), int(seed), sampler)

    def _kept(self, name, make):
        """The block ``name``, from the cache of recent draws or ``make()``."""
        return _RECENT.get((*self.key, name), make)

    def _uniform(self, index):
        """Block ``index`` of uniforms (0 normal, 1 group, 2 value, 3 keep)."""
        if self._sampler == "sobol":
            width = self._shape[1]
            joint = self._kept("sobol", self._sobol)
            return joint[:, index * width : (index + 1) * width]
        rng = np.random.default_rng([self._seed, index])
        return _inside(rng.random(self._shape))

    def _sobol(self):
        """All blocks of the Sobol sampler: independently scrambled replicates.

        Replicate ``r`` holds the samples from ``replicates[r]`` to the next
        start, one scrambled Sobol sequence of ``4 * n_features`` dimensions
        seeded by ``(seed, r)``.
        """
        dims = _NOISE_BLOCKS * self._shape[1]
        sizes = np.diff([*self.replicates, self._shape[0]])
        parts = []
        with warnings.catch_warnings():  # any num_samples, not only 2**m
            warnings.simplefilter("ignore", UserWarning)
            for r, size in enumerate(sizes):
                rng = np.random.default_rng([self._seed, r])
                parts.append(qmc.Sobol(dims, scramble=True, seed=rng).random(size))
        return _inside(np.concatenate(parts))

    @property
    def replicates(self):
        """Start of each independent replicate of the draw, or None.

        A scrambled Sobol sequence's samples are not independent: its error
        can be far smaller than independent samples' (usually) or larger
        (for some functions of some coordinates), so no formula for
        independent samples predicts it. The Sobol sampler therefore draws
        ``_SOBOL_REPLICATES`` independently scrambled sequences of nearly
        equal sizes (fewer for tiny ``num_samples``), and standard errors
        come from the spread between them. None for the random sampler,
        whose samples are independent.
        """
        if self._sampler != "sobol":
            return None
        n_samples = self._shape[0]
        count = min(_SOBOL_REPLICATES, max(n_samples // 2, 2))
        return n_samples * np.arange(count) // count

    def _normal(self):
        """Block 0: drawn directly by the random sampler, else by inverse CDF."""
        if self._sampler == "sobol":
            return ndtri(self._uniform(0))
        return np.random.default_rng([self._seed, 0]).standard_normal(self._shape)

    @cached_property
    def normal(self):
        """Standard normal draws (block 0)."""
        return self._kept("normal", self._normal)

    @cached_property
    def group(self):
        """Uniforms choosing a bin or category (block 1)."""
        return self._kept("group", partial(self._uniform, 1))

    @cached_property
    def value(self):
        """Uniforms choosing a value inside a bin (block 2)."""
        return self._kept("value", partial(self._uniform, 2))

    @cached_property
    def keep_uniform(self):
        """Uniforms behind the keep decisions (block 3)."""
        return self._kept("keep_uniform", partial(self._uniform, 3))

    @cached_property
    def keep(self):
        """Keep decisions at ``KEEP_PROBABILITY``."""
        return self._kept("keep", lambda: self.keep_uniform < KEEP_PROBABILITY)

    def from_kernel(self, width):
        """The noise of the exponential kernel's own local distribution.

        ``exp(-d**2 / (2 * width**2))`` is, up to a constant, the density of
        ``width * N(0, 1)`` per z-scored feature; on an indicator, whose
        change adds 1 to ``d**2``, it keeps the row's value with probability
        ``1 / (1 + exp(-1 / (2 * width**2)))``. Drawing from it with uniform
        weights targets the same weighted population as kernel-weighting
        draws from a flat base, without wasting draws far from the row.

        Parameters
        ----------
        width : float
            Kernel width.

        Returns
        -------
        noise : Noise
            Normals scaled by ``width``, keep decisions at the kernel's
            probability; the other draws unchanged.
        """
        kernel = Noise(self._shape, self._seed, self._sampler)
        kernel.key = (*self.key, "kernel", width)
        kernel.normal = self.normal * width
        kernel.keep = self.keep_uniform < kernel_keep_probability(width)
        return kernel


def _inside(uniform):
    """Uniforms moved strictly inside (0, 1), in place: inverse CDFs stay finite."""
    return np.clip(uniform, _TINY, 1.0 - _TINY, out=uniform)


def kernel_keep_probability(width):
    """Probability that the exponential kernel's distribution keeps an indicator.

    ``1 / (1 + exp(-1 / (2 * width**2)))``: the odds of keeping against
    changing are the kernel's weights at squared distances 0 and 1.

    Examples
    --------
    >>> from sklime._tabular._sampling import kernel_keep_probability
    >>> round(float(kernel_keep_probability(1.0)), 4)
    0.6225
    """
    with np.errstate(over="ignore"):
        return expit(0.5 * (1.0 / np.float64(width)) ** 2)


#: Blocks of uniforms per feature: normal, group, value, keep.
_NOISE_BLOCKS = 4
#: Independently scrambled Sobol sequences in a draw (see ``Noise.replicates``).
_SOBOL_REPLICATES = 8
#: Largest dimension of scipy's Sobol sequence.
_SOBOL_MAX_DIM = 21201
#: Keeps uniforms strictly inside (0, 1) so that inverse CDFs stay finite.
_TINY = 1e-12
#: The noise blocks drawn last, kept for the next transforms (64 MiB in all).
_RECENT = BoundedCache(64 * 2**20)


@dataclass
class Neighborhood:
    """Perturbations of a chunk of rows and their representation.

    Arrays whose first axis has length 1 are shared by every row.

    Attributes
    ----------
    values : ndarray or RowPoints of shape (n_rows or 1, n_samples, n_features)
        Perturbed points (continuous values); a :class:`RowPoints` builds
        them a few rows at a time when the model is queried.
    codes : ndarray of shape (n_rows or 1, n_samples, n_features)
        Category codes of the points (see :class:`~sklime._tabular._schema.Rows`).
    design : ndarray of shape (n_rows or 1, n_samples, n_features)
        Interpretable representation of the points, up to ``offset``.
    offset : ndarray of shape (n_rows, n_features) or None
        Per-row shift from ``design`` to the representation.
    sq_distance : ndarray of shape (n_rows or 1, n_samples)
        Squared Euclidean distance from the row's representation; integer
        when every feature is an indicator (counts of changed indicators).
    """

    values: "np.ndarray | RowPoints"
    codes: np.ndarray
    design: np.ndarray
    offset: np.ndarray | None
    sq_distance: np.ndarray


def draw_groups(freq, uniform, exclude=None):
    """Draw bin or category codes by training frequency (inverse CDF).

    Parameters
    ----------
    freq : ndarray of shape (n_groups,)
        Training frequencies.
    uniform : ndarray
        Uniform draws in [0, 1).
    exclude : ndarray or None
        Codes to avoid, broadcastable against ``uniform`` (``OWN_VALUE`` avoids
        nothing): the draw is then from the frequencies renormalized without
        that code.

    Returns
    -------
    codes : ndarray of the broadcast shape
    """
    cdf = np.cumsum(freq)
    cdf /= cdf[-1]
    last = len(freq) - 1
    if exclude is None:
        return np.minimum(np.searchsorted(cdf, uniform, side="right"), last)
    own = np.where(exclude >= 0, freq[np.maximum(exclude, 0)], 0.0) / cdf[-1]
    start = np.where(exclude >= 0, cdf[np.maximum(exclude, 0)], 0.0) - own
    t = uniform * (1.0 - own)
    t = np.where(t < start, t, t + own)
    return np.minimum(np.searchsorted(cdf, t, side="right"), last)


@dataclass
class MarginalPoints:
    """Perturbations drawn from the training marginals, and what every row reads.

    Attributes
    ----------
    values, codes : ndarray of shape (1, n_samples, n_features)
        The perturbed points and their category or bin codes.
    codes_by_feature : ndarray of shape (n_features, n_samples) or None
        The codes laid out feature by feature; None when no feature is
        binned or categorical (no row reads them).
    design : ndarray of shape (1, n_samples, n_features)
        The shared part of the design (:func:`marginal_base_design`).
    zscores : ndarray of shape (n_samples, n_zscored)
        The normals of the active z-scored features, contiguous (the noise's
        own normals when every feature is z-scored and active).
    zscore_norms : ndarray of shape (n_samples,)
        Their squared norms.
    """

    values: np.ndarray
    codes: np.ndarray
    codes_by_feature: np.ndarray | None
    design: np.ndarray
    zscores: np.ndarray
    zscore_norms: np.ndarray


def marginal_points(space, noise):
    """Perturbations drawn from the training marginals, shared by all rows.

    Returns
    -------
    points : MarginalPoints
    """
    values = space.mean + noise.normal * space.std
    codes = np.zeros(noise.normal.shape, dtype=np.intp)
    for j in np.flatnonzero(space.kind != ZSCORE):
        codes[:, j] = draw_groups(space.groups[j], noise.group[:, j])
        if space.kind[j] == BINNED:
            values[:, j] = space.bins[j].draw(codes[:, j], noise.value[:, j])
    gone = _missing_draws(space, noise)
    if gone is not None:
        values[gone] = np.nan
        codes[gone] = 1
    # Z-scored features with missing values get their distances per row.
    zscored = (space.kind == ZSCORE) & space.active & ~space.zscore_missing
    # No gathered copy of the noise, nor of all-zero codes, where none is read.
    zscores = noise.normal if zscored.all() else noise.normal[:, zscored]
    grouped = (space.kind != ZSCORE).any() or gone is not None
    return MarginalPoints(
        values[None],
        codes[None],
        np.ascontiguousarray(codes.T) if grouped else None,
        marginal_base_design(space, noise)[None],
        zscores,
        (zscores**2).sum(axis=1),
    )


def _missing_draws(space, noise):
    """Where marginal draws of z-scored features are missing, or None for nowhere.

    A draw is missing with the feature's training frequency of missing
    values, decided by the group uniforms (which z-scored features use for
    nothing else).
    """
    if not space.zscore_missing.any():
        return None
    return space.zscore_missing & (noise.group < space.missing)


def marginal_base_design(space, noise):
    """The part of marginal sampling's design that every row shares.

    It is the whole design without grouped features (and z-scored ones with
    missing values); otherwise the per-row indicator columns replace some of
    its columns.

    Returns
    -------
    design : ndarray of shape (n_samples, n_features)
        The noise, 0 where a draw is missing; zero for constant features.
    """
    gone = _missing_draws(space, noise)
    design = noise.normal if gone is None else np.where(gone, 0.0, noise.normal)
    return _only_active(space, design)


def local_base_design(space, noise):
    """The part of local sampling's design that every row shares.

    It is the whole design without binned features (and z-scored ones with
    missing values); otherwise the per-row indicator columns replace some of
    its columns.

    Returns
    -------
    design : ndarray of shape (n_samples, n_features)
        The noise of z-scored and binned features, the keep mask of
        categorical ones; zero for constant features.
    """
    design = np.where(space.kind == CATEGORICAL, noise.keep, noise.normal)
    return _only_active(space, design)


def mask_base_design(space, noise):
    """Mask sampling's design, the keep mask, shared by every row.

    Returns
    -------
    design : ndarray of shape (n_samples, n_features)
        The keep mask; zero for constant features.
    """
    return _only_active(space, noise.keep)


def marginal(space, noise, points, rows):
    """Neighborhoods of marginal sampling (lime's default).

    The points do not depend on the row; only their representation (the
    row's z-score subtracted, or "same bin/category as the row") does. With
    grouped features the design is laid out feature by feature (a view of an
    array of shape (n_rows, n_features, n_samples)), and boolean when every
    feature is grouped: its columns are then contiguous for the weighted
    moments, and no float copy of the indicators is made. A z-scored feature
    with missing values is laid out the same way: its column is the z-score
    (0 for a missing draw) for a row where it is observed, and "the draw is
    missing too" for a row where it is missing.
    """
    grouped = space.kind != ZSCORE
    design = points.design
    sq_distance = _zscore_sq_distance(space, points, space.zscore(rows.values))
    if grouped.any() or space.zscore_missing.any():
        counted = grouped & space.active
        columns, matches = _same_groups(
            points.codes_by_feature, space.group_codes(rows), counted
        )
        changed = (np.count_nonzero(counted) - matches).astype(np.intp)
        if grouped.all():  # integer distances: counts of changed indicators
            sq_distance = changed
        else:
            columns = np.where(grouped[:, None], columns, design[0].T)
            sq_distance = sq_distance + changed
            _missing_states(space, points, rows, columns, sq_distance)
        design = columns.transpose(0, 2, 1)
    return Neighborhood(points.values, points.codes, design, None, sq_distance)


def _missing_states(space, points, rows, columns, sq_distance):
    """Columns and distances of z-scored features with missing values, in place.

    Where the row is observed the column stays the z-score of the draws (0
    for missing ones) and adds its squared difference to the row's z-score;
    where the row is missing it becomes "the draw is missing too" and adds 1
    for each observed draw.
    """
    for j in np.flatnonzero(space.zscore_missing & space.active):
        x = (rows.values[:, j] - space.mean[j]) / space.scale()[j]
        gone = np.isnan(x)
        drawn_missing = points.codes_by_feature[j] == 1
        z = columns[:, j]
        sq_distance += np.where(gone[:, None], ~drawn_missing, (z - x[:, None]) ** 2)
        columns[gone, j] = drawn_missing


def _same_groups(by_feature, row_codes, counted):
    """Whether each point is in each row's bin or category, and how often.

    Parameters
    ----------
    by_feature : ndarray of shape (n_features, n_samples)
        Codes of the shared points, feature by feature.
    row_codes : ndarray of shape (n_rows, n_features)
        Codes of the rows.
    counted : ndarray of shape (n_features,), dtype bool
        The grouped features that can vary; the others stay False.

    Returns
    -------
    same : ndarray of shape (n_rows, n_features, n_samples), dtype bool
    matches : ndarray of shape (n_rows, n_samples), dtype unsigned int
        Number of counted features in which the point matches the row, in
        the smallest unsigned type that holds it (less memory to update).
    """
    n_features, n_samples = by_feature.shape
    same = np.zeros((len(row_codes), n_features, n_samples), dtype=bool)
    count = np.count_nonzero(counted)
    matches = np.zeros((len(row_codes), n_samples), dtype=np.min_scalar_type(count))
    for j in np.flatnonzero(counted):
        np.equal(by_feature[j], row_codes[:, j, None], out=same[:, j])
        matches += same[:, j]
    return same, matches


def local(space, noise, rows):
    """Neighborhoods of local sampling, centered on each row.

    Continuous features move by ``std * N(0, 1)`` from the row's value;
    categorical features keep the row's value or, with probability
    ``1 - KEEP_PROBABILITY``, take another category by training frequency.
    A missing continuous value is kept or, with the same probability as a
    category, replaced by a draw from ``N(mean, std)`` of the observed values;
    a z-scored feature is then represented, in the rows where it is missing,
    by "kept". Without binned features or missing values the design and the
    distances are shared by all rows (the design is the noise; the row's
    z-score is the offset), and the points are built only when the model is
    queried (:class:`RowPoints`).
    """
    keep = noise.keep | ~space.active
    categorical = space.kind == CATEGORICAL
    step = noise.normal * space.std
    build = partial(np.add, step)
    if space.missing.any():
        # The value uniforms, which local sampling uses for nothing else.
        build = _StepOrReplace(step, space.mean + ndtri(noise.value) * space.std, keep)
    values = RowPoints(rows.values, step.shape[0], build)
    codes = _other_groups(space, noise, rows, keep, codes_only=True)
    design = local_base_design(space, noise)[None]
    mismatch = np.where(categorical, ~keep, noise.normal**2)[None]
    binned = space.kind == BINNED
    if binned.any():
        values = values[:]
        row_codes = space.group_codes(rows)
        same = np.zeros(values.shape, dtype=bool)
        for j in np.flatnonzero(binned):
            same[..., j] = space.bins[j].code(values[..., j]) == row_codes[:, None, j]
        design = _only_active(space, np.where(binned, same, design))
        mismatch = np.where(binned, ~same, mismatch)
    observed = ~np.isnan(rows.values)
    if space.zscore_missing.any():  # per row, whatever the rows
        gone = (space.zscore_missing & ~observed)[:, None, :]
        design = np.where(gone, keep, design)
        mismatch = np.where(gone, ~keep, mismatch)
    sq_distance = np.where(space.active, mismatch, 0.0).sum(axis=-1)
    offset = np.where((space.kind == ZSCORE) & observed, space.zscore(rows.values), 0.0)
    return Neighborhood(values, codes, design, offset, sq_distance)


class _StepOrReplace:
    """``row + step`` for rows, a missing value replaced where it is not kept.

    Parameters
    ----------
    step : ndarray of shape (n_samples, n_features)
        The moves of observed values.
    replacement : ndarray of shape (n_samples, n_features)
        Draws that replace a missing value.
    keep : ndarray of shape (n_samples, n_features), dtype bool
        Where a missing value stays missing.
    """

    def __init__(self, step, replacement, keep):
        self.step, self.replacement, self.keep = step, replacement, keep

    def __call__(self, row_values, out):
        """Points of rows of shape (n_rows, 1, n_features), written into ``out``."""
        out = np.add(self.step, row_values, out=out)
        np.copyto(out, self.replacement, where=np.isnan(out) & ~self.keep)
        return out


def mask(space, noise, rows):
    """Neighborhoods of the binary keep/replace scheme of the LIME article.

    Each feature keeps the row's value (``z' = 1``) or is replaced
    (``z' = 0``): a z-scored feature by a draw from ``N(mean, std)``, a binned
    one by a value from another bin, a categorical one by another category,
    both chosen by training frequency. The design is the keep mask itself.
    Without binned features the points are built only when the model is
    queried (:class:`RowPoints`).
    """
    keep = noise.keep | ~space.active
    replaced = space.mean + noise.normal * space.std
    values = RowPoints(rows.values, replaced.shape[0], _KeptValues(replaced, keep))
    if (space.kind == BINNED).any():
        values = values[:]
    codes = _other_groups(space, noise, rows, keep, codes_only=False, values=values)
    design = mask_base_design(space, noise)[None]
    sq_distance = ((~keep) & space.active).sum(axis=-1)[None]
    return Neighborhood(values, codes, design, None, sq_distance)


class RowPoints:
    """Perturbed points of a chunk of rows, built when they are asked for.

    Indexing by rows (a slice) builds those rows' points: the model can then
    be queried a few rows at a time, each block of points written just
    before the model reads it, while it is still in the processor's cache,
    instead of writing the whole chunk's points to memory first.

    Parameters
    ----------
    row_values : ndarray of shape (n_rows, n_features)
        The rows' continuous values.
    n_samples : int
        Points per row.
    build : callable
        ``build(values, out)`` takes row values of shape (n, 1, n_features)
        and writes their points into ``out``, of shape (n, n_samples,
        n_features) (a new array when ``out`` is None), and returns it.

    Attributes
    ----------
    shape : tuple of int
        ``(n_rows, n_samples, n_features)``, the shape of the points.
    """

    def __init__(self, row_values, n_samples, build):
        self.row_values = row_values
        self.shape = (len(row_values), n_samples, row_values.shape[1])
        self.build = build

    def __getitem__(self, rows):
        """The points of ``rows`` (a slice), as a new array."""
        return self.build(self.row_values[rows, None, :], None)

    def fill(self, rows, out):
        """Write the points of ``rows`` (a slice) into the start of ``out``.

        Returns
        -------
        points : ndarray of shape (n, n_samples, n_features)
            The view of ``out`` that holds them.
        """
        values = self.row_values[rows, None, :]
        return self.build(values, out[: len(values)])


class _KeptValues:
    """``np.where(keep, row, replaced)`` for rows, as one gather per row.

    The replaced values and, after them, the row's own values form a table;
    one index (shared by every row, as ``keep`` is) picks each point's value
    from it. Several times faster than a broadcast ``np.where``, and the same
    numbers. One instance is not to be called from several threads at once
    (its table is rewritten for each row).

    Parameters
    ----------
    replaced : ndarray of shape (n_samples, n_features)
        Values of the replaced features.
    keep : ndarray of shape (n_samples, n_features), dtype bool
        Where the row's own value is kept.
    """

    def __init__(self, replaced, keep):
        self.shape = replaced.shape
        size = replaced.size
        position = np.arange(size)
        self.index = np.where(keep.ravel(), size + position % self.shape[1], position)
        self.table = np.empty(size + self.shape[1])
        self.table[:size] = replaced.ravel()

    def __call__(self, row_values, out):
        """Points of rows of shape (n_rows, 1, n_features), written into ``out``.

        ``out`` is a C-contiguous array of shape (n_rows, n_samples,
        n_features), or None for a new one.
        """
        size = self.index.size
        if out is None:
            out = np.empty((len(row_values), *self.shape))
        values = out.reshape(len(row_values), size)
        for i, row in enumerate(row_values):
            self.table[size:] = row[0]
            # in range: no checks
            np.take(self.table, self.index, out=values[i], mode="clip")
        return out


def _other_groups(space, noise, rows, keep, *, codes_only, values=None):
    """Codes of points that keep the row's group or take another one.

    Kept categorical values get ``OWN_VALUE``. Replaced grouped features get
    another bin or category by training frequency; unless ``codes_only``,
    binned features also get a value inside their new bin, written into
    ``values``. Without categorical features the codes are all zero: a
    read-only broadcast view, no memory.
    """
    shape = (len(rows), *keep.shape)
    if not (space.kind == CATEGORICAL).any():
        codes = np.broadcast_to(np.zeros((), dtype=np.intp), shape)
    else:
        codes = np.zeros(shape, dtype=np.intp)
    row_codes = space.group_codes(rows)
    kinds = (CATEGORICAL,) if codes_only else (CATEGORICAL, BINNED)
    for j in np.flatnonzero(np.isin(space.kind, kinds)):
        other = draw_groups(space.groups[j], noise.group[:, j], row_codes[:, None, j])
        if space.kind[j] == CATEGORICAL:
            codes[..., j] = np.where(keep[:, j], OWN_VALUE, other)
        else:
            drawn = space.bins[j].draw(
                other, np.broadcast_to(noise.value[:, j], other.shape)
            )
            values[..., j] = np.where(keep[:, j], values[..., j], drawn)
    return codes


def _zscore_sq_distance(space, points, x_zscore):
    """Squared distance over active z-scored features, per row and sample.

    Features with missing values are left out (see :func:`_missing_states`).
    """
    zs = (space.kind == ZSCORE) & space.active & ~space.zscore_missing
    noise = points.zscores
    if not zs.any():
        return np.zeros((1, noise.shape[0]))
    # C order: a row's sum over a strided axis would round differently with
    # the number of rows.
    rows = np.ascontiguousarray(x_zscore[:, zs])
    # |n - x|^2 = |n|^2 - 2 n.x + |x|^2: one matrix product, no per-row copy.
    sq = rowwise_matmul(rows, noise.T)
    sq *= -2.0
    sq += points.zscore_norms
    sq += (rows**2).sum(axis=1)[:, None]
    return np.maximum(sq, 0.0, out=sq)


def _only_active(space, design):
    """The design with the columns of constant features set to zero.

    Without constant features it is ``design`` itself, not a copy.
    """
    if space.active.all():
        return design
    return np.where(space.active, design, 0.0)
