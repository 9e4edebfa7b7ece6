"""Missing values in tables: a state of a feature, learned, sampled and explained."""

import numpy as np
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder
from sklearn.tree import DecisionTreeRegressor

from sklime import LimeExplainer, ModelFunction

pd = pytest.importorskip("pandas")

SAMPLINGS = ["marginal", "local", "mask", "gaussian"]
#: How the feature with missing values is explained: z-scored, binned, categorical.
KINDS = ["numeric", "binned", "categorical"]
#: Rows of the training tables.
N_ROWS = 300


def is_missing(column):
    """The model's own view of missing entries, as a user would write it."""
    if hasattr(column, "is_null"):  # polars
        return column.is_null().to_numpy()
    return pd.isna(np.asarray(column, dtype=object)).astype(bool)


class Recorder:
    """A model scoring 1 where feature ``x1`` is missing, recording its input."""

    def __init__(self):
        self.calls = []

    def __call__(self, X):
        self.calls.append(X)
        column = X[:, 1] if isinstance(X, np.ndarray) else X["x1"]
        return is_missing(column).astype(float)


def table(container, kind, seed=0):
    """Three features; ``x1`` (numeric or categorical) is missing in 20% of rows."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=N_ROWS).astype(object)
    if kind == "categorical":
        x1 = rng.choice(["u", "v", "w"], N_ROWS).astype(object)
    gone = rng.random(N_ROWS) < 0.2
    gone[:4] = [True, False, True, False]
    x1[gone] = None if kind == "categorical" else np.nan
    columns = {"x0": rng.normal(size=N_ROWS), "x1": x1, "x2": rng.normal(size=N_ROWS)}
    if container == "numpy":
        X = np.empty((N_ROWS, 3), dtype=object if kind == "categorical" else float)
        for j, column in enumerate(columns.values()):
            X[:, j] = column
        return X, gone
    if kind != "categorical":
        columns["x1"] = columns["x1"].astype(float)
    if container == "polars":
        pl = pytest.importorskip("polars")
        return pl.DataFrame(
            {
                "x0": columns["x0"],
                "x1": pl.Series(columns["x1"].tolist(), nan_to_null=True)
                if kind != "categorical"
                else pl.Series(columns["x1"].tolist(), dtype=pl.String),
                "x2": columns["x2"],
            }
        ), gone
    return pd.DataFrame(columns), gone


def explainer(model, kind, sampling, **params):
    return LimeExplainer(
        model,
        sampling=sampling,
        discretizer="quartile" if kind == "binned" else None,
        categorical_features=[1] if kind == "categorical" else None,
        num_samples=1024,
        random_state=0,
        **params,
    )


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
@pytest.mark.parametrize("sampling", SAMPLINGS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("container", ["numpy", "pandas", "polars"])
def test_a_missingness_model_gets_the_missing_feature_first(container, kind, sampling):
    X, gone = table(container, kind)
    lime = explainer(ModelFunction(Recorder()), kind, sampling).fit(X)
    rows = X[:12]
    coef = lime.transform(rows)
    missing = gone[:12]
    assert (np.argmax(np.abs(coef[missing]), axis=1) == 1).all(), coef[missing]
    # The indicator "x1 is missing" is the model itself: its weight is about 1.
    np.testing.assert_allclose(coef[missing, 1], 1.0, atol=0.1)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("container", ["numpy", "pandas", "polars"])
def test_the_model_gets_missing_values_at_their_training_frequency(container, kind):
    # Under marginal sampling the model is called once on the perturbations,
    # with missing values as the training data has them (NaN in NumPy and
    # pandas numbers, None in object columns, null in polars).
    X, gone = table(container, kind)
    recorder = Recorder()
    model = FrozenEstimator(ModelFunction(recorder))
    lime = explainer(model, kind, "marginal").fit(X)
    lime.transform(X[:2])
    points = recorder.calls[-1]
    assert len(points) == lime.num_samples_
    drawn = is_missing(points[:, 1] if container == "numpy" else points["x1"])
    assert abs(drawn.mean() - gone.mean()) < 0.03
    if container == "polars" and kind != "categorical":
        assert not points["x1"].fill_null(0.0).is_nan().any()  # null, not NaN
    if container == "pandas":
        assert points["x1"].dtype == X["x1"].dtype
    if kind == "categorical" and container == "numpy":
        assert set(points[drawn, 1]) == {None}


@pytest.mark.parametrize("sampling", ["local", "mask", "gaussian"])
def test_local_and_mask_sampling_keep_or_replace_a_missing_value(sampling):
    X, gone = table("numpy", "numeric")
    recorder = Recorder()
    model = FrozenEstimator(ModelFunction(recorder))
    lime = explainer(model, "numeric", sampling).fit(X)
    lime.transform(X[:2])  # row 0 misses x1, row 1 does not
    points = recorder.calls[-1].reshape(2, lime.num_samples_, 3)
    kept = np.isnan(points[0, :, 1])
    assert 0.2 < kept.mean() < 0.9
    replaced = points[0, ~kept, 1]
    assert abs(replaced.mean()) < 0.3 and 0.7 < replaced.std() < 1.3
    # An observed value is never made missing.
    assert not np.isnan(points[1, :, 1]).any()


@pytest.mark.parametrize("sampling", SAMPLINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_descriptions_name_the_missing_state(kind, sampling):
    X, _ = table("pandas", kind)
    lime = explainer(ModelFunction(Recorder()), kind, sampling).fit(X)
    explanation = lime.explain(X[:2])
    assert explanation.descriptions(0)[1] == "x1 is missing"
    assert explanation.as_list(0)[0][0] == "x1 is missing"
    assert explanation.descriptions(1)[1] != "x1 is missing"
    long = explanation.to_frame()
    assert "x1 is missing" in long["description"].tolist()


@pytest.fixture(scope="module")
def knocked_out_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X = X.copy()
    X[np.random.default_rng(0).random(X.shape) < 0.1] = np.nan
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    return X, model


@pytest.mark.parametrize("discretizer", [None, "quartile", "entropy"])
@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_hist_gradient_boosting_with_missing_values_is_explained(
    knocked_out_cancer, sampling, discretizer
):
    X, model = knocked_out_cancer
    y = model.predict(X) if discretizer == "entropy" else None
    lime = LimeExplainer(
        FrozenEstimator(model),
        sampling=sampling,
        discretizer=discretizer,
        num_samples=512,
        random_state=0,
    ).fit(X, y)
    explanation = lime.explain(X[:20])
    for name in ["coef", "intercept", "local_prediction"]:
        assert np.isfinite(getattr(explanation, name)).all(), name
    # Infinite where a tiny or unreachable bin leaves a coefficient undetermined.
    assert (explanation.standard_error >= 0).all()
    np.testing.assert_allclose(
        explanation.model_prediction[:, 0], model.predict_proba(X[:20])[:, 1]
    )
    labels = [label for row in range(20) for label in explanation.descriptions(row)]
    assert (
        sum(label.endswith(" is missing") for label in labels) == np.isnan(X[:20]).sum()
    )


def test_a_discretizer_object_bins_the_observed_values():
    X, _ = table("numpy", "numeric")
    discretizer = KBinsDiscretizer(n_bins=4, strategy="uniform")
    lime = explainer(ModelFunction(Recorder()), "numeric", "marginal")
    explanation = lime.set_params(discretizer=discretizer).fit(X).explain(X[:2])
    assert explanation.as_list(0)[0][0] == "x1 is missing"
    observed = X[~np.isnan(X[:, 1]), 1:2]
    inner = discretizer.fit(observed).bin_edges_[0][1:-1]
    b = np.searchsorted(inner, X[1, 1])
    assert 0 < b < len(inner)
    assert (
        explanation.descriptions(1)[1] == f"{inner[b - 1]:.2f} < x1 <= {inner[b]:.2f}"
    )


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_a_model_that_cannot_take_nan_gives_the_wrapped_error(sampling):
    X, _ = table("pandas", "numeric")
    y = X["x0"].to_numpy()
    model = LinearRegression().fit(X.fillna(0.0), y)
    lime = LimeExplainer(FrozenEstimator(model), sampling=sampling, num_samples=64)
    with pytest.raises(ValueError, match="predict raised ValueError.*NaN") as info:
        lime.fit(X)
    assert isinstance(info.value.__cause__, ValueError)


def test_a_pipeline_with_an_imputer_is_explained_like_the_mean():
    # A mean imputer gives a missing perturbation the training mean, where
    # the z-score representation puts it (z = 0): for a linear model the
    # coefficient of an observed row is still w * std.
    X, _ = table("numpy", "numeric")
    w = np.array([1.0, -2.0, 0.5])
    observed = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    model = make_pipeline(SimpleImputer(), LinearRegression()).fit(X, observed @ w)
    lime = explainer(FrozenEstimator(model), "numeric", "marginal", alpha=1e-9)
    coef = lime.fit(X).transform(X[1:2])
    np.testing.assert_allclose(coef[0], w * np.nanstd(X, axis=0), rtol=1e-6)


def test_a_missing_category_unseen_in_fit_is_explained_with_zero():
    X, _ = table("pandas", "categorical")
    complete = X.fillna({"x1": "u"})
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    model = make_pipeline(
        make_column_transformer((encoder, ["x1"]), remainder="passthrough"),
        LinearRegression(),
    ).fit(complete, complete["x0"])
    lime = explainer(FrozenEstimator(model), "categorical", "marginal")
    explanation = lime.fit(complete).explain(X[:2])
    assert explanation.coef[0, 1] == 0.0
    assert explanation.descriptions(0)[1] == "x1 is missing"


@pytest.mark.parametrize("sampling", SAMPLINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_row_with_missing_values_gets_the_same_bits_in_any_batch(kind, sampling):
    X, _ = table("pandas", kind)
    y = X["x0"].to_numpy() + X["x1"].isna().to_numpy()
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    model = make_pipeline(
        make_column_transformer((encoder, ["x1"]), remainder="passthrough")
        if kind == "categorical"
        else "passthrough",
        DecisionTreeRegressor(max_depth=4, random_state=0),
    ).fit(X, y)
    lime = explainer(FrozenEstimator(model), kind, sampling).fit(X)
    full = lime.explain(X[:8])
    reverse = lime.explain(X[:8][::-1])
    for row in [0, 1]:
        alone = lime.explain(X[row : row + 1])
        for name in ["coef", "intercept", "standard_error"]:
            np.testing.assert_array_equal(
                getattr(alone, name)[0], getattr(full, name)[row]
            )
    for name in ["coef", "intercept", "standard_error"]:
        np.testing.assert_array_equal(getattr(reverse, name)[::-1], getattr(full, name))


def test_input_with_missing_values_is_not_changed():
    X, _ = table("pandas", "categorical")
    before = X.copy()
    lime = explainer(ModelFunction(Recorder()), "categorical", "mask").fit(X)
    lime.explain(X[:5])
    pd.testing.assert_frame_equal(X, before)
