"""Explanations as shap.Explanation objects: additivity, layout, shap's plots."""

import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression

from sklime import LimeExplainer, LimeImageExplainer, LimeTextExplainer, ModelFunction

shap = pytest.importorskip("shap")
pd = pytest.importorskip("pandas")


@pytest.fixture
def plt():
    """matplotlib.pyplot on a non-interactive backend; figures closed after."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    pyplot = pytest.importorskip("matplotlib.pyplot")
    yield pyplot
    pyplot.close("all")


def _mixed_table(n=120, seed=0):
    """Three numeric columns and a string column, and a target of all four."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(2.0, 3.0, size=n),
            "c": rng.uniform(size=n),
            "color": rng.choice(["red", "green", "blue"], size=n),
        }
    )
    y = 2 * X["a"] - X["b"] + (X["color"] == "red") + rng.normal(0, 0.1, size=n)
    return X, y


@pytest.fixture(scope="module")
def linear():
    """A frozen linear model on three columns, explained without selection."""
    rng = np.random.default_rng(1)
    X = rng.normal([1.0, -2.0, 0.0], [1.0, 2.0, 0.5], size=(200, 3))
    model = LinearRegression().fit(X, X @ [3.0, -1.0, 2.0] + 0.5)
    lime = LimeExplainer(
        FrozenEstimator(model), num_samples=2048, alpha=1e-6, random_state=0
    ).fit(X)
    return X, model, lime.explain(X[:6])


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    lime = LimeExplainer(
        LogisticRegression(max_iter=500),
        discretizer="quartile",
        num_features=2,
        num_samples=500,
        random_state=0,
    ).fit(X, y)
    return X, lime.explain(X.iloc[[0, 60, 120]])


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
@pytest.mark.parametrize("sampling", ["marginal", "local", "mask", "gaussian"])
@pytest.mark.parametrize("discretizer", [None, "quartile"])
@pytest.mark.parametrize("num_features", [None, 2])
def test_contributions_add_up_to_the_surrogate_prediction(
    sampling, discretizer, num_features
):
    X, y = _mixed_table()
    lime = LimeExplainer(
        sampling=sampling,
        discretizer=discretizer,
        num_features=num_features,
        num_samples=256,
        random_state=0,
    ).fit(X, y)
    explanation = lime.explain(X.iloc[:5])
    shap_values = explanation.to_shap()
    total = shap_values.base_values + shap_values.values.sum(axis=1)
    np.testing.assert_allclose(
        total, explanation.local_prediction[:, 0], rtol=0, atol=1e-10
    )
    # A feature the surrogate does not use contributes nothing.
    unused = ~explanation.selected[:, 0]
    assert not shap_values.values[unused].any()
    if num_features is not None:
        assert (np.count_nonzero(shap_values.values, axis=1) <= num_features).all()
    # Bins, categories and mask sampling represent the row by 1.
    ones = np.ones(len(X.columns), dtype=bool)
    if sampling != "mask" and discretizer is None:
        ones[:3] = False
    np.testing.assert_array_equal(
        shap_values.values[:, ones], explanation.coef[:, ones]
    )


def test_a_linear_model_contributes_its_terms(linear):
    X, model, explanation = linear
    shap_values = explanation.to_shap()
    # A z-scored feature's contribution is w_j * std_j * z_j = w_j (x_j - mean_j).
    expected = model.coef_ * (X[:6] - X.mean(axis=0))
    np.testing.assert_allclose(shap_values.values, expected, rtol=1e-4, atol=1e-4)
    # The base value is the surrogate's prediction at the training mean.
    at_mean = model.predict(X.mean(axis=0, keepdims=True))
    np.testing.assert_allclose(shap_values.base_values, np.repeat(at_mean, 6), 1e-4)
    z = (X[:6] - X.mean(axis=0)) / X.std(axis=0)
    np.testing.assert_allclose(shap_values.values, explanation.coef * z, rtol=1e-12)


def test_the_residual_term_reaches_the_model_prediction(linear):
    X, model, explanation = linear
    shap_values = explanation.to_shap(residual=True)
    assert shap_values.feature_names[-1] == "residual"
    total = shap_values.base_values + shap_values.values.sum(axis=1)
    np.testing.assert_allclose(total, model.predict(X[:6]), rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        shap_values.values[:, -1],
        explanation.model_prediction[:, 0] - explanation.local_prediction[:, 0],
        rtol=0,
        atol=1e-12,
    )
    assert np.isnan(shap_values.error_std[:, -1]).all()
    assert np.isnan(shap_values.data[:, -1].astype(float)).all()


def test_multiclass_layout_is_rows_features_outputs(iris):
    X, explanation = iris
    shap_values = explanation.to_shap()
    assert shap_values.shape == (3, 4, 3)
    assert shap_values.base_values.shape == (3, 3)
    assert shap_values.output_names == ["0", "1", "2"]
    assert shap_values.feature_names == list(X.columns)
    np.testing.assert_array_equal(shap_values.data, X.iloc[[0, 60, 120]].to_numpy())
    total = shap_values.base_values + shap_values.values.sum(axis=1)
    np.testing.assert_allclose(total, explanation.local_prediction, rtol=0, atol=1e-10)
    # One row and one output are slices of the whole.
    one = explanation.to_shap(-1, output=2)
    np.testing.assert_array_equal(one.values, shap_values.values[2, :, 2])
    assert one.base_values == shap_values.base_values[2, 2]
    np.testing.assert_array_equal(
        explanation.to_shap(output=1).values, shap_values.values[:, :, 1]
    )
    np.testing.assert_array_equal(explanation.to_shap(1).values, shap_values.values[1])
    # With bins, a selected feature's contribution is its coefficient.
    np.testing.assert_array_equal(one.values, explanation.coefficients(2)[2])


def test_string_categories_are_given_as_they_are():
    X, y = _mixed_table()
    explanation = (
        LimeExplainer(num_samples=256, random_state=0).fit(X, y).explain(X.iloc[:3])
    )
    shap_values = explanation.to_shap()
    assert shap_values.data[:, 3].tolist() == X["color"].iloc[:3].tolist()
    assert shap_values.feature_names == ["a", "b", "c", "color"]


def test_standard_errors_are_the_bounds(linear):
    X, _, explanation = linear
    shap_values = explanation.to_shap()
    z = np.abs((X[:6] - X.mean(axis=0)) / X.std(axis=0))
    np.testing.assert_allclose(
        shap_values.error_std, explanation.standard_error * z, rtol=1e-12
    )
    np.testing.assert_array_equal(
        shap_values.lower_bounds, shap_values.values - 2 * shap_values.error_std
    )
    np.testing.assert_array_equal(
        shap_values.upper_bounds, shap_values.values + 2 * shap_values.error_std
    )


def test_unselected_features_have_no_error(iris):
    _, explanation = iris
    shap_values = explanation.to_shap()
    unused = ~np.moveaxis(explanation.selected, 1, -1)
    assert not shap_values.error_std[unused].any()
    assert (shap_values.error_std[~unused] > 0).all()


def test_waterfall_draws_the_error_bars(iris, plt):
    from matplotlib.container import ErrorbarContainer

    _, explanation = iris
    one = explanation.to_shap(0, output=0)
    shap.plots.waterfall(one, show=False)
    spans = sorted(
        np.ptp(segment[:, 0])
        for ax in plt.gcf().axes
        for container in ax.containers
        if isinstance(container, ErrorbarContainer)
        for segment in container.lines[2][0].get_segments()
    )
    # Two standard errors either side; features not selected have none.
    np.testing.assert_allclose(spans, sorted(4 * one.error_std), rtol=1e-9)
    assert np.count_nonzero(spans) == explanation.selected[0, 0].sum() == 2


def test_bar_and_beeswarm_draw(iris, plt):
    X, explanation = iris
    shap_values = explanation.to_shap(output=1)
    shap.plots.bar(shap_values, show=False)
    labels = [t.get_text() for t in plt.gca().get_yticklabels()]
    assert any("petal" in label for label in labels)
    plt.close("all")
    shap.plots.beeswarm(shap_values, show=False)
    points = np.concatenate([c.get_offsets() for c in plt.gca().collections])
    np.testing.assert_allclose(
        np.sort(points[:, 0]), np.sort(shap_values.values.ravel()), atol=1e-12
    )


def test_documents_give_their_words():
    docs = ["good fun film", "bad dull film", "good film", "dull bad plot"]
    lime = LimeTextExplainer(num_samples=500, random_state=0)
    explanation = lime.fit(docs, [1, 0, 1, 0]).explain(
        ["good good plot", "bad dull plot"]
    )
    one = explanation.to_shap(0, output=1)
    assert one.feature_names == ["good", "plot"]
    assert one.data.tolist() == [2, 1]
    np.testing.assert_array_equal(one.values, explanation.word_coef[0, 0, :2])
    assert one.base_values + one.values.sum() == pytest.approx(
        explanation.local_prediction[0, 0], abs=1e-10
    )
    both = explanation.to_shap(1)  # a binary classifier: one output
    assert both.shape == (3,)
    assert both.feature_names == ["bad", "dull", "plot"]
    assert both.base_values + both.values.sum() == pytest.approx(
        explanation.local_prediction[1, 0], abs=1e-10
    )


def test_images_give_their_segments(plt):
    images = np.random.default_rng(0).random((2, 8, 8))

    def brightness(ims):
        ims = np.asarray(ims)
        return np.column_stack([ims.mean(axis=(1, 2)), ims[:, :4].mean(axis=(1, 2))])

    lime = LimeImageExplainer(
        ModelFunction(brightness),
        segmenter="grid",
        hide_color=0,
        num_samples=500,
        random_state=0,
    )
    explanation = lime.fit(images).explain(images)
    shap_values = explanation.to_shap(1, residual=True)
    assert shap_values.shape == (17, 2)
    assert shap_values.feature_names[:2] == ["segment 0", "segment 1"]
    assert shap_values.data[:16].tolist() == [4] * 16
    total = shap_values.base_values + shap_values.values.sum(axis=0)
    np.testing.assert_allclose(
        total, explanation.model_prediction[1], rtol=0, atol=1e-10
    )
    shap.plots.waterfall(explanation.to_shap(1, output=0), show=False)


def test_missing_shap_names_the_extra(iris, monkeypatch):
    _, explanation = iris
    monkeypatch.setitem(sys.modules, "shap", None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install "sklime\[shap\]"'):
        explanation.to_shap()
    with pytest.raises(ModuleNotFoundError, match="TextExplanation.to_shap needs"):
        LimeTextExplainer(num_samples=500, random_state=0).fit(
            ["good film", "bad film"], [1, 0]
        ).explain(["good plot"]).to_shap(0)


def test_rows_and_outputs_that_do_not_exist(iris):
    _, explanation = iris
    with pytest.raises(
        IndexError, match="Row 3 is out of range: the explanation has 3"
    ):
        explanation.to_shap(3)
    with pytest.raises(ValueError, match="Unknown output 'setosa'"):
        explanation.to_shap(output="setosa")


def test_a_feature_named_residual_is_not_shadowed():
    X = pd.DataFrame({"residual": np.arange(20.0), "x": np.arange(20.0) % 3})
    explanation = (
        LimeExplainer(num_samples=512, random_state=0)
        .fit(X, X.sum(axis=1))
        .explain(X.iloc[:1])
    )
    with pytest.raises(ValueError, match="already named 'residual'"):
        explanation.to_shap(residual=True)
