"""Instances whose perturbations switch components on and off (documents, images).

An instance has components of its own (the words of a document, the
superpixels of an image); a perturbation keeps some of them. The design is
the kept indicators, the same for every instance with as many components,
and the weights are the noise's (lime's: the exponential kernel of the
scaled cosine distance between the indicators and all ones; see
``sklime._core._masks``). :class:`InstancePlan` is the base of
the text and image plans of the engine (see ``sklime._core._engine``).
"""

import copy

import numpy as np

from ._problem import Problem, SurrogateSettings, output_columns
from ._wide import WIDE_MIN_COMPONENTS, system_floats

#: Most float64 values of perturbed inputs an instance of at least
#: ``WIDE_MIN_COMPONENTS`` components holds: its perturbations go to the model
#: in blocks (16 MiB).
_WIDE_INPUT_FLOATS = 2**21


class InstancePlan:
    """Base of the engine's plans of documents and images.

    An instance's perturbations keep some of its components; the design is
    the kept indicators, the same for every instance with as many components,
    and the weights are the noise's, lime's the exponential kernel of the
    scaled cosine distance between the indicators and all ones. Subclasses
    give the noise (an object whose ``keep(size)`` returns the kept
    indicators, ``held(width)`` the same noise with the draws of ``width``
    components made once (:class:`HeldDraws`),
    ``weights(keep, DISTANCE_SCALE, kernel_width)`` their
    weights and ``replicates`` the start of each independent replicate of
    dependent draws of instances narrower than ``WIDE_MIN_COMPONENTS``, or
    None), ``DISTANCE_SCALE``,
    ``_input_floats`` (for :meth:`chunk_floats`), ``_keep_only`` (for
    :meth:`take`) and the model's outputs on all the plan's instances
    (``_predict()``) and on their perturbations (``_outputs(keeps,
    prediction)``, with each instance's kept indicators).

    Parameters
    ----------
    explainer : estimator
        A fitted explainer with ``num_samples``, ``n_jobs``, ``verbose``,
        ``kernel_width``, ``alpha``, ``num_features``, ``feature_selection``,
        ``_black_box`` and ``outputs_``.
    sizes : ndarray of shape (n,)
        Components of each instance.
    num_samples : int or None, default=None
        Perturbations per instance; None for the explainer's ``num_samples``.
    """

    #: lime's distances are cosine distances times this.
    DISTANCE_SCALE = 1.0
    #: What an instance is called in warnings.
    NOUN = "instance"
    #: The influences of the standard errors are not summed over instances
    #: (their components differ).
    pools_influence = False

    def __init__(self, explainer, sizes, num_samples=None):
        self.sizes = np.asarray(sizes, dtype=np.intp)
        self.num_samples = explainer.num_samples if num_samples is None else num_samples
        self.n_jobs = explainer.n_jobs
        self.verbose = explainer.verbose
        self.kernel_width = explainer.kernel_width
        self.alpha = explainer.alpha
        self.settings = SurrogateSettings(
            explainer.alpha,
            explainer.num_features,
            explainer.feature_selection,
            explainer._label_choice,
        )
        self.box = explainer._black_box
        self.n_outputs = len(explainer.outputs_)

    def chunk_floats(self, size, with_errors):
        """Float64 values a chunk holds per instance of ``size`` components.

        Per perturbation: the model's outputs (with the copy for their size
        and two scaled copies), weights and distances, the design of its size
        and its weighted copy (when no other instance of the chunk has that
        size), and the influences of the standard errors. Then the
        surrogates' systems, and the perturbed inputs (``_input_floats()``).
        An instance of at least ``WIDE_MIN_COMPONENTS`` components holds
        neither the design nor its copies, and one system of the smaller of
        its size and ``num_samples`` squared (see ``sklime._core._wide``).
        """
        s, k = self.num_samples, self.n_outputs
        columns = output_columns(self.box, self.settings.labels)
        if size >= WIDE_MIN_COMPONENTS:
            floats = s * (4 * columns + 2) + system_floats(s, size)
            return floats + min(self._input_floats(), _WIDE_INPUT_FLOATS)
        per_sample = 4 * columns + 2 + 2 * size + (2 * size if with_errors else 0)
        return s * per_sample + 4 * k * size * size + self._input_floats()

    def take(self, items):
        """The plan of the instances at positions ``items`` alone.

        Parameters
        ----------
        items : ndarray of shape (m,), dtype int

        Returns
        -------
        plan : InstancePlan
            A shallow copy holding only those instances, and only the noise
            of their largest number of components.
        """
        part = copy.copy(self)
        part.sizes = self.sizes[items]
        part._keep_only(items, int(part.sizes.max(initial=0)))
        return part

    def problems(self):
        """The surrogate :class:`~sklime._core._problem.Problem` of each size.

        One model call gets the instances' own outputs and one their
        perturbations' (whatever their sizes). The perturbations, design and
        weights of an instance depend only on its size, and are formed once
        per size (from draws made once for all the sizes below
        ``WIDE_MIN_COMPONENTS``); only the model's outputs differ between the
        instances of a size. An instance without components gets one
        inactive column.

        Yields
        ------
        members : ndarray of int
            Positions of the instances of one size.
        problem : Problem
            Their problem, with the design of that size common to all.
        """
        sizes = np.unique(self.sizes).tolist()
        narrow = [size for size in sizes if size < WIDE_MIN_COMPONENTS]
        # Every size below the wide threshold reads the first columns of the
        # same draws: drawn once for all of them, not once per size.
        held = self.noise.held(narrow[-1]) if len(narrow) > 1 else self.noise
        keeps = {
            size: (held if size < WIDE_MIN_COMPONENTS else self.noise).keep(size)
            for size in sizes
        }
        prediction = self._predict()
        output = self._outputs(
            [keeps[size] for size in self.sizes.tolist()], prediction
        )
        for size, keep in keeps.items():
            members = np.flatnonzero(self.sizes == size)
            yield members, self._problem(keep, output[members], prediction[members])

    def _problem(self, keep, output, prediction):
        """The surrogate problem of instances of the size of ``keep``.

        Instances of at least ``WIDE_MIN_COMPONENTS`` components keep their
        indicators as booleans (see :attr:`Problem.wide`).
        """
        size = keep.shape[1]
        wide = size >= WIDE_MIN_COMPONENTS
        if wide:
            design = keep[None]
        else:
            design = keep.astype(float)[None] if size else np.zeros((1, len(keep), 1))
        width = design.shape[-1]
        weights = self.noise.weights(keep, self.DISTANCE_SCALE, self.kernel_width)
        return Problem(
            design,
            weights[None],
            output,
            prediction,
            np.ones((len(prediction), width)),
            np.arange(width) < size,
            self.settings,
            common=True,
            wide=wide,
            instances=True,
            replicates=None if wide else self.noise.replicates,
        )


def cosine_distance(keep):
    """Cosine distance between each row of kept indicators and all ones.

    Parameters
    ----------
    keep : ndarray of shape (n_samples, d)
        Booleans, or zeros and ones (counted exactly).

    Returns
    -------
    distance : ndarray of shape (n_samples,)
        ``1 - sqrt(kept / d)``; 0 when ``d`` is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._components import cosine_distance
    >>> keep = np.array([[True, True, True, True], [True, False, False, False]])
    >>> cosine_distance(keep)
    array([0. , 0.5])
    """
    d = keep.shape[1]
    if d == 0:
        return np.zeros(keep.shape[0])
    return count_distance(np.count_nonzero(keep, axis=1), d)


def count_distance(kept, d):
    """Cosine distance between indicators with ``kept`` ones of ``d`` and all ones.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._components import count_distance
    >>> count_distance(np.array([4, 1]), 4)
    array([0. , 0.5])
    """
    return 1.0 - np.sqrt(kept / d)


class BlockUniforms:
    """Uniform draws of ``width`` columns, the same whatever ``width`` a batch needs.

    Column ``j`` comes from the generator seeded with ``[*key, j // 64]``, so
    the noise of an instance with few components does not depend on how many
    the largest instance of its batch has. The draws are made on demand, a
    block of rows at a time (:meth:`row_blocks`): the noise of an instance of
    thousands of components is never held whole.

    Parameters
    ----------
    num_samples : int
    width : int
    key : list of int
        The seed's prefix (the explainer's seed, and a stream number).

    Attributes
    ----------
    shape : tuple of int
        ``(num_samples, width)``.
    """

    def __init__(self, num_samples, width, key):
        self.shape = (num_samples, width)
        self.key = list(key)

    def narrow(self, width):
        """The draws of the first ``width`` columns."""
        return BlockUniforms(self.shape[0], width, self.key)

    def row_blocks(self, width):
        """The draws of the first ``width`` columns, a block of rows at a time.

        Yields
        ------
        rows : slice
        uniform : ndarray of shape (n_rows, width)
            The draws of those rows, about ``_UNIFORM_FLOATS`` of them.
        """
        num_samples = self.shape[0]
        starts = range(0, width, _UNIFORM_BLOCK)
        generators = [
            np.random.default_rng([*self.key, start // _UNIFORM_BLOCK])
            for start in starts
        ]
        step = max(1, _UNIFORM_FLOATS // (_UNIFORM_BLOCK * max(len(starts), 1)))
        # A generator gives its numbers in order, so drawing a block a few
        # rows at a time gives the same numbers as all at once.
        for first in range(0, num_samples, step):
            rows = slice(first, min(first + step, num_samples))
            uniform = np.empty((rows.stop - first, width))
            for start, generator in zip(starts, generators, strict=True):
                block = generator.random((rows.stop - first, _UNIFORM_BLOCK))
                columns = min(_UNIFORM_BLOCK, width - start)
                uniform[:, start : start + columns] = block[:, :columns]
            yield rows, uniform


class HeldDraws:
    """The draws of the first ``width`` columns of blocks of draws, made once.

    Instances of different numbers of components read the first columns of
    the same draws (:class:`BlockUniforms`, or
    :class:`~sklime._core._masks.SobolBlocks`); held, they are drawn once for
    all of them. The values are those of the blocks.

    Parameters
    ----------
    blocks : BlockUniforms or SobolBlocks
    width : int

    Attributes
    ----------
    shape : tuple of int
        ``(num_samples, width)``.
    """

    def __init__(self, blocks, width):
        self.shape = (blocks.shape[0], width)
        self._values = np.empty(self.shape)
        for rows, values in blocks.row_blocks(width):
            self._values[rows] = values

    def row_blocks(self, width):
        """The draws of the first ``width`` columns (at most the held ones).

        Yields
        ------
        rows : slice
        values : ndarray of shape (n_rows, width)
            The draws of those rows, about ``_UNIFORM_FLOATS`` of them.
        """
        num_samples = self.shape[0]
        step = max(1, _UNIFORM_FLOATS // max(width, 1))
        for first in range(0, num_samples, step):
            rows = slice(first, min(first + step, num_samples))
            yield rows, self._values[rows, :width]


#: Columns of uniforms per generator in :class:`BlockUniforms`.
_UNIFORM_BLOCK = 64
#: Uniforms drawn at once in :meth:`BlockUniforms.row_blocks` (4 MiB).
_UNIFORM_FLOATS = 2**19
