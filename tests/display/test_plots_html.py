"""Figures and HTML of explanations: what is drawn and what is written."""

import sys

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression

from sklime import LimeExplainer


@pytest.fixture
def plt():
    """matplotlib.pyplot on a non-interactive backend; figures closed after."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    pyplot = pytest.importorskip("matplotlib.pyplot")
    yield pyplot
    pyplot.close("all")


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    lime = LimeExplainer(
        FrozenEstimator(LinearRegression().fit(X, y)),
        discretizer="quartile",
        num_features=4,
        num_samples=500,
        random_state=0,
    ).fit(X)
    return lime.explain(X[:12])


def test_row_bar_chart(diabetes, plt):
    ax = diabetes.plot(0)
    pairs = diabetes.as_list(0)
    bars = ax.patches
    assert len(bars) == 4
    # Largest absolute weight at the top (last bar drawn).
    np.testing.assert_allclose(
        [b.get_width() for b in bars], [w for _, w in pairs][::-1]
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [d for d, _ in pairs][::-1]
    for bar in bars:  # red pushes the output up, blue pushes it down
        red = bar.get_facecolor()[0] > bar.get_facecolor()[2]
        assert red == (bar.get_width() >= 0)
    title = ax.get_title()
    assert f"{diabetes.model_prediction[0, 0]:.3g}" in title
    assert f"{diabetes.local_prediction[0, 0]:.3g}" in title


def test_heatmap_shows_the_coefficient_matrix(diabetes, plt):
    ax = diabetes.plot_heatmap()
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), diabetes.coef)
    low, high = image.get_clim()
    assert low == -high == -np.abs(diabetes.coef).max()
    assert [t.get_text() for t in ax.get_xticklabels()] == list(diabetes.feature_names)


def test_summary_ranks_mean_absolute_coefficients(diabetes, plt):
    ax = diabetes.plot_summary(top=3)
    importance = np.abs(diabetes.coef).mean(axis=0)
    expected = np.sort(importance)[::-1][:3][::-1]
    np.testing.assert_allclose([b.get_width() for b in ax.patches], expected)
    top_name = diabetes.feature_names[np.argmax(importance)]
    assert ax.get_yticklabels()[-1].get_text() == top_name
    # Error bars of two standard errors of the mean over the shared draw.
    errors = diabetes.mean_abs_coef_error[np.argsort(importance)[::-1][:3][::-1]]
    (bars,) = [c for c in ax.containers if hasattr(c, "errorbar")]
    segments = bars.errorbar.lines[2][0].get_segments()
    half_widths = [(seg[1][0] - seg[0][0]) / 2 for seg in segments]
    np.testing.assert_allclose(half_widths, 2 * errors)


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_multiclass_plots_choose_the_output(plt):
    X, y = load_iris(return_X_y=True)
    exp = (
        LimeExplainer(LogisticRegression(max_iter=500), num_samples=300, random_state=0)
        .fit(X, y)
        .explain(X[:5])
    )
    ax = exp.plot(0, output=2)
    assert "output 2" in ax.get_title()
    heat = exp.plot_heatmap(output=1)
    np.testing.assert_array_equal(heat.get_images()[0].get_array(), exp.coefficients(1))
    assert "output 1" in heat.get_title()
    with pytest.raises(ValueError, match="3 classes .*; pass output="):
        exp.plot_summary()


def test_plot_arguments_are_checked(diabetes, plt):
    ax = diabetes.plot(np.int64(-1), top=2)
    assert ax.get_title().startswith("Row 11,") and len(ax.patches) == 2
    with pytest.raises(IndexError, match="Row 12 is out of range: .* 12 rows"):
        diabetes.plot(12)
    with pytest.raises(ValueError, match="'top' parameter of Explanation.plot"):
        diabetes.plot(0, top=0)
    with pytest.raises(ValueError, match="'ax' parameter of Explanation.plot_heatmap"):
        diabetes.plot_heatmap(ax="left")
    with pytest.raises(ValueError, match="Unknown output 'up'"):
        diabetes.plot_summary(output="up")


@pytest.mark.parametrize("method", ["plot", "plot_heatmap", "plot_summary"])
def test_plots_without_matplotlib_name_the_extra(diabetes, monkeypatch, method):
    # Make matplotlib unimportable, as on an installation without the extra.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    call = {"plot": lambda: diabetes.plot(0)}.get(method, getattr(diabetes, method))
    with pytest.raises(
        ModuleNotFoundError,
        match=rf'Explanation.{method} needs matplotlib.*pip install "sklime\[plots\]"',
    ):
        call()


def test_html_is_small_escaped_and_saved(tmp_path):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(
        {
            "<b>size</b>": np.linspace(0, 1, 60),
            "kind": ["<script>alert(1)</script>", "plain"] * 30,
        }
    )
    y = X["<b>size</b>"] + (X["kind"] == "plain")
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["kind"]), remainder="passthrough"),
        LinearRegression(),
    ).fit(X, y)
    exp = LimeExplainer(FrozenEstimator(model), num_samples=300, random_state=0)
    exp = exp.fit(X).explain(X.iloc[:3])
    html = exp._repr_html_()
    assert "<script>" not in html and "<b>size" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;size&lt;/b&gt;" in html
    assert html.count("<table") == 3
    path = tmp_path / "explanations.html"
    exp.save_html(path, rows=[1])
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<table") == 1
    assert len(page) < 5000 and "<script" not in page


def test_html_shows_the_models_class_probabilities():
    X, y = load_iris(return_X_y=True)
    exp = (
        LimeExplainer(LogisticRegression(max_iter=500), num_samples=300, random_state=0)
        .fit(X, y)
        .explain(X[[0, 60]])
    )
    html = exp._repr_html_()
    assert html.count("Prediction probabilities") == 2
    for row in range(2):
        for label, p in enumerate(exp.model_prediction[row]):
            width = int(round(100 * p))
            assert f'{label} <span class="bar" style="width:{width}px;' in html
            assert f"{p:.3g}</div>" in html
    X, y = load_diabetes(return_X_y=True)
    model = FrozenEstimator(LinearRegression().fit(X, y))
    exp = LimeExplainer(model, num_samples=300, random_state=0).fit(X).explain(X[:1])
    html = exp._repr_html_()
    assert (
        f"Model prediction</div><div>prediction {exp.model_prediction[0, 0]:.3g}"
        in html
    )


def test_summary_marks_undetermined_errors(plt):
    """Infinite errors (a kernel too narrow for the rows) are not drawn as
    exact values: grey bars, labeled."""
    X, y = load_diabetes(return_X_y=True)
    model = FrozenEstimator(RandomForestRegressor(10, random_state=0).fit(X, y))
    lime = LimeExplainer(model, num_samples=64, kernel_width=0.3, random_state=0)
    with pytest.warns(UserWarning, match="effective sample size"):
        explanation = lime.fit(X).explain(X[:5])
    assert np.isinf(explanation.mean_abs_coef_error).all()
    ax = explanation.plot_summary(top=3)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(label.endswith("(error unknown)") for label in labels)


def _drawn_texts(figure):
    """The texts of ``figure`` as drawn: an SVG's text elements, unescaped."""
    import html
    import io
    import re

    import matplotlib

    figure.savefig(io.BytesIO(), format="png")  # the Agg renderer draws them too
    svg = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text
        figure.savefig(svg, format="svg")
    return [
        html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)<", svg.getvalue())
    ]


def _assert_drawn_as_given(ax, ticks, labels, title_part):
    """The ``ticks`` and the title hold the labels as given, and are drawn so."""
    assert sorted(t.get_text() for t in ticks) == sorted(labels)
    assert title_part in ax.get_title()
    drawn = _drawn_texts(ax.figure)
    assert set(labels) <= set(drawn) and ax.get_title() in drawn


def test_dollar_signs_in_names_and_labels_are_drawn_as_given(plt):
    """'$' starts no mathtext: "$x_{$" broke savefig, "$\\alpha$" drew an alpha."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 2)), columns=["$x_{$", "$\\alpha$"])
    y = np.where(X["$x_{$"] > 0, "$y_{$", "$\\beta$")
    model = FrozenEstimator(LogisticRegression().fit(X, y))
    exp = LimeExplainer(model, num_samples=300, random_state=0).fit(X).explain(X[:3])
    label = "output $y_{$"  # the positive class
    descriptions = [d for d, _ in exp.as_list(0)]
    assert set(descriptions) == {"$x_{$", "$\\alpha$"}
    ax = exp.plot(0)
    _assert_drawn_as_given(ax, ax.get_yticklabels(), descriptions, label)
    ax = exp.plot_heatmap()
    _assert_drawn_as_given(ax, ax.get_xticklabels(), descriptions, label)
    ax = exp.plot_summary()
    _assert_drawn_as_given(ax, ax.get_yticklabels(), descriptions, label)


def test_dollar_signs_in_words_and_classes_are_drawn_as_given(plt):
    from sklime import LimeTextExplainer, ModelFunction

    def positive(docs):
        p = np.array([0.9 if "$\\alpha$" in d else 0.2 for d in docs])
        return np.column_stack([1 - p, p])

    lime = LimeTextExplainer(
        ModelFunction(positive, classes=["$x_{$", "$\\beta$"]),
        token_pattern=r"\S+",
        num_samples=200,
        random_state=0,
    )
    exp = lime.fit(["$\\alpha$ $x_{$ fine"]).explain(["$\\alpha$ $x_{$ fine"])
    assert exp.words[0] == ["$\\alpha$", "$x_{$", "fine"]
    ax = exp.plot(0)
    _assert_drawn_as_given(ax, ax.get_yticklabels(), exp.words[0], "output $\\beta$")


def test_dollar_signs_in_classes_of_images_are_drawn_as_given(plt):
    from sklime import LimeImageExplainer, ModelFunction

    def bright(images):
        p = np.asarray(images).mean(axis=(1, 2))
        return np.column_stack([1 - p, p])

    images = np.random.default_rng(0).random((1, 8, 8))
    lime = LimeImageExplainer(
        ModelFunction(bright, classes=["$x_{$", "$\\alpha$"]),
        segmenter="grid",
        hide_color=0,
        num_samples=200,
        random_state=0,
    )
    exp = lime.fit(images).explain(images)
    ax = exp.plot_image(0)
    assert "output $\\alpha$" in ax.get_title()
    assert ax.get_title() in _drawn_texts(ax.figure)
    ax = exp.plot(0, top=16)
    segments = [f"segment {j}" for j in range(16)]
    _assert_drawn_as_given(ax, ax.get_yticklabels(), segments, "output $\\alpha$")
