"""scikit-learn's estimator checks over several LimeExplainer configurations."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklime import LimeExplainer


class RowSumRegressor(RegressorMixin, BaseEstimator):
    """A prefitted model that accepts any number of columns: the weighted row sum.

    The checks feed data of many widths, so the frozen model must not fix one.
    """

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return X @ (1.0 + np.arange(X.shape[1]) % 3)


CONFIGURATIONS = [
    LimeExplainer(num_samples=300),
    LimeExplainer(LogisticRegression(), num_samples=300),
    LimeExplainer(LinearRegression(), discretizer="quartile", num_samples=300),
    LimeExplainer(LinearRegression(), sampling="mask", num_samples=200),
    LimeExplainer(LinearRegression(), sampling="local", num_samples=200),
    LimeExplainer(LinearRegression(), sampling="gaussian", num_samples=200),
    LimeExplainer(FrozenEstimator(RowSumRegressor().fit(None)), num_samples=300),
    LimeExplainer(
        LinearRegression(),
        num_features=2,
        feature_selection="forward_selection",
        num_samples=300,
    ),
    LimeExplainer(
        LinearRegression(),
        num_features=2,
        feature_selection="highest_weights",
        num_samples=300,
    ),
    LimeExplainer(
        LinearRegression(),
        num_features=2,
        feature_selection="lasso_path",
        num_samples=300,
    ),
    LimeExplainer(LinearRegression(), discretizer="decile", num_samples=300),
    LimeExplainer(LinearRegression(), discretizer="entropy", num_samples=300),
    LimeExplainer(categorical_max_distinct=3, num_samples=300),
]


@parametrize_with_checks(CONFIGURATIONS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


EXTRA_CHECKS = [
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_dataframe_column_names_consistency,
]


@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "explainer",
    CONFIGURATIONS[:4] + CONFIGURATIONS[-1:],
    ids=["default", "classifier", "quartile", "mask", "few_distinct_categorical"],
)
def test_checks_not_run_by_check_estimator(explainer, check):
    check(type(explainer).__name__, explainer)
