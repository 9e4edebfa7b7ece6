"""On/off perturbations of documents and images: lime's law, or the kernel's.

A perturbation of an instance of ``d`` components (words, superpixels)
removes ``k`` of them, the set uniform given ``k``; lime's law of ``k`` is
the explainer's (:class:`sklime._text._document.TextNoise`,
:class:`sklime._image._segments.ImageNoise`), and each perturbation weighs
the kernel of its distance, a function of ``k`` alone. :class:`KernelMasks`
draws ``k`` from lime's law times the kernel instead (stratified, so that
the counts follow that law closely in every sample) and weighs every
perturbation alike, by the kernel's mean under lime's law: the weighted
moments, and so the surrogate the samples estimate, are lime's, with less
sampling noise. As in lime, the first perturbation is the instance itself,
of weight 1.
"""

import warnings

import numpy as np
from scipy.stats import qmc

from ._components import (
    _UNIFORM_BLOCK,
    _UNIFORM_FLOATS,
    BlockUniforms,
    HeldDraws,
    cosine_distance,
    count_distance,
)
from ._kernels import exponential_kernel


class KernelWeights:
    """lime's weights of on/off perturbations: the kernel of their distance."""

    #: Independent perturbations (see :class:`SobolBlocks` for replicates).
    replicates = None

    def weights(self, keep, scale, width):
        """Weights of the perturbations ``keep`` (bool, (n_samples, d)).

        ``exp(-D**2 / (2 * width**2))`` of ``D = scale * cosine_distance``.
        """
        return exponential_kernel(scale * cosine_distance(keep), width)


def count_weights(d, scale, width):
    """Kernel weight of a perturbation that removes ``k`` of ``d``, for k = 0 .. d.

    The weight of removing none is 1: that is the instance itself.
    """
    return exponential_kernel(scale * count_distance(d - np.arange(d + 1), d), width)


class KernelMasks:
    """Perturbations drawn from the kernel's own law, all of one weight.

    Parameters
    ----------
    count : ndarray of shape (n_samples - 1,)
        Stratified uniforms (one in each of ``n_samples - 1`` equal
        intervals, in random order) choosing how many components each
        perturbation but the first removes.
    priority : BlockUniforms
        Uniform draws of shape (n_samples, width) choosing which: the ones
        with the lowest priorities.
    law : callable
        ``law(d)``: lime's probabilities of removing ``k = 0 .. d`` of ``d``
        components, shape (d + 1,).
    scale, kernel_width : float
        The distance scale and the kernel width.
    """

    #: Independent perturbations.
    replicates = None

    def __init__(self, count, priority, law, scale, kernel_width):
        self.count = count
        self.priority = priority
        self.law = law
        self.scale = scale
        self.kernel_width = kernel_width

    @classmethod
    def draw(cls, num_samples, width, seed, law, scale, kernel_width):
        """Masks for instances of up to ``width`` components.

        Column ``j`` of the priorities comes from a generator of its own
        block of columns (see ``BlockUniforms``), so it is the same whatever
        ``width`` a batch needs; the counts do not depend on it.
        """
        rng = np.random.default_rng([seed, 2])
        strata = num_samples - 1
        count = (rng.permutation(strata) + rng.random(strata)) / strata
        priority = BlockUniforms(num_samples, width, [seed, 1])
        return cls(count, priority, law, scale, kernel_width)

    def narrow(self, width):
        """The masks of instances of up to ``width`` components."""
        return KernelMasks(
            self.count,
            self.priority.narrow(width),
            self.law,
            self.scale,
            self.kernel_width,
        )

    def held(self, width):
        """The same masks, with the priorities of ``width`` components drawn once.

        For instances of up to ``width`` components; see :class:`HeldDraws`.
        """
        return KernelMasks(
            self.count,
            HeldDraws(self.priority, width),
            self.law,
            self.scale,
            self.kernel_width,
        )

    def _count_law(self, d):
        """The law of the removed counts (k = 0 .. d) and the common weight.

        Where every weight but the instance's underflows (a tiny kernel
        width), lime's weighted moments are the instance's alone: the counts
        follow lime's law, of weight 0.
        """
        law = self.law(d)
        tilted = law * count_weights(d, self.scale, self.kernel_width)
        mean = tilted.sum()
        return (tilted / mean, mean) if mean > 0 else (law, 0.0)

    def removed(self, d):
        """How many of ``d`` components each perturbation removes, (n_samples,).

        The first removes none; the others follow lime's law of the count
        times the kernel weight of the count, by the inverse of its
        cumulative distribution at the stratified uniforms.
        """
        law = self._count_law(d)[0]
        last = np.flatnonzero(law)[-1]
        counts = np.searchsorted(np.cumsum(law), self.count, side="right")
        return np.r_[0, np.minimum(counts, last)]

    def keep(self, d):
        """Which of ``d`` components each perturbation keeps, (n_samples, d)."""
        n = len(self.count) + 1
        if d == 0:
            return np.ones((n, 0), dtype=bool)
        removed = self.removed(d)
        if d == 1:
            return (removed == 0)[:, None]
        keep = np.empty((n, d), dtype=bool)
        rank = np.clip(removed, 1, d - 1)
        for rows, priority in self.priority.row_blocks(d):
            keep[rows] = above_order_statistic(priority, rank[rows])
        keep[removed == 0] = True
        keep[removed == d] = False
        return keep

    def weights(self, keep, scale, width):
        """One weight for every perturbation but the first (the instance, 1).

        The mean kernel weight under lime's law, so that the weighted
        moments are those of lime's weighted perturbations. ``scale`` and
        ``width`` are the masks' own, given when they were drawn.
        """
        del scale, width
        d = keep.shape[1]
        weights = np.ones(len(keep))
        if d:
            weights[1:] = self._count_law(d)[1]
        return weights


class SobolBlocks:
    """Scrambled Sobol points of ``width`` columns, whatever ``width`` a batch needs.

    The interface of :class:`~sklime._core._components.BlockUniforms`, with
    quasi-random points: the perturbations but the first (the instance
    itself) are ``len(replicates)`` independently scrambled Sobol sequences
    of nearly equal sizes, so that standard errors can rest on the spread
    between them (see ``replicates`` of
    :class:`~sklime._core._problem.Problem`). Columns come in blocks of
    ``_UNIFORM_BLOCK``, each block of every replicate its own sequence of a
    fixed dimension seeded by ``[*key, replicate, block]``: the points of an
    instance with few components do not depend on how many the largest
    instance of its batch has. The first block also holds ``lead`` columns
    of its own, before the instance's (:attr:`lead`).

    Parameters
    ----------
    num_samples : int
    width : int
    key : list of int
        The seed's prefix (the explainer's seed, and a stream number).
    lead : int, default=0
        Columns of the first block that belong to no component (such as the
        number of components a perturbation removes).

    Attributes
    ----------
    shape : tuple of int
        ``(num_samples, width)``.
    replicates : ndarray of shape (n_replicates,)
        Start of each independent replicate. The first row, the instance
        itself, is in none: it is not random.
    """

    def __init__(self, num_samples, width, key, lead=0):
        self.shape = (num_samples, width)
        self.key = list(key)
        self.n_lead = lead
        sequences = num_samples - 1
        count = min(_SOBOL_REPLICATES, max(sequences // 2, 2))
        self.replicates = 1 + sequences * np.arange(count) // count
        self._engines = {}

    def narrow(self, width):
        """The points of the first ``width`` columns."""
        return SobolBlocks(self.shape[0], width, self.key, self.n_lead)

    @property
    def lead(self):
        """The ``lead`` columns of the first block, (num_samples, lead).

        The first row (the instance) is 1/2.
        """
        points = np.full((self.shape[0], self.n_lead), 0.5)
        for replicate, rows in self._replicate_rows():
            engine = self._engine(replicate, 0)
            points[rows] = _draw(engine, rows.stop - rows.start)[:, : self.n_lead]
        return points

    def _replicate_rows(self):
        """Each replicate and its rows of Sobol points (all but the first row)."""
        starts = [1, *self.replicates[1:]]
        stops = [*self.replicates[1:], self.shape[0]]
        for replicate, (start, stop) in enumerate(zip(starts, stops, strict=True)):
            yield replicate, slice(start, stop)

    def _engine(self, replicate, block):
        """The scrambled Sobol sequence of one block of one replicate, at its start.

        Scrambling costs far more than drawing: each sequence is scrambled
        once per object (a copy from :meth:`narrow` scrambles its own) and
        reset for each further use.
        """
        engine = self._engines.get((replicate, block))
        if engine is not None:
            return engine.reset()
        dimension = _UNIFORM_BLOCK + (self.n_lead if block == 0 else 0)
        rng = np.random.default_rng([*self.key, replicate, block])
        engine = qmc.Sobol(dimension, scramble=True, seed=rng)
        self._engines[replicate, block] = engine
        return engine

    def row_blocks(self, width):
        """The points of the first ``width`` columns, a block of rows at a time.

        Yields
        ------
        rows : slice
        uniform : ndarray of shape (n_rows, width)
            The points of those rows, about ``_UNIFORM_FLOATS`` of them; the
            first row (the instance) is 1/2.
        """
        blocks = range(-(-width // _UNIFORM_BLOCK))
        step = max(1, _UNIFORM_FLOATS // (_UNIFORM_BLOCK * max(len(blocks), 1)))
        yield slice(0, 1), np.full((1, width), 0.5)
        for replicate, rows in self._replicate_rows():
            engines = [self._engine(replicate, block) for block in blocks]
            # A sequence gives its points in order, so drawing a few rows at
            # a time gives the same points as all at once.
            for first in range(rows.start, rows.stop, step):
                part = slice(first, min(first + step, rows.stop))
                uniform = np.empty((part.stop - first, width))
                for block, engine in zip(blocks, engines, strict=True):
                    start = block * _UNIFORM_BLOCK
                    columns = min(_UNIFORM_BLOCK, width - start)
                    skip = self.n_lead if block == 0 else 0
                    points = _draw(engine, part.stop - first)
                    uniform[:, start : start + columns] = points[
                        :, skip : skip + columns
                    ]
                yield part, uniform


def _draw(engine, n):
    """The next ``n`` points of a Sobol sequence (any ``n``, not only ``2**m``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return engine.random(n)


def above_order_statistic(values, rank):
    """Which values of each row exceed the row's ``rank``-th smallest.

    The rows are sorted in single precision, about twice as fast as in
    double for rows of more than 64 values. Rounding keeps the order of the
    values but can make neighbours equal: a row whose ``rank``-th smallest
    rounds to the value of the next one is decided in double precision, so
    the answer is always that of the values themselves.

    Parameters
    ----------
    values : ndarray of shape (n_rows, d)
    rank : ndarray of shape (n_rows,), dtype int
        Between 1 and ``d - 1``.

    Returns
    -------
    above : ndarray of shape (n_rows, d), dtype bool

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._masks import above_order_statistic
    >>> values = np.array([[0.3, 0.1, 0.2], [1.0, 1.0 + 1e-12, 0.5]])
    >>> above_order_statistic(values, np.array([1, 2])).tolist()
    [[True, False, True], [False, True, False]]
    """
    rows = np.arange(len(values))
    single = values.astype(np.float32)
    order = np.sort(single, axis=1)
    above = single > order[rows, rank - 1][:, None]
    tied = np.flatnonzero(order[rows, rank] == order[rows, rank - 1])
    if tied.size:
        exact = np.sort(values[tied], axis=1)
        threshold = exact[np.arange(tied.size), rank[tied] - 1]
        above[tied] = values[tied] > threshold[:, None]
    return above


#: Independently scrambled Sobol sequences of :class:`SobolBlocks`.
_SOBOL_REPLICATES = 8
