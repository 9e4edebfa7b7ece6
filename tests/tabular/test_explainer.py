"""LimeExplainer: closed-form answers, invariances and scikit-learn integration."""

import pickle
import re
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
from sklearn.tree import DecisionTreeRegressor

from sklime import LimeExplainer
from sklime._core import _problem

SAMPLINGS = ["marginal", "local", "mask"]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y, LinearRegression().fit(X, y)


@pytest.mark.parametrize("sampling", ["marginal", "local"])
def test_linear_model_coefficients_are_weight_times_std(diabetes, sampling):
    X, _, model = diabetes
    lime = LimeExplainer(
        FrozenEstimator(model), sampling=sampling, num_samples=20000, random_state=0
    ).fit(X)
    explanation = lime.explain(X[:5])
    expected = model.coef_ * X.std(axis=0)
    # The ridge penalty (alpha=1 against a weighted Gram of order
    # sum(w) ~ thousands) shrinks by well under 1%.
    np.testing.assert_allclose(explanation.coef, np.tile(expected, (5, 1)), rtol=0.01)
    # The surrogate reproduces the linear model at the row, up to that shrinkage.
    np.testing.assert_allclose(
        explanation.local_prediction, explanation.model_prediction, rtol=0.01
    )
    np.testing.assert_allclose(explanation.model_prediction[:, 0], model.predict(X[:5]))


def test_mask_coefficients_converge_to_weight_times_offset(diabetes):
    X, _, model = diabetes
    lime = LimeExplainer(
        FrozenEstimator(model), sampling="mask", num_samples=40000, random_state=0
    ).fit(X)
    coef = lime.transform(X[:3])
    expected = model.coef_ * (X[:3] - X.mean(axis=0))
    # Each replaced feature adds variance w_j^2 std_j^2 / 4 to the response; the
    # standard error of a keep-mask coefficient is then about
    # 2 * sqrt(sum_j w_j^2 std_j^2 / 4) / sqrt(n): bound by 5 of them.
    tolerance = 5 * np.sqrt(np.sum((model.coef_ * X.std(0)) ** 2) / 40000)
    np.testing.assert_allclose(coef, expected, atol=tolerance)


@pytest.mark.parametrize("sampling", SAMPLINGS)
@pytest.mark.parametrize("discretizer", [None, "quartile"])
def test_ignored_features_get_zero(sampling, discretizer):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = np.sin(2 * X[:, 0]) + X[:, 2] ** 2
    model = _FunctionModel(lambda Z: np.sin(2 * Z[:, 0]) + Z[:, 2] ** 2)
    lime = LimeExplainer(
        FrozenEstimator(model.fit(X, y)),
        sampling=sampling,
        discretizer=discretizer,
        num_samples=10000,
        random_state=0,
    ).fit(X)
    coef = lime.transform(X[:6])
    # Features 1 and 3 do not enter the model: their coefficients are sampling
    # noise. The surrogates leave most variance unexplained (R^2 ~ 0.2), so a
    # coefficient's standard error is about sd(residual) / sqrt(ESS var(z'))
    # ~ 1 / sqrt(5000 * 0.2) ~ 0.03; the bound (0.08 x the largest effect, ~1-2)
    # is about four of them.
    assert np.abs(coef[:, [1, 3]]).max() < 0.08 * np.abs(coef[:, [0, 2]]).max()


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_constant_model_gives_zero_coefficients(sampling):
    X = np.random.default_rng(1).normal(size=(100, 3))
    model = _FunctionModel(lambda Z: np.full(len(Z), 4.0)).fit(X, None)
    for discretizer in [None, "decile"]:
        lime = LimeExplainer(
            FrozenEstimator(model),
            sampling=sampling,
            discretizer=discretizer,
            num_samples=500,
            random_state=0,
        ).fit(X)
        explanation = lime.explain(X[:4])
        np.testing.assert_allclose(explanation.coef, 0.0, atol=1e-10)
        np.testing.assert_allclose(explanation.intercept, 4.0)


class _FunctionModel:
    """A frozen-able regressor computing a fixed function of its input."""

    def __init__(self, function):
        self.function = function

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict(self, X):
        return self.function(np.asarray(X, dtype=float))

    def get_params(self, deep=True):
        return {"function": self.function}

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type="regressor", target_tags=TargetTags(required=False))


@pytest.mark.parametrize("sampling", SAMPLINGS)
@pytest.mark.parametrize("discretizer", [None, "quartile"])
def test_row_results_do_not_depend_on_batch(diabetes, sampling, discretizer):
    """Bit-identical rows whatever the batch, order, chunking and n_jobs.

    A tree predicts each point on its own; a linear model's BLAS product could
    round a point differently in a call of another size.
    """
    X, y, _ = diabetes
    lime = LimeExplainer(
        make_pipeline(StandardScaler(), DecisionTreeRegressor(random_state=0)),
        sampling=sampling,
        discretizer=discretizer,
        num_samples=500,
        num_features=3,
        random_state=0,
    ).fit(X, y)
    full = lime.explain(X[:20])

    def assert_same_rows(explanation, rows):
        for name in ("coef", "standard_error", "intercept", "local_prediction"):
            np.testing.assert_array_equal(
                getattr(explanation, name), getattr(full, name)[rows], err_msg=name
            )

    assert_same_rows(lime.explain(X[:20][::-1]), slice(None, None, -1))
    for rows in (slice(5, 6), slice(3, 10), slice(17, 20)):
        assert_same_rows(lime.explain(X[rows]), rows)
    with config_context(working_memory=0.1):  # chunks of a few rows
        np.testing.assert_array_equal(lime.transform(X[:20]), full.coef)
        lime.set_params(n_jobs=2)
        np.testing.assert_array_equal(lime.transform(X[:20]), full.coef)


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_a_row_explained_alone_has_the_bits_of_a_batch():
    """A batch of one row must not round the kernel distances differently.

    With more than 8 features the squared norm of a row's z-scores can be
    summed in another order for a batch of one row than for a larger batch.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 15))
    y = X[:, 0] + np.sin(3 * X[:, 1])
    lime = LimeExplainer(
        DecisionTreeRegressor(random_state=0), num_samples=256, random_state=0
    ).fit(X, y)
    full = lime.transform(X[:20])
    alone = np.vstack([lime.transform(X[i : i + 1]) for i in range(20)])
    np.testing.assert_array_equal(alone, full)


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_same_random_state_same_matrix_other_state_differs(diabetes):
    X, y, _ = diabetes
    a = LimeExplainer(num_samples=300, random_state=3).fit(X, y).transform(X[:5])
    b = LimeExplainer(num_samples=300, random_state=3).fit(X, y).transform(X[:5])
    c = LimeExplainer(num_samples=300, random_state=4).fit(X, y).transform(X[:5])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_transform_does_not_change_state(diabetes):
    X, y, _ = diabetes
    lime = LimeExplainer(num_samples=300, random_state=0).fit(X, y)
    before = pickle.dumps(lime)
    lime.transform(X[:4])
    assert pickle.dumps(lime) == before


def test_pipeline_clone_pickle_and_grid_search(diabetes):
    X, y, model = diabetes
    pipe = make_pipeline(
        LimeExplainer(FrozenEstimator(model), num_samples=300, random_state=0),
        LinearRegression(),
    )
    pipe.fit(X, y)
    assert pipe.predict(X[:3]).shape == (3,)
    lime = pipe[0]
    restored = pickle.loads(pickle.dumps(lime))
    np.testing.assert_array_equal(restored.transform(X[:4]), lime.transform(X[:4]))
    cloned = clone(lime)
    assert not hasattr(cloned, "estimator_")
    np.testing.assert_array_equal(cloned.fit(X).transform(X[:4]), lime.transform(X[:4]))
    search = GridSearchCV(pipe, {"limeexplainer__kernel_width": [1.0, 3.0]}, cv=2)
    search.fit(X[:200], y[:200])
    assert search.best_params_["limeexplainer__kernel_width"] in (1.0, 3.0)


def test_multiclass_blocks_follow_classes():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    lime = LimeExplainer(
        LogisticRegression(max_iter=500), num_samples=500, random_state=0
    ).fit(X, labels)
    names = lime.get_feature_names_out()
    assert names[:2].tolist() == ["coef_setosa_x0", "coef_setosa_x1"]
    assert names[4].startswith("coef_versicolor_")
    explanation = lime.explain(X[:3])
    assert explanation.coef.shape == (3, 12)
    np.testing.assert_allclose(
        explanation.model_prediction, lime.estimator_.predict_proba(X[:3])
    )
    # Probabilities sum to one, so the per-class surrogates' slopes sum to zero.
    np.testing.assert_allclose(
        explanation.coef.reshape(3, 3, 4).sum(axis=1), 0.0, atol=1e-8
    )


def test_binary_classifier_has_one_block_for_positive_class():
    X, y = load_iris(return_X_y=True)
    X, y = X[y > 0], y[y > 0]
    lime = LimeExplainer(
        RandomForestClassifier(n_estimators=10), num_samples=300, random_state=0
    ).fit(X, y)
    assert lime.outputs_.tolist() == [2]
    assert lime.transform(X[:2]).shape == (2, 4)
    np.testing.assert_allclose(
        lime.explain(X[:2]).model_prediction[:, 0],
        lime.estimator_.predict_proba(X[:2])[:, 1],
    )


def test_num_features_gives_exactly_k_and_as_list(diabetes):
    X, y, model = diabetes
    lime = LimeExplainer(
        FrozenEstimator(model),
        discretizer="quartile",
        num_features=4,
        num_samples=1000,
        random_state=0,
    ).fit(X)
    explanation = lime.explain(X[:10])
    assert (np.count_nonzero(explanation.coef, axis=1) == 4).all()
    pairs = explanation.as_list(0)
    assert len(pairs) == 4
    weights = [abs(w) for _, w in pairs]
    assert weights == sorted(weights, reverse=True)
    assert all(("x" in label) and ("<" in label or ">" in label) for label, _ in pairs)


def test_collapsed_quartiles_and_constant_features():
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [
            rng.normal(size=400),
            (rng.random(400) < 0.1).astype(float),  # quartiles all 0: two bins
            np.full(400, 2.0),  # constant
        ]
    )
    model = _FunctionModel(lambda Z: Z[:, 0] + 3 * Z[:, 1] + Z[:, 2]).fit(X, None)
    for sampling in SAMPLINGS:
        lime = LimeExplainer(
            FrozenEstimator(model),
            discretizer="quartile",
            sampling=sampling,
            num_samples=2000,
            random_state=0,
        ).fit(X)
        explanation = lime.explain(X[:20])
        assert np.isfinite(explanation.coef).all()
        np.testing.assert_array_equal(explanation.coef[:, 2], 0.0)
        assert not explanation.selected[:, 0, 2].any()
        # Being in the row's bin of the 0/1 feature: +3 for rows at 1, -3 at 0
        # (local sampling only moves a 0 by about one std, 0.25: a smaller effect).
        sign = np.where(X[:20, 1] > 0, 1, -1)
        bound = 0.5 if sampling == "local" else 2.5
        assert (sign * explanation.coef[:, 1] > bound).all()
    assert lime.explain(X[:1]).descriptions(0)[1] in ("x1 <= 0.00", "x1 > 0.00")


def test_kbins_discretizer_object(diabetes):
    X, _, model = diabetes
    lime = LimeExplainer(
        FrozenEstimator(model),
        discretizer=KBinsDiscretizer(n_bins=3, strategy="uniform"),
        num_samples=500,
        random_state=0,
    ).fit(X)
    edges = lime._describer.edges
    expected = np.linspace(X[:, 2].min(), X[:, 2].max(), 4)[1:-1]
    np.testing.assert_allclose(edges[2], expected)
    assert lime.transform(X[:2]).shape == (2, 10)


def _entropy_case(target):
    """Training data, a step model's target and the model, for entropy bins."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    signal = X @ [1.0, 2.0, -1.0] + 0.5 * (X[:, 0] > 0)
    y = signal if target == "continuous" else (signal > 0.3).astype(int)
    return X, y, lambda Z: Z @ [1.0, 2.0, -1.0] + 0.5 * (Z[:, 0] > 0)


@pytest.mark.parametrize("target", ["continuous", "labels"])
@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_entropy_bins_do_not_depend_on_the_units(target, sampling):
    X, y, function = _entropy_case(target)

    def explain(scale, shift):
        unscale = _FunctionModel(lambda Z: function((Z - shift) / scale))
        lime = LimeExplainer(
            FrozenEstimator(unscale.fit(None, None)),
            discretizer="entropy",
            sampling=sampling,
            num_samples=500,
            random_state=0,
        ).fit(X * scale + shift, y)
        return lime, lime.explain(X[:10] * scale + shift)

    reference, expected = explain(1.0, 0.0)
    for scale, shift in [(1e-6, 0.0), (1e6, 0.0), (1.0, 1e3), (1e-6, -5.0), (1e300, 0)]:
        lime, got = explain(scale, shift)
        for edges, reference_edges in zip(
            lime._describer.edges, reference._describer.edges, strict=True
        ):
            np.testing.assert_allclose(edges, reference_edges * scale + shift)
        # The data themselves are rounded to eps * |shift| in their own units.
        rounding = 1e3 * np.finfo(float).eps * (1.0 + abs(shift) / scale)
        for name in ("coef", "intercept", "score"):
            np.testing.assert_allclose(
                getattr(got, name), getattr(expected, name), rtol=0, atol=rounding
            )


@pytest.mark.parametrize("discretizer", [None, "quartile", "decile", "entropy"])
@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_values_up_to_the_largest_float(discretizer, sampling):
    """Values up to 1e300 anywhere, up to the largest float where draws stay in
    the training range (in bins, under marginal or mask sampling)."""
    X, y, function = _entropy_case("labels")
    in_range = discretizer is not None and sampling != "local"
    largest = 0.99 * np.finfo(float).max if in_range else 1e300
    scale = largest / np.abs(X).max()

    def explain(scale):
        unscale = _FunctionModel(lambda Z: function(Z / scale))
        lime = LimeExplainer(
            FrozenEstimator(unscale.fit(None, None)),
            discretizer=discretizer,
            sampling=sampling,
            num_samples=500,
            random_state=0,
        ).fit(X * scale, y)
        return lime.explain(X[:10] * scale)

    expected, got = explain(1.0), explain(scale)
    for name in ("coef", "intercept", "model_prediction"):
        np.testing.assert_allclose(
            getattr(got, name), getattr(expected, name), rtol=1e-9, atol=1e-9
        )


@pytest.mark.parametrize("discretizer", ["quartile", "decile", "entropy"])
def test_bins_of_a_column_spanning_the_float_range_are_finite(discretizer):
    # An entropy tree that finds no split puts the edge at the median.
    X = np.array([[-1.7e308], [1.6e308], [-1.5e308], [1.4e308]] * 5)
    lime = LimeExplainer(
        FrozenEstimator(_FunctionModel(lambda Z: Z[:, 0] / 1e308).fit(None, None)),
        discretizer=discretizer,
        num_samples=200,
        random_state=0,
    ).fit(X, np.zeros(len(X)))
    assert np.isfinite(lime._describer.edges[0]).all()
    assert np.isfinite(lime.transform(X[:4])).all()


def test_entropy_bins_separate_adjacent_floats():
    """Values one float apart that the target separates get bins of their own."""
    low = np.nextafter(1.0, 2.0)
    high = np.nextafter(low, 2.0)  # their midpoint rounds up to ``high``
    X = np.repeat([[low], [high]], 50, axis=0)
    y = (X[:, 0] == high).astype(int)
    model = _FunctionModel(lambda Z: (Z[:, 0] >= high).astype(float))
    lime = LimeExplainer(
        FrozenEstimator(model.fit(None, None)),
        discretizer="entropy",
        num_samples=1000,
        alpha=0.0,
        random_state=0,
    ).fit(X, y)
    assert lime._describer.edges[0].tolist() == [low]
    # Being in the row's bin: the model's step, up for ``high`` and down for ``low``.
    np.testing.assert_allclose(lime.transform(X[[0, -1]])[:, 0], [-1.0, 1.0])


def test_custom_kernel_is_used(diabetes):
    X, _, model = diabetes

    def flat(distances, width):
        return np.ones_like(distances)

    explanation = (
        LimeExplainer(
            FrozenEstimator(model), kernel=flat, num_samples=400, random_state=0
        )
        .fit(X)
        .explain(X[:2])
    )
    np.testing.assert_allclose(explanation.effective_sample_size, 400)


def test_default_model_follows_the_target_type(diabetes):
    X, y, _ = diabetes  # float target with integer values: a regression target
    regression = LimeExplainer(num_samples=300, random_state=0).fit(X, y)
    assert regression.estimator_.__class__.__name__ == "RandomForestRegressor"
    assert regression.outputs_.tolist() == [None]
    labels = LimeExplainer(num_samples=300, random_state=0).fit(
        X, (y > 150).astype(int)
    )
    assert labels.estimator_.__class__.__name__ == "RandomForestClassifier"
    assert labels.outputs_.tolist() == [1]


@pytest.mark.parametrize("as_frame", [True, False])
def test_default_model_one_hot_encodes_string_columns(as_frame):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 300
    city = rng.choice(["paris", "rome", "oslo"], n)
    age = rng.normal(40, 10, n)
    y = np.where(city == "rome", 5.0, 0.0) + 0.01 * age
    X = pd.DataFrame({"city": city, "age": age})
    if not as_frame:
        X = X.to_numpy(dtype=object)
    lime = LimeExplainer(num_samples=500, random_state=0).fit(X, y)
    encoder = lime.estimator_.named_steps["encode"]
    assert encoder.transformers_[0][2] == [0]  # the city column
    explanation = lime.explain(X[:20] if not as_frame else X.iloc[:20])
    np.testing.assert_allclose(
        explanation.model_prediction[:, 0],
        lime.estimator_.predict(X[:20] if not as_frame else X.iloc[:20]),
    )
    # Being in Rome is worth about 5, against the mean of the other cities.
    rome = city[:20] == "rome"
    assert (explanation.coefficients()[rome, 0] > 3).all()
    assert (explanation.coefficients()[~rome, 0] < -1).all()


def _coefficients_over_seeds(X, y, sampler, **params):
    """Coefficients and standard errors of three rows under 30 seeds."""
    from sklearn.ensemble import RandomForestRegressor

    forest = RandomForestRegressor(n_estimators=20, random_state=0).fit(X, y)
    coefs, errors = [], []
    for seed in range(30):
        explanation = (
            LimeExplainer(
                FrozenEstimator(forest),
                sampler=sampler,
                num_samples=1000,
                random_state=seed,
                **params,
            )
            .fit(X)
            .explain(X[:3])
        )
        coefs.append(explanation.coef)
        errors.append(explanation.standard_error)
    return np.std(coefs, axis=0, ddof=1), np.mean(errors, axis=0)


@pytest.mark.parametrize("sampling", SAMPLINGS)
@pytest.mark.parametrize("discretizer", [None, "quartile"])
def test_standard_errors_match_spread_over_seeds(diabetes, sampling, discretizer):
    X, y, _ = diabetes
    observed, predicted = _coefficients_over_seeds(
        X, y, "random", sampling=sampling, discretizer=discretizer
    )
    ratio = observed / predicted
    # 30 seeds estimate a standard deviation to about 13% (1 / sqrt(2 * 29)):
    # the typical ratio must be near 1, and no ratio far off.
    assert 0.85 < np.median(ratio) < 1.15
    assert 0.55 < ratio.min() and ratio.max() < 1.6


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_sobol_noise_varies_less_and_its_standard_errors_say_so(diabetes, sampling):
    X, y, _ = diabetes
    observed, predicted = _coefficients_over_seeds(X, y, "sobol", sampling=sampling)
    random_observed, _ = _coefficients_over_seeds(X, y, "random", sampling=sampling)
    # Quasi-Monte Carlo noise beats independent draws, and the standard
    # errors, from the spread between independent replicates, follow it.
    assert np.median(observed / random_observed) < 0.85
    assert 0.8 < np.median(observed / predicted) < 1.2


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_local_prediction_is_the_surrogate_at_the_row(diabetes, sampling):
    """intercept + coef . representation(row): all ones under mask sampling."""
    X, _, model = diabetes
    lime = LimeExplainer(
        FrozenEstimator(model), sampling=sampling, num_samples=4000, random_state=0
    ).fit(X)
    explanation = lime.explain(X[:4])
    if sampling == "mask":
        representation = np.ones((4, X.shape[1]))
    else:
        representation = (X[:4] - X.mean(axis=0)) / X.std(axis=0)
    np.testing.assert_allclose(
        explanation.local_prediction[:, 0],
        explanation.intercept[:, 0] + (explanation.coef * representation).sum(axis=1),
    )
    # For a linear model the surrogate reproduces the model at the row (the
    # mask coefficients tend to w_j (x_j - mean_j), which add up to f(x) - f(mean)).
    scale = np.abs(model.predict(X)).std()
    np.testing.assert_allclose(
        explanation.local_prediction, explanation.model_prediction, atol=0.02 * scale
    )


def test_highest_weights_under_mask_ranks_by_the_coefficient(diabetes):
    """Under mask sampling the row's representation is all ones, so
    highest_weights keeps the features with the largest |coefficient|."""
    X, _, model = diabetes
    full = LimeExplainer(
        FrozenEstimator(model), sampling="mask", num_samples=4000, random_state=0
    ).fit(X)
    top = LimeExplainer(
        FrozenEstimator(model),
        sampling="mask",
        num_samples=4000,
        num_features=3,
        feature_selection="highest_weights",
        random_state=0,
    ).fit(X)
    coef = full.transform(X[:6])
    expected = np.argsort(-np.abs(coef), axis=1)[:, :3]
    selected = top.explain(X[:6]).selected[:, 0]
    for row in range(6):
        assert set(np.flatnonzero(selected[row])) == set(expected[row])


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_constant_training_data_gives_one_coefficient_per_feature(sampling):
    rng = np.random.default_rng(0)
    model = FrozenEstimator(
        LinearRegression().fit(rng.normal(size=(30, 3)), rng.normal(size=30))
    )
    for X in (np.ones((5, 3)), rng.normal(size=(1, 3))):
        lime = LimeExplainer(model, sampling=sampling, num_samples=50).fit(X)
        rows = rng.normal(size=(4, 3))
        explanation = lime.explain(rows)
        assert lime.transform(rows).shape == (4, 3)
        # Nothing varies in the training data: no feature can be explained.
        np.testing.assert_array_equal(explanation.coef, 0.0)
        if sampling != "marginal":  # constant features keep the row's value
            np.testing.assert_allclose(
                explanation.local_prediction, explanation.model_prediction
            )


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
@pytest.mark.parametrize("sampling", ["marginal", "local"])
def test_mean_abs_coef_error_accounts_for_shared_noise(sampling):
    """Rows share the noise, so the error of an average over rows does not
    shrink like 1/sqrt(n_rows); mean_abs_coef_error must match the spread
    over seeds where the naive SE/sqrt(n) is far too small."""
    X, y = load_diabetes(return_X_y=True)
    model = FrozenEstimator(RandomForestRegressor(20, random_state=0).fit(X, y))
    means, errors, naive = [], [], []
    for seed in range(30):
        explanation = (
            LimeExplainer(
                model,
                sampler="random",
                sampling=sampling,
                num_samples=500,
                random_state=seed,
            )
            .fit(X)
            .explain(X[:40])
        )
        np.testing.assert_allclose(
            explanation.mean_abs_coef, np.abs(explanation.coef).mean(axis=0)
        )
        means.append(explanation.mean_abs_coef)
        errors.append(explanation.mean_abs_coef_error)
        naive.append(np.sqrt((explanation.standard_error**2).sum(axis=0)) / 40)
    observed = np.std(means, axis=0, ddof=1)
    ratio = observed / np.mean(errors, axis=0)
    # 30 seeds estimate a standard deviation to about 13%.
    assert 0.8 < np.median(ratio) < 1.2
    assert 0.5 < ratio.min() and ratio.max() < 1.7
    assert np.median(observed / np.mean(naive, axis=0)) > 1.4


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_wide_table_algorithm_gives_the_same_coefficients(
    diabetes, sampling, monkeypatch
):
    X, y, _ = diabetes
    model = DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, y)
    lime = LimeExplainer(
        FrozenEstimator(model), sampling=sampling, num_samples=300, random_state=0
    ).fit(X)
    expected = lime.explain(X[:7])
    # Past FORMED_MAX_FEATURES, marginal sampling solves by conjugate
    # gradients; refitted, since the fitted explainer keeps its prepared design.
    monkeypatch.setattr("sklime._core._surrogate.FORMED_MAX_FEATURES", 0)
    lime.fit(X)
    with config_context(working_memory=0.1):
        wide = lime.explain(X[:7])
        coef = lime.transform(X[:7])
    np.testing.assert_allclose(wide.coef, expected.coef, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        wide.standard_error, expected.standard_error, rtol=1e-10, atol=1e-10
    )
    np.testing.assert_allclose(wide.score, expected.score, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(coef, wide.coef)
    # Still the same bits whatever the batch.
    np.testing.assert_array_equal(lime.transform(X[2:3]), coef[2:3])
    np.testing.assert_array_equal(lime.transform(X[:7][::-1]), coef[::-1])


@pytest.mark.parametrize(
    "method", ["none", "forward_selection", "highest_weights", "lasso_path"]
)
@pytest.mark.parametrize("num_samples", [300, 50])
@pytest.mark.filterwarnings("ignore:The kernel leaves")
def test_wide_table_selection_gives_the_same_coefficients(
    method, num_samples, monkeypatch
):
    # Wide designs select features from Gram columns computed on demand and
    # solve by conjugate gradients; the formed matrices must give the same
    # surrogates, also with barely more samples than features and a
    # constant feature (a singular unweighted Gram matrix).
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 40))
    X[:, 7] = 2.0
    y = X[:, :5] @ [3.0, -2.0, 1.0, 0.5, 4.0] + np.sin(X[:, 5]) * X[:, 6]
    model = FrozenEstimator(LinearRegression().fit(X, y))
    lime = LimeExplainer(
        model,
        num_samples=num_samples,
        num_features=10,
        feature_selection=method,
        sampler="random",
        random_state=0,
    )
    lime.fit(X)
    expected = lime.transform(X[:9])
    expected_errors = lime.explain(X[:3]).standard_error
    monkeypatch.setattr("sklime._core._surrogate.FORMED_MAX_FEATURES", 0)
    lime.fit(X)
    with config_context(working_memory=0.1):
        wide = lime.transform(X[:9])
        explained = lime.explain(X[:3])
    np.testing.assert_array_equal(wide != 0, expected != 0)
    np.testing.assert_allclose(wide, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(explained.coef, wide[:3])
    np.testing.assert_allclose(
        explained.standard_error, expected_errors, rtol=1e-8, atol=1e-10
    )
    kept = 39 if method == "none" else 10  # the constant feature is never kept
    assert ((wide != 0).sum(axis=1) == kept).all()


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_wide_marginal_chunks_stay_within_working_memory():
    # Each row's Gram matrix comes from a weighted copy of the shared design:
    # chunks must count it.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 20))
    model = FrozenEstimator(LinearRegression().fit(X, X @ rng.normal(size=20)))
    lime = LimeExplainer(model, num_samples=4096, num_features=5, random_state=0).fit(X)
    working_memory = 16  # MiB

    def peak(rows):
        tracemalloc.start()
        try:
            with config_context(working_memory=working_memory):
                lime.transform(rows)
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()

    # What 64 rows need beyond one row's (the shared arrays) is the chunks'.
    assert peak(X[:64]) - peak(X[:1]) < working_memory


@pytest.mark.parametrize(
    "sampling, n_features, expected",
    [
        ("marginal", 10, 2**16),
        ("marginal", 64, 2**16),
        ("marginal", 65, 2**15),
        ("marginal", 100, 2**15),
        ("marginal", 600, 8192),
        ("local", 10, 8192),
        ("mask", 10, 8192),
        ("gaussian", 10, 8192),
    ],
)
def test_auto_num_samples_follows_sampling_and_width(sampling, n_features, expected):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, n_features))
    model = FrozenEstimator(LinearRegression().fit(X, X[:, 0]))
    lime = LimeExplainer(model, sampling=sampling).fit(X)
    assert lime.num_samples_ == expected
    assert lime.set_params(num_samples=1000).fit(X).num_samples_ == 1000


def test_auto_num_samples_explains_as_the_number_it_stands_for(diabetes):
    X, _, model = diabetes
    auto = LimeExplainer(FrozenEstimator(model), sampling="local", random_state=0)
    auto.fit(X)
    explicit = clone(auto).set_params(num_samples=auto.num_samples_).fit(X)
    np.testing.assert_array_equal(auto.transform(X[:2]), explicit.transform(X[:2]))


@pytest.fixture(scope="module")
def ten_classes():
    """Ten classes on twelve noisy pixel columns of the digits."""
    X, y = load_digits(return_X_y=True)
    X = X[:, 18:30] + np.random.default_rng(0).normal(size=(len(X), 12))
    return X, LogisticRegression(max_iter=1000).fit(X, y)


def _ten_class_explainer(ten_classes, **params):
    X, model = ten_classes
    params = {"num_samples": 400, "random_state": 0, **params}
    return LimeExplainer(FrozenEstimator(model), **params).fit(X)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sampling": "local"},
        {"sampling": "mask"},
        {"discretizer": "quartile"},
        {"num_features": 3, "feature_selection": "forward_selection"},
        {"num_features": 3, "feature_selection": "lasso_path"},
    ],
)
@pytest.mark.parametrize("labels", ["predicted", 3, [7, 2]])
def test_chosen_classes_have_the_bits_of_all_classes(ten_classes, params, labels):
    X, model = ten_classes
    rows = X[:8]
    everything = _ten_class_explainer(ten_classes, **params).explain(rows)
    lime = _ten_class_explainer(ten_classes, labels=labels, **params)
    chosen = lime.explain(rows)
    scores = model.predict_proba(rows)
    if labels == [7, 2]:
        expected_classes = np.tile([7, 2], (8, 1))
    else:
        k = 1 if labels == "predicted" else labels
        expected_classes = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(chosen.row_outputs, expected_classes)
    if labels == "predicted":
        np.testing.assert_array_equal(chosen.row_outputs[:, 0], model.predict(rows))
    k = expected_classes.shape[1]
    index = expected_classes[:, :, None]

    def blocks(values):
        per_class = values.reshape(8, 10, -1)
        return np.take_along_axis(per_class, index, axis=1).reshape(8, -1)

    np.testing.assert_array_equal(chosen.coef, blocks(everything.coef))
    np.testing.assert_array_equal(chosen.coef, lime.transform(rows))
    np.testing.assert_array_equal(
        chosen.standard_error, blocks(everything.standard_error)
    )
    for name in ("intercept", "local_prediction", "model_prediction"):
        np.testing.assert_array_equal(
            getattr(chosen, name), blocks(getattr(everything, name))
        )
    np.testing.assert_array_equal(
        chosen.selected.reshape(8, -1), blocks(everything.selected)
    )
    # The in-sample R^2 is a product over the outputs: equal to rounding.
    np.testing.assert_allclose(chosen.score, blocks(everything.score), rtol=1e-12)
    assert chosen.coef.shape == (8, k * 12)
    # A row's classes and numbers are its own, alone or in a batch.
    alone = np.vstack([lime.transform(rows[i : i + 1]) for i in (5, 0)])
    np.testing.assert_array_equal(alone, chosen.coef[[5, 0]])


def test_only_the_chosen_classes_surrogates_are_fitted(ten_classes, monkeypatch):
    fitted = []
    fit = _problem.fit_surrogates

    def recording(moments, *args, **kwargs):
        fitted.append(moments.cross.shape[1])
        return fit(moments, *args, **kwargs)

    monkeypatch.setattr(_problem, "fit_surrogates", recording)
    X, _ = ten_classes
    _ten_class_explainer(ten_classes, labels=3).transform(X[:4])
    _ten_class_explainer(ten_classes, labels=[4, 1, 0, 9]).transform(X[:4])
    _ten_class_explainer(ten_classes).transform(X[:4])
    assert fitted == [3, 4, 10]


def test_chosen_classes_name_their_columns(ten_classes):
    ranked = _ten_class_explainer(ten_classes, labels="predicted")
    assert ranked.outputs_.tolist() == ["rank0"]
    assert ranked.get_feature_names_out()[:2].tolist() == [
        "coef_rank0_x0",
        "coef_rank0_x1",
    ]
    two = _ten_class_explainer(ten_classes, labels=2).get_feature_names_out()
    assert two[12] == "coef_rank1_x0" and len(two) == 24
    # Named classes keep their labels, a single one too.
    named = _ten_class_explainer(ten_classes, labels=[3])
    assert named.outputs_.tolist() == [3]
    assert named.get_feature_names_out()[0] == "coef_3_x0"
    X, _ = ten_classes
    frame = named.set_output(transform="pandas").transform(X[:2])
    assert frame.columns[0] == "coef_3_x0"


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
@pytest.mark.parametrize(
    "feature_selection", ["none", "forward_selection", "highest_weights", "lasso_path"]
)
@pytest.mark.parametrize("response_method", ["predict_proba", "decision_function"])
def test_binary_negative_class_is_the_exact_mirror(feature_selection, response_method):
    """The ridge surrogate of 1 - p (or -d) is -w with intercept 1 - b (or -b)."""
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :8]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    params = {
        "num_samples": 500,
        "random_state": 0,
        "num_features": None if feature_selection == "none" else 3,
        "feature_selection": feature_selection,
        "response_method": response_method,
    }
    rows = X[:10]
    positive = LimeExplainer(FrozenEstimator(model), **params).fit(X).explain(rows)
    lime = LimeExplainer(FrozenEstimator(model), labels=[0, 1], **params).fit(X)
    both = lime.explain(rows)
    assert both.outputs.tolist() == [0, 1]
    coef = both.coef.reshape(10, 2, 8)
    np.testing.assert_array_equal(coef[:, 1], positive.coef)
    np.testing.assert_array_equal(coef[:, 0], -positive.coef)
    np.testing.assert_array_equal(both.selected[:, 0], positive.selected[:, 0])
    np.testing.assert_array_equal(both.selected[:, 1], positive.selected[:, 0])
    complement = 1.0 if response_method == "predict_proba" else 0.0
    for name in ("intercept", "local_prediction", "model_prediction"):
        value = getattr(both, name)
        np.testing.assert_array_equal(value[:, 1], getattr(positive, name)[:, 0])
        np.testing.assert_allclose(
            value[:, 0], complement - getattr(positive, name)[:, 0], rtol=0, atol=1e-15
        )
    # The negative class's output is 1 - p (or -d), as the model says.
    scores = getattr(model, response_method)(rows)
    expected = scores[:, 0] if response_method == "predict_proba" else -scores
    np.testing.assert_allclose(both.model_prediction[:, 0], expected, atol=1e-12)
    np.testing.assert_array_equal(both.score[:, 0], both.score[:, 1])
    # Each row's predicted class: the positive block or its mirror.
    predicted = LimeExplainer(FrozenEstimator(model), labels="predicted", **params)
    chosen = predicted.fit(X).explain(rows)
    np.testing.assert_array_equal(chosen.row_outputs[:, 0], model.predict(rows))
    sign = np.where(model.predict(rows) == 1, 1.0, -1.0)[:, None]
    np.testing.assert_array_equal(chosen.coef, sign * positive.coef)
    np.testing.assert_allclose(predicted.score(rows), lime.score(rows), rtol=1e-12)


def test_score_of_chosen_classes_is_theirs(ten_classes):
    X, _ = ten_classes
    every = _ten_class_explainer(ten_classes, labels=list(range(10)))
    default = _ten_class_explainer(ten_classes)
    np.testing.assert_allclose(every.score(X[:6]), default.score(X[:6]), rtol=1e-12)
    # Fewer classes pool fewer surrogates' errors: a different score.
    assert _ten_class_explainer(ten_classes, labels=[0]).score(X[:6]) != (
        default.score(X[:6])
    )


@pytest.mark.parametrize(
    "labels, match",
    [
        ([11], r"labels=\[11\] names unknown classes \[11\]; the model's classes are"),
        (["seven"], r"names unknown classes \['seven'\].*Pass some of them"),
        ([], r"labels=\[\] names no class"),
        ([3, 3], r"repeats the classes \['3'\]; name each class once"),
        (11, r"labels=11 asks for each row's top 11 classes, but the model has 10"),
        (0, r"The 'labels' parameter of LimeExplainer must be"),
        ("top", r"The 'labels' parameter of LimeExplainer must be"),
        (True, r"labels=True is not a choice of classes: pass an int k"),
    ],
)
def test_bad_labels(ten_classes, labels, match):
    with pytest.raises(ValueError, match=match):
        _ten_class_explainer(ten_classes, labels=labels)


def test_labels_of_a_regressor(diabetes):
    X, _, model = diabetes
    with pytest.raises(
        ValueError, match=r"the explained model is a regressor.*labels='all'"
    ):
        LimeExplainer(FrozenEstimator(model), labels="predicted").fit(X)


def _z_scores_over_seeds(sampler, sampling):
    """(coef - mean over seeds) / reported error of a row under 40 seeds."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = np.sin(2 * X[:, 0]) + X[:, 0] * np.abs(X[:, 1]) + (X[:, 1] > 0.5)
    model = FrozenEstimator(
        DecisionTreeRegressor(max_depth=5, random_state=0).fit(X, y)
    )
    coefs, errors = [], []
    for seed in range(40):
        explanation = (
            LimeExplainer(
                model,
                sampling=sampling,
                sampler=sampler,
                num_samples=512,
                random_state=seed,
            )
            .fit(X)
            .explain(X[:1])
        )
        coefs.append(explanation.coef)
        errors.append(explanation.standard_error)
    coefs = np.asarray(coefs)
    return (coefs - coefs.mean(axis=0)) / np.asarray(errors)


@pytest.mark.parametrize("sampling", [*SAMPLINGS, "gaussian"])
@pytest.mark.parametrize("sampler", ["sobol", "random"])
def test_standard_errors_cover_the_spread_over_seeds(sampler, sampling):
    z = _z_scores_over_seeds(sampler, sampling)
    # Calibrated errors give z-scores of standard deviation about 1 (40
    # seeds estimate it to about 11%); far below 1 the error bars are too
    # wide, far above they do not cover.
    spread = z.std(axis=0, ddof=1)
    assert 0.7 < spread.min() and spread.max() < 1.4, spread


def _linear_far_and_near(alpha):
    """A linear model's explanations of rows near the data and 8 sd out."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    slopes = np.array([1.0, -2.0, 3.0, -4.0])
    model = FrozenEstimator(LinearRegression().fit(X, X @ slopes))
    lime = LimeExplainer(model, alpha=alpha, random_state=0).fit(X)
    far = X.mean(axis=0) + 4 * X.std(axis=0)  # 8 sd from the mean
    return lime, X[:5], far[None], slopes * X.std(axis=0)


def test_shrinkage_beyond_the_standard_errors_far_from_the_data_warns():
    lime, near, far, slopes = _linear_far_and_near(alpha=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explanation = lime.explain(near)
    # Near the data the penalty takes less than 0.1% of the slopes.
    np.testing.assert_allclose(explanation.coef, np.tile(slopes, (5, 1)), rtol=1e-3)
    with pytest.warns(
        UserWarning,
        match=r"alpha=1 shrinks .* 1 of 1 rows .*standard errors.*Use a smaller alpha",
    ) as record:
        explanation = lime.explain(far)
    shortfall = 1 - explanation.coef[0] / slopes
    # The coefficients are a few percent low, many standard errors off.
    assert (shortfall > 0.01).all()
    off = np.abs(slopes - explanation.coef[0]) / explanation.standard_error[0]
    assert off.max() > 5
    reported = float(re.search(r"about ([0-9.]+)%", str(record[0].message))[1])
    assert reported == pytest.approx(100 * shortfall.max(), abs=1)


def test_no_penalty_gives_the_slopes_far_from_the_data_without_warning():
    lime, _, far, slopes = _linear_far_and_near(alpha=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explanation = lime.explain(far)
    np.testing.assert_allclose(explanation.coef[0], slopes, rtol=1e-6)
