"""Explanations of instances that each have their own components.

Documents have their own words and images their own superpixels, so a
component's position means something different in every instance. The
explanations of such a batch keep each instance's coefficients in the order
of its own components (padded to the largest), and the fixed-width matrix
that ``transform`` returns (words of a vocabulary, or pixels) as ``coef``.
"""

from numbers import Integral

import numpy as np

from ._explanation_base import (
    BaseExplanation,
    explainer_settings,
    validate_arguments,
)
from ._labels import explanation_fields
from ._shap import shap_explanation

#: The engine's per-instance results an explanation keeps as they are.
_ENGINE_FIELDS = (
    "standard_error",
    "intercept",
    "local_prediction",
    "model_prediction",
    "score",
    "effective_sample_size",
    "n_samples_used",
    "selected",
)


def common_fields(explainer, results):
    """The arguments every instance explanation takes alike.

    Parameters
    ----------
    explainer : LimeTextExplainer or LimeImageExplainer
        The fitted explainer.
    results : Results
        The engine's per-instance results (see
        :func:`~sklime._core._engine.explain`).

    Returns
    -------
    fields : dict
        The engine's results the explanation keeps as they are, and the
        explainer's outputs, output column names, kind of model, each
        instance's explained classes and settings.
    """
    return dict(
        {name: getattr(results, name) for name in _ENGINE_FIELDS},
        outputs=explainer.outputs_,
        feature_names_out=explainer.get_feature_names_out(),
        classifier=explainer._black_box.classifier,
        **explanation_fields(explainer, results),
        settings=explainer_settings(explainer),
    )


class InstanceExplanation(BaseExplanation):
    """Base of :class:`TextExplanation` and :class:`ImageExplanation`.

    Subclasses set ``_labels`` (each instance's component names), and define
    ``_component_coef`` (n, n_outputs, max_components),
    ``_COMPONENT_COLUMNS`` (the long table's columns of a component: its
    name, and what it holds), ``_extra(row)`` (what each component of
    ``row`` holds), ``_picture(row, k)`` (the HTML picture of an instance
    for block ``k``) and ``_common_columns(k)`` (labels, weights and
    standard errors over columns that mean the same in every instance, for
    the views over all).
    """

    def __init__(self, *, instances, **common):
        """Keep the batch's arrays (see :class:`BaseExplanation`) and its instances.

        ``common`` holds the arguments of :class:`BaseExplanation` but
        ``rows``: the explained ``instances``.
        """
        super().__init__(rows=instances, **common)

    def _importance(self, k):
        """Labels, mean |weight| over instances and an upper bound of its error.

        The mean standard error bounds the error of the mean however
        correlated the instances' errors are, and |weight| varies no more
        than the weight.
        """
        labels, coef, errors = self._common_columns(k)
        return labels, np.abs(coef).mean(axis=0), errors.mean(axis=0), True

    @validate_arguments(
        {"row": [Integral], "output": "no_validation", "residual": ["boolean"]}
    )
    def to_shap(self, row, output=None, *, residual=False):
        """One instance's explanation as a ``shap.Explanation`` (needs shap).

        The features are the instance's own components (its words or
        segments), each present in the instance (representation 1), so a
        component's contribution is its coefficient, and the contributions
        and the intercept (the base value) add up to the surrogate's
        prediction at the instance, :attr:`local_prediction`, where
        ``shap.plots.waterfall`` ends. Instances have different components,
        so one instance is given at a time. Install shap with
        ``pip install "sklime[shap]"``.

        Parameters
        ----------
        row : int
            Position of the instance in the explained batch (negative
            positions count from the end).
        output : label or None, default=None
            An entry of :attr:`outputs`; None gives every output (a last axis
            of outputs when there are several, as shap lays them out).
        residual : bool, default=False
            Add a feature named "residual" holding ``model_prediction -
            local_prediction``, so that the contributions add up to the
            model's prediction. Its standard error is NaN (not estimated).

        Returns
        -------
        shap_values : shap.Explanation
            ``values`` of shape (n_components,), or (n_components,
            n_outputs) for several outputs; ``base_values`` the intercept;
            ``data`` what each component holds (see the subclass);
            ``feature_names`` the components. ``error_std``,
            ``lower_bounds`` and ``upper_bounds`` as in
            :meth:`Explanation.to_shap`.
        """
        position = self._position(row)
        blocks = self._blocks(output)
        names = self._labels[position]
        present = slice(len(names))
        return shap_explanation(
            f"{type(self).__name__}.to_shap",
            contributions=self._component_coef[[position]][:, blocks, present],
            errors=self.standard_error[[position]][:, blocks, present],
            explanation=self,
            rows=[position],
            blocks=blocks,
            data=np.array([self._extra(position)]),
            names=names,
            residual=residual,
            single=True,
        )

    def _weights(self, row, k):
        """The coefficients of ``row`` in block ``k``, one per component."""
        return self._component_coef[row, k]

    def _errors(self, row, k):
        """The standard errors of ``row`` in block ``k``, one per component."""
        return self.standard_error[row, k]

    def _labels_of(self, row):
        """The components of ``row``."""
        return self._labels[row]

    def _component_fields(self, row):
        """Each component of ``row`` and what it holds."""
        return self._labels[row], self._extra(row)
