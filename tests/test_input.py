"""DataFrames, categorical columns and the errors bad input gets."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklime import LimeExplainer

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "city": rng.choice(["paris", "rome", "oslo"], n, p=[0.5, 0.3, 0.2]),
            "member": rng.random(n) < 0.4,
            "grade": pd.Categorical(rng.choice(["a", "b"], n)),
        }
    )
    y = (
        0.1 * df["age"]
        + df["city"].map({"paris": 0.0, "rome": 2.0, "oslo": -1.0})
        + 1.5 * df["member"]
    ).to_numpy()
    encoder = make_column_transformer(
        (OneHotEncoder(), ["city", "member", "grade"]), remainder="passthrough"
    )
    model = make_pipeline(encoder, LinearRegression()).fit(df, y)
    return df, y, model


@pytest.mark.parametrize("sampling", ["marginal", "local", "mask"])
def test_raw_categorical_columns_reach_a_pipeline_model(frame, sampling):
    df, _, model = frame
    lime = LimeExplainer(
        FrozenEstimator(model), sampling=sampling, num_samples=4000, random_state=0
    ).fit(df)
    assert lime.categorical_.tolist() == [False, True, True, True]
    explanation = lime.explain(df.iloc[:5])
    np.testing.assert_allclose(
        explanation.model_prediction[:, 0], model.predict(df[:5])
    )
    coef = explanation.coefficients()
    # "grade" does not enter y, so the model ignores it (up to fit noise).
    assert np.abs(coef[:, 3]).max() < 0.1
    # Being a member adds 1.5; a non-member's "member=False" indicator is -1.5.
    sign = np.where(df["member"].iloc[:5], 1.0, -1.0)
    assert (np.abs(sign * coef[:, 2] - 1.5) < 0.3).all()
    labels = explanation.descriptions(0)
    assert labels[1] == f"city={df['city'].iloc[0]}"
    assert labels[2] == f"member={df['member'].iloc[0]}"


def test_city_effect_matches_category_means(frame):
    df, _, model = frame
    lime = LimeExplainer(FrozenEstimator(model), num_samples=20000, random_state=0)
    coef = lime.fit(df).explain(df.iloc[:20]).coefficients()
    effect = {"paris": 0.0, "rome": 2.0, "oslo": -1.0}
    freq = df["city"].value_counts(normalize=True)
    for i in range(20):
        own = df["city"].iloc[i]
        others = [c for c in effect if c != own]
        # Marginal sampling: indicator effect = own effect - mean over others.
        expected = effect[own] - sum(effect[c] * freq[c] for c in others) / sum(
            freq[c] for c in others
        )
        assert abs(coef[i, 1] - expected) < 0.1


def test_unseen_category_gets_zero_under_marginal_sampling(frame):
    df, _, _ = frame
    model = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["city", "member", "grade"]),
            remainder="passthrough",
        ),
        LinearRegression(),
    ).fit(df, frame[1])
    lime = LimeExplainer(FrozenEstimator(model), num_samples=500, random_state=0)
    lime.fit(df)
    row = df.iloc[:1].copy()
    row["city"] = "tokyo"
    explanation = lime.explain(row)
    assert explanation.coefficients()[0, 1] == 0.0
    assert explanation.descriptions(0)[1] == "city=tokyo"
    local = lime.set_params(sampling="mask").fit(df).explain(row)
    assert np.isfinite(local.coef).all()


def test_integer_coded_categoricals_by_index_and_name():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X["sex"] = (X["sex"] > 0).astype(int)
    by_name = LimeExplainer(
        FrozenEstimator(LinearRegression().fit(X, y)),
        categorical_features=["sex"],
        num_samples=500,
        random_state=0,
    ).fit(X)
    by_index = LimeExplainer(
        FrozenEstimator(LinearRegression().fit(X.to_numpy(), y)),
        categorical_features=[1],
        num_samples=500,
        random_state=0,
    ).fit(X.to_numpy())
    np.testing.assert_allclose(
        by_name.transform(X.iloc[:4]), by_index.transform(X.to_numpy()[:4])
    )
    assert by_name.explain(X.iloc[:1]).descriptions(0)[1] == f"sex={X['sex'].iloc[0]}"


def test_few_distinct_integers_are_categorical_on_request():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X["sex"] = np.where(X["sex"] > 0, 2, 1)
    X["children"] = np.arange(len(X)) % 11  # 11 distinct integers
    X["bmi"] = X["bmi"].round(1)  # few distinct values, but not integers
    model = FrozenEstimator(LinearRegression().fit(X, y))
    lime = LimeExplainer(model, num_samples=300, random_state=0)
    assert not lime.fit(X).categorical_.any()
    lime.set_params(categorical_max_distinct=10).fit(X)
    assert X.columns[lime.categorical_].tolist() == ["sex"]
    assert lime.explain(X.iloc[:1]).descriptions(0)[1] == f"sex={X['sex'].iloc[0]}"
    by_name = clone(lime).set_params(categorical_max_distinct=None)
    by_name.set_params(categorical_features=["sex"]).fit(X)
    np.testing.assert_array_equal(by_name.transform(X[:3]), lime.transform(X[:3]))
    lime.set_params(categorical_max_distinct=11).fit(X)
    assert X.columns[lime.categorical_].tolist() == ["sex", "children"]


def test_float_categories_print_with_few_digits():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = FrozenEstimator(LinearRegression().fit(X, y))
    lime = LimeExplainer(
        model, categorical_features=["sex"], num_samples=300, random_state=0
    ).fit(X)
    # The two codes of sex are -0.044641636506989144 and 0.05068011873981862.
    labels = {lime.explain(X.iloc[[i]]).descriptions(0)[1] for i in range(4)}
    assert labels == {"sex=-0.0446", "sex=0.0507"}
    # Categories that agree on three digits get as many digits as tell them apart.
    close = X.assign(sex=np.where(X["sex"] > 0, 1.00012, 1.00011))
    lime.set_params(estimator=FrozenEstimator(LinearRegression().fit(close, y)))
    lime.fit(close)
    labels = {lime.explain(close.iloc[[i]]).descriptions(0)[1] for i in range(4)}
    assert labels == {"sex=1.00011", "sex=1.00012"}


@pytest.mark.parametrize("spec", [[], None, np.zeros(10, dtype=bool)])
def test_no_categorical_features(spec):
    X, y = load_diabetes(return_X_y=True)
    lime = LimeExplainer(
        FrozenEstimator(LinearRegression().fit(X, y)),
        categorical_features=spec,
        num_samples=200,
    ).fit(X)
    assert not lime.categorical_.any()


def test_frozen_model_queried_with_its_frame_columns(recwarn):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = LinearRegression().fit(X, y)
    lime = LimeExplainer(FrozenEstimator(model), num_samples=300, random_state=0)
    lime.fit(X).transform(X.iloc[:3])
    assert not [w for w in recwarn if "feature names" in str(w.message)]
    assert lime.get_feature_names_out()[2] == "coef_bmi"


@pytest.fixture(scope="module")
def two_columns():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    return X, LinearRegression().fit(X[["a", "b"]], 10 * X["a"])


def test_model_gets_its_columns_by_name_in_its_order(two_columns, recwarn):
    X, model = two_columns
    lime = LimeExplainer(FrozenEstimator(model), num_samples=2000, random_state=0)
    explanation = lime.fit(X[["b", "a"]]).explain(X[["b", "a"]].iloc[:3])
    np.testing.assert_allclose(
        explanation.model_prediction[:, 0], model.predict(X.iloc[:3])
    )
    assert lime.get_feature_names_out().tolist() == ["coef_b", "coef_a"]
    coef = explanation.coefficients()
    # f = 10 a: the coefficient per standard deviation of a is 10 std(a).
    np.testing.assert_allclose(coef[:, 1], 10 * X["a"].std(ddof=0), rtol=0.01)
    # b does not enter the model; only the ridge and the sample's chance
    # correlation between a and b leave a trace on its coefficient.
    assert np.abs(coef[:, 0]).max() < 1e-3 * np.abs(coef[:, 1]).max()
    assert not [w for w in recwarn if "feature names" in str(w.message)]


def test_columns_the_model_does_not_use_are_explained_as_zero(two_columns):
    X, model = two_columns
    wider = X.assign(c=X["a"] ** 2)[["c", "b", "a"]]
    lime = LimeExplainer(FrozenEstimator(model), num_samples=2000, random_state=0)
    coef = lime.fit(wider).transform(wider.iloc[:3])
    assert np.abs(coef[:, :2]).max() < 1e-3 * np.abs(coef[:, 2]).max()


def test_columns_the_model_needs_must_be_in_x(two_columns):
    X, model = two_columns
    lime = LimeExplainer(FrozenEstimator(model), num_samples=300)
    with pytest.raises(ValueError, match=r"needs column\(s\) \['a'\] that the X"):
        lime.fit(X[["b"]].assign(z=1.0))


def test_array_x_for_a_model_fitted_with_names_is_refused(two_columns):
    X, model = two_columns
    lime = LimeExplainer(FrozenEstimator(model), num_samples=300)
    with pytest.raises(
        ValueError,
        match=r"fitted on a DataFrame with columns \['a', 'b'\].*array without "
        r"column names.*pd.DataFrame\(X, columns=model.feature_names_in_\)",
    ):
        lime.fit(X.to_numpy())


def test_polars_frames_are_read_like_pandas(frame):
    pl = pytest.importorskip("polars")
    df, y, _ = frame
    df = df.assign(grade=df["grade"].astype(str))
    polars_df = pl.DataFrame({name: df[name].to_numpy() for name in df.columns})
    polars_df = polars_df.with_columns(pl.col("grade").cast(pl.Categorical))
    params = dict(num_samples=500, random_state=0)
    on_pandas = LimeExplainer(**params).fit(df, y)
    on_polars = LimeExplainer(**params).fit(polars_df, y)
    assert on_polars.categorical_.tolist() == [False, True, True, True]
    np.testing.assert_allclose(
        on_polars.transform(polars_df[:4]), on_pandas.transform(df.iloc[:4])
    )
    explanation = on_polars.explain(polars_df[:1])
    assert explanation.descriptions(0) == [
        "age",
        f"city={df['city'].iloc[0]}",
        f"member={df['member'].iloc[0]}",
        f"grade={df['grade'].iloc[0]}",
    ]
    assert sorted(explanation.to_frame()["feature"]) == sorted(df.columns)
    assert on_polars.get_feature_names_out()[0] == "coef_age"
    by_name = LimeExplainer(categorical_features=["city", "member", "grade"], **params)
    np.testing.assert_array_equal(
        by_name.fit(polars_df, y).categorical_, on_polars.categorical_
    )


def test_feature_names_agree_with_get_feature_names_out():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(100, 2)))  # integer column names
    X[2] = rng.choice(["u", "v"], 100)
    lime = LimeExplainer(num_samples=300, random_state=0).fit(X, X[0] * 2.0)
    explanation = lime.explain(X.iloc[:1])
    assert lime.get_feature_names_out().tolist() == ["coef_x0", "coef_x1", "coef_x2"]
    assert explanation.descriptions(0) == ["x0", "x1", f"x2={X[2].iloc[0]}"]


# -- errors ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    X, y = load_diabetes(return_X_y=True)
    return X, y, LimeExplainer(num_samples=300, random_state=0).fit(X, y)


@pytest.mark.parametrize("where", ["fit", "transform"])
def test_infinity_is_refused_in_fit_and_transform(fitted, where):
    X, y, lime = fitted
    X_bad = X.copy()
    X_bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity in column.*'x2'.*by NaN"):
        if where == "fit":
            LimeExplainer(num_samples=300).fit(X_bad, y)
        else:
            lime.transform(X_bad[:5])


def test_missing_values_where_fit_saw_none_are_refused(fitted):
    X, y, lime = fitted
    X_bad = X.copy()
    X_bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="continuous column.*'x2'.*had none.*fit"):
        lime.transform(X_bad[:5])


def test_a_column_missing_in_every_row_is_refused_in_fit(fitted):
    X, y, _ = fitted
    X_bad = X.copy()
    X_bad[:, 4] = np.nan
    with pytest.raises(ValueError, match="'x4' are missing in every row.*Drop"):
        LimeExplainer(num_samples=300).fit(X_bad, y)


def test_missing_category_is_a_category(frame):
    df, y, model = frame
    bad = df.copy()
    bad.loc[2, "city"] = None
    model = clone(model).fit(bad, y)  # its encoder learns the missing category
    lime = LimeExplainer(FrozenEstimator(model), num_samples=300).fit(bad)
    assert lime.explain(bad.iloc[:3]).descriptions(2)[1] == "city is missing"


def test_wrong_number_of_features_and_changed_columns(fitted, frame):
    X, _, lime = fitted
    with pytest.raises(ValueError, match="X has 9 features, but LimeExplainer"):
        lime.transform(X[:2, :9])
    df, _, model = frame
    lime_df = LimeExplainer(FrozenEstimator(model), num_samples=300).fit(df)
    with pytest.raises(ValueError, match="feature names should match"):
        lime_df.transform(df.rename(columns={"age": "years"}).iloc[:2])


def test_num_features_and_num_samples_bounds(fitted):
    X, y, _ = fitted
    with pytest.raises(ValueError, match=r"num_features=11 .*X has 10 feature\(s\)"):
        LimeExplainer(num_features=11).fit(X, y)
    with pytest.raises(ValueError, match="num_samples=5 is too small.*at least|>= 12"):
        LimeExplainer(num_samples=5).fit(X, y)


def test_entropy_discretizer_needs_y(fitted):
    X, y, _ = fitted
    model = FrozenEstimator(LinearRegression().fit(X, y))
    with pytest.raises(ValueError, match="discretizer='entropy'.*Pass y to fit"):
        LimeExplainer(model, discretizer="entropy").fit(X)
    lime = LimeExplainer(model, discretizer="entropy", num_samples=300).fit(X, y)
    assert lime.transform(X[:2]).shape == (2, 10)


def test_fitted_model_without_frozen_wrapper_and_no_y(fitted):
    X, y, _ = fitted
    model = LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match="already fitted.*FrozenEstimator"):
        LimeExplainer(model).fit(X)
    with pytest.raises(ValueError, match="requires y to be passed"):
        LimeExplainer(LinearRegression()).fit(X)


class _BadModel(LinearRegression):
    def __init__(self, mode="raise"):
        self.mode = mode
        super().__init__()

    def predict(self, X):
        if self.mode == "raise" and len(X) > 5:
            raise RuntimeError("backend unavailable")
        if self.mode == "shape" and len(X) > 5:
            return np.zeros((len(X) - 1,))
        if self.mode == "nan" and len(X) > 5:
            return np.full(len(X), np.nan)
        return super().predict(X)


@pytest.mark.parametrize(
    "mode, message",
    [
        ("raise", "predict raised RuntimeError.*backend unavailable"),
        ("shape", "returned an array of shape.*expected"),
        ("nan", "NaN or infinite values"),
    ],
)
@pytest.mark.parametrize("sampling", ["marginal", "local"])
def test_model_failures_are_reported(fitted, mode, message, sampling):
    X, y, _ = fitted
    model = _BadModel(mode).fit(X, y)
    lime = LimeExplainer(
        FrozenEstimator(model), sampling=sampling, num_samples=300
    ).fit(X)
    with pytest.raises(ValueError, match=message) as info:
        lime.transform(X[:3])
    if mode == "raise":
        assert isinstance(info.value.__cause__, RuntimeError)


def test_classifier_predict_is_refused(fitted):
    X, y, _ = fitted
    with pytest.raises(ValueError, match="class labels.*predict_proba"):
        LimeExplainer(LogisticRegression(), response_method="predict").fit(X, y > 150)


def test_non_numeric_column_not_declared_categorical(frame):
    df, _, model = frame
    with pytest.raises(ValueError, match="'city'.*non-numeric.*categorical_features"):
        LimeExplainer(FrozenEstimator(model), categorical_features=[2]).fit(df)


def test_kernel_giving_zero_weights_is_reported(fitted):
    X, y, _ = fitted

    def box(distances, width):
        return (distances < width).astype(float)

    lime = LimeExplainer(kernel=box, kernel_width=1e-3, num_samples=300)
    with pytest.raises(ValueError, match="zero weight.*larger kernel_width"):
        lime.fit(X, y).transform(X[:2])


def test_narrow_default_kernel_warns_instead_of_failing(fitted):
    X, y, _ = fitted
    lime = LimeExplainer(kernel_width=1e-3, num_samples=300, random_state=0)
    with pytest.warns(UserWarning, match="effective sample size of 1.0.*kernel_width"):
        coef = lime.fit(X, y).transform(X[:2])
    assert np.isfinite(coef).all()


@pytest.mark.parametrize("n_jobs", [0, 1.5])
def test_n_jobs_zero_is_refused_in_fit(fitted, n_jobs):
    X, y, _ = fitted
    with pytest.raises(ValueError, match="'n_jobs' parameter.*Got"):
        LimeExplainer(n_jobs=n_jobs).fit(X, y)


def test_num_samples_beyond_memory_is_refused_in_fit(fitted, monkeypatch):
    X, y, _ = fitted
    model = FrozenEstimator(LinearRegression().fit(X, y))
    monkeypatch.setattr("sklime._explainer._physical_memory", lambda: 16 * 2**30)
    # 10**9 perturbations of 10 features: 10**9 x 10 x 5 arrays x 8 bytes.
    with pytest.raises(
        ValueError,
        match=r"num_samples=1000000000 needs about 372.5 GiB.*this machine's "
        r"16.0 GiB.*smaller num_samples \(at most 42949672",
    ):
        LimeExplainer(model, num_samples=10**9).fit(X)
    LimeExplainer(model, num_samples=300).fit(X)


def test_y_of_another_length_is_refused(fitted):
    X, y, _ = fitted
    model = FrozenEstimator(LinearRegression().fit(X, y))
    with pytest.raises(ValueError, match=r"one entry per row of X.*\[442, 5\]"):
        LimeExplainer(model, num_samples=300).fit(X, y[:5])


@pytest.mark.parametrize(
    "other, message",
    [
        (None, r"y holds \d+ missing value.*'entropy' needs a target value"),
        (np.nan, r"y holds \d+ missing value.*'entropy' needs a target value"),
        (0, r"'entropy' cannot read y.*labels of a single type"),
    ],
)
def test_entropy_discretizer_refuses_unreadable_labels(fitted, other, message):
    X, y, _ = fitted
    model = FrozenEstimator(LinearRegression().fit(X, y))
    labels = np.array(["high" if v > 150 else other for v in y], dtype=object)
    lime = LimeExplainer(model, discretizer="entropy", num_samples=300)
    with pytest.raises(ValueError, match=message):
        lime.fit(X, labels)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
@pytest.mark.parametrize("as_frame", [False, True])
def test_unsigned_integer_columns_are_explained_like_signed_ones(dtype, as_frame):
    """uint columns (pixel values, counts) are numbers, like int columns."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    values = rng.integers(0, 50, size=(60, 2))
    y = values @ np.array([1.0, -2.0])
    X_signed, X_unsigned = values.astype(np.int64), values.astype(dtype)
    if as_frame:
        X_signed = pd.DataFrame(X_signed, columns=["a", "b"])
        X_unsigned = pd.DataFrame(X_unsigned, columns=["a", "b"])
    expected = (
        LimeExplainer(Ridge(), num_samples=64, random_state=0)
        .fit(X_signed, y)
        .transform(X_signed[:3])
    )
    got = (
        LimeExplainer(Ridge(), num_samples=64, random_state=0)
        .fit(X_unsigned, y)
        .transform(X_unsigned[:3])
    )
    np.testing.assert_allclose(got, expected)


def test_repeated_column_names_are_refused():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 2)), columns=["a", "a"])
    with pytest.raises(ValueError, match=r"repeated column names \['a'\]"):
        LimeExplainer(Ridge(), num_samples=64).fit(X, X.iloc[:, 0])


def test_discretizer_without_bin_edges_is_refused_clearly():
    X = np.random.default_rng(0).normal(size=(30, 2))
    lime = LimeExplainer(Ridge(), discretizer=Ridge(), num_samples=64)
    with pytest.raises(TypeError, match="cannot be fitted on the continuous columns"):
        lime.fit(X, X[:, 0])
