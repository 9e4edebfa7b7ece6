"""Parameter constraints that every explainer shares.

The surrogate's settings (feature selection, ridge penalty), the model's
response method, the explained classes and the batch settings mean the same
for tables, documents and images, and are checked the same way.
"""

from numbers import Integral, Real

from ._compat import Interval, StrOptions

SURROGATE_CONSTRAINTS = {
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
