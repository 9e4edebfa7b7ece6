"""The batch engine: explain rows chunk by chunk, in parallel through joblib.

A fitted :class:`~sklime.LimeExplainer` holds the statistics (``space_``),
the column schema (``schema_``) and the model (``black_box_``). This module
turns those and a batch of rows into per-row arrays:

1. draw the shared noise from the seed fixed in ``fit``;
2. under marginal sampling, query the model once on the shared perturbations
   and once on all rows (the perturbations do not depend on the row);
3. split the rows into chunks sized from ``working_memory`` and dispatch them
   with :class:`sklearn.utils.parallel.Parallel`; each chunk builds its
   neighbourhoods (querying the model once under local and mask sampling),
   weights them, and solves all its surrogates at once.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils import gen_batches
from sklearn.utils.parallel import Parallel, delayed

from . import _sampling
from ._compat import get_chunk_n_rows
from ._kernels import exponential_kernel, sample_weights
from ._progress import Progress
from ._sampling import Noise
from ._surrogate import fit_surrogates, standard_errors, weighted_moments
from ._tabular import OWN_VALUE


@dataclass
class _Shared:
    """Marginal sampling's model outputs, computed once for every chunk.

    Attributes
    ----------
    points : tuple of ndarray
        The perturbations (values, codes), shared by every row.
    output : ndarray of shape (1, num_samples, n_outputs)
        The model's output on them.
    prediction : ndarray of shape (n_rows, n_outputs)
        The model's output on the explained rows.
    """

    points: tuple
    output: np.ndarray
    prediction: np.ndarray

    def take(self, batch):
        """The part a chunk of rows needs."""
        return _Shared(self.points, self.output, self.prediction[batch])


def explain_rows(explainer, rows, *, with_errors):
    """Explain every row of ``rows``.

    Parameters
    ----------
    explainer : LimeExplainer
        A fitted explainer.
    rows : Rows
        Encoded rows to explain.
    with_errors : bool
        Also compute the coefficients' standard errors (costs about as much
        again as the surrogate fit).

    Returns
    -------
    results : dict of ndarray
        Per-row arrays (see :func:`_explain_chunk`), stacked over chunks.
    """
    noise = Noise.draw(
        explainer.num_samples, explainer.n_features_in_, explainer.noise_seed_
    )
    shared = _marginal_outputs(explainer, noise, rows)
    batches = gen_batches(len(rows), _chunk_rows(explainer, len(rows)))
    chunks = Parallel(n_jobs=explainer.n_jobs, return_as="generator")(
        delayed(_explain_chunk)(
            explainer,
            rows.take(batch),
            noise,
            None if shared is None else shared.take(batch),
            with_errors,
        )
        for batch in batches
    )
    progress = Progress(len(rows), explainer.verbose)
    parts = []
    for part in chunks:
        parts.append(part)
        progress.update(len(part["coef"]))
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _marginal_outputs(explainer, noise, rows):
    """Marginal sampling's model calls, made once for all rows (else None)."""
    if explainer.sampling != "marginal":
        return None
    schema, box = explainer.schema_, explainer.black_box_
    values, codes = _sampling.marginal_points(explainer.space_, noise)
    output = box(schema.model_input(values, codes, None))
    return _Shared((values, codes), output[None], box(schema.rows_input(rows)))


def _chunk_rows(explainer, n_rows):
    """Rows per chunk, from scikit-learn's ``working_memory``."""
    d, k, s = explainer.n_features_in_, len(explainer.outputs_), explainer.num_samples
    row_bytes = 8 * (s * (8 * d + 4 * k + 4) + 4 * k * d * d)
    return get_chunk_n_rows(row_bytes, max_n_rows=n_rows)


def _explain_chunk(explainer, rows, noise, shared, with_errors):
    """Explain one chunk of rows: perturb, query the model, fit surrogates.

    Returns
    -------
    parts : dict of ndarray
        ``coef`` and ``selected`` of shape (n_rows, n_outputs, n_features),
        (``standard_error`` too when asked); ``intercept``, ``score``,
        ``local_prediction`` and ``model_prediction`` of shape
        (n_rows, n_outputs); ``effective_sample_size`` of shape (n_rows,).
    """
    space = explainer.space_
    neighbourhood, output, prediction = _neighbourhoods(explainer, noise, rows, shared)
    kernel = explainer.kernel or exponential_kernel
    weights = sample_weights(
        kernel, np.sqrt(neighbourhood.sq_distance), explainer.kernel_width_
    )
    moments = weighted_moments(neighbourhood.design, weights, output)
    x_rep = space.representation(rows)
    fits = fit_surrogates(
        moments,
        x_rep,
        neighbourhood.offset,
        space.active,
        alpha=explainer.alpha,
        num_features=explainer.num_features,
        method=explainer.feature_selection,
    )
    ess = weights.sum(axis=1) ** 2 / (weights**2).sum(axis=1)
    parts = {
        "coef": fits.coef,
        "intercept": fits.intercept,
        "local_prediction": fits.intercept + np.einsum("ikj,ij->ik", fits.coef, x_rep),
        "model_prediction": prediction,
        "score": fits.score,
        "effective_sample_size": np.broadcast_to(ess, (len(rows),)),
        "selected": fits.support,
    }
    if with_errors:
        parts["standard_error"] = standard_errors(
            neighbourhood.design, weights, output, moments, fits, explainer.alpha
        )
    return parts


def _neighbourhoods(explainer, noise, rows, shared):
    """Neighbourhoods of a chunk of rows, the model's output on them and on the rows.

    Returns
    -------
    neighbourhood : Neighbourhood
    output : ndarray of shape (n_rows or 1, num_samples, n_outputs)
    prediction : ndarray of shape (n_rows, n_outputs)
    """
    space = explainer.space_
    if shared is not None:
        neighbourhood = _sampling.marginal(space, noise, shared.points, rows)
        return neighbourhood, shared.output, shared.prediction
    sample = _sampling.local if explainer.sampling == "local" else _sampling.mask
    neighbourhood = sample(space, noise, rows)
    prediction, output = _query_with_rows(explainer, rows, neighbourhood)
    return neighbourhood, output, prediction


def _query_with_rows(explainer, rows, neighbourhood):
    """One model call for the rows and their perturbations.

    Returns
    -------
    prediction : ndarray of shape (n_rows, n_outputs)
    output : ndarray of shape (n_rows, n_samples, n_outputs)
    """
    n_rows, n_samples, n_features = neighbourhood.values.shape
    own = np.full((n_rows, 1, n_features), OWN_VALUE)
    values = np.concatenate([rows.values[:, None, :], neighbourhood.values], axis=1)
    codes = np.concatenate([own, neighbourhood.codes], axis=1)
    model_input = explainer.schema_.model_input(values, codes, rows.raw)
    output = explainer.black_box_(model_input).reshape(n_rows, n_samples + 1, -1)
    return output[:, 0], output[:, 1:]
