"""Displays: the pictures of explanations, as scikit-learn displays.

Each display takes plain arrays and labels, draws with ``plot(ax=...)`` and
keeps its axes, figure and artists so they can be restyled;
``from_explanation``, ``from_estimator`` and ``from_search`` build and
draw one in a call.
"""

from ._bars import ExplanationDisplay, GlobalImportanceDisplay
from ._heatmap import CoefficientHeatmapDisplay
from ._image import ImageExplanationDisplay

__all__ = [
    "CoefficientHeatmapDisplay",
    "ExplanationDisplay",
    "GlobalImportanceDisplay",
    "ImageExplanationDisplay",
]
