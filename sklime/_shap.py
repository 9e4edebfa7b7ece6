"""Explanations as ``shap.Explanation`` objects, for shap's plots.

A LIME surrogate is additive in the interpretable representation: the
surrogate's prediction at an instance is its intercept plus, for each
feature, the coefficient times the instance's own representation (its
z-score, or 1 for "in the instance's bin, category, word or segment"). Those
products are the per-feature contributions shap's plots expect, with the
intercept as the base value.
"""

import numpy as np

from ._optional import import_optional

#: Name of the extra feature holding ``model_prediction - local_prediction``.
RESIDUAL = "residual"

#: Standard errors on either side of a contribution in its bounds.
BOUND_ERRORS = 2.0


def contribution_errors(standard_error, representation):
    """Standard errors of the contributions ``coef * representation``.

    A contribution whose representation is 0 is exactly 0 whatever its
    coefficient, so its error is 0 (not ``0 * inf``).

    Parameters
    ----------
    standard_error : ndarray of shape (n, n_outputs, n_features)
    representation : ndarray of shape (n, 1, n_features)

    Returns
    -------
    errors : ndarray of shape (n, n_outputs, n_features)
    """
    scaled = standard_error * np.abs(representation)
    return np.where(representation == 0, 0.0, scaled)


def shap_explanation(
    feature,
    *,
    contributions,
    errors,
    explanation,
    rows,
    blocks,
    data,
    names,
    residual,
    single,
):
    """A ``shap.Explanation`` of some rows and outputs of an explanation.

    Parameters
    ----------
    feature : str
        The method building it, for the error when shap is missing.
    contributions, errors : ndarray of shape (n, n_blocks, n_features)
        Each feature's contribution and its standard error.
    explanation : Explanation
        Where the intercepts and predictions come from.
    rows : list of int
        The rows (positions in the explained batch) of ``contributions``.
    blocks : list of int
        The output blocks of ``contributions``.
    data : ndarray of shape (n, n_features)
        The rows' values.
    names : list of str
        Feature names.
    residual : bool
        Add a feature :data:`RESIDUAL` holding ``model_prediction -
        local_prediction`` (standard error NaN: not estimated).
    single : bool
        Drop the row axis (``rows`` holds one row).

    Returns
    -------
    shap_values : shap.Explanation
        Values of shape (n, n_features), with an output axis last when there
        are several blocks (and no row axis when ``single``); base values of
        shape (n,) or (n, n_blocks).
    """
    shap = import_optional("shap", "shap", feature)
    intercept = explanation.intercept[rows][:, blocks]
    if residual:
        if RESIDUAL in names:
            raise ValueError(
                f"A feature is already named {RESIDUAL!r}, so the residual term "
                "cannot be added under that name. Rename that feature, or call "
                "to_shap(residual=False)."
            )
        gap = (
            explanation.model_prediction[rows][:, blocks]
            - explanation.local_prediction[rows][:, blocks]
        )
        contributions = np.concatenate([contributions, gap[..., None]], axis=-1)
        errors = np.concatenate([errors, np.full_like(gap, np.nan)[..., None]], -1)
        data = np.column_stack([data, np.full(len(data), np.nan)])
        names = [*names, RESIDUAL]
    values, errors = np.moveaxis(contributions, 1, -1), np.moveaxis(errors, 1, -1)
    outputs = [explanation.outputs[k] for k in blocks]
    if len(blocks) == 1:
        values, errors, intercept = values[..., 0], errors[..., 0], intercept[:, 0]
    if single:
        values, errors, intercept, data = values[0], errors[0], intercept[0], data[0]
    return shap.Explanation(
        values,
        base_values=intercept,
        data=data,
        feature_names=list(names),
        output_names=None if len(blocks) == 1 else [str(o) for o in outputs],
        lower_bounds=values - BOUND_ERRORS * errors,
        upper_bounds=values + BOUND_ERRORS * errors,
        error_std=errors,
    )
