"""sklime: LIME explanations as a fast, reproducible scikit-learn transformer.

The main entry point is :class:`LimeExplainer`; :meth:`LimeExplainer.explain`
returns an :class:`Explanation`.
"""

from ._adapter import ModelFunction
from ._display import (
    CoefficientHeatmapDisplay,
    ExplanationDisplay,
    GlobalImportanceDisplay,
    ImageExplanationDisplay,
)
from ._image._explainer import LimeImageExplainer
from ._image._explanation import ImageExplanation
from ._persist import load_explanation
from ._pick import submodular_pick
from ._tabular._explainer import LimeExplainer
from ._tabular._explanation import Explanation
from ._text._explainer import LimeTextExplainer
from ._text._explanation import TextExplanation
from ._version import __version__ as __version__
from .metrics._width_display import KernelWidthDisplay

__all__ = [
    "CoefficientHeatmapDisplay",
    "Explanation",
    "ExplanationDisplay",
    "GlobalImportanceDisplay",
    "ImageExplanation",
    "ImageExplanationDisplay",
    "KernelWidthDisplay",
    "LimeExplainer",
    "LimeImageExplainer",
    "LimeTextExplainer",
    "ModelFunction",
    "TextExplanation",
    "load_explanation",
    "submodular_pick",
]
