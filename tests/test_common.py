"""scikit-learn's estimator checks over the explainers' configurations."""

import pickle

import numpy as np
import pytest
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_param_validation,
    check_parameters_default_constructible,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_set_params,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklime import LimeExplainer, LimeImageExplainer, LimeTextExplainer, ModelFunction


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


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
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


# -- documents and images -------------------------------------------------------
# Their input is not a 2-D table, so check_estimator's data checks do not
# apply; the checks of construction, parameters, clone and pickle do.

INSTANCE_CHECKS = [
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_get_params_invariance,
    check_set_params,
]


def _documents():
    docs = ["good film", "bad plot", "good acting, bad plot", "great film"] * 3
    model = make_pipeline(CountVectorizer(), LogisticRegression())
    explainer = LimeTextExplainer(
        FrozenEstimator(model.fit(docs, [1, 0, 0, 1] * 3)),
        num_samples=100,
        random_state=0,
    )
    return explainer, docs


def _mean_brightness(images):
    return np.asarray(images).reshape(len(images), -1).mean(axis=1)


def _images():
    images = np.random.default_rng(0).random((3, 8, 8))
    explainer = LimeImageExplainer(
        ModelFunction(_mean_brightness),
        segmenter="grid",
        num_samples=100,
        random_state=0,
    )
    return explainer, images


INSTANCE_CASES = {"text": _documents, "image": _images}


@pytest.mark.parametrize("check", INSTANCE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("kind", INSTANCE_CASES)
def test_instance_explainers_pass_the_checks_that_apply(kind, check):
    explainer, _ = INSTANCE_CASES[kind]()
    check(type(explainer).__name__, explainer)
    check(type(explainer).__name__, type(explainer)())  # the defaults too


@pytest.mark.parametrize("kind", INSTANCE_CASES)
def test_instance_explainers_clone_and_pickle(kind):
    explainer, X = INSTANCE_CASES[kind]()
    explainer.fit(X)
    expected = explainer.transform(X[:2])
    unfitted = clone(explainer)
    assert unfitted.get_params() == explainer.get_params()
    assert not hasattr(unfitted, "_noise_seed")
    np.testing.assert_array_equal(
        _dense(clone(explainer).fit(X).transform(X[:2])), _dense(expected)
    )
    loaded = pickle.loads(pickle.dumps(explainer))
    np.testing.assert_array_equal(_dense(loaded.transform(X[:2])), _dense(expected))


def _dense(matrix):
    return matrix.toarray() if issparse(matrix) else np.asarray(matrix)
