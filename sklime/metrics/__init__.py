"""Quality measures of LIME explanations: fidelity, stability, sample size.

Each function takes a fitted :class:`~sklime.LimeExplainer` and rows to
explain. :func:`lime_scorers` and :func:`optilime_refit` tune the kernel
width with ``GridSearchCV``.
"""

from ._local import (
    Stability,
    effective_sample_size,
    explanation_stability,
    neighborhood_fidelity,
)
from ._tuning import lime_scorers, optilime_refit

__all__ = [
    "Stability",
    "effective_sample_size",
    "explanation_stability",
    "lime_scorers",
    "neighborhood_fidelity",
    "optilime_refit",
]
