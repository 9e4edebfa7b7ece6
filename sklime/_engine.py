"""The batch engine: explain rows chunk by chunk, in parallel through joblib.

A fitted :class:`~sklime.LimeExplainer` holds the statistics (``space_``),
the column schema (``schema_``) and the model (``black_box_``). This module
turns those and a batch of rows into per-row arrays:

1. draw the shared noise from the seed fixed in ``fit``;
2. under marginal sampling, take the shared perturbations and the model's
   outputs on them from the explainer's cache (made by the first call: they
   do not depend on the row), and query the model on the rows themselves
   only when their predictions are asked for;
3. split the rows into chunks sized from ``working_memory`` and dispatch them
   with :class:`sklearn.utils.parallel.Parallel`; each chunk builds its
   neighbourhoods (querying the model once under local and mask sampling),
   weights them, and solves all its surrogates at once.

Scores evaluate the surrogates on fresh perturbations, in chunks of rows too
(:func:`evaluate_surrogates`).
"""

import copy
import warnings
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from joblib import effective_n_jobs, parallel_config
from sklearn.utils import gen_batches
from sklearn.utils.parallel import Parallel, delayed

from ._compat import get_chunk_n_rows
from ._core._kernels import (
    changed_sample_size,
    effective_sample_size,
    exponential_kernel,
    exponential_weights,
    sample_weights,
)
from ._core._progress import Progress
from ._core._surrogate import (
    SharedDesign,
    Surrogates,
    fit_surrogates,
    ridge_shrinkage,
    shrinkage_in_errors,
    standard_errors,
    starved,
    weighted_moments,
)
from ._core._threads import own_arithmetic
from ._core._wide import WIDE_MIN_COMPONENTS, system_floats, wide_moments
from ._labels import LabelChoice, gather_columns
from ._tabular import _sampling
from ._tabular._sampling import Noise


@dataclass
class Response:
    """The model's outputs on the perturbations, as the surrogates take them.

    The outputs are divided by a power of two near their largest absolute
    value (per instance), which leaves every number exactly as it was
    (scaling by a power of two is exact) except that squares of outputs
    above 1e154 no longer overflow; then shifted by their unweighted mean,
    which keeps the weighted centring accurate. Outputs shared by every
    instance (marginal sampling) are prepared once.

    Attributes
    ----------
    scale : ndarray of shape (n or 1,)
        What each instance's outputs were divided by.
    scaled : ndarray of shape (n or 1, num_samples, n_outputs)
        The scaled outputs.
    shift : ndarray of shape (n or 1, n_outputs)
        Their unweighted means.
    centred : ndarray of shape (n or 1, num_samples, n_outputs)
        The scaled outputs minus ``shift``.
    """

    scale: np.ndarray
    scaled: np.ndarray
    shift: np.ndarray
    centred: np.ndarray

    @classmethod
    def of(cls, output):
        """Prepare ``output``, of shape (n or 1, num_samples, n_outputs)."""
        scale = _output_scale(output)
        scaled = output / scale[:, None, None]
        shift = scaled.mean(axis=1)
        return cls(scale, scaled, shift, scaled - shift[:, None])

    def take(self, columns):
        """The response of output ``columns[i]`` of each instance ``i``.

        The numbers of a column are those of the whole response (same scale
        and shift), so that a surrogate is the same whichever other columns
        are explained.

        Parameters
        ----------
        columns : ndarray of shape (n or 1, k), dtype int

        Returns
        -------
        response : Response
            Of ``k`` outputs.
        """
        return Response(
            self.scale,
            gather_columns(self.scaled, columns),
            gather_columns(self.shift, columns),
            gather_columns(self.centred, columns),
        )


@dataclass
class _Shared:
    """Marginal sampling's perturbations and model outputs, for every chunk.

    Attributes
    ----------
    points : MarginalPoints
        The perturbations, shared by every row.
    output : ndarray of shape (1, num_samples, n_outputs)
        The model's output on them.
    response : Response
        That output prepared for the surrogates.
    prediction : ndarray of shape (n_rows, n_outputs) or None
        The model's output on the explained rows, when asked for.
    """

    points: _sampling.MarginalPoints
    output: np.ndarray
    response: Response
    prediction: np.ndarray | None

    def take(self, batch):
        """The part a chunk of rows needs."""
        prediction = None if self.prediction is None else self.prediction[batch]
        return _Shared(self.points, self.output, self.response, prediction)


@own_arithmetic()
def explain_rows(explainer, rows, *, with_errors=False, with_prediction=False):
    """Explain every row of ``rows``.

    sklime's own arithmetic runs on one BLAS thread, the model's calls with
    the caller's threads (see ``sklime._core._threads``). What depends on no row
    (marginal sampling's perturbations and the model's outputs on them, the
    prepared shared design) comes from the explainer's cache, made on first
    use.

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    rows : Rows
        Encoded rows to explain.
    with_errors : bool, default=False
        Also compute the coefficients' standard errors (costs about as much
        again as the surrogate fit).
    with_prediction : bool, default=False
        Also query the model on the rows themselves (``model_prediction``);
        always done when the explainer's ``labels`` ranks each row's classes.

    Returns
    -------
    results : dict of ndarray
        Per-row arrays (see :func:`_explain_chunk`), stacked over chunks;
        with ``with_errors``, also ``abs_influence`` summed over all rows.
    """
    _check_n_jobs(explainer.n_jobs)
    # Each row's top classes come from the model's output at the row.
    labels = explainer.label_choice_
    with_prediction = with_prediction or (labels is not None and labels.ranked)
    noise = _from_kernel(
        explainer,
        Noise.draw(
            explainer.num_samples_,
            explainer.n_features_in_,
            explainer.noise_seed_,
            explainer.sampler,
        ),
        explainer.kernel_width_,
    )
    shared = _marginal_outputs(explainer, noise, rows, with_prediction)
    prepared = _prepared_design(explainer, noise)
    batches = gen_batches(
        len(rows), _chunk_rows(explainer, len(rows), prepared, with_errors)
    )
    in_parallel = effective_n_jobs(explainer.n_jobs) > 1
    tasks = [
        delayed(_explain_chunk_alone if in_parallel else _explain_chunk)(
            explainer,
            rows.take(batch),
            (noise, _take(shared, batch)),
            prepared,
            with_errors,
            with_prediction,
        )
        for batch in batches
    ]
    chunks = _dispatch(explainer.n_jobs, tasks)
    progress = Progress(len(rows), explainer.verbose)
    parts, abs_influence = [], 0.0
    for part in chunks:
        abs_influence = abs_influence + part.pop("abs_influence", 0.0)
        parts.append(part)
        progress.update(len(part["coef"]))
    results = _concatenate(parts)
    if with_errors:
        results["abs_influence"] = abs_influence
    _warn_small_samples(
        results["effective_sample_size"],
        results.pop("starved"),
        explainer.num_samples_,
        _n_coef(explainer),
        explainer.kernel_width_,
    )
    if with_errors:
        _warn_shrinkage_in_errors(
            results.pop("shrinkage_in_errors"),
            results.pop("shrinkage"),
            results["effective_sample_size"],
            explainer,
        )
    return results


def _prepared_design(explainer, noise):
    """The :class:`SharedDesign` when no design column depends on the row, else None.

    Made once per noise and kept in the explainer's cache.
    """

    def prepare():
        design = _sampling.shared_design(explainer.space_, noise, _scheme(explainer))
        if design is None:
            return None
        return SharedDesign.from_design(
            design, shared_weights=explainer.sampling != "marginal"
        )

    return explainer._cache.get(("design", *noise.key), prepare)


def _concatenate(parts):
    """Per-row arrays of the chunks, stacked in the order of the chunks."""
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _check_n_jobs(n_jobs):
    """Refuse n_jobs=0, which joblib would take to mean no worker at all."""
    if n_jobs == 0:
        raise ValueError(
            "n_jobs=0 means no worker at all; use n_jobs=None or 1 (one "
            "process), a positive number of workers, or -1 (all processors)."
        )


def _scheme(explainer):
    """The sampling scheme that builds the neighbourhoods.

    Gaussian sampling is local sampling with the noise of the kernel's own
    distribution (:meth:`Noise.from_kernel`) and uniform weights.
    """
    return "local" if explainer.sampling == "gaussian" else explainer.sampling


def _from_kernel(explainer, noise, width):
    """Under gaussian sampling the kernel's own noise, else ``noise`` itself."""
    if explainer.sampling == "gaussian":
        return noise.from_kernel(width)
    return noise


def _evaluation_weighting(explainer, own_kernel):
    """Kernel and width that draw and weight the evaluation points."""
    if own_kernel:
        return explainer.kernel or exponential_kernel, explainer.kernel_width_
    return exponential_kernel, explainer.fidelity_width_


def _weights(explainer, neighbourhood, kernel, width):
    """Sample weights: the kernel's, or uniform under gaussian sampling.

    The default kernel works on the squared distances directly (no square
    root, no checks: its weights are valid by construction).
    """
    if explainer.sampling == "gaussian":
        return np.ones((1, neighbourhood.sq_distance.shape[-1]))
    if kernel is exponential_kernel:
        return exponential_weights(neighbourhood.sq_distance, width)
    return sample_weights(kernel, np.sqrt(neighbourhood.sq_distance), width)


def _dispatch(n_jobs, tasks):
    """Run the chunks through joblib, as a stream where the backend allows.

    Streaming (``return_as="generator"``) lets the progress report follow the
    chunks; backends that cannot stream (multiprocessing, and those built on
    it) return the list at the end instead.
    """
    try:
        return Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    except ValueError as exc:
        if "return_as" not in str(exc):
            raise
    return Parallel(n_jobs=n_jobs)(tasks)


def _take(shared, batch):
    """A chunk's part of marginal sampling's shared outputs (None stays None)."""
    return None if shared is None else shared.take(batch)


#: Kernel-weighted samples wanted per surrogate coefficient.
_MIN_SAMPLES_PER_COEF = 10


def _warn_small_samples(ess, starved, num_samples, n_coef, kernel_width):
    """Warn when the kernel leaves too few effective samples per coefficient.

    Also when it leaves, for some rows, no weight on the perturbations that
    change a feature (``starved``): their effective sample size counts only
    perturbations that keep that feature, which cannot determine it.
    ``n_coef`` (an int, or one per row) counts each surrogate's coefficients
    with the intercept.
    """
    short = _too_few_samples(ess, n_coef)
    if short:
        smallest, n_coef = short
        warnings.warn(
            f"The kernel leaves an effective sample size of {smallest:.1f} "
            f"(of num_samples={num_samples}) for a surrogate with "
            f"{n_coef} coefficients, below {_MIN_SAMPLES_PER_COEF} per "
            "coefficient: the explanations are mostly sampling noise. Use a "
            "larger kernel_width or more num_samples.",
            UserWarning,
            stacklevel=4,
        )
    elif starved.any():
        warnings.warn(
            f"For {int(starved.sum())} of {len(starved)} rows the kernel "
            f"(kernel_width={kernel_width:.3g}) leaves no weight on "
            "perturbations that change some feature: the effective sample size "
            "counts only perturbations that keep it, so its coefficient is not "
            "determined (its standard error is infinite). Use a larger "
            "kernel_width.",
            UserWarning,
            stacklevel=4,
        )


def _warn_narrow_evaluation(explainer, ess, own_kernel):
    """Warn when the evaluation kernel of ``score`` leaves too few samples.

    Then the pooled R^2 rests on a handful of points, often copies of the
    row with no variance to explain, and means little.
    """
    short = _too_few_samples(ess, _n_coef(explainer))
    if not short:
        return
    smallest, n_coef = short
    width, name = (
        (explainer.kernel_width_, "kernel_width")
        if own_kernel
        else (explainer.fidelity_width_, "fidelity_width")
    )
    # Gaussian sampling weighs every evaluation point alike: only more
    # points help there.
    remedy = "" if explainer.sampling == "gaussian" else f" or a larger {name}"
    warnings.warn(
        f"The evaluation kernel ({name}={width:.3g}) leaves an effective sample "
        f"size of {smallest:.1f} (of num_samples={explainer.num_samples_}) for "
        f"scoring a surrogate with {n_coef} coefficients: the score is "
        f"unreliable. Use more num_samples{remedy}.",
        UserWarning,
        stacklevel=4,
    )


def _n_coef(explainer):
    """Coefficients of a tabular surrogate: its features and the intercept."""
    return (explainer.num_features or explainer.n_features_in_) + 1


def _too_few_samples(ess, n_coef):
    """``(ESS, coefficients)`` of the worst row below ``_MIN_SAMPLES_PER_COEF`` each.

    None when every row has enough effective samples for its surrogate;
    ``n_coef`` is one number for all rows, or one per row.
    """
    ratio = ess / (_MIN_SAMPLES_PER_COEF * np.broadcast_to(n_coef, ess.shape))
    if ratio.size == 0 or ratio.min() >= 1:
        return None
    worst = int(np.argmin(ratio))
    return float(ess[worst]), int(np.broadcast_to(n_coef, ess.shape)[worst])


def _marginal_outputs(explainer, noise, rows, with_prediction):
    """Marginal sampling's model calls, made once for all rows (else None).

    The perturbations and the model's outputs on them (raw and prepared for
    the surrogates) depend on the noise alone: they come from the
    explainer's cache, made on first use. The rows
    themselves are queried when ``with_prediction``.
    """
    if explainer.sampling != "marginal":
        return None
    schema, box, cache = explainer.schema_, explainer.black_box_, explainer._cache
    points = cache.get(
        ("points", *noise.key),
        lambda: _sampling.marginal_points(explainer.space_, noise),
    )
    output = cache.get(
        ("output", *noise.key),
        lambda: box(schema.model_input(points.values, points.codes, None))[None],
    )
    response = cache.get(("response", *noise.key), lambda: Response.of(output))
    prediction = box(schema.rows_input(rows)) if with_prediction else None
    return _Shared(points, output, response, prediction)


def _chunk_rows(explainer, n_rows, prepared=None, with_errors=False):
    """Rows per chunk, from scikit-learn's ``working_memory`` and ``n_jobs``.

    Chunks fit in ``working_memory``: a row needs a few arrays of
    ``num_samples`` floats (weights, distances, outputs), per-row copies of
    the perturbed points and the design unless both are shared (marginal
    sampling of a shared design), its Gram matrices unless conjugate
    gradients solve without them (and, for a shared design with per-row
    weights, the weighted copy of the design that forms them), under
    conjugate gradients with feature selection two copies of
    the selected features' columns of the design (their Gram blocks), and
    the influences of the standard errors when asked. With
    several workers, there are also at least ``_CHUNKS_PER_WORKER`` chunks
    per worker, so that all of them work.
    """
    d, k, s = explainer.n_features_in_, len(explainer.outputs_), explainer.num_samples_
    columns = _output_columns(explainer.black_box_, explainer.label_choice_)
    floats = s * (6 + 3 * columns)
    if prepared is None or explainer.sampling != "marginal":
        floats += 8 * s * d
    iterative = _iterative(explainer, prepared)
    if iterative and explainer.num_features is not None:
        floats += 2 * s * k * min(explainer.num_features, d)
    if with_errors or not iterative:
        floats += 4 * k * d * d
        if explainer.sampling == "marginal" and prepared is not None:
            floats += s * (d + 1 + k)
    if with_errors:
        floats += 2 * s * d
    return _rows_per_chunk(floats, n_rows, explainer.n_jobs)


def _output_columns(box, labels):
    """Columns of model output an instance holds: the model's, and the explained.

    The explained classes (``labels``, None for every output) are copies of
    some of the model's outputs.
    """
    n_model = len(box.outputs)
    return n_model if labels is None else n_model + len(labels.outputs)


def _rows_per_chunk(floats, n_rows, n_jobs):
    """Rows per chunk when each row holds ``floats`` float64 values.

    The chunk fits in ``working_memory``; with several workers, there are
    also at least ``_CHUNKS_PER_WORKER`` chunks per worker.
    """
    n_chunk = get_chunk_n_rows(8 * floats, max_n_rows=n_rows)
    n_workers = effective_n_jobs(n_jobs)
    if n_workers > 1:
        n_chunk = min(n_chunk, max(1, -(-n_rows // (_CHUNKS_PER_WORKER * n_workers))))
    return n_chunk


#: With several workers, the least number of chunks each should get.
_CHUNKS_PER_WORKER = 4


def _explain_chunk_alone(*args):
    """:func:`_explain_chunk` with the model's own joblib calls run sequentially."""
    return _alone(_explain_chunk, *args)


def _alone(function, *args):
    """``function(*args)`` with the model's own joblib calls run sequentially.

    Used when the chunks themselves run in parallel. A model with its own
    ``n_jobs`` (a random forest, say) would otherwise start a second level of
    workers inside each chunk's worker: with the dask backend these wait for
    the very workers that run the chunks, which can hang.
    """
    with parallel_config(backend="sequential"):
        return function(*args)


@own_arithmetic()
def explain_instances(plan, with_errors=False):
    """Explain instances that each have their own components (documents, images).

    The perturbations of an instance, and so its design and kernel weights,
    depend only on the shared noise and its number of components. Instances
    are sorted by that number and cut into chunks sized from
    ``working_memory``, whatever their sizes: a chunk queries the model once
    for all its instances, forms the design, weights and weighted Gram
    matrix of each of its sizes once, and computes every product with an
    instance's own numbers for that instance alone. An instance's numbers
    therefore depend only on the instance and the shared noise, not on the
    batch, its order, chunking or ``n_jobs``.

    Parameters
    ----------
    plan : object
        What to explain and how, with attributes ``sizes`` (ndarray of shape
        (n,), components per instance), ``num_samples``, ``n_jobs``,
        ``verbose``, ``settings`` (:class:`SurrogateSettings`), ``kernel_width``
        and the methods ``chunk_floats(size, with_errors)`` (float64 values a
        chunk holds per instance), ``take(items)`` (the plan of the instances
        at positions ``items`` alone) and ``samples()`` (for each size of its
        instances, their positions and their :class:`Sample`, with the design
        of that size common to all of them).
    with_errors : bool, default=False
        Also compute the coefficients' standard errors.

    Returns
    -------
    results : dict of ndarray
        As :func:`surrogate_parts` returns them (without ``abs_influence``),
        for all instances in their order, per-component arrays padded with
        zeros (``selected`` with False) to the largest number of components.
    """
    _check_n_jobs(plan.n_jobs)
    sizes = np.asarray(plan.sizes)
    in_parallel = effective_n_jobs(plan.n_jobs) > 1
    run = partial(_alone, _instance_chunk) if in_parallel else _instance_chunk
    chunks = _instance_chunks(plan, with_errors)
    # Each task carries its own instances only (a worker is not sent the
    # whole batch), taken as the task is dispatched.
    tasks = (delayed(run)(plan.take(items), with_errors) for items in chunks)
    progress = Progress(len(sizes), plan.verbose)
    results, width = {}, max(int(sizes.max(initial=0)), 1)
    for items, groups in zip(chunks, _dispatch(plan.n_jobs, tasks), strict=True):
        for members, part in groups:
            _place(results, items[members], part, len(sizes), width)
        progress.update(len(items))
    ess, starved_rows = results.pop("effective_sample_size"), results.pop("starved")
    n_coef = np.minimum(sizes, plan.settings.num_features or sizes) + 1
    _warn_small_samples(ess, starved_rows, plan.num_samples, n_coef, plan.kernel_width)
    _warn_shrinkage(results.pop("shrinkage"), ess, plan)
    results["effective_sample_size"] = ess
    return results


#: Least share of each coefficient the ridge penalty may leave without a
#: warning: below it, ``alpha`` outweighs what the perturbations tell.
_MIN_SHRINKAGE = 0.9


def _warn_shrinkage(shrinkage, ess, plan):
    """Warn when the ridge penalty shrinks some instance's coefficients.

    ``shrinkage`` (one per instance) is the least share of a selected
    coefficient the penalty leaves (see
    :func:`~sklime._core._surrogate.ridge_shrinkage`); the warning names the
    instances below ``_MIN_SHRINKAGE``, and the effective sample size
    ``ess`` of the most shrunk.
    """
    shrunk = np.flatnonzero(shrinkage < _MIN_SHRINKAGE)
    if not shrunk.size:
        return
    worst = shrunk[np.argmin(shrinkage[shrunk])]
    warnings.warn(
        f"The ridge penalty alpha={plan.settings.alpha:.3g} shrinks coefficients "
        f"of {shrunk.size} of {len(shrinkage)} {plan.NOUN}s ({_at(shrunk)}) "
        f"to as little as {100 * shrinkage[worst]:.0f}% of what the "
        f"perturbations alone give: the kernel (kernel_width="
        f"{plan.kernel_width:.3g}) leaves too little weight on the perturbations "
        "that change them (such as the removals of an only word or segment), an "
        f"effective sample size of {ess[worst]:.1f} (of num_samples="
        f"{plan.num_samples}). Use a larger kernel_width, more num_samples or a "
        "smaller alpha.",
        UserWarning,
        stacklevel=4,
    )


def _at(positions):
    """The positions in words: at position 3, at positions 0, 4, ... (five at most)."""
    listed = ", ".join(str(i) for i in positions[:5])
    if positions.size > 5:
        listed += ", ..."
    return f"at position{'s' if positions.size > 1 else ''} {listed}"


def _warn_shrinkage_in_errors(in_errors, share, ess, explainer):
    """Warn when the ridge penalty moves some row's coefficients beyond their errors.

    ``in_errors`` and ``share`` (one per row) are the largest shrinkage of a
    coefficient in standard errors and what the penalty leaves of it (see
    :func:`~sklime._core._surrogate.shrinkage_in_errors`); the warning gives
    the effective sample size ``ess`` of the row shrunk most.
    """
    shrunk = np.flatnonzero(in_errors > 1.0)
    if not shrunk.size:
        return
    worst = shrunk[np.argmax(in_errors[shrunk])]
    warnings.warn(
        f"The ridge penalty alpha={explainer.alpha:.3g} shrinks coefficients of "
        f"{shrunk.size} of {len(in_errors)} rows ({_at(shrunk)}) by more than "
        f"their standard errors, up to about {100 * (1 - share[worst]):.1f}% of "
        f"a coefficient ({in_errors[worst]:.1f} standard errors): the "
        f"perturbations tell too little of them against the penalty, the kernel "
        f"(kernel_width={explainer.kernel_width_:.3g}) leaving an effective "
        f"sample size of {ess[worst]:.1f} (of num_samples="
        f"{explainer.num_samples_}), as it does for rows far from the training "
        "data. Use a smaller alpha (alpha=0 for none), a larger kernel_width or "
        "more num_samples.",
        UserWarning,
        stacklevel=4,
    )


def _instance_chunks(plan, with_errors):
    """Positions of each chunk's instances, taken in order of size.

    Sorted by size, the instances of a size fall in as few chunks as
    possible, where they share their design. A chunk holds no more instances
    than fit in ``working_memory`` (and, with several workers, than
    :func:`_rows_per_chunk` allows) if all were as large as its largest.

    Returns
    -------
    chunks : list of ndarray of int
    """
    sizes = np.asarray(plan.sizes)
    order = np.argsort(sizes, kind="stable")
    chunks, start, stop = [], 0, 0
    for size, count in zip(*np.unique(sizes, return_counts=True), strict=True):
        floats = plan.chunk_floats(int(size), with_errors)
        limit = _rows_per_chunk(floats, len(sizes), plan.n_jobs)
        while count:
            if stop - start >= limit:
                chunks.append(order[start:stop])
                start = stop
            taken = min(count, limit - (stop - start))
            stop, count = stop + taken, count - taken
    if stop > start:
        chunks.append(order[start:stop])
    return chunks


#: Most float64 values of perturbed inputs an instance of at least
#: ``WIDE_MIN_COMPONENTS`` components holds: its perturbations go to the model
#: in blocks (16 MiB).
_WIDE_INPUT_FLOATS = 2**21


class InstancePlan:
    """Base of the plans of :func:`explain_instances` (documents, images).

    An instance's perturbations keep some of its components; the design is
    the kept indicators, the same for every instance with as many components,
    and the weights are the exponential kernel of the scaled cosine distance
    between the indicators and all ones. Subclasses give the noise (an object
    whose ``keep(size)`` returns the kept indicators), ``DISTANCE_SCALE``,
    ``_input_floats`` (for :meth:`chunk_floats`), ``_keep_only`` (for
    :meth:`take`) and the model's outputs on all the plan's instances
    (``_predict()``) and on their perturbations (``_outputs(keeps,
    prediction)``, with each instance's kept indicators).

    Parameters
    ----------
    explainer : estimator
        A fitted explainer with ``num_samples``, ``n_jobs``, ``verbose``,
        ``kernel_width``, ``alpha``, ``num_features``, ``feature_selection``,
        ``black_box_`` and ``outputs_``.
    sizes : ndarray of shape (n,)
        Components of each instance.
    """

    #: lime's distances are cosine distances times this.
    DISTANCE_SCALE = 1.0
    #: What an instance is called in warnings.
    NOUN = "instance"

    def __init__(self, explainer, sizes):
        self.sizes = np.asarray(sizes, dtype=np.intp)
        self.num_samples = explainer.num_samples
        self.n_jobs = explainer.n_jobs
        self.verbose = explainer.verbose
        self.kernel_width = explainer.kernel_width
        self.settings = SurrogateSettings(
            explainer.alpha,
            explainer.num_features,
            explainer.feature_selection,
            explainer.label_choice_,
        )
        self.box = explainer.black_box_
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
        columns = _output_columns(self.box, self.settings.labels)
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

    def samples(self):
        """The :class:`Sample` of the plan's instances of each size.

        One model call gets the instances' own outputs and one their
        perturbations' (whatever their sizes). The perturbations, design and
        weights of an instance depend only on its size, and are formed once
        per size; only the model's outputs differ between the instances of a
        size. An instance without components gets one inactive column.

        Yields
        ------
        members : ndarray of int
            Positions of the instances of one size.
        sample : Sample
            Their sample, with the design of that size common to all.
        """
        keeps = {size: self.noise.keep(size) for size in np.unique(self.sizes).tolist()}
        prediction = self._predict()
        output = self._outputs(
            [keeps[size] for size in self.sizes.tolist()], prediction
        )
        for size, keep in keeps.items():
            members = np.flatnonzero(self.sizes == size)
            yield members, self._sample(keep, output[members], prediction[members])

    def _sample(self, keep, output, prediction):
        """The :class:`Sample` of instances of the size of ``keep``.

        Instances of at least ``WIDE_MIN_COMPONENTS`` components keep their
        indicators as booleans (see :attr:`Sample.wide`).
        """
        size = keep.shape[1]
        wide = size >= WIDE_MIN_COMPONENTS
        if wide:
            design = keep[None]
        else:
            design = keep.astype(float)[None] if size else np.zeros((1, len(keep), 1))
        width = design.shape[-1]
        distance = self.DISTANCE_SCALE * cosine_distance(keep)
        return Sample(
            design,
            exponential_kernel(distance, self.kernel_width)[None],
            output,
            prediction,
            np.ones((len(prediction), width)),
            np.arange(width) < size,
            common=True,
            wide=wide,
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
    >>> from sklime._engine import cosine_distance
    >>> keep = np.array([[True, True, True, True], [True, False, False, False]])
    >>> cosine_distance(keep)
    array([0. , 0.5])
    """
    d = keep.shape[1]
    if d == 0:
        return np.zeros(keep.shape[0])
    return 1.0 - np.sqrt(np.count_nonzero(keep, axis=1) / d)


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


#: Columns of uniforms per generator in :class:`BlockUniforms`.
_UNIFORM_BLOCK = 64
#: Uniforms drawn at once in :meth:`BlockUniforms.row_blocks` (4 MiB).
_UNIFORM_FLOATS = 2**19


@own_arithmetic()
def _instance_chunk(plan, with_errors):
    """Explain every instance of a plan, whatever their numbers of components.

    See :func:`explain_instances`.

    Returns
    -------
    groups : list of (ndarray of int, dict of ndarray)
        For each size, the positions of its instances in the plan and their
        results (as :func:`surrogate_parts` returns them, without
        ``abs_influence``).
    """
    groups = []
    for members, sample in plan.samples():
        parts = surrogate_parts(sample, plan.settings, with_errors, instances=True)
        parts.pop("abs_influence", None)
        groups.append((members, parts))
    return groups


def _place(results, items, part, n, width):
    """Copy a group's arrays into the batch's, padding the component axis."""
    for key, value in part.items():
        if key not in results:
            shape = (n, value.shape[1], width) if value.ndim == 3 else value.shape
            results[key] = np.zeros((n, *shape[1:]), dtype=value.dtype)
        target = results[key]
        if value.ndim == 3:
            target[items, :, : value.shape[-1]] = value
        else:
            target[items] = value


@own_arithmetic()
def _explain_chunk(explainer, rows, sample, prepared, with_errors, with_prediction):
    """Explain one chunk of rows: perturb, query the model, fit surrogates.

    Runs on one BLAS thread (in a worker process too), the model's calls
    with the caller's threads.

    ``sample`` is a pair of the noise and, under marginal sampling, the
    :class:`_Shared` model outputs on it. ``prepared`` is the
    :class:`~sklime._core._surrogate.SharedDesign` when no design column depends on
    the row, else None.

    Returns
    -------
    parts : dict of ndarray
        ``coef`` and ``selected`` of shape (n_rows, n_outputs, n_features),
        (``standard_error`` too when asked, with ``abs_influence`` of shape
        (num_samples, n_outputs, n_features), summed over the chunk's rows:
        see :class:`~sklime._core._surrogate.Errors`); ``intercept``, ``score``,
        ``local_prediction`` and ``model_prediction`` of shape
        (n_rows, n_outputs); ``effective_sample_size`` of shape (n_rows,).
        ``model_prediction`` only ``with_prediction``. With the explainer's
        ``labels``, see :func:`surrogate_parts`.
    """
    space = explainer.space_
    neighbourhood, output, prediction = _neighbourhoods(
        explainer, rows, *sample, with_prediction
    )
    weights = _weights(
        explainer,
        neighbourhood,
        explainer.kernel or exponential_kernel,
        explainer.kernel_width_,
    )
    iterative = _iterative(explainer, prepared)
    parts = surrogate_parts(
        Sample(
            neighbourhood.design,
            weights,
            output,
            prediction,
            space.representation(rows, explainer.sampling),
            space.active,
            neighbourhood.offset,
            response=None if sample[1] is None else sample[1].response,
            replicates=sample[0].replicates,
        ),
        SurrogateSettings(
            _ridge_penalty(explainer),
            explainer.num_features,
            explainer.feature_selection,
            explainer.label_choice_,
        ),
        with_errors,
        prepared=prepared,
        iterative=iterative,
        kernel_sampled=explainer.sampling == "gaussian",
    )
    return parts


@dataclass
class Sample:
    """Perturbations of a chunk of instances, ready for the surrogates.

    Arrays whose first axis has length 1 are shared by every instance.

    Attributes
    ----------
    design : ndarray of shape (n or 1, num_samples, n_components)
        Interpretable representation of the perturbations (up to ``offset``).
    weights : ndarray of shape (n or 1, num_samples)
        Sample weights.
    output : ndarray of shape (n or 1, num_samples, n_outputs)
        The model's output on the perturbations.
    prediction : ndarray of shape (n, n_outputs) or None
        The model's output on the instances themselves (None when not asked
        for).
    x_rep : ndarray of shape (n, n_components)
        Interpretable representation of each instance.
    active : ndarray of shape (n_components,), dtype bool
        Components that can vary; the others get a zero coefficient.
    offset : ndarray of shape (n, n_components) or None, default=None
        Shift from ``design`` to the representation.
    common : bool, default=False
        ``design`` and ``weights`` (one entry each) are those of every
        instance, whatever their number: one Gram matrix serves them all.
    response : Response or None, default=None
        ``output`` prepared in advance (when every instance shares it), else
        None.
    wide : bool, default=False
        ``design`` (one entry) holds the kept indicators, as booleans, of
        instances of at least ``WIDE_MIN_COMPONENTS`` components, all
        active: their surrogates are solved within bounded memory (see
        ``sklime._core._wide``).
    replicates : ndarray or None, default=None
        Start of each independent replicate of dependent samples (see
        :attr:`~sklime._tabular._sampling.Noise.replicates`), or None when
        every sample is independent.
    """

    design: np.ndarray
    weights: np.ndarray
    output: np.ndarray
    prediction: np.ndarray | None
    x_rep: np.ndarray
    active: np.ndarray
    offset: np.ndarray | None = None
    common: bool = False
    response: Response | None = None
    wide: bool = False
    replicates: np.ndarray | None = None


@dataclass
class SurrogateSettings:
    """How each surrogate is fitted: ridge penalty, feature selection, classes.

    ``labels`` is the :class:`~sklime._labels.LabelChoice` of the explained
    classes, or None to explain every output of the model.
    """

    alpha: float
    num_features: int | None
    method: str
    labels: LabelChoice | None = None


def surrogate_parts(
    sample,
    settings,
    with_errors,
    *,
    prepared=None,
    iterative=False,
    kernel_sampled=False,
    instances=False,
):
    """Fit the surrogates of a chunk and collect its per-instance results.

    Parameters
    ----------
    sample : Sample
    settings : SurrogateSettings
    with_errors : bool
        Also compute the standard errors and the influences.
    prepared : SharedDesign or None, default=None
        The design prepared once when every instance shares it.
    iterative : bool, default=False
        Solve by conjugate gradients (see :func:`_iterative`).
    kernel_sampled : bool, default=False
        The perturbations were drawn from the kernel itself (uniform weights).
    instances : bool, default=False
        The design holds kept indicators of instances with components of
        their own (documents, images): the effective sample size counts only
        the perturbations that change the instance
        (:func:`~sklime._core._kernels.changed_sample_size`), and the results hold
        ``shrinkage``.

    Returns
    -------
    parts : dict of ndarray
        ``coef`` and ``selected`` of shape (n, n_outputs, n_components)
        (``standard_error`` too when asked, with ``abs_influence`` of shape
        (num_samples, n_outputs, n_components), summed over the chunk: see
        :class:`~sklime._core._surrogate.Errors`); ``intercept``, ``score``,
        ``local_prediction`` and ``model_prediction`` of shape
        (n, n_outputs); ``effective_sample_size`` and ``starved`` of shape
        (n,); with ``instances``, ``shrinkage`` of shape (n,): the least that
        the ridge penalty leaves of a selected coefficient
        (:func:`~sklime._core._surrogate.ridge_shrinkage`), 1 without any. With
        ``settings.labels``, ``n_outputs`` are the chosen classes, and
        ``class_index`` (n, n_outputs) and, with a prediction,
        ``predicted_index`` (n,) give positions among the model's classes.
    """
    response = (
        Response.of(sample.output) if sample.response is None else sample.response
    )
    labels = settings.labels
    if labels is not None:
        chosen = labels.class_index(sample.prediction)
        columns, block_of, negated = labels.fitted(chosen)
        # A wide system's products keep each output's bits whatever the
        # others (fixed blocks of rows), so it takes its outputs first.
        taken_first = sample.wide or not sample.common
        if taken_first:
            response = response.take(columns)
    if sample.wide:
        moments = wide_moments(sample.design[0], sample.weights[0], response)
    else:
        moments = weighted_moments(
            sample.design,
            sample.weights,
            response.centred,
            prepared,
            form_gram=with_errors or not iterative,
            iterative=iterative,
            common=sample.common,
            y_shift=response.shift,
        )
    if labels is not None and not taken_first:
        # A common design's cross moments with each output are rows of one
        # product, whose bits depend on its number of rows: the chosen
        # outputs' are taken from the product with every output.
        moments = _chosen_moments(moments, columns)
        response = response.take(columns)
    scaled = fit_surrogates(
        moments,
        sample.x_rep,
        sample.offset,
        sample.active,
        alpha=settings.alpha,
        num_features=settings.num_features,
        method=settings.method,
    )
    n = len(sample.x_rep)
    row_scale = np.broadcast_to(response.scale, (n,))
    fits = Surrogates(
        scaled.coef * row_scale[:, None, None],
        scaled.intercept * row_scale[:, None],
        scaled.support,
        scaled.score,
    )
    parts = {
        "coef": fits.coef,
        "intercept": fits.intercept,
        "local_prediction": fits.intercept
        + np.einsum("ikj,ij->ik", fits.coef, sample.x_rep),
        "score": fits.score,
        "effective_sample_size": np.broadcast_to(
            _effective_size(sample, instances), (n,)
        ),
        "starved": np.broadcast_to(
            _starved(sample, moments, prepared, kernel_sampled), (n,)
        ),
        "selected": fits.support,
    }
    if instances:
        shrinkage = ridge_shrinkage(moments, sample.active, settings.alpha)
        selected = fits.support.any(axis=1)
        parts["shrinkage"] = np.where(selected, shrinkage, 1.0).min(axis=-1)
    if sample.prediction is not None:
        parts["model_prediction"] = sample.prediction
    if with_errors and sample.wide:
        parts["standard_error"] = moments.operator.standard_errors(
            moments, scaled, settings.alpha, row_scale
        )
    elif with_errors:
        errors = standard_errors(
            sample.design,
            sample.weights,
            response.scaled,
            moments,
            scaled,
            settings.alpha,
            row_scale=row_scale,
            replicates=sample.replicates,
        )
        parts.update(
            standard_error=errors.standard_error, abs_influence=errors.abs_influence
        )
        if not instances:
            parts["shrinkage_in_errors"], parts["shrinkage"] = shrinkage_in_errors(
                moments, fits.coef, errors.standard_error, sample.active, settings.alpha
            )
    if labels is not None:
        parts = _chosen_parts(
            parts, labels, chosen, block_of, negated, sample.prediction
        )
    return parts


def _starved(sample, moments, prepared, kernel_sampled):
    """Instances whose weights leave some component without variation.

    See :func:`~sklime._core._surrogate.starved`; a wide instance's system
    measures it from the kept indicators without a copy of the design.
    """
    if sample.wide:
        return moments.operator.starved(moments)
    return starved(
        moments,
        sample.weights,
        sample.design,
        prepared,
        sample.active,
        kernel_sampled=kernel_sampled,
    )


def _effective_size(sample, instances):
    """Kish's effective sample size of the weights, or the changed one.

    For instances with components (``instances``), only the perturbations
    that change some component count (see
    :func:`~sklime._core._kernels.changed_sample_size`); an instance without
    components is not perturbed, and keeps Kish's.
    """
    if not instances or not sample.active.any():
        return effective_sample_size(sample.weights)
    if sample.wide:  # every component active; no copy of the indicators
        changed = ~sample.design[0].all(axis=-1)
    else:
        changed = (sample.design[..., sample.active] == 0).any(axis=-1)
    return changed_sample_size(sample.weights, changed)


def _chosen_moments(moments, columns):
    """The moments of outputs ``columns[i]`` of each instance ``i``.

    Parameters
    ----------
    moments : Moments
    columns : ndarray of shape (n or 1, m), dtype int

    Returns
    -------
    moments : Moments
        Of ``m`` outputs.
    """
    return replace(
        moments,
        cross=np.take_along_axis(moments.cross, columns[:, :, None], axis=1),
        total=gather_columns(moments.total, columns),
        y_mean=gather_columns(moments.y_mean, columns),
    )


def _chosen_parts(parts, labels, chosen, block_of, negated, prediction):
    """The per-block results of the chosen classes, from their fitted columns.

    Parameters
    ----------
    parts : dict of ndarray
        :func:`surrogate_parts`'s results for the fitted output columns.
    labels : LabelChoice
    chosen : ndarray of shape (n or 1, k), dtype int
        Each instance's classes.
    block_of, negated : ndarray
        See :meth:`~sklime._labels.LabelChoice.fitted`.
    prediction : ndarray of shape (n, n_model_outputs) or None
        The model's output at the instances.

    Returns
    -------
    parts : dict of ndarray
        With ``n_outputs`` the chosen classes, ``class_index`` (n, k) and,
        with ``prediction``, ``predicted_index`` (n,) (positions among the
        model's classes).
    """
    n = len(parts["coef"])
    chosen_parts = {
        key: value if value.ndim == 1 else np.take(value, block_of, axis=1)
        for key, value in parts.items()
        if key != "model_prediction"
    }
    chosen_parts["coef"] = labels.mirror(chosen_parts["coef"], negated, constant=False)
    for key in ("intercept", "local_prediction"):
        chosen_parts[key] = labels.mirror(chosen_parts[key], negated, constant=True)
    chosen_parts["class_index"] = np.broadcast_to(chosen, (n, chosen.shape[1]))
    if prediction is not None:
        chosen_parts["model_prediction"] = labels.take(prediction, chosen)
        chosen_parts["predicted_index"] = labels.predicted(prediction)
    return chosen_parts


def _output_scale(output):
    """A power of two near each row's largest absolute output (1 where all are 0).

    Parameters
    ----------
    output : ndarray of shape (n or 1, num_samples, n_outputs)

    Returns
    -------
    scale : ndarray of shape (n or 1,)
        ``2**(e - 1)`` where the largest absolute output is ``m * 2**e`` with
        ``0.5 <= m < 1``: the scaled outputs are below 2 in absolute value.
    """
    largest = np.abs(output).max(axis=(1, 2), initial=0.0)
    exponent = np.frexp(largest)[1]
    return np.where(largest > 0, np.ldexp(1.0, exponent - 1), 1.0)


def _ridge_penalty(explainer):
    """The surrogate's ridge penalty on the design's own scale.

    Under gaussian sampling the continuous design columns spread over
    ``kernel_width`` training standard deviations, so ``alpha`` applies to
    coefficients per kernel width: the penalty on the design's units is
    ``alpha * kernel_width**2``, and the shrinkage ``n / (n + alpha)`` does
    not grow as the kernel narrows.
    """
    if explainer.sampling == "gaussian":
        return explainer.alpha * explainer.kernel_width_**2
    return explainer.alpha


def _iterative(explainer, prepared):
    """Whether the surrogates are solved by conjugate gradients.

    Only for a wide shared design (more than ``FORMED_MAX_FEATURES``
    features, prepared with a preconditioner) with per-row weights (marginal
    sampling): there forming each row's Gram matrix would dominate. Feature
    selection then takes only the Gram columns it needs (highest weights
    solves by conjugate gradients too), and the surrogate on
    the selected features only their block. The choice depends on the
    settings, not on the batch, so a row's numbers do not depend on its batch.
    """
    return prepared is not None and prepared.preconditioner is not None


@own_arithmetic()
def evaluate_surrogates(explainer, rows, surrogates, evaluation, *, own_kernel=False):
    """Weighted squared errors of the rows' surrogates on fresh evaluation points.

    The rows go in chunks sized from ``working_memory`` (a row needs about
    what its explanation needs), dispatched as :func:`explain_rows`'s are;
    each row's numbers depend only on the row, its surrogate and the
    evaluation noise, not on the chunks or ``n_jobs``.

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    rows : Rows
        Encoded rows whose surrogates are evaluated.
    surrogates : dict of ndarray
        The rows' surrogates as :func:`explain_rows` returns them: ``coef``
        of shape (n_rows, n_outputs, n_features) and ``intercept`` of shape
        (n_rows, n_outputs), and ``class_index`` (the classes of the blocks)
        when the explainer's ``labels`` chose them.
    evaluation : Noise
        Fresh noise of the evaluation neighbourhood, drawn and weighted with
        the exponential kernel of width ``explainer.fidelity_width_`` (see
        :meth:`LimeExplainer.score`).
    own_kernel : bool, default=False
        Draw and weight the evaluation points with the explainer's own kernel
        and ``kernel_width_`` instead (the adherence of
        :func:`sklime.metrics.lime_scorers`).

    Returns
    -------
    parts : dict of ndarray
        Each row's weighted squared errors of the surrogate
        (``fidelity_sse``) and weighted total sum of squares
        (``fidelity_sst``), of shape (n_rows, n_outputs), both divided by
        the square of ``fidelity_scale`` (shape (n_rows,): the row's largest
        absolute model output, so that they cannot overflow).
    """
    _check_n_jobs(explainer.n_jobs)
    weighting = _evaluation_weighting(explainer, own_kernel)
    evaluation = _from_kernel(explainer, evaluation, weighting[1])
    fresh = _marginal_outputs(explainer, evaluation, rows, False)
    in_parallel = effective_n_jobs(explainer.n_jobs) > 1
    run = partial(_alone, _fidelity) if in_parallel else _fidelity
    class_index = surrogates.get("class_index")
    tasks = [
        delayed(run)(
            explainer,
            rows.take(batch),
            (evaluation, _take(fresh, batch), weighting),
            surrogates["coef"][batch],
            surrogates["intercept"][batch],
            None if class_index is None else class_index[batch],
        )
        for batch in gen_batches(len(rows), _chunk_rows(explainer, len(rows)))
    ]
    results = _concatenate(list(_dispatch(explainer.n_jobs, tasks)))
    _warn_narrow_evaluation(explainer, results.pop("fidelity_ess"), own_kernel)
    return results


@own_arithmetic()
def _fidelity(explainer, rows, evaluation, coef, intercept, class_index=None):
    """Weighted squared errors of the surrogates on fresh evaluation points.

    ``evaluation`` is the noise, marginal sampling's shared outputs (or None),
    and the kernel and width that weight the points; ``coef`` and
    ``intercept`` are the rows' surrogates, of the classes ``class_index``
    (None: of every output).

    Returns
    -------
    parts : dict of ndarray
        ``fidelity_sse`` and ``fidelity_sst`` of shape (n_rows, n_outputs):
        kernel-weighted sums of squared surrogate errors and of squared
        deviations of the model's output from its weighted mean, divided by
        the square of ``fidelity_scale`` (shape (n_rows,)); the evaluation
        weights' ``fidelity_ess`` (shape (n_rows,)).
    """
    noise, shared, (kernel, width) = evaluation
    neighbourhood, output, _ = _neighbourhoods(explainer, rows, noise, shared, False)
    if class_index is not None:
        output = explainer.label_choice_.take(output, class_index)
    representation = neighbourhood.design
    if neighbourhood.offset is not None:
        representation = representation + neighbourhood.offset[:, None, :]
    surrogate = intercept[:, None, :] + representation @ coef.transpose(0, 2, 1)
    n_rows = len(rows)
    scale = np.abs(output).max(axis=(1, 2)) * np.ones(n_rows)
    scale = np.where(scale > 0, scale, 1.0)
    output = output / scale[:, None, None]
    surrogate = surrogate / scale[:, None, None]
    weights = _weights(explainer, neighbourhood, kernel, width)
    ess = np.broadcast_to(effective_sample_size(weights), (n_rows,))
    weights = weights[:, :, None]
    sse = (weights * (output - surrogate) ** 2).sum(axis=1)
    mean = (weights * output).sum(axis=1) / weights.sum(axis=1)
    sst = (weights * (output - mean[:, None, :]) ** 2).sum(axis=1)
    return {
        "fidelity_sse": sse,
        "fidelity_sst": np.broadcast_to(sst, sse.shape),
        "fidelity_scale": scale,
        "fidelity_ess": ess,
    }


def _neighbourhoods(explainer, rows, noise, shared, with_prediction):
    """Neighbourhoods of a chunk of rows, the model's output on them and on the rows.

    Returns
    -------
    neighbourhood : Neighbourhood
    output : ndarray of shape (n_rows or 1, num_samples, n_outputs)
    prediction : ndarray of shape (n_rows, n_outputs) or None
        None unless ``with_prediction``.
    """
    space = explainer.space_
    if shared is not None:
        neighbourhood = _sampling.marginal(space, noise, shared.points, rows)
        return neighbourhood, shared.output, shared.prediction
    sample = _sampling.mask if explainer.sampling == "mask" else _sampling.local
    neighbourhood = sample(space, noise, rows)
    output = _query(explainer, rows, neighbourhood)
    prediction = (
        explainer.black_box_(explainer.schema_.rows_input(rows))
        if with_prediction
        else None
    )
    return neighbourhood, output, prediction


def _query(explainer, rows, neighbourhood):
    """The model's output on the rows' perturbations.

    The perturbed points go to the model as they are (no copy: they were
    built for this call), a few rows at a time (``_QUERY_BYTES`` of points
    per call), or all the chunk's rows at once for an ensemble, whose calls
    have a cost of their own. The number of rows per call depends on the
    sizes and the model's structure alone, so that the calls are the same
    from run to run. Points built on demand are written into one buffer,
    reused from call to call: each block stays in the processor's cache
    while a cheap model reads it, and no new memory is touched.

    Returns
    -------
    output : ndarray of shape (n_rows, n_samples, n_outputs)
    """
    schema, box = explainer.schema_, explainer.black_box_
    values = neighbourhood.values
    n_rows, n_samples, n_features = values.shape
    codes = neighbourhood.codes if explainer.categorical_.any() else None
    step = n_rows if box.ensemble else _QUERY_BYTES // (8 * n_samples * n_features)
    step = max(1, step)
    buffer = None
    if isinstance(values, _sampling.RowPoints):
        buffer = np.empty((min(step, n_rows), n_samples, n_features))
    parts = []
    for start in range(0, n_rows, step):
        block = slice(start, min(start + step, n_rows))
        points = values[block] if buffer is None else values.fill(block, buffer)
        model_input = schema.model_input(
            points,
            None if codes is None else codes[block],
            rows.raw[block],
            owned=True,
        )
        output = box(model_input)
        # An output that is a view of its input would change with the buffer.
        if buffer is not None and np.may_share_memory(output, buffer):
            output = output.copy()
        parts.append(output)
    return np.concatenate(parts).reshape(n_rows, n_samples, -1)


#: Bytes of perturbed points per model call (about 7 rows of 5,000 points
#: of 30 features): blocks this small stay in the processor's cache.
_QUERY_BYTES = 8 * 2**20
