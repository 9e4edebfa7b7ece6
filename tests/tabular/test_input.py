"""DataFrames, categorical columns and the errors bad input gets."""

import re
import threading

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklime import LimeExplainer, ModelFunction

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
    monkeypatch.setattr(
        "sklime._tabular._explainer._physical_memory", lambda: 16 * 2**30
    )
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


# -- tables that cannot be read column by column ------------------------------


@pytest.fixture(scope="module")
def counts():
    """One-hot and count features, as a sparse matrix would hold them."""
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [rng.random(200) < 0.3, rng.random(200) < 0.5, rng.poisson(1.0, 200)]
    ).astype(float)
    model = FrozenEstimator(LinearRegression().fit(X, X @ [1.0, -2.0, 0.5]))
    return X, model


@pytest.mark.parametrize("container", ["csr_matrix", "csc_matrix", "csr_array"])
def test_sparse_input_is_refused_in_every_entry_point(counts, container):
    sp = pytest.importorskip("scipy.sparse")
    X, model = counts
    sparse = getattr(sp, container)(X)
    lime = LimeExplainer(model, num_samples=200, random_state=0).fit(X)
    message = rf"does not accept sparse input \(got a {container}\).*X.toarray\(\)"
    for call in (
        LimeExplainer(model, num_samples=200).fit,
        LimeExplainer(model, num_samples=200).fit_transform,
        lime.transform,
        lime.explain,
        lime.score,
    ):
        with pytest.raises(TypeError, match=message):
            call(sparse)


def test_pandas_sparse_columns_are_explained_like_dense_ones(counts):
    sp = pytest.importorskip("scipy.sparse")
    X, _ = counts
    dense = pd.DataFrame(X, columns=["a", "b", "n"])
    sparse = pd.DataFrame.sparse.from_spmatrix(sp.csr_matrix(X), columns=dense.columns)
    model = FrozenEstimator(LinearRegression().fit(dense, X @ [1.0, -2.0, 0.5]))
    params = dict(discretizer="quartile", num_samples=300, random_state=0)
    expected = LimeExplainer(model, **params).fit(dense).transform(dense.iloc[:5])
    got = LimeExplainer(model, **params).fit(sparse).transform(sparse.iloc[:5])
    np.testing.assert_array_equal(got, expected)


def test_polars_lazy_frame_is_refused():
    pl = pytest.importorskip("polars")
    X = pl.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 2.0]})
    lime = LimeExplainer(Ridge(), num_samples=64).fit(X, [0.0, 1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"polars LazyFrame.*Pass X.collect\(\)"):
        LimeExplainer(Ridge(), num_samples=64).fit(X.lazy(), [0.0, 1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"polars LazyFrame.*Pass X.collect\(\)"):
        lime.transform(X.lazy())


@pytest.mark.parametrize(
    "values, dtype",
    [
        ([[1, 2], [3]], "List(Int64)"),
        ([[1, 2], [3, 4]], "Array(Int64, shape=(2,))"),
        ([{"k": 1}, {"k": 2}], "Struct({'k': Int64})"),
    ],
)
def test_nested_polars_columns_are_refused(values, dtype):
    pl = pytest.importorskip("polars")
    n = 20
    nested = pl.Series("nested", values * (n // 2))
    if dtype.startswith("Array"):
        nested = nested.cast(pl.Array(pl.Int64, 2))
    X = pl.DataFrame({"a": np.arange(n, dtype=float)}).with_columns(nested)
    match = rf"Column\(s\) 'nested' \({re.escape(dtype)}\) of X hold nested values"
    with pytest.raises(TypeError, match=match + ".*unnest"):
        LimeExplainer(Ridge(), num_samples=64).fit(X, np.arange(n, dtype=float))


@pytest.mark.parametrize(
    "cell, kind", [([1, 2], "list"), ({"k": 1}, "dict"), (np.ones(2), "ndarray")]
)
def test_columns_of_lists_or_dicts_are_refused(cell, kind):
    n = 20
    good = pd.DataFrame({"a": np.arange(n, dtype=float), "b": ["u", "v"] * (n // 2)})
    bad = good.assign(b=pd.Series([cell] * n, dtype=object))
    y = np.arange(n, dtype=float)
    message = rf"Column 'b' holds {kind} values.*one number or label per cell"
    with pytest.raises(TypeError, match=message + r".*X\[name\].astype\(str\)"):
        LimeExplainer(num_samples=64).fit(bad, y)
    with pytest.raises(TypeError, match=rf"Column 'x1' holds {kind} values"):
        LimeExplainer(num_samples=64).fit(bad.to_numpy(), y)  # an object array
    lime = LimeExplainer(num_samples=64, random_state=0).fit(good, y)
    with pytest.raises(TypeError, match=message):
        lime.transform(bad.iloc[:2])


def test_multiindex_columns_are_refused():
    X = pd.DataFrame(
        np.random.default_rng(0).normal(size=(30, 2)),
        columns=pd.MultiIndex.from_tuples([("size", "w"), ("size", "h")]),
    )
    with pytest.raises(
        TypeError,
        match=r"MultiIndex columns \(2 levels\).*Join the levels.*\['size_w', "
        r"'size_h'\]",
    ):
        LimeExplainer(Ridge(), num_samples=64).fit(X, X.iloc[:, 0])
    joined = X.set_axis(["_".join(c) for c in X.columns], axis=1)
    lime = LimeExplainer(Ridge(), num_samples=64).fit(joined, joined.iloc[:, 0])
    assert lime.get_feature_names_out().tolist() == ["coef_size_w", "coef_size_h"]


# -- model objects -------------------------------------------------------------


class _PlainClassifier:
    """A home-made classifier: no scikit-learn base class, no tags."""

    def fit(self, X, y):
        self.model = LogisticRegression(max_iter=1000).fit(X, y)
        self.classes_ = self.model.classes_
        self.fits = getattr(self, "fits", 0) + 1
        # A home-made fit may forget to return self.

    def predict_proba(self, X):
        return self.model.predict_proba(X)


class _PlainRegressor:
    """A fitted home-made regressor without ``fit``: only ``predict``."""

    def __init__(self, weights):
        self.weights = weights

    def predict(self, X):
        return np.asarray(X, dtype=float) @ self.weights


class _PlainProbabilities:
    """Probabilities with no ``classes_``: which column is which is unknown."""

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)


@pytest.fixture(scope="module")
def classes3():
    X, y = load_diabetes(return_X_y=True)
    return X[:, :4], np.digitize(y, [100, 200])


def test_plain_object_is_fitted_on_y_like_an_estimator(classes3):
    X, y = classes3
    user_model = _PlainClassifier()
    lime = LimeExplainer(user_model, num_samples=300, random_state=0).fit(X, y)
    reference = LimeExplainer(
        LogisticRegression(max_iter=1000), num_samples=300, random_state=0
    ).fit(X, y)
    assert lime.outputs_.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(lime.transform(X[:4]), reference.transform(X[:4]))
    assert not hasattr(user_model, "fits")  # a copy was fitted
    assert lime.estimator_.fits == 1


def test_frozen_plain_object_is_used_as_it_is(classes3):
    X, y = classes3
    weights = np.array([1.0, -2.0, 0.5, 3.0])
    lime = LimeExplainer(
        FrozenEstimator(_PlainRegressor(weights)), num_samples=300, random_state=0
    ).fit(X)
    reference = LimeExplainer(
        FrozenEstimator(LinearRegression().fit(X, X @ weights)),
        num_samples=300,
        random_state=0,
    ).fit(X)
    assert lime.outputs_.tolist() == [None]
    np.testing.assert_allclose(lime.transform(X[:4]), reference.transform(X[:4]))
    fitted = _PlainClassifier()
    fitted.fit(X, y)
    frozen = LimeExplainer(FrozenEstimator(fitted), num_samples=300).fit(X)
    assert frozen.outputs_.tolist() == [0, 1, 2]


def test_plain_object_errors_name_the_fix(classes3):
    X, y = classes3
    with pytest.raises(ValueError, match=r"requires y.*FrozenEstimator\(model\)"):
        LimeExplainer(_PlainClassifier()).fit(X)
    with pytest.raises(ValueError, match="predict_proba but no classes_.*ModelFunc"):
        LimeExplainer(_PlainProbabilities(), num_samples=300).fit(X, y)
    locked = _PlainProbabilities()
    locked.lock = threading.Lock()
    with pytest.raises(TypeError, match="could not copy.*FrozenEstimator") as info:
        LimeExplainer(locked, num_samples=300).fit(X, y)
    assert isinstance(info.value.__cause__, TypeError)


def test_a_bare_function_is_refused_with_the_wrapper_to_use(classes3):
    X, y = classes3
    model = LogisticRegression(max_iter=1000).fit(X, y)
    with pytest.raises(ValueError, match=r"ModelFunction\(rf.predict_proba, classes"):
        LimeExplainer(model.predict_proba).fit(X)
    with pytest.raises(ValueError, match=r"FrozenEstimator\(model\)"):
        LimeExplainer(_PlainRegressor(np.ones(4))).fit(X)


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")
def test_errors_of_the_model_fit_are_wrapped(frame, classes3):
    df, target, _ = frame
    with pytest.raises(ValueError, match="could not convert string to float") as info:
        LimeExplainer(LogisticRegression(), num_samples=300).fit(df, target > 4)
    assert str(info.value).startswith(
        "LimeExplainer could not fit its model: fitting the estimator "
        "LogisticRegression() on the 400 training rows (X and y as given to fit) "
        "raised ValueError: could not convert string to float"
    )
    assert "encode string columns in a pipeline" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)
    X, y = classes3
    y = y.astype(float)
    y[3] = np.nan
    for estimator in [None, LogisticRegression()]:
        with pytest.raises(ValueError, match="raised ValueError: Input.*NaN") as info:
            LimeExplainer(estimator, num_samples=300).fit(X, y)
        assert "FrozenEstimator(model)" in str(info.value)
        assert isinstance(info.value.__cause__, ValueError)


class _LockedModel:
    """A model object holding a lock (which cannot be copied), counting calls."""

    def __init__(self, model):
        self.model = model
        self.lock = threading.Lock()
        self.calls = 0

    def predict_proba(self, X):
        with self.lock:
            self.calls += 1
        return self.model.predict_proba(X)


def test_model_function_calls_the_users_own_object(classes3):
    X, y = classes3
    user = _LockedModel(LogisticRegression(max_iter=1000).fit(X, y))
    wrapper = ModelFunction(user.predict_proba, classes=user.model.classes_)
    lime = LimeExplainer(wrapper, num_samples=300, random_state=0)
    assert clone(lime).estimator is wrapper
    lime.fit(X)
    assert lime.estimator_ is wrapper
    calls = user.calls
    assert calls >= 1  # the probe rows in fit
    reference = LimeExplainer(
        FrozenEstimator(user.model), num_samples=300, random_state=0
    ).fit(X)
    np.testing.assert_array_equal(lime.transform(X[:3]), reference.transform(X[:3]))
    assert user.calls > calls
    assert clone(lime).fit(X).estimator_ is wrapper


def test_one_column_for_three_classes_is_refused(classes3):
    X, y = classes3

    class OneScore(_PlainClassifier):
        def decision_function(self, X):
            return self.model.decision_function(X)[:, 0]

    with pytest.raises(ValueError, match="predict_proba returned 1 column for 3 cl"):
        LimeExplainer(
            ModelFunction(lambda Z: Z[:, 0], classes=["a", "b", "c"]), num_samples=300
        ).fit(X)
    model = OneScore()
    model.fit(X, y)
    with pytest.raises(ValueError, match="decision_function returned 1 column for 3"):
        LimeExplainer(FrozenEstimator(model), response_method="decision_function").fit(
            X
        )


def test_repeated_model_function_classes_are_refused(classes3):
    X, _ = classes3
    model = ModelFunction(lambda Z: np.full((len(Z), 3), 1 / 3), classes=[0, 0, 1])
    for estimator in (model, FrozenEstimator(model)):
        with pytest.raises(ValueError, match=r"classes_ \[0, 0, 1\] repeat \[0\]"):
            LimeExplainer(estimator).fit(X)


def test_a_single_row_or_series_is_explained_as_one_row(frame, classes3, recwarn):
    df, _, model = frame
    lime = LimeExplainer(FrozenEstimator(model), num_samples=300, random_state=0)
    lime.fit(df)
    one, row = lime.explain(df.iloc[[3]]), lime.explain(df.iloc[3])
    np.testing.assert_array_equal(row.coef, one.coef)
    np.testing.assert_array_equal(row.model_prediction, one.model_prediction)
    assert row.as_list(0) == one.as_list(0)
    assert not [w for w in recwarn if "feature names" in str(w.message)]
    with pytest.raises(ValueError, match="feature names should match"):
        lime.explain(df.iloc[3].rename({"age": "years"}))
    X, y = classes3
    lime = LimeExplainer(LogisticRegression(), num_samples=300).fit(X, y)
    np.testing.assert_array_equal(lime.explain(X[3]).coef, lime.transform(X[[3]]))
    np.testing.assert_array_equal(
        lime.explain(X[3].tolist()).coef, lime.transform(X[[3]])
    )
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        lime.transform(X[3])
