"""The private scikit-learn helpers sklime relies on, imported in one place.

scikit-learn does not promise these names across releases; keeping them here
means a rename touches one file.
"""

from sklearn.base import _fit_context
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._indexing import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.fixes import _get_threadpool_controller
from sklearn.utils.validation import (
    _check_feature_names_in,
    _num_samples,
    validate_data,
)

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_check_feature_names_in",
    "_fit_context",
    "_get_threadpool_controller",
    "_num_samples",
    "_safe_indexing",
    "get_chunk_n_rows",
    "validate_data",
    "validate_parameter_constraints",
    "validate_params",
]
