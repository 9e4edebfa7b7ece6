"""The engine: explain the instances of a plan chunk by chunk, through joblib.

The engine knows no kind of data. A plan (:class:`Plan`: tables, documents
or images) says what its instances are, how much memory each needs, how to
take some of them alone, and the surrogate problem of each group of them.
The engine

1. sorts the instances by their number of components and cuts them into
   chunks sized from scikit-learn's ``working_memory`` (and ``n_jobs``);
2. dispatches the chunks with :class:`sklearn.utils.parallel.Parallel`, each
   with a plan of its own instances only (:meth:`Plan.take`), which builds
   the surrogate problems of its groups, solved by
   :func:`~sklime._core._problem.solve`;
3. merges the chunks' :class:`~sklime._core._problem.Results` in the order
   of the instances, and warns when the kernel leaves too few samples.

:func:`evaluate` scores surrogates on fresh perturbations through the same
chunks (:class:`EvaluationPlan`).
"""

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Protocol

import numpy as np
from joblib import effective_n_jobs, parallel_config
from sklearn.utils.parallel import Parallel, delayed

from .._compat import get_chunk_n_rows
from ._problem import Results, SurrogateSettings, solve
from ._progress import Progress
from ._threads import own_arithmetic


class Plan(Protocol):
    """What the engine needs to explain a batch of instances: the contract.

    Attributes
    ----------
    sizes : ndarray of shape (n,), dtype int
        Components of each instance (features, words, superpixels). The
        instances of one size in a chunk form a group: one surrogate
        problem, whose members share a design where they can (instances of
        as many components share their perturbations' design; rows of a
        table have as many components as the table has features). The
        results' per-component arrays are padded to the largest size.
    num_samples : int
        Perturbations per instance.
    kernel_width : float
        The kernel's width, as the warnings name it.
    alpha : float
        The ridge penalty as the user gave it, as the warnings name it
        (``settings.alpha`` may hold it on the design's own scale).
    settings : SurrogateSettings
        How the surrogates are fitted; ``settings.num_features`` also counts
        each surrogate's coefficients for the warnings.
    n_jobs : int or None
        Workers the chunks are dispatched to (not 0).
    verbose : int
        Progress of the chunks (see ``sklime._core._progress``).
    NOUN : str
        What an instance is called in warnings ("row", "document", ...).
    pools_influence : bool
        Whether the influences of the standard errors are summed over all
        instances (:attr:`Results.abs_influence`; one fixed set of
        components, as a table's features).
    """

    sizes: np.ndarray
    num_samples: int
    kernel_width: float
    alpha: float
    settings: SurrogateSettings
    n_jobs: int | None
    verbose: int
    NOUN: str
    pools_influence: bool

    def chunk_floats(self, size, with_errors):
        """Float64 values a chunk holds per instance of ``size`` components.

        The chunks are sized from it: a chunk holds no more instances than fit
        in ``working_memory`` if all were as large as its largest.
        """

    def take(self, items):
        """The plan of the instances at positions ``items`` alone.

        It holds the model and what explaining those instances needs, and
        nothing of the explainer: it is what a worker receives.
        """

    def problems(self):
        """The surrogate problem of each group of the plan's instances.

        Yields
        ------
        members : ndarray of int
            Positions of the group's instances in the plan.
        problem : Problem
            Their :class:`~sklime._core._problem.Problem`.
        """


class EvaluationPlan(Protocol):
    """What :func:`evaluate` needs: a :class:`Plan` whose surrogates are scored.

    Besides the attributes of :class:`Plan` (its ``problems`` aside), it has
    :meth:`fidelity` and :meth:`narrow_evaluation`.
    """

    def chunk_floats(self, size, with_errors):
        """As :meth:`Plan.chunk_floats`."""

    def take(self, items):
        """As :meth:`Plan.take`, with the surrogates of those instances."""

    def fidelity(self):
        """The :class:`Fidelity` of the plan's surrogates on fresh points."""

    def narrow_evaluation(self, smallest, n_coef):
        """The warning's message when the evaluation leaves ``smallest`` effective
        samples for a surrogate of ``n_coef`` coefficients."""


@dataclass
class Fidelity:
    """Weighted squared errors of each instance's surrogates on fresh points.

    Attributes
    ----------
    sse : ndarray of shape (n, n_outputs)
        Weighted sums of squared surrogate errors, divided by ``scale**2``.
    sst : ndarray of shape (n, n_outputs)
        Weighted sums of squared deviations of the model's output from its
        weighted mean, divided by ``scale**2``.
    scale : ndarray of shape (n,)
        Each instance's largest absolute model output (1 where it is 0), so
        that the sums cannot overflow.
    ess : ndarray of shape (n,)
        Effective sample size of the evaluation weights.
    """

    sse: np.ndarray
    sst: np.ndarray
    scale: np.ndarray
    ess: np.ndarray


@own_arithmetic()
def explain(plan, *, with_errors=False):
    """Explain every instance of ``plan``.

    sklime's own arithmetic runs on one BLAS thread, the model's calls with
    the caller's threads (see ``sklime._core._threads``). An instance's
    numbers depend only on the instance and the plan's shared noise, not on
    the batch, its order, chunking or ``n_jobs``.

    Parameters
    ----------
    plan : Plan or Rounds
        The plan, or the rounds in which each instance's perturbations are
        drawn until its explanation is settled.
    with_errors : bool, default=False
        Also compute the coefficients' standard errors (costs about as much
        again as the surrogate fit).

    Returns
    -------
    results : Results
        For all instances in their order, per-component arrays padded with
        zeros (``selected`` with False) to the largest number of components;
        with ``with_errors`` and ``plan.pools_influence``, ``abs_influence``
        summed over all instances; ``n_samples_used`` set.
    """
    if isinstance(plan, Rounds):
        results, plan = _in_rounds(plan, with_errors)
    else:
        results = _merged(plan, with_errors, _instance_chunk)
        results.n_samples_used = np.full(len(plan.sizes), plan.num_samples)
    ess = results.effective_sample_size
    _warn_small_samples(
        ess, results.starved, plan.num_samples, _n_coef(plan), plan.kernel_width
    )
    if results.shrinkage is not None:
        _warn_shrinkage(results.shrinkage, ess, plan)
    if results.bias_in_errors is not None:
        _warn_bias(results.bias_in_errors, results.bias_share, ess, plan)
    return results


def _merged(plan, with_errors, work):
    """The results of ``work`` on the plan's chunks, in the order of the instances.

    ``work(plan, with_errors)`` returns a chunk's groups (see
    :func:`_instance_chunk`).
    """
    sizes = np.asarray(plan.sizes)
    n, width = len(sizes), max(int(sizes.max(initial=0)), 1)
    chunks = _run(plan, work, with_errors)
    progress = Progress(n, plan.verbose)
    merged, abs_influence = {}, 0.0
    for items, groups in chunks:
        for members, part in groups:
            _place(merged, items[members], part.arrays(), n, width)
            if part.abs_influence is not None:
                abs_influence = abs_influence + part.abs_influence
        progress.update(len(items))
    results = Results(**merged)
    if with_errors and plan.pools_influence:
        results.abs_influence = abs_influence
    return results


@dataclass
class Rounds:
    """Perturbations drawn in rounds, each instance's until it is settled.

    Round ``r`` draws ``FIRST_ROUND * 2**r`` perturbations (powers of two keep
    scrambled Sobol sequences balanced), the last ``num_samples``: exactly
    the perturbations a fixed ``num_samples`` of that size draws, so that an
    instance's explanation is the fixed-size one at its final round. After
    each round, an instance whose surrogate is settled (:func:`settled`)
    keeps that round's explanation; the others go on to the next. The
    decision uses the instance's own numbers only: its explanation and
    number of samples do not depend on the batch.

    Attributes
    ----------
    plan_at : callable
        ``plan_at(num_samples=m)`` is the plan of every instance, drawing
        ``m`` perturbations each.
    num_samples : int
        The most perturbations an instance gets.
    tol : float
        The tolerance of :func:`settled`.
    """

    plan_at: Callable
    num_samples: int
    tol: float

    def sizes(self):
        """The perturbations of each round, the last ``num_samples``."""
        sizes = []
        while FIRST_ROUND * 2 ** len(sizes) < self.num_samples:
            sizes.append(FIRST_ROUND * 2 ** len(sizes))
        return [*sizes, self.num_samples]


#: Perturbations of the first round (see :class:`Rounds`).
FIRST_ROUND = 1024
#: Standard errors by which the gap at ``num_features`` must exceed zero.
GAP_ERRORS = 3.0
#: Below this share of the prediction, coefficients and gaps are rounding.
ROUNDING = 1e-9


def _in_rounds(rounds, with_errors):
    """Explain every instance in rounds (see :class:`Rounds`).

    Returns
    -------
    results : Results
        As :func:`explain` returns them. With ``with_errors`` and a plan that
        pools the influences, ``abs_influence`` is a round's when every
        instance stopped in that round, else a bound of the summed influences
        (the sum of the standard errors: the error of a mean over instances
        whose Monte Carlo errors are perfectly correlated).
    plan : Plan
        The plan of every instance at the last round drawn, for the warnings.
    """
    sizes, merged, pending = rounds.sizes(), {}, None
    for num_samples in sizes:
        plan = rounds.plan_at(num_samples=num_samples)
        if pending is None:
            n = len(plan.sizes)
            width = max(int(np.max(plan.sizes, initial=0)), 1)
            pending = np.arange(n)
        work = (
            _instance_chunk
            if num_samples == sizes[-1]
            else partial(_round_chunk, rounds.tol)
        )
        part = _merged(plan.take(pending), with_errors, work)
        done = np.ones(len(pending), bool) if part.settled is None else part.settled
        part.settled = None
        part.n_samples_used = np.full(len(pending), num_samples)
        _place(merged, pending[done], part.take(done).arrays(), n, width)
        whole = done.all() and len(pending) == n
        pending = pending[~done]
        if not pending.size:
            break
    results = Results(**merged)
    if with_errors and plan.pools_influence:
        results.abs_influence = (
            part.abs_influence
            if whole
            else np.abs(results.standard_error).sum(axis=0)[None]
        )
    return results, plan


@own_arithmetic()
def evaluate(plan):
    """Weighted squared errors of the plan's surrogates on fresh evaluation points.

    The instances go in chunks sized from ``working_memory``, dispatched as
    :func:`explain`'s are; each instance's numbers depend only on the
    instance, its surrogate and the evaluation noise.

    Parameters
    ----------
    plan : EvaluationPlan

    Returns
    -------
    fidelity : Fidelity
    """
    n = len(plan.sizes)
    merged = {}
    for items, part in list(_run(plan, _evaluation_chunk, False)):
        _place(merged, items, vars(part), n, 1)
    fidelity = Fidelity(**merged)
    _warn_narrow_evaluation(fidelity.ess, plan)
    return fidelity


def _run(plan, work, with_errors):
    """``work(part, with_errors)`` of each chunk's plan, with the chunks' positions.

    Each task carries its own instances only (a worker is not sent the
    whole batch), taken as the task is dispatched. With one worker the
    chunks run in turn in this process, as joblib would run them, without
    its dispatch (a fixed cost on every call, which one row notices).

    Returns
    -------
    chunks : iterator of (ndarray of int, object)
        The positions of each chunk's instances and what ``work`` returned.
    """
    check_n_jobs(plan.n_jobs)
    chunks = _chunks(plan, with_errors)
    if effective_n_jobs(plan.n_jobs) == 1:
        done = (work(plan.take(items), with_errors) for items in chunks)
        return zip(chunks, done, strict=True)
    run = partial(_alone, work)
    tasks = (delayed(run)(plan.take(items), with_errors) for items in chunks)
    return zip(chunks, _dispatch(plan.n_jobs, tasks), strict=True)


@own_arithmetic()
def _instance_chunk(plan, with_errors):
    """Solve the surrogate problems of a chunk's plan, group by group.

    Runs on one BLAS thread (in a worker process too), the model's calls
    with the caller's threads.

    Returns
    -------
    groups : list of (ndarray of int, Results)
        For each group, the positions of its instances in the plan and their
        results (``abs_influence`` only when the plan pools it).
    """
    groups = []
    for members, problem in plan.problems():
        results = solve(problem, with_errors)
        if not plan.pools_influence:
            results.abs_influence = None
        groups.append((members, results))
    return groups


@own_arithmetic()
def _round_chunk(tol, plan, with_errors):
    """:func:`_instance_chunk` of a round, with each instance's decision to stop.

    The standard errors the decision needs are computed whatever
    ``with_errors``, and dropped unless asked for (the coefficients are the
    same either way).

    Returns
    -------
    groups : list of (ndarray of int, Results)
        As :func:`_instance_chunk`'s, with ``settled`` set.
    """
    groups = []
    for members, problem in plan.problems():
        results = solve(problem, True)
        num_features = problem.settings.num_features
        full = results
        if num_features is not None:
            settings = replace(problem.settings, num_features=None)
            full = solve(replace(problem, settings=settings), True)
        results.settled = settled(
            full.coef[..., problem.active],
            full.standard_error[..., problem.active],
            full.local_prediction,
            num_features,
            tol,
        )
        if not plan.pools_influence:
            results.abs_influence = None
        if not with_errors:
            results.standard_error = results.abs_influence = None
            results.bias_in_errors = results.bias_share = None
        groups.append((members, results))
    return groups


def settled(coef, standard_error, prediction, num_features, tol):
    """Whether each instance's explanation is settled, from its own surrogate.

    With ``num_features=K`` below the number of components, an output is
    settled when the gap between its K-th and (K+1)-th largest absolute
    coefficients exceeds ``GAP_ERRORS`` standard errors of that gap (the two
    errors added in quadrature): the K features it keeps are decided.
    Otherwise, when every standard error is at most ``tol`` times the largest
    absolute coefficient. Gaps and coefficients below ``ROUNDING`` times the
    surrogate's prediction are rounding errors: such a gap is a tie (never
    settled), and such coefficients (those of a model constant near the
    instance) are measured against that floor instead. An instance is
    settled when all its outputs are; an undetermined coefficient (an
    infinite or NaN error) is never settled.

    Parameters
    ----------
    coef, standard_error : ndarray of shape (n, n_outputs, d)
        The surrogates on all their components, and the coefficients' errors.
    prediction : ndarray of shape (n, n_outputs)
        The surrogates' predictions at the instances.
    num_features : int or None
    tol : float

    Returns
    -------
    settled : ndarray of shape (n,), dtype bool

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._engine import settled
    >>> coef, prediction = np.array([[[3.0, 2.0, 0.1]]]), np.array([[1.0]])
    >>> error = np.full((1, 1, 3), 0.2)
    >>> settled(coef, error, prediction, 2, 0.05)
    array([ True])
    >>> settled(coef, error, prediction, None, 0.05)
    array([False])
    >>> settled(coef, error, prediction, None, 0.1)
    array([ True])
    """
    n, n_outputs, d = coef.shape
    if d == 0:
        return np.ones(n, dtype=bool)
    size = np.abs(coef)
    floor = ROUNDING * np.abs(prediction)
    if num_features is not None and num_features < d:
        order = np.argsort(-size, axis=-1, kind="stable")[..., num_features - 1 :][
            ..., :2
        ]
        pair = np.take_along_axis(size, order, axis=-1)
        pair_error = np.take_along_axis(standard_error, order, axis=-1)
        gap_error = np.hypot(pair_error[..., 0], pair_error[..., 1])
        gap = pair[..., 0] - pair[..., 1]
        ok = (gap > GAP_ERRORS * gap_error) & (gap > floor)
    else:
        scale = np.maximum(size.max(axis=-1), floor)
        ok = standard_error.max(axis=-1) <= tol * scale
    return ok.all(axis=-1)


@own_arithmetic()
def _evaluation_chunk(plan, with_errors):
    """The :class:`Fidelity` of a chunk's plan (``with_errors`` is unused)."""
    del with_errors
    return plan.fidelity()


def _n_coef(plan):
    """Coefficients of each instance's surrogate, with the intercept."""
    sizes = np.asarray(plan.sizes)
    return np.minimum(sizes, plan.settings.num_features or sizes) + 1


def check_n_jobs(n_jobs):
    """Refuse n_jobs=0, which joblib would take to mean no worker at all."""
    if n_jobs == 0:
        raise ValueError(
            "n_jobs=0 means no worker at all; use n_jobs=None or 1 (one "
            "process), a positive number of workers, or -1 (all processors)."
        )


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


def _alone(function, *args):
    """``function(*args)`` with the model's own joblib calls run sequentially.

    Used when the chunks themselves run in parallel. A model with its own
    ``n_jobs`` (a random forest, say) would otherwise start a second level of
    workers inside each chunk's worker: with the dask backend these wait for
    the very workers that run the chunks, which can hang.
    """
    with parallel_config(backend="sequential"):
        return function(*args)


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


def _chunks(plan, with_errors):
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
        f"The ridge penalty alpha={plan.alpha:.3g} shrinks coefficients "
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


def _warn_bias(in_errors, share, ess, plan):
    """Warn when the ridge penalty moves some coefficients beyond their errors.

    ``in_errors`` and ``share`` (one per instance) are the largest shrinkage
    of a coefficient in standard errors and what the penalty leaves of it
    (see :func:`~sklime._core._surrogate.shrinkage_in_errors`); the warning
    gives the effective sample size ``ess`` of the instance shrunk most.
    """
    shrunk = np.flatnonzero(in_errors > 1.0)
    if not shrunk.size:
        return
    worst = shrunk[np.argmax(in_errors[shrunk])]
    warnings.warn(
        f"The ridge penalty alpha={plan.alpha:.3g} shrinks coefficients of "
        f"{shrunk.size} of {len(in_errors)} {plan.NOUN}s ({_at(shrunk)}) by more "
        f"than their standard errors, up to about {100 * (1 - share[worst]):.1f}% of a "
        f"coefficient ({in_errors[worst]:.1f} standard errors): the "
        "perturbations tell too little of them against the penalty, the kernel "
        f"(kernel_width={plan.kernel_width:.3g}) leaving an effective sample "
        f"size of {ess[worst]:.1f} (of num_samples={plan.num_samples}), as it "
        "does for rows far from the training data. Use a smaller alpha (alpha=0 "
        "for none), a larger kernel_width or more num_samples.",
        UserWarning,
        stacklevel=4,
    )


def _warn_narrow_evaluation(ess, plan):
    """Warn when the evaluation kernel leaves too few effective samples.

    The plan words the warning (:meth:`EvaluationPlan.narrow_evaluation`).
    """
    short = _too_few_samples(ess, _n_coef(plan))
    if short:
        warnings.warn(plan.narrow_evaluation(*short), UserWarning, stacklevel=4)


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
