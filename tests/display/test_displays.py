"""Displays: what they draw, the artists they keep, one color convention."""

import re

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.preprocessing import StandardScaler

from sklime import (
    CoefficientHeatmapDisplay,
    ExplanationDisplay,
    GlobalImportanceDisplay,
    ImageExplanationDisplay,
    KernelWidthDisplay,
    LimeExplainer,
    LimeImageExplainer,
    LimeTextExplainer,
    ModelFunction,
)
from sklime.metrics import lime_scorers, optilime_refit


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
        num_features=4,
        num_samples=300,
        random_state=0,
    ).fit(X)
    return lime, X[:6]


def _text_model(docs):
    """Linear in the words present: "good" pushes up, "bad" down."""
    return np.array([0.5 + 0.3 * ("good" in d) - 0.2 * ("bad" in d) for d in docs])


@pytest.fixture(scope="module")
def text():
    docs = ["good plot", "bad plot", "good bad film plot"]
    lime = LimeTextExplainer(
        ModelFunction(_text_model), num_samples=300, alpha=0.0, random_state=0
    )
    return lime.fit(docs), docs


def _bright_corner(images):
    """Brightness of the top-left 2 x 2 patch: the first grid segment."""
    return np.asarray(images, dtype=float)[:, :2, :2].mean(axis=(1, 2, 3))


@pytest.fixture(scope="module")
def image():
    images = np.random.default_rng(0).random((2, 8, 8, 1))
    lime = LimeImageExplainer(
        ModelFunction(_bright_corner),
        segmenter="grid",
        hide_color=0,
        num_samples=300,
        random_state=0,
    )
    return lime.fit(images), images


def _half_widths(errorbar):
    segments = errorbar.lines[2][0].get_segments()
    return np.array([(seg[1][0] - seg[0][0]) / 2 for seg in segments])


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_explanation_display_draws_weights_with_two_standard_errors(diabetes, plt):
    lime, X = diabetes
    explanation = lime.explain(X)
    display = ExplanationDisplay.from_explanation(explanation, 2)
    assert isinstance(display, ExplanationDisplay)
    assert display.ax_.figure is display.figure_
    frame = explanation.to_frame()
    frame = frame[frame["row"] == 2]  # by decreasing absolute weight
    # matplotlib draws from the bottom: the largest weight last, at the top.
    widths = [bar.get_width() for bar in display.bars_]
    np.testing.assert_allclose(widths, frame["weight"][::-1])
    assert np.all(frame["standard_error"] > 0)
    np.testing.assert_allclose(
        _half_widths(display.errorbar_), 2 * frame["standard_error"][::-1]
    )
    assert "± 2 standard errors" in display.ax_.get_xlabel()
    same = ExplanationDisplay.from_estimator(lime, X, row=2)
    np.testing.assert_array_equal([b.get_width() for b in same.bars_], widths)


def test_infinite_standard_errors_are_marked_not_drawn(plt):
    display = ExplanationDisplay(
        [2.0, -1.0, 0.5], ["a", "b", "c"], standard_error=[0.1, np.inf, 0.2]
    ).plot()
    np.testing.assert_allclose(_half_widths(display.errorbar_), [0.4, 0.0, 0.2])
    labels = [t.get_text() for t in display.ax_.get_yticklabels()]
    assert labels == ["c", "b (error unknown)", "a"]
    assert [bar.get_hatch() for bar in display.bars_] == [None, "//", None]
    display.figure_.savefig(__import__("io").BytesIO(), format="png")


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_displays_draw_into_the_given_axes(diabetes, image, plt):
    lime, X = diabetes
    explanation = lime.explain(X)
    figure, axes = plt.subplots(2, 2, layout="constrained")
    displays = [
        ExplanationDisplay.from_explanation(explanation, 0, ax=axes[0, 0]),
        CoefficientHeatmapDisplay.from_explanation(explanation, ax=axes[0, 1]),
        GlobalImportanceDisplay.from_explanation(explanation, ax=axes[1, 0]),
        ImageExplanationDisplay.from_estimator(*image, ax=axes[1, 1]),
    ]
    for display, ax in zip(displays, axes.ravel(), strict=True):
        assert display.ax_ is ax and display.figure_ is figure
    assert len(figure.axes) == 4 + 2  # the heatmap's and the image's colorbars
    heatmap, image_display = displays[1], displays[3]
    np.testing.assert_array_equal(heatmap.image_.get_array(), explanation.coef)
    assert heatmap.colorbar_.mappable is heatmap.image_
    assert image_display.colorbar_.mappable is image_display.overlay_
    # The explanation's methods draw the same displays and return the axes.
    ax = explanation.plot_summary()
    np.testing.assert_array_equal(
        [b.get_width() for b in ax.patches],
        [b.get_width() for b in displays[2].bars_],
    )


def _hex_rgb(color):
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(color[:7]))


def test_a_positive_weight_is_the_same_red_everywhere(text, image, plt):
    """Bar, heatmap cell, highlighted word and image overlay: one color."""
    from matplotlib import colormaps

    red, blue = np.array(colormaps["RdBu_r"]([1.0, 0.0]))[:, :3]
    lime, docs = text
    explanation = lime.explain(docs)
    weights = dict(explanation.as_list(2))
    assert weights["good"] > 0 > weights["bad"] and weights["good"] > -weights["bad"]
    bars = ExplanationDisplay.from_explanation(explanation, 2).bars_
    colors = {
        label.get_text(): np.array(bar.get_facecolor()[:3])
        for bar, label in zip(bars, bars[0].axes.get_yticklabels(), strict=True)
    }
    np.testing.assert_allclose(colors["good"], red)
    np.testing.assert_allclose(colors["bad"], blue)
    highlights = dict(
        (word, background)
        for background, word in re.findall(
            r'background:(#[0-9a-f]{8})" title="[^"]*">(\w+)<',
            explanation.highlight_html(2),
        )
    )
    np.testing.assert_allclose(_hex_rgb(highlights["good"]), red)
    np.testing.assert_allclose(_hex_rgb(highlights["bad"]), blue)
    heatmap = CoefficientHeatmapDisplay.from_explanation(explanation).image_
    cells = heatmap.to_rgba(heatmap.get_array())[..., :3]
    coef = heatmap.get_array()
    # The largest absolute weight takes the map's end; a weaker one is paler.
    np.testing.assert_allclose(cells[np.unravel_index(coef.argmax(), coef.shape)], red)
    weakest = cells[np.unravel_index(coef.argmin(), coef.shape)]
    assert weakest[2] > weakest[0] > blue[0]  # blue, paler than the end

    lime, images = image
    display = ImageExplanationDisplay.from_estimator(lime, images)
    overlay = display.overlay_
    assert overlay.get_alpha() == 0.5  # the image shows through
    pixels = overlay.to_rgba(overlay.get_array())[..., :3]
    np.testing.assert_allclose(pixels[0, 0], red)  # the bright-corner segment


def test_text_summary_is_each_words_mean_absolute_weight(text, plt):
    lime, docs = text
    explanation = lime.explain(docs)
    display = GlobalImportanceDisplay.from_explanation(explanation)
    labels = [t.get_text() for t in display.ax_.get_yticklabels()][::-1]
    assert sorted(labels) == ["bad", "film", "good", "plot"]
    widths = [bar.get_width() for bar in display.bars_][::-1]
    errors = _half_widths(display.errorbar_)[::-1] / 2
    for word, width, error in zip(labels, widths, errors, strict=True):
        found = [
            (row, explanation.words[row].index(word))
            for row in range(len(docs))
            if word in explanation.words[row]
        ]
        weight = sum(abs(explanation.word_coef[r, 0, j]) for r, j in found)
        np.testing.assert_allclose(width, weight / len(docs))
        bound = sum(explanation.standard_error[r, 0, j] for r, j in found)
        np.testing.assert_allclose(error, bound / len(docs))
    assert labels[0] in ("good", "bad")  # the words the model uses, on top
    assert "upper bound" in display.ax_.get_xlabel()
    heatmap = CoefficientHeatmapDisplay.from_explanation(explanation)
    assert heatmap.image_.get_array().shape == (3, 4)


def test_image_views_over_all_images_need_the_same_segments(image, plt):
    lime, images = image
    explanation = lime.explain(images)
    display = GlobalImportanceDisplay.from_explanation(explanation, top=3)
    np.testing.assert_allclose(
        [bar.get_width() for bar in display.bars_][::-1],
        np.sort(np.abs(explanation.segment_coef[:, 0]).mean(axis=0))[::-1][:3],
    )
    assert display.ax_.get_yticklabels()[-1].get_text() == "segment 0"

    def halves(image, cut):
        return (
            (np.arange(image.shape[1]) >= cut * image[0, 0, 0] + 1)[None]
            .repeat(image.shape[0], axis=0)
            .astype(int)
        )

    varied = LimeImageExplainer(
        ModelFunction(_bright_corner),
        segmenter=halves,
        segmenter_params={"cut": 4},
        num_samples=100,
        random_state=0,
    ).fit(images)
    explanation = varied.explain(images)
    assert not np.array_equal(*explanation.segments)
    message = "same segments in every image.*image 1's segments differ"
    with pytest.raises(ValueError, match=message):
        explanation.plot_summary()
    with pytest.raises(ValueError, match=message):
        CoefficientHeatmapDisplay.from_explanation(explanation)


def test_image_display_outlines_the_largest_segments(image, plt):
    lime, images = image
    explanation = lime.explain(images)
    every = ImageExplanationDisplay.from_explanation(explanation, 0, outline=None)
    assert len(every.boundaries_.get_segments()) == 2 * 3 * 8  # 4 x 4 grid
    one = ImageExplanationDisplay.from_explanation(explanation, 0, outline=1)
    assert len(one.boundaries_.get_segments()) == 4  # the corner patch: 2 + 2
    top = ImageExplanationDisplay.from_explanation(explanation, 0, top=1)
    assert top.overlay_.get_array().count() == 4  # one 2 x 2 patch shown


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_displays_name_a_missing_row_or_output(diabetes, image, plt):
    lime, X = diabetes
    explanation = lime.explain(X)
    with pytest.raises(IndexError, match="Row 6 is out of range: .* 6 rows"):
        ExplanationDisplay.from_explanation(explanation, 6)
    with pytest.raises(ValueError, match="Unknown output 'up'.*Pass one of them"):
        GlobalImportanceDisplay.from_explanation(explanation, output="up")
    with pytest.raises(ValueError, match="Unknown output 'up'"):
        CoefficientHeatmapDisplay.from_explanation(explanation, output="up")
    with pytest.raises(TypeError, match="draws an ImageExplanation.*ExplanationDis"):
        ImageExplanationDisplay.from_explanation(explanation, 0)
    lime, images = image
    with pytest.raises(IndexError, match="Row -3 is out of range"):
        ImageExplanationDisplay.from_estimator(lime, images, row=-3)


# -- the kernel-width tuning curve ------------------------------------------


def _sines(X):
    """Linear at a scale of about 0.5 standard deviations."""
    return np.sin(2 * X) @ [1.0, 0.5, 0.0]


def _sine_search(search_class=GridSearchCV, grid=None, **params):
    """A tiny fitted search over the width of the explanations of ``_sines``."""
    X = StandardScaler().fit_transform(np.random.default_rng(0).uniform(size=(20, 3)))
    lime = LimeExplainer(
        ModelFunction(_sines), sampling="gaussian", num_samples=128, random_state=0
    )
    grid = {"kernel_width": [1.0, 0.1, 0.3]} if grid is None else grid
    return search_class(lime, grid, cv=2, **params).fit(X)


@pytest.fixture(scope="module")
def width_search():
    return _sine_search(
        scoring=lime_scorers(top_k=2), refit=optilime_refit(min_adherence=0.8)
    )


def test_kernel_width_display_draws_the_searchs_scores(width_search, plt):
    search = width_search
    cv = search.cv_results_
    _, ax = plt.subplots()
    display = KernelWidthDisplay.from_search(search, ax=ax)
    assert display.ax_ is ax and display.figure_ is ax.figure
    order = [1, 2, 0]  # the grid's widths, increasing
    for name in ["adherence", "stability", "fidelity"]:
        line = display.lines_[name]
        np.testing.assert_array_equal(line.get_xdata(), [0.1, 0.3, 1.0])
        np.testing.assert_array_equal(line.get_ydata(), cv[f"mean_test_{name}"][order])
    # Narrow kernels adhere to the sines, the widest does not: the rule
    # chooses a width inside the grid, and the display marks that one.
    assert cv["mean_test_adherence"][1] > 0.8 > cv["mean_test_adherence"][0]
    chosen = search.best_params_["kernel_width"]
    assert chosen == 0.3
    assert display.chosen_line_.get_xdata()[0] == chosen
    assert display.threshold_line_.get_ydata()[0] == 0.8
    labels = display.ax_.get_legend_handles_labels()[1]
    assert labels[-2:] == ["min_adherence 0.8", "chosen width 0.3"]
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.get_xlabel() == "kernel_width"
    with pytest.raises(ValueError, match=r"min_adherence=0.8\); drawing min_adh"):
        KernelWidthDisplay.from_search(search, min_adherence=0.9)
    same = KernelWidthDisplay.from_search(search, min_adherence=0.8)
    assert same.threshold_line_.get_ydata()[0] == 0.8


def test_kernel_width_display_reads_the_searchs_refit(plt):
    """Renamed scorers, no fidelity, a randomized search; a refit by name."""
    scorers = lime_scorers(top_k=2)
    scoring = {"own": scorers["adherence"], "stability": scorers["stability"]}
    search = _sine_search(
        RandomizedSearchCV,
        n_iter=2,
        random_state=0,
        scoring=scoring,
        refit=optilime_refit(0.8, adherence="own"),
    )
    display = KernelWidthDisplay.from_search(search)
    assert sorted(display.lines_) == ["adherence", "stability"]
    cv = search.cv_results_
    order = np.argsort(cv["param_kernel_width"].astype(float))
    np.testing.assert_array_equal(
        display.lines_["adherence"].get_ydata(), cv["mean_test_own"][order]
    )
    assert display.chosen_line_.get_xdata()[0] == search.best_params_["kernel_width"]
    # The threshold is optilime_refit's: under another refit, none unless asked.
    search = _sine_search(scoring=scorers, refit=False)
    display = KernelWidthDisplay.from_search(search)
    assert display.chosen_line_ is None and display.threshold_line_ is None
    display = KernelWidthDisplay.from_search(search, min_adherence=0.7)
    assert display.threshold_line_.get_ydata()[0] == 0.7


def test_kernel_width_display_from_arrays_keeps_exact_scores(plt):
    display = KernelWidthDisplay(
        [2.0, 0.5, 1.0], [0.7, 0.99, 0.9], [1.0, 0.6, 0.8], fidelity=[-40, 0.1, 0.5]
    ).plot()
    np.testing.assert_array_equal(
        display.lines_["fidelity"].get_ydata(), [0.1, 0.5, -40]
    )
    np.testing.assert_array_equal(
        display.lines_["stability"].get_ydata(), [0.6, 0.8, 1]
    )
    # A fidelity of -40 leaves the axes rather than flattening every curve;
    # every picture has the same limits, so pictures side by side agree.
    assert display.ax_.get_ylim() == pytest.approx((-0.3, 1.05))
    assert display.chosen_line_ is None and display.threshold_line_ is None
    with pytest.raises(ValueError, match="one stability score per kernel width: got 2"):
        KernelWidthDisplay([0.5, 1.0, 2.0], [0.9] * 3, [1.0, 0.5]).plot()


def test_kernel_width_display_names_what_the_search_lacks(width_search, plt):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        KernelWidthDisplay.from_search(GridSearchCV(LimeExplainer(), {}))
    with pytest.raises(ValueError, match="did not vary it .*'param_num_features'"):
        KernelWidthDisplay.from_search(_sine_search(grid={"num_features": [1, 2]}))
    both = {"kernel_width": [0.5, 1.0], "num_features": [1, 2]}
    with pytest.raises(ValueError, match="also varied \\['param_num_features'\\]"):
        KernelWidthDisplay.from_search(_sine_search(grid=both))
    with pytest.raises(ValueError, match="tried kernel_width=0.5 several times"):
        KernelWidthDisplay.from_search(_sine_search(grid={"kernel_width": [0.5] * 2}))
    with pytest.raises(
        ValueError, match="KernelWidthDisplay compares.*not a number.*explicit"
    ):
        KernelWidthDisplay.from_search(_sine_search(grid={"kernel_width": [None, 1]}))
    message = "no lime adherence scorer under 'adherence' .*scoring=None"
    with pytest.raises(ValueError, match=message):
        KernelWidthDisplay.from_search(_sine_search())
    scorers = lime_scorers()
    scoring = {"adherence": scorers["fidelity"], "stability": scorers["stability"]}
    with pytest.raises(ValueError, match="lime_scorers.*no lime adherence scorer"):
        KernelWidthDisplay.from_search(_sine_search(scoring=scoring, refit=False))
