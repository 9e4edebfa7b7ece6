"""The honest score, grid search over kernel_width, and sklime.metrics."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV

from sklime import LimeExplainer, ModelFunction
from sklime.metrics import (
    effective_sample_size,
    explanation_stability,
    neighborhood_fidelity,
)

WIDTHS = [0.05, 0.2, 1.0, 2.0, 8.0, 32.0]


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=600, random_state=0)
    return X, y


def _search(model, X, sampling="marginal"):
    lime = LimeExplainer(
        FrozenEstimator(model), sampling=sampling, num_samples=1000, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # narrow widths warn on ESS
        search = GridSearchCV(lime, {"kernel_width": WIDTHS}, cv=3).fit(X[:90])
    return search, search.cv_results_["mean_test_score"]


@pytest.mark.parametrize("sampling", ["marginal", "local"])
def test_grid_search_picks_an_interior_width_for_a_nonlinear_model(friedman, sampling):
    X, y = friedman
    model = GradientBoostingRegressor(random_state=0).fit(X, y)
    search, scores = _search(model, X, sampling)
    best = search.best_params_["kernel_width"]
    assert WIDTHS[0] < best < WIDTHS[-1]
    # A near-zero width leaves a few samples per surrogate: clearly worse.
    assert scores[0] < scores.max() - 0.5


def test_grid_search_widest_width_ties_for_a_linear_model(friedman):
    X, y = friedman
    _, scores = _search(LinearRegression().fit(X, y), X)
    assert scores[-1] >= scores.max() - 1e-6
    assert scores[0] < scores.max() - 0.5


def test_score_does_not_reward_the_in_sample_fit(friedman):
    X, y = friedman
    model = FrozenEstimator(GradientBoostingRegressor(random_state=0).fit(X, y))
    narrow, wide = (
        LimeExplainer(
            model,
            sampling="local",
            kernel_width=width,
            num_samples=1000,
            random_state=0,
        )
        for width in (1.0, 2.0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        narrow.fit(X)
        in_sample_narrow = narrow.explain(X[:20]).score.mean()
        honest_narrow = narrow.score(X[:20])
    wide.fit(X)
    # lime's in-sample R^2 prefers the narrow kernel; the honest score does not.
    assert in_sample_narrow > wide.explain(X[:20]).score.mean()
    assert honest_narrow < wide.score(X[:20])


def test_score_uses_the_same_draws_for_every_width(friedman):
    X, y = friedman
    model = FrozenEstimator(LinearRegression().fit(X, y))
    a = LimeExplainer(model, kernel_width=1.0, random_state=0).fit(X)
    b = LimeExplainer(model, kernel_width=3.0, random_state=0).fit(X)
    assert a._evaluation_seed == b._evaluation_seed
    assert neighborhood_fidelity(a, X[:5]) == a.score(X[:5])


def test_constant_model_scores_one():
    X = np.random.default_rng(0).normal(size=(50, 3))
    model = FrozenEstimator(LinearRegression().fit(X, np.zeros(50)))
    assert LimeExplainer(model, num_samples=200).fit(X).score(X[:3]) == 1.0


def test_stability_is_one_for_a_linear_model_and_lower_for_noise():
    X, y = load_diabetes(return_X_y=True)
    linear = FrozenEstimator(LinearRegression().fit(X, y))
    lime = LimeExplainer(linear, num_samples=2000, random_state=0).fit(X)
    stable = explanation_stability(lime, X[:5], n_seeds=3, top_k=3, random_state=0)
    assert stable.jaccard == 1.0
    assert stable.row_jaccard.shape == (5,)
    # Pure noise responses give unstable top sets.
    noisy = FrozenEstimator(_NoiseModel().fit(X, y))
    lime = LimeExplainer(noisy, num_samples=300, sampler="random", random_state=0)
    unstable = explanation_stability(
        lime.fit(X), X[:5], n_seeds=4, top_k=3, random_state=0
    )
    assert unstable.jaccard < 0.7
    assert unstable.coef_spread > stable.coef_spread


class _NoiseModel(LinearRegression):
    """Returns noise that depends on the exact input values only."""

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return np.sin(1e4 * X).sum(axis=1)


def test_effective_sample_size_shrinks_with_the_kernel():
    X, y = load_diabetes(return_X_y=True)
    model = FrozenEstimator(LinearRegression().fit(X, y))
    wide = LimeExplainer(model, kernel_width=10.0, num_samples=500).fit(X)
    narrow = LimeExplainer(model, kernel_width=1.0, num_samples=500).fit(X)
    ess_wide = effective_sample_size(wide, X[:4])
    ess_narrow = effective_sample_size(narrow, X[:4])
    assert (ess_narrow < ess_wide).all() and (ess_wide <= 500).all()


def test_metrics_accept_lists_and_check_their_arguments():
    X, y = load_diabetes(return_X_y=True)
    model = FrozenEstimator(LinearRegression().fit(X, y))
    lime = LimeExplainer(model, num_samples=200, random_state=0).fit(X)
    rows = X[:3]
    assert neighborhood_fidelity(lime, rows.tolist()) == neighborhood_fidelity(
        lime, rows
    )
    np.testing.assert_array_equal(
        effective_sample_size(lime, rows.tolist()), effective_sample_size(lime, rows)
    )
    kwargs = {"n_seeds": 2, "random_state": 0}
    assert (
        explanation_stability(lime, rows.tolist(), **kwargs).row_spread.tolist()
        == explanation_stability(lime, rows, **kwargs).row_spread.tolist()
    )
    for n_seeds in (0, 1):  # seeds are compared in pairs
        with pytest.raises(ValueError, match="'n_seeds' parameter .* \\[2, inf\\)"):
            explanation_stability(lime, rows, n_seeds=n_seeds)
    with pytest.raises(ValueError, match="'top_k' parameter .* \\[1, inf\\)"):
        explanation_stability(lime, rows, top_k=0)
    # More than the 10 features: all of them are compared.
    assert (
        explanation_stability(lime, rows, top_k=11, **kwargs).jaccard
        == explanation_stability(lime, rows, top_k=10, **kwargs).jaccard
    )
    for metric in (neighborhood_fidelity, effective_sample_size):
        with pytest.raises(ValueError, match="'explainer' parameter .*LimeExplainer"):
            metric(model, rows)
        with pytest.raises(ValueError, match="'X' parameter .* array-like"):
            metric(lime, 3)


@pytest.mark.parametrize("exponent", [-1000, 1000])
def test_stability_spread_follows_the_unit_of_the_model_output(exponent):
    # Scaled by a power of two, however huge or tiny, the spread of the
    # coefficients over seeds scales exactly: no square overflows or
    # underflows.
    X = np.random.default_rng(0).normal(size=(30, 3))

    def model(X):
        return X[:, 0] ** 2 + X[:, 1]

    unit = np.ldexp(1.0, exponent)
    stability = []
    for scale in (1.0, unit):
        lime = LimeExplainer(
            ModelFunction(lambda X, scale=scale: scale * model(X)),
            num_samples=128,
            random_state=0,
        ).fit(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", RuntimeWarning)
            stability.append(
                explanation_stability(lime, X[:4], n_seeds=3, random_state=0)
            )
    reference, scaled = stability
    assert scaled.jaccard == reference.jaccard
    np.testing.assert_array_equal(scaled.row_spread, unit * reference.row_spread)
    assert scaled.coef_spread == unit * reference.coef_spread
