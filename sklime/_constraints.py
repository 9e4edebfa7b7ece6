"""Parameter constraints that every explainer shares.

The surrogate's settings (feature selection, ridge penalty), the model's
response method, the explained classes and the batch settings mean the same
for tables, documents and images, and are checked the same way.
"""

from numbers import Integral, Real

from ._compat import HasMethods, Interval, StrOptions


class _ModelObject(HasMethods):
    """An object implementing ``fit``; its error says how to pass other models.

    lime takes a bare prediction function, so the error for one (or for a
    fitted object without ``fit``) names the wrappers that take it.
    """

    def __init__(self):
        super().__init__(["fit"])

    def __str__(self):
        return (
            "an object implementing 'fit' (a model the explainer fits on y; a "
            "fitted model wrapped as FrozenEstimator(model); a prediction "
            "function wrapped as sklime.ModelFunction(function), for instance "
            "ModelFunction(rf.predict_proba, classes=rf.classes_))"
        )


#: The ``estimator`` parameter of every explainer.
ESTIMATOR_CONSTRAINT = [_ModelObject(), None]


class _TableExplainer(HasMethods):
    """A :class:`~sklime.LimeExplainer`, recognized by the scoring it offers.

    The measures of :mod:`sklime.metrics` take one, and the explainer's own
    ``fit`` calls them (``kernel_width="auto"``): naming the class here
    would make each module import the other.
    """

    def __init__(self):
        super().__init__(["explain", "_fresh_fidelity"])

    def __str__(self):
        return "an instance of 'sklime.LimeExplainer'"


#: The ``explainer`` parameter of the measures of tabular explanations.
TABLE_EXPLAINER_CONSTRAINT = [_TableExplainer()]

SURROGATE_CONSTRAINTS = {
    "tol": [Interval(Real, 0, None, closed="neither"), None],
    "num_features": [Interval(Integral, 1, None, closed="left"), None],
    "feature_selection": [
        StrOptions(
            {"auto", "none", "highest_weights", "forward_selection", "lasso_path"}
        )
    ],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "response_method": [
        StrOptions({"auto", "predict_proba", "decision_function", "predict"})
    ],
    "labels": [
        StrOptions({"all", "predicted"}),
        Interval(Integral, 1, None, closed="left"),
        "array-like",
    ],
    "random_state": ["random_state"],
    "n_jobs": [
        Interval(Integral, None, -1, closed="right"),
        Interval(Integral, 1, None, closed="left"),
        None,
    ],
    "verbose": ["verbose"],
}
