"""sampling="gaussian": perturbations drawn from the kernel's own distribution."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler

from sklime import LimeExplainer, ModelFunction
from sklime._tabular._sampling import Noise, kernel_keep_probability
from sklime.metrics import explanation_stability

W = np.array([1.5, -2.0, 0.5, 3.0])


@pytest.fixture(scope="module")
def linear():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4)) * [1.0, 2.0, 3.0, 0.5] + 5.0
    return X, FrozenEstimator(LinearRegression().fit(X, X @ W))


@pytest.mark.parametrize("width", [0.05, 0.5, 5.0])
def test_linear_model_gives_slope_times_std_at_any_width(linear, width):
    X, model = linear
    lime = LimeExplainer(
        model, sampling="gaussian", kernel_width=width, alpha=0, num_samples=256
    )
    explanation = lime.set_params(random_state=0).fit(X).explain(X[:3])
    np.testing.assert_allclose(explanation.coef, np.tile(W * X.std(axis=0), (3, 1)))
    np.testing.assert_allclose(explanation.local_prediction[:, 0], X[:3] @ W)
    # Uniform weights: every perturbation counts.
    np.testing.assert_array_equal(explanation.effective_sample_size, 256)


def _cubic(X):
    """A model computing ``x**3`` of a single feature exactly."""
    model = make_pipeline(PolynomialFeatures(3), LinearRegression())
    return FrozenEstimator(model.fit(X, X[:, 0] ** 3))


@pytest.mark.parametrize("width", [0.3, 0.8])
def test_width_is_the_standard_deviation_of_the_perturbations(width):
    # Around x, with u ~ N(x, s**2), the least-squares slope of u**3 is
    # 3 x**2 + 3 s**2: it reveals the spread s of the neighborhood. (The
    # tolerance covers the Monte Carlo error of the sample's fourth moment.)
    X = StandardScaler().fit_transform(np.random.default_rng(1).normal(size=(500, 1)))
    rows = np.array([[-1.0], [0.0], [0.5]])
    common = dict(kernel_width=width, alpha=0, num_samples=4096, random_state=0)
    gaussian = LimeExplainer(_cubic(X), sampling="gaussian", **common).fit(X)
    np.testing.assert_allclose(
        gaussian.transform(rows)[:, 0], 3 * rows[:, 0] ** 2 + 3 * width**2, atol=0.06
    )
    # Local draws N(x, 1) weighted by the kernel are N(x, w**2 / (1 + w**2)):
    # the same population as gaussian sampling with that spread.
    local = LimeExplainer(_cubic(X), sampling="local", **common).fit(X)
    spread = width**2 / (1 + width**2)
    np.testing.assert_allclose(
        local.transform(rows)[:, 0], 3 * rows[:, 0] ** 2 + 3 * spread, atol=0.06
    )


@pytest.mark.parametrize("width", [0.3, 1.0, 3.0])
def test_indicators_are_kept_with_the_kernels_probability(width):
    noise = Noise.draw(4096, 2, seed=0, sampler="random").from_kernel(width)
    kept = noise.keep.mean()
    expected = 1 / (1 + np.exp(-1 / (2 * width**2)))
    assert kernel_keep_probability(width) == pytest.approx(expected)
    assert kept == pytest.approx(expected, abs=0.02)
    np.testing.assert_array_equal(
        noise.normal, Noise.draw(4096, 2, seed=0, sampler="random").normal * width
    )


def test_categorical_effect_does_not_depend_on_the_width():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "color": rng.choice(["red", "green", "blue"], 300),
            "size": rng.normal(size=300),
        }
    )
    y = 2.0 * (X["color"] == "red") + X["size"]
    encode = make_column_transformer(
        (OneHotEncoder(), ["color"]), remainder="passthrough"
    )
    model = FrozenEstimator(make_pipeline(encode, LinearRegression()).fit(X, y))
    red = X[X["color"] == "red"].iloc[:2]
    for width in (0.3, 3.0):
        lime = LimeExplainer(
            model, sampling="gaussian", kernel_width=width, alpha=0, num_samples=512
        )
        coef = lime.set_params(random_state=0).fit(X).transform(red)
        # Keeping "red" rather than another color adds 2; size is per std.
        np.testing.assert_allclose(coef[:, 0], 2.0, atol=1e-8)
        np.testing.assert_allclose(coef[:, 1], X["size"].std(ddof=0), atol=1e-8)


def test_narrow_kernels_stay_stable_where_local_sampling_does_not():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 6))
    model = make_pipeline(PolynomialFeatures(2), LinearRegression())
    model = FrozenEstimator(model.fit(X, np.sin(X) @ [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]))
    jaccard = {}
    for sampling in ("local", "gaussian"):
        lime = LimeExplainer(
            model, sampling=sampling, kernel_width=0.2, num_samples=512, random_state=0
        ).fit(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # local: tiny ESS
            jaccard[sampling] = explanation_stability(
                lime, X[:10], n_seeds=3, top_k=3, random_state=0
            ).jaccard
    assert jaccard["gaussian"] > jaccard["local"] + 0.3


def test_gaussian_sampling_refuses_a_custom_kernel(linear):
    X, model = linear
    lime = LimeExplainer(model, sampling="gaussian", kernel=np.exp)
    with pytest.raises(ValueError, match="sampling='gaussian' .* cannot use a custom"):
        lime.fit(X)


def test_extreme_widths_give_finite_coefficients_or_a_clear_error(linear):
    # The probability of keeping an indicator must not overflow in plain float
    # arithmetic (0.5 / width**2 raised ZeroDivisionError or OverflowError).
    X, model = linear
    lime = LimeExplainer(
        model, sampling="gaussian", kernel_width=1e-170, num_samples=64, random_state=0
    )
    with pytest.raises(ValueError, match="kernel_width=1e-170 moves them by less"):
        lime.fit(X)
    lime.set_params(kernel_width=1e160)
    with pytest.raises(ValueError, match="kernel_width=1e.160 would overflow"):
        lime.fit(X)


@pytest.mark.parametrize("width", [1e-4, 1e-3])
def test_the_narrowest_accepted_kernel_gives_the_local_slopes(width):
    # The design spreads over kernel_width standard deviations: down to the
    # narrowest accepted width it stays above the solver's tolerances, so
    # without a penalty the coefficients are the model's local slopes.
    X = np.random.default_rng(0).normal(size=(200, 2))
    model = ModelFunction(lambda X: np.sin(X[:, 0]) + X[:, 1] ** 2)
    lime = LimeExplainer(
        model,
        sampling="gaussian",
        kernel_width=width,
        alpha=0,
        num_samples=256,
        random_state=0,
    ).fit(X)
    slopes = [np.cos(X[0, 0]) * X[:, 0].std(), 2 * X[0, 1] * X[:, 1].std()]
    np.testing.assert_allclose(lime.transform(X[:1])[0], slopes, rtol=1e-3)


def test_a_kernel_narrower_than_the_solver_resolves_is_refused():
    X = np.random.default_rng(0).normal(size=(20, 2))
    lime = LimeExplainer(LinearRegression(), sampling="gaussian", kernel_width=1e-6)
    with pytest.raises(ValueError, match="Use kernel_width >= 1e-04"):
        lime.fit(X, X[:, 0])


def test_narrow_kernel_does_not_silently_shrink_a_linear_models_slopes(linear):
    # Under gaussian sampling the design's spread is kernel_width training
    # standard deviations, so a fixed ridge penalty (the default alpha=1)
    # shrinks the slopes by num_samples * width**2 / (num_samples * width**2
    # + alpha): here to about half, with every one of the 1024 perturbations
    # counting (no small-sample warning). The slopes must be right, or the
    # user told that alpha dominates.
    X, model = linear
    lime = LimeExplainer(
        model, sampling="gaussian", kernel_width=0.03, num_samples=1024, random_state=0
    ).fit(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coef = lime.transform(X[:2])
    right = np.allclose(coef, np.tile(W * X.std(axis=0), (2, 1)), rtol=0.05)
    assert right or any("alpha" in str(w.message) for w in caught)


def test_warns_when_a_narrow_kernel_never_leaves_the_rows_bins(linear):
    # At width 0.02 no perturbation leaves a quartile bin of the row but for
    # rows near an edge: those features get a zero coefficient the data do not
    # determine (infinite standard error). The other samplings warn there;
    # gaussian sampling must too, or transform's zeros pass for "no effect".
    X, model = linear
    lime = LimeExplainer(
        model,
        sampling="gaussian",
        discretizer="quartile",
        kernel_width=0.02,
        num_samples=256,
        random_state=0,
    ).fit(X)
    with pytest.warns(UserWarning, match="kernel_width"):
        explanation = lime.explain(X[:3])
    assert np.isinf(explanation.standard_error).any()


def test_score_warning_gives_a_remedy_that_works_under_gaussian_sampling():
    # Gaussian sampling weighs every perturbation alike: the effective sample
    # size is num_samples whatever the width, so a larger fidelity_width
    # cannot fix a too small one; more num_samples can.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 30))
    model = FrozenEstimator(LinearRegression().fit(X, X[:, 0]))
    lime = LimeExplainer(
        model, sampling="gaussian", num_samples=128, random_state=0
    ).fit(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lime.score(X[:2])
    evaluation = [
        str(w.message) for w in caught if "evaluation kernel" in str(w.message)
    ]
    assert evaluation
    assert all(
        "num_samples" in message.split("unreliable")[-1] for message in evaluation
    )


def test_score_warning_counts_the_selected_features():
    # With num_features=2 the surrogate has 3 coefficients, not 31: 128
    # uniformly weighted perturbations are over 10 per coefficient, as the
    # explanation's own check (which counts num_features) agrees.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 30))
    model = FrozenEstimator(LinearRegression().fit(X, X[:, 0]))
    lime = LimeExplainer(
        model, sampling="gaussian", num_features=2, num_samples=128, random_state=0
    ).fit(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lime.score(X[:2])
    assert not [w for w in caught if "coefficients" in str(w.message)]
