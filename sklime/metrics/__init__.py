"""Quality measures of LIME explanations: fidelity, stability, sample size.

Each function takes a fitted :class:`~sklime.LimeExplainer` and rows to
explain. :func:`choose_width` tunes the kernel width of an explainer fitted
on training data; :func:`lime_scorers` and :func:`optilime_refit` do it with
``GridSearchCV``.
"""

from ._choose_width import choose_width
from ._local import (
    Stability,
    effective_sample_size,
    explanation_stability,
    neighborhood_fidelity,
)
from ._tuning import lime_scorers, optilime_refit

__all__ = [
    "Stability",
    "choose_width",
    "effective_sample_size",
    "explanation_stability",
    "lime_scorers",
    "neighborhood_fidelity",
    "optilime_refit",
]
