"""The tabular plan: rows of a table as the engine explains and scores them.

A fitted :class:`~sklime.LimeExplainer` holds the statistics (``_space``),
the column schema (``_schema``), the model (``_black_box``) and its sampling
scheme (``_scheme``, see ``sklime._tabular._schemes``).
:func:`explanation_plan` and :func:`evaluation_plan` turn those and a batch
of rows into a :class:`TabularPlan`, which holds them, the noise drawn from
the seed fixed in ``fit`` and the settings, never the explainer:

1. under a scheme whose perturbations every row shares (marginal sampling),
   the perturbations and the model's outputs on them come from the
   explainer's cache (made by the first call: they do not depend on the
   row), and the model is queried on the rows themselves only when their
   predictions are asked for;
2. the engine (``sklime._core._engine``) cuts the rows into chunks; each
   chunk builds its neighborhoods (querying the model once when the
   perturbations depend on the row), weights them, and hands the solver one
   surrogate problem for all its rows.
"""

import copy
from dataclasses import dataclass
from functools import partial

import numpy as np

from .._core._engine import Fidelity, Rounds, check_n_jobs
from .._core._kernels import effective_sample_size, exponential_kernel
from .._core._problem import Problem, Response, SurrogateSettings, output_columns
from .._core._surrogate import SharedDesign
from .._core._threads import own_arithmetic
from . import _sampling
from ._sampling import Noise


@own_arithmetic()
def explanation_plan(explainer, rows, *, with_prediction=False, num_samples=None):
    """The plan that explains ``rows`` with a fitted explainer.

    What depends on no row (the shared perturbations, the model's outputs on
    them, the prepared shared design) comes from the explainer's cache,
    made on first use, with sklime's arithmetic on one BLAS thread and the
    model's calls with the caller's threads (see ``sklime._core._threads``).

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    rows : Rows
        Encoded rows to explain.
    with_prediction : bool, default=False
        Also query the model on the rows themselves (``model_prediction``);
        always done when the explainer's ``labels`` ranks each row's classes.
    num_samples : int or None, default=None
        Perturbations per row; None for the explainer's: ``num_samples_``,
        drawn in rounds when its ``tol`` is set.

    Returns
    -------
    plan : TabularPlan or Rounds
        Rounds of the plans of growing numbers of perturbations when the
        explainer's ``tol`` is set and ``num_samples`` is None.
    """
    check_n_jobs(explainer.n_jobs)
    if num_samples is None and explainer.tol is not None:
        plan_at = partial(
            explanation_plan, explainer, rows, with_prediction=with_prediction
        )
        return Rounds(plan_at, explainer.num_samples_, explainer.tol)
    # Each row's top classes come from the model's output at the row.
    labels = explainer._label_choice
    with_prediction = with_prediction or (labels is not None and labels.ranked)
    width = explainer.kernel_width_
    noise = _noise(explainer, explainer._noise_seed, width, num_samples)
    plan = TabularPlan(
        explainer, rows, noise, explainer.kernel or exponential_kernel, width
    )
    if num_samples is not None:
        plan.num_samples = num_samples
    plan.shared = _marginal_outputs(explainer, noise, rows, with_prediction)
    plan.prepared = _prepared_design(explainer, noise)
    plan.with_prediction = with_prediction
    return plan


@own_arithmetic()
def evaluation_plan(explainer, rows, surrogates, *, own_kernel=False):
    """The plan that scores the rows' surrogates on fresh evaluation points.

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    rows : Rows
        Encoded rows whose surrogates are evaluated.
    surrogates : Results
        The rows' surrogates as the engine returns them: ``coef`` of shape
        (n_rows, n_outputs, n_features), ``intercept`` of shape (n_rows,
        n_outputs), and ``class_index`` (the classes of the blocks) when the
        explainer's ``labels`` chose them.
    own_kernel : bool, default=False
        Draw and weight the evaluation points with the explainer's own kernel
        and ``kernel_width_`` (the adherence of
        :func:`sklime.metrics.lime_scorers`) instead of the exponential
        kernel of width ``_fidelity_width`` (:meth:`LimeExplainer.score`).
        The points come from the evaluation seed fixed in ``fit``.

    Returns
    -------
    plan : TabularPlan
    """
    check_n_jobs(explainer.n_jobs)
    if own_kernel:
        kernel, name = explainer.kernel or exponential_kernel, "kernel_width"
        width = explainer.kernel_width_
    else:
        kernel, name = exponential_kernel, "fidelity_width"
        width = explainer._fidelity_width
    noise = _noise(explainer, explainer._evaluation_seed, width)
    plan = TabularPlan(explainer, rows, noise, kernel, width)
    plan.shared = _marginal_outputs(explainer, noise, rows, False)
    plan.surrogates = surrogates
    plan.width_name = name
    return plan


def _noise(explainer, seed, width, num_samples=None):
    """The noise of ``seed`` the explainer's scheme builds its perturbations from.

    Of ``num_samples`` perturbations, None for the explainer's ``num_samples_``.
    """
    if num_samples is None:
        num_samples = explainer.num_samples_
    noise = Noise.draw(num_samples, explainer.n_features_in_, seed, explainer.sampler)
    return explainer._scheme.noise(noise, width)


class TabularPlan:
    """What the engine needs to explain (or score) a batch of rows.

    See :class:`~sklime._core._engine.Plan`; built by :func:`explanation_plan`
    and :func:`evaluation_plan`.

    Parameters
    ----------
    explainer : LimeExplainer
        The fitted explainer whose state the plan takes (not the explainer).
    rows : Rows
        Encoded rows.
    noise : Noise
        The noise the perturbations are built from.
    kernel : callable
        The kernel that weights them.
    kernel_width : float
        Its width.

    Attributes
    ----------
    shared : _Shared or None
        The perturbations and model outputs every row shares, or None.
    prepared : SharedDesign or None
        The design prepared once when no design column depends on the row.
    with_prediction : bool
        Whether the model is queried on the rows themselves.
    surrogates : Results or None
        The rows' surrogates, to score.
    width_name : str
        What the warnings call the kernel width of the evaluation points.
    """

    NOUN = "row"
    #: Every row has all the features: the influences are summed over rows.
    pools_influence = True

    def __init__(self, explainer, rows, noise, kernel, kernel_width):
        self.rows = rows
        self.space = explainer._space
        self.schema = explainer._schema
        self.box = explainer._black_box
        self.scheme = explainer._scheme
        self.noise = noise
        self.kernel = kernel
        self.kernel_width = kernel_width
        self.alpha = explainer.alpha
        self.num_samples = explainer.num_samples_
        self.n_jobs = explainer.n_jobs
        self.verbose = explainer.verbose
        self.n_outputs = len(explainer.outputs_)
        self.settings = SurrogateSettings(
            self.scheme.ridge_penalty(explainer.alpha, explainer.kernel_width_),
            explainer.num_features,
            explainer.feature_selection,
            explainer._label_choice,
        )
        self.shared = self.prepared = self.surrogates = None
        self.with_prediction = False
        self.width_name = "kernel_width"

    @property
    def sizes(self):
        """Every row has all the features."""
        return np.full(len(self.rows), self.space.n_features, dtype=np.intp)

    def chunk_floats(self, size, with_errors):
        """Float64 values a chunk holds per row of ``size`` features.

        A row needs a few arrays of ``num_samples`` floats (weights,
        distances, outputs), per-row copies of the perturbed points and the
        design unless both are shared (marginal sampling of a shared design),
        its Gram matrices unless conjugate gradients solve without them (and,
        for a shared design with per-row weights, the weighted copy of the
        design that forms them), under conjugate gradients with feature
        selection two copies of the selected features' columns of the design
        (their Gram blocks), and the influences of the standard errors when
        asked.
        """
        d, k, s = size, self.n_outputs, self.num_samples
        num_features = self.settings.num_features
        floats = s * (6 + 3 * output_columns(self.box, self.settings.labels))
        shares_outputs = self.scheme.shares_outputs
        if self.prepared is None or not shares_outputs:
            floats += 8 * s * d
        iterative = self._iterative()
        if iterative and num_features is not None:
            floats += 2 * s * k * min(num_features, d)
        if with_errors or not iterative:
            floats += 4 * k * d * d
            if shares_outputs and self.prepared is not None:
                floats += s * (d + 1 + k)
        if with_errors:
            floats += 2 * s * d
        return floats

    def take(self, items):
        """The plan of the rows at positions ``items`` alone (a shallow copy)."""
        batch = _as_slice(items)
        part = copy.copy(self)
        part.rows = self.rows.take(batch)
        part.shared = None if self.shared is None else self.shared.take(batch)
        if self.surrogates is not None:
            part.surrogates = self.surrogates.take(batch)
        return part

    def problems(self):
        """The surrogate problem of all the plan's rows: one group.

        Yields
        ------
        members : ndarray of int
            Every row.
        problem : Problem
        """
        neighborhood, output, prediction = self._neighborhoods(self.with_prediction)
        yield (
            np.arange(len(self.rows)),
            Problem(
                neighborhood.design,
                self.scheme.weights(neighborhood, self.kernel, self.kernel_width),
                output,
                prediction,
                self.scheme.representation(self.space, self.rows),
                self.space.active,
                self.settings,
                neighborhood.offset,
                response=None if self.shared is None else self.shared.response,
                prepared=self.prepared,
                iterative=self._iterative(),
                kernel_sampled=self.scheme.kernel_sampled,
                replicates=self.noise.replicates,
            ),
        )

    def fidelity(self):
        """Weighted squared errors of the surrogates on the plan's points.

        Returns
        -------
        fidelity : Fidelity
            Kernel-weighted sums of squared surrogate errors and of squared
            deviations of the model's output from its weighted mean, of
            shape (n_rows, n_outputs), divided by the square of each row's
            largest absolute model output; the weights' effective sample
            sizes.
        """
        surrogates = self.surrogates
        neighborhood, output, _ = self._neighborhoods(False)
        if surrogates.class_index is not None:
            output = self.settings.labels.take(output, surrogates.class_index)
        representation = neighborhood.design
        if neighborhood.offset is not None:
            representation = representation + neighborhood.offset[:, None, :]
        coef = surrogates.coef.transpose(0, 2, 1)
        surrogate = surrogates.intercept[:, None, :] + representation @ coef
        n_rows = len(self.rows)
        scale = np.abs(output).max(axis=(1, 2)) * np.ones(n_rows)
        scale = np.where(scale > 0, scale, 1.0)
        output = output / scale[:, None, None]
        surrogate = surrogate / scale[:, None, None]
        weights = self.scheme.weights(neighborhood, self.kernel, self.kernel_width)
        ess = np.broadcast_to(effective_sample_size(weights), (n_rows,))
        weights = weights[:, :, None]
        sse = (weights * (output - surrogate) ** 2).sum(axis=1)
        mean = (weights * output).sum(axis=1) / weights.sum(axis=1)
        sst = (weights * (output - mean[:, None, :]) ** 2).sum(axis=1)
        return Fidelity(sse, np.broadcast_to(sst, sse.shape), scale, ess)

    def narrow_evaluation(self, smallest, n_coef):
        """The warning of an evaluation kernel that leaves too few samples.

        Then the pooled R^2 rests on a handful of points, often copies of the
        row with no variance to explain, and means little.
        """
        name = self.width_name
        remedy = self.scheme.evaluation_remedy(name)
        return (
            f"The evaluation kernel ({name}={self.kernel_width:.3g}) leaves an "
            f"effective sample size of {smallest:.1f} (of num_samples="
            f"{self.num_samples}) for scoring a surrogate with {n_coef} "
            f"coefficients: the score is unreliable. Use more num_samples{remedy}."
        )

    def _iterative(self):
        """Whether the surrogates are solved by conjugate gradients.

        Only for a wide shared design (more than ``FORMED_MAX_FEATURES``
        features, prepared with a preconditioner) with per-row weights
        (marginal sampling): there forming each row's Gram matrix would
        dominate. Feature selection then takes only the Gram columns it
        needs (highest weights solves by conjugate gradients too), and the
        surrogate on the selected features only their block. The choice
        depends on the settings, not on the batch, so a row's numbers do not
        depend on its batch.
        """
        return self.prepared is not None and self.prepared.preconditioner is not None

    def _neighborhoods(self, with_prediction):
        """Neighborhoods of the rows, the model's output on them and on the rows.

        Returns
        -------
        neighborhood : Neighborhood
        output : ndarray of shape (n_rows or 1, num_samples, n_outputs)
        prediction : ndarray of shape (n_rows, n_outputs) or None
            None unless ``with_prediction``.
        """
        shared, rows = self.shared, self.rows
        if shared is not None:
            neighborhood = self.scheme.neighborhoods(
                self.space, self.noise, rows, shared.points
            )
            return neighborhood, shared.output, shared.prediction
        neighborhood = self.scheme.neighborhoods(self.space, self.noise, rows)
        output = self._query(neighborhood)
        prediction = self.box(self.schema.rows_input(rows)) if with_prediction else None
        return neighborhood, output, prediction

    def _query(self, neighborhood):
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
        rows, schema, box = self.rows, self.schema, self.box
        values = neighborhood.values
        n_rows, n_samples, n_features = values.shape
        codes = neighborhood.codes if schema.categorical.any() else None
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


def _as_slice(items):
    """Consecutive positions as a slice (views of the rows), others as they are."""
    if len(items) and np.array_equal(items, np.arange(items[0], items[0] + len(items))):
        return slice(int(items[0]), int(items[0]) + len(items))
    return items


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


def _marginal_outputs(explainer, noise, rows, with_prediction):
    """The model's calls a scheme that shares its perturbations makes once (else None).

    The perturbations and the model's outputs on them (raw and prepared for
    the surrogates) depend on the noise alone: they come from the
    explainer's cache, made on first use. The rows themselves are queried
    when ``with_prediction``.
    """
    if not explainer._scheme.shares_outputs:
        return None
    schema, box, cache = explainer._schema, explainer._black_box, explainer._cache
    points = cache.get(
        ("points", *noise.key),
        lambda: _sampling.marginal_points(explainer._space, noise),
    )
    output = cache.get(
        ("output", *noise.key),
        lambda: box(schema.model_input(points.values, points.codes, None))[None],
    )
    response = cache.get(("response", *noise.key), lambda: Response.of(output))
    prediction = box(schema.rows_input(rows)) if with_prediction else None
    return _Shared(points, output, response, prediction)


def _prepared_design(explainer, noise):
    """The :class:`SharedDesign` when no design column depends on the row, else None.

    Made once per noise and kept in the explainer's cache.
    """
    scheme = explainer._scheme

    def prepare():
        design = scheme.shared_design(explainer._space, noise)
        if design is None:
            return None
        return SharedDesign.from_design(
            design, shared_weights=not scheme.shares_outputs
        )

    return explainer._cache.get(("design", *noise.key), prepare)
