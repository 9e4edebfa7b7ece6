"""The surrogate problem of a group of instances, and its solution.

A plan (see ``sklime._core._engine``) hands the solver, for each group of
instances, a :class:`Problem`: the perturbations' design and weights, the
model's outputs on them, the instances' own representation and how the
surrogates are fitted. :func:`solve` fits every surrogate of the group at
once and returns their :class:`Results`.
"""

from dataclasses import dataclass, fields, replace

import numpy as np

from .._labels import LabelChoice, gather_columns
from ._kernels import changed_sample_size, effective_sample_size
from ._linalg import power_of_two_scale
from ._surrogate import (
    SharedDesign,
    Surrogates,
    fit_surrogates,
    ridge_shrinkage,
    shrinkage_in_errors,
    standard_errors,
    starved,
    weighted_moments,
)
from ._wide import wide_moments


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
    centered : ndarray of shape (n or 1, num_samples, n_outputs)
        The scaled outputs minus ``shift``.
    """

    scale: np.ndarray
    scaled: np.ndarray
    shift: np.ndarray
    centered: np.ndarray

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
            gather_columns(self.centered, columns),
        )


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


@dataclass
class Problem:
    """The surrogate problem of a group of instances, as the solver takes it.

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
    settings : SurrogateSettings
        How the surrogates are fitted.
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
    prepared : SharedDesign or None, default=None
        The design prepared once when every instance shares it.
    iterative : bool, default=False
        Solve by conjugate gradients (a wide shared design with per-instance
        weights, see :class:`~sklime._core._surrogate.SharedDesign`).
    kernel_sampled : bool, default=False
        The perturbations were drawn from the kernel itself (uniform weights).
    instances : bool, default=False
        The design holds kept indicators of instances with components of
        their own (documents, images): the effective sample size counts only
        the perturbations that change the instance
        (:func:`~sklime._core._kernels.changed_sample_size`), and the results
        hold ``shrinkage``.
    replicates : ndarray or None, default=None
        Start of each independent replicate of dependent samples (scrambled
        Sobol sequences), or None when every sample is independent: the
        standard errors then rest on the replicates (see
        :func:`~sklime._core._surrogate.standard_errors`).
    """

    design: np.ndarray
    weights: np.ndarray
    output: np.ndarray
    prediction: np.ndarray | None
    x_rep: np.ndarray
    active: np.ndarray
    settings: SurrogateSettings
    offset: np.ndarray | None = None
    common: bool = False
    response: Response | None = None
    wide: bool = False
    prepared: SharedDesign | None = None
    iterative: bool = False
    kernel_sampled: bool = False
    instances: bool = False
    replicates: np.ndarray | None = None


@dataclass
class Results:
    """Per-instance results of the surrogates, for a group or a whole batch.

    Attributes
    ----------
    coef, selected : ndarray of shape (n, n_outputs, n_components)
        Coefficients, and the components each surrogate uses.
    intercept, local_prediction, score : ndarray of shape (n, n_outputs)
        Intercepts, the surrogates' predictions at the instances and their
        in-sample weighted R^2.
    effective_sample_size : ndarray of shape (n,)
        Of each instance's weights.
    starved : ndarray of shape (n,), dtype bool
        Instances whose weights leave some component without variation (see
        :func:`~sklime._core._surrogate.starved`).
    shrinkage : ndarray of shape (n,) or None
        For instances with components of their own, the least share of a
        selected coefficient the ridge penalty leaves
        (:func:`~sklime._core._surrogate.ridge_shrinkage`), 1 without any.
    bias_in_errors, bias_share : ndarray of shape (n,) or None
        With the standard errors of instances without components of their
        own (table rows), the largest shrinkage of a coefficient by the ridge
        penalty in standard errors, and what the penalty leaves of that
        coefficient (see :func:`~sklime._core._surrogate.shrinkage_in_errors`).
    model_prediction : ndarray of shape (n, n_outputs) or None
        The model's output at the instances, when asked for.
    standard_error : ndarray of shape (n, n_outputs, n_components) or None
        The coefficients' standard errors, when asked for.
    abs_influence : ndarray of shape (num_samples, n_outputs, n_components) or None
        With the standard errors of a design of fixed width, the influences
        summed over the instances (see :class:`~sklime._core._surrogate.Errors`).
    class_index : ndarray of shape (n, n_outputs) or None
        With the explained classes chosen (``labels``), each block's class,
        as a position among the model's classes.
    predicted_index : ndarray of shape (n,) or None
        With the classes chosen and a prediction, each instance's predicted
        class, as a position among the model's classes.
    n_samples_used : ndarray of shape (n,) or None
        The perturbations each instance's surrogate was fitted on (set by the
        engine).
    settled : ndarray of shape (n,), dtype bool, or None
        In a round of perturbations drawn in rounds, the instances whose
        explanation is settled (the engine's, see
        :class:`~sklime._core._engine.Rounds`).
    """

    coef: np.ndarray
    intercept: np.ndarray
    local_prediction: np.ndarray
    score: np.ndarray
    effective_sample_size: np.ndarray
    starved: np.ndarray
    selected: np.ndarray
    shrinkage: np.ndarray | None = None
    bias_in_errors: np.ndarray | None = None
    bias_share: np.ndarray | None = None
    model_prediction: np.ndarray | None = None
    standard_error: np.ndarray | None = None
    abs_influence: np.ndarray | None = None
    class_index: np.ndarray | None = None
    predicted_index: np.ndarray | None = None
    n_samples_used: np.ndarray | None = None
    settled: np.ndarray | None = None

    def take(self, index):
        """The results of the instances at ``index`` (``abs_influence`` as it is)."""
        taken = {name: value[index] for name, value in self.arrays().items()}
        return replace(self, **taken)

    def arrays(self):
        """The per-instance arrays by name (none of ``abs_influence``)."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if field.name != "abs_influence" and getattr(self, field.name) is not None
        }


def solve(problem, with_errors):
    """Fit the surrogates of a group of instances and collect their results.

    Parameters
    ----------
    problem : Problem
    with_errors : bool
        Also compute the standard errors and the influences.

    Returns
    -------
    results : Results
        With ``problem.settings.labels``, ``n_outputs`` are the chosen
        classes, and ``class_index`` and, with a prediction,
        ``predicted_index`` give positions among the model's classes.
    """
    settings = problem.settings
    response = (
        Response.of(problem.output) if problem.response is None else problem.response
    )
    labels = settings.labels
    if labels is not None:
        chosen = labels.class_index(problem.prediction)
        columns, block_of, negated = labels.fitted(chosen)
        # A wide system's products keep each output's bits whatever the
        # others (fixed blocks of rows), so it takes its outputs first.
        taken_first = problem.wide or not problem.common
        if taken_first:
            response = response.take(columns)
    if problem.wide:
        moments = wide_moments(problem.design[0], problem.weights[0], response)
    else:
        moments = weighted_moments(
            problem.design,
            problem.weights,
            response.centered,
            problem.prepared,
            form_gram=with_errors or not problem.iterative,
            iterative=problem.iterative,
            common=problem.common,
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
        problem.x_rep,
        problem.offset,
        problem.active,
        alpha=settings.alpha,
        num_features=settings.num_features,
        method=settings.method,
    )
    n = len(problem.x_rep)
    row_scale = np.broadcast_to(response.scale, (n,))
    fits = Surrogates(
        scaled.coef * row_scale[:, None, None],
        scaled.intercept * row_scale[:, None],
        scaled.support,
        scaled.score,
    )
    results = Results(
        coef=fits.coef,
        intercept=fits.intercept,
        local_prediction=fits.intercept
        + np.einsum("ikj,ij->ik", fits.coef, problem.x_rep),
        score=fits.score,
        effective_sample_size=np.broadcast_to(_effective_size(problem), (n,)),
        starved=np.broadcast_to(_starved(problem, moments), (n,)),
        selected=fits.support,
        model_prediction=problem.prediction,
    )
    if problem.instances:
        shrinkage = ridge_shrinkage(moments, problem.active, settings.alpha)
        selected = fits.support.any(axis=1)
        results.shrinkage = np.where(selected, shrinkage, 1.0).min(axis=-1)
    if with_errors and problem.wide:
        results.standard_error = moments.operator.standard_errors(
            moments, scaled, settings.alpha, row_scale
        )
    elif with_errors:
        errors = standard_errors(
            problem.design,
            problem.weights,
            response.scaled,
            moments,
            scaled,
            settings.alpha,
            row_scale=row_scale,
            replicates=problem.replicates,
        )
        results.standard_error = errors.standard_error
        results.abs_influence = errors.abs_influence
        if not problem.instances:
            results.bias_in_errors, results.bias_share = shrinkage_in_errors(
                moments,
                fits.coef,
                errors.standard_error,
                problem.active,
                settings.alpha,
            )
    if labels is not None:
        results = _chosen_results(results, labels, chosen, block_of, negated)
    return results


def _starved(problem, moments):
    """Instances whose weights leave some component without variation.

    See :func:`~sklime._core._surrogate.starved`; a wide instance's system
    measures it from the kept indicators without a copy of the design.
    """
    if problem.wide:
        return moments.operator.starved(moments)
    return starved(
        moments,
        problem.weights,
        problem.design,
        problem.prepared,
        problem.active,
        kernel_sampled=problem.kernel_sampled,
    )


def _effective_size(problem):
    """Kish's effective sample size of the weights, or the changed one.

    For instances with components (``problem.instances``), only the
    perturbations that change some component count (see
    :func:`~sklime._core._kernels.changed_sample_size`); an instance without
    components is not perturbed, and keeps Kish's.
    """
    if not problem.instances or not problem.active.any():
        return effective_sample_size(problem.weights)
    if problem.wide:  # every component active; no copy of the indicators
        changed = ~problem.design[0].all(axis=-1)
    else:
        changed = (problem.design[..., problem.active] == 0).any(axis=-1)
    return changed_sample_size(problem.weights, changed)


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


def _chosen_results(results, labels, chosen, block_of, negated):
    """The per-block results of the chosen classes, from their fitted columns.

    Parameters
    ----------
    results : Results
        :func:`solve`'s results for the fitted output columns.
    labels : LabelChoice
    chosen : ndarray of shape (n or 1, k), dtype int
        Each instance's classes.
    block_of, negated : ndarray
        See :meth:`~sklime._labels.LabelChoice.fitted`.

    Returns
    -------
    results : Results
        With ``n_outputs`` the chosen classes, ``class_index`` (n, k) and,
        with a prediction, ``predicted_index`` (n,) (positions among the
        model's classes).
    """
    n = len(results.coef)
    chosen_results = replace(
        results,
        **{
            name: value if value.ndim == 1 else np.take(value, block_of, axis=1)
            for name, value in vars(results).items()
            if value is not None and name != "model_prediction"
        },
    )
    chosen_results.coef = labels.mirror(chosen_results.coef, negated, constant=False)
    for name in ("intercept", "local_prediction"):
        value = getattr(chosen_results, name)
        setattr(chosen_results, name, labels.mirror(value, negated, constant=True))
    chosen_results.class_index = np.broadcast_to(chosen, (n, chosen.shape[1]))
    prediction = results.model_prediction
    if prediction is not None:
        chosen_results.model_prediction = labels.take(prediction, chosen)
        chosen_results.predicted_index = labels.predicted(prediction)
    return chosen_results


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
    return power_of_two_scale(np.abs(output).max(axis=(1, 2), initial=0.0))


def output_columns(box, labels):
    """Columns of model output an instance holds: the model's, and the explained.

    The explained classes (``labels``, None for every output) are copies of
    some of the model's outputs.
    """
    n_model = len(box.outputs)
    return n_model if labels is None else n_model + len(labels.outputs)
