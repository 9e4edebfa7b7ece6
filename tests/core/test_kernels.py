"""Kernel weights, effective sample size and what they mean for far rows."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression

from sklime import LimeExplainer
from sklime._core._kernels import effective_sample_size, exponential_kernel


@pytest.fixture(scope="module")
def diabetes_forest():
    X, y = load_diabetes(return_X_y=True)
    return X, FrozenEstimator(RandomForestRegressor(20, random_state=0).fit(X, y))


def test_weights_are_scaled_so_the_nearest_perturbation_weighs_one():
    distances = np.array([[0.5, 1.0, 2.0], [30.0, 31.0, 60.0]])
    weights = exponential_kernel(distances, 0.7)
    np.testing.assert_array_equal(weights.max(axis=1), 1.0)
    # Ratios between weights are lime's exp(-d^2 / (2 w^2)).
    np.testing.assert_allclose(
        weights[0, 1:] / weights[0, 0],
        np.exp(-(distances[0, 1:] ** 2 - 0.25) / (2 * 0.49)),
    )
    # Far rows: the unscaled weights all underflow; the scaled ones do not.
    assert weights[1, 1] == pytest.approx(np.exp(-(31.0**2 - 30.0**2) / 0.98))


@pytest.mark.parametrize("width", [1e-300, 1e-160, 1e-3, 1.0, 1e160, 1e300])
def test_extreme_widths_give_finite_weights(width):
    weights = exponential_kernel(np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 1e300]]), width)
    assert np.isfinite(weights).all()
    np.testing.assert_array_equal(weights.max(axis=1), 1.0)


def test_effective_sample_size_is_scale_free():
    weights = np.array([[1.0, 1.0, 0.0, 0.0], [1e-300, 1e-300, 1e-300, 1e-300]])
    # 1e-300 * 1e-200 underflows to zero: scale the first row only.
    np.testing.assert_allclose(effective_sample_size(weights), [2.0, 4.0])
    np.testing.assert_allclose(
        effective_sample_size(weights[:1] * 1e-200), effective_sample_size(weights[:1])
    )


def test_effective_sample_size_of_a_row_does_not_depend_on_its_batch():
    weights = np.random.default_rng(0).uniform(size=(8, 20000))
    batch = effective_sample_size(weights)
    alone = [effective_sample_size(weights[i : i + 1])[0] for i in range(8)]
    np.testing.assert_array_equal(alone, batch)


def test_far_rows_warn_and_have_undetermined_errors(diabetes_forest):
    """A narrow kernel around rows far from the data leaves about one effective
    sample: the warning fires and no standard error pretends to be small."""
    X, model = diabetes_forest
    lime = LimeExplainer(model, kernel_width=0.05, num_samples=500, random_state=0)
    lime.fit(X)
    far = X[:3] + 40 * X.std(axis=0)
    with pytest.warns(UserWarning, match="effective sample size of 1.0"):
        explanation = lime.explain(np.vstack([X[:3], far]))
    ess = explanation.effective_sample_size
    assert np.isfinite(ess).all() and (ess >= 1).all()
    assert np.isinf(explanation.standard_error).all()
    assert np.isfinite(explanation.coef).all()


def test_weights_are_monotone_in_the_distance_of_the_row(diabetes_forest):
    """Rows ever farther from the data get the same treatment (no row where
    all weights underflow to zero beside one where they are rescaled)."""
    X, model = diabetes_forest
    # A draw (random_state) whose second-nearest perturbation to these rows
    # keeps a weight above zero.
    lime = LimeExplainer(model, kernel_width=0.5, num_samples=300, random_state=23)
    lime.fit(X)
    rows = X[:1] + np.array([[k] for k in (20, 35, 45, 80)]) * X.std(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        explanation = lime.explain(rows)
    assert (explanation.effective_sample_size >= 1).all()
    assert (np.abs(explanation.coef).max(axis=1) > 1e-12).all()


def test_standard_errors_are_finite_with_enough_samples(diabetes_forest):
    X, model = diabetes_forest
    explanation = (
        LimeExplainer(model, num_samples=500, random_state=0).fit(X).explain(X[:3])
    )
    assert np.isfinite(explanation.standard_error).all()
    assert (explanation.standard_error > 0).all()


@pytest.mark.parametrize("scale", [1e-300, 1e156, 1e300])
def test_extreme_magnitudes_are_explained(scale):
    X, y = load_diabetes(return_X_y=True)
    # Slopes per standard deviation do not depend on the unit of X.
    expected = LinearRegression().fit(X, y).coef_ * X.std(axis=0)
    model = LinearRegression().fit(X * scale, y)
    lime = LimeExplainer(FrozenEstimator(model), num_samples=2000, random_state=0)
    coef = lime.fit(X * scale).transform(X[:2] * scale)
    np.testing.assert_allclose(coef[0], expected, rtol=0.02)


@pytest.mark.parametrize(
    "params", [{"kernel_width": w} for w in (1e300, 1e160, 1e-160, 1e-300)]
)
def test_extreme_kernel_widths_give_finite_explanations(diabetes_forest, params):
    X, model = diabetes_forest
    lime = LimeExplainer(model, num_samples=200, random_state=0, **params).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        explanation = lime.explain(X[:2])
    assert np.isfinite(explanation.coef).all()


@pytest.mark.parametrize("fidelity_width", [1e-160, 1e160])
def test_score_is_finite_for_extreme_fidelity_widths(diabetes_forest, fidelity_width):
    X, model = diabetes_forest
    lime = LimeExplainer(
        model, num_samples=200, fidelity_width=fidelity_width, random_state=0
    ).fit(X)
    if fidelity_width < 1:
        with pytest.warns(UserWarning, match=r"fidelity_width=1e-160\) .* unreliable"):
            score = lime.score(X[:3])
    else:
        score = lime.score(X[:3])
    assert np.isfinite(score)


def test_score_of_huge_model_outputs_is_finite():
    X, y = load_diabetes(return_X_y=True)
    model = LinearRegression().fit(X, y * 1e300)
    lime = LimeExplainer(FrozenEstimator(model), num_samples=500, random_state=0)
    assert lime.fit(X).score(X[:3]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize(
    "params",
    [
        {"num_features": 3, "feature_selection": "forward_selection"},
        {"num_features": 3, "feature_selection": "lasso_path", "alpha": 0.0},
        {"num_features": 8, "feature_selection": "highest_weights", "alpha": 0.0},
        {"alpha": 0.0, "sampling": "local", "discretizer": "quartile"},
    ],
)
def test_narrow_kernels_never_fail_to_solve(diabetes_forest, params):
    """Narrow kernels leave nearly singular weighted Gram matrices."""
    X, model = diabetes_forest
    lime = LimeExplainer(model, kernel_width=0.05, num_samples=300, random_state=0)
    lime.set_params(**params).fit(X)
    with pytest.warns(UserWarning, match="effective sample size"):
        explanation = lime.explain(np.vstack([X[:20], X[:2] + 40 * X.std(axis=0)]))
    assert np.isfinite(explanation.coef).all()
    assert not np.isnan(explanation.standard_error).any()


class _CountsNonFinite(RegressorMixin, BaseEstimator):
    """A model that tolerates NaN but counts the non-finite points it is given."""

    def fit(self, X, y):
        self.n_features_in_ = np.asarray(X).shape[1]
        self.non_finite_queries_ = 0
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        self.non_finite_queries_ += int((~np.isfinite(X)).any(axis=1).sum())
        return np.nan_to_num(X[:, 0] / 1e160)


@pytest.mark.parametrize("sampling", ["marginal", "mask"])
def test_bins_of_huge_values_give_finite_perturbations(sampling):
    """Values near 1e160 are finite doubles: draws inside their bins too."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) * 1e160
    lime = LimeExplainer(
        _CountsNonFinite(),
        discretizer="quartile",
        sampling=sampling,
        num_samples=256,
        random_state=0,
    ).fit(X, X[:, 0] / 1e160)
    explanation = lime.explain(X[:2])
    assert lime.estimator_.non_finite_queries_ == 0
    assert all(len(label) < 40 for label in explanation.descriptions(0))


def test_kernel_that_keeps_only_copies_of_the_row_warns():
    """A narrow kernel under mask sampling puts all its weight on perturbations
    that keep every feature (copies of the row): many effective samples, but
    no variation, so the coefficients are undetermined and the user is told."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    model = LinearRegression().fit(X, X @ np.array([3.0, -2.0, 0.5]))
    lime = LimeExplainer(
        FrozenEstimator(model),
        sampling="mask",
        kernel_width=0.05,
        num_samples=512,
        random_state=0,
    ).fit(X)
    with pytest.warns(UserWarning, match="no weight on perturbations that change"):
        explanation = lime.explain(X[:1])
    assert explanation.effective_sample_size[0] > 50
    assert np.isinf(explanation.standard_error).all()
