"""LimeImageExplainer: known answers, agreement with lime, batches, errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.tree import DecisionTreeClassifier

from sklime import (
    ImageExplanation,
    LimeImageExplainer,
    ModelFunction,
)
from sklime._image import _explainer as _image_explainer
from sklime._tabular import _explainer


def _linear_model(weights):
    """A model linear in the pixels: f(image) = sum(weights * image)."""

    def score(images):
        images = np.asarray(images, dtype=float).reshape(len(images), -1)
        return images @ weights.ravel()

    return ModelFunction(score)


def _quadrant_model(images):
    """Class probabilities decided by the top-left quadrant's brightness."""
    images = np.asarray(images, dtype=float)
    half = images.shape[1] // 2
    p = 1.0 / (1.0 + np.exp(-8 * (images[:, :half, :half].mean(axis=(1, 2, 3)) - 0.5)))
    return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X, y


def test_linear_model_gives_each_segment_its_sum():
    """With a hidden color of 0 and alpha=0, a linear model is recovered exactly."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(8, 8))
    images = rng.random((3, 8, 8))
    lime = LimeImageExplainer(
        _linear_model(weights),
        segmenter="grid",
        hide_color=0.0,
        num_samples=300,
        alpha=0.0,
        random_state=0,
    ).fit(images)
    explanation = lime.explain(images)
    for row, image in enumerate(images):
        labels = explanation.segments[row]
        expected = np.bincount(labels.ravel(), weights=(weights * image).ravel())
        got = explanation.segment_coef[row, 0, : len(expected)]
        np.testing.assert_allclose(got, expected, atol=1e-8)
        # transform: every pixel carries its segment's coefficient
        pixels = lime.transform(image[None])[0]
        np.testing.assert_allclose(pixels, expected[labels.ravel()], atol=1e-8)


def test_the_deciding_region_carries_the_largest_weights():
    rng = np.random.default_rng(1)
    images = rng.random((6, 16, 16, 3))
    lime = LimeImageExplainer(
        ModelFunction(_quadrant_model, classes=[0, 1]),
        segmenter="grid",
        hide_color=0.0,  # a segment's mean color would keep the quadrant's mean
        num_samples=500,
        random_state=0,
    ).fit(images)
    explanation = lime.explain(images)
    for row in range(6):
        labels = explanation.segments[row]
        quadrant = np.unique(labels[:8, :8])
        top = [int(name.split()[1]) for name, _ in explanation.as_list(row, 1)[:4]]
        assert set(top) == set(quadrant.tolist())


def test_agrees_with_lime():
    lime_image = pytest.importorskip("lime.lime_image")
    rng = np.random.default_rng(2)
    image = rng.random((16, 16, 3))

    def grid(img):
        return np.arange(16)[:, None] // 4 * 4 + np.arange(16)[None, :] // 4

    ours = LimeImageExplainer(
        ModelFunction(_quadrant_model, classes=[0, 1]),
        segmenter=lambda img: grid(img),
        hide_color=0.0,
        num_samples=4000,
        random_state=0,
    ).fit(image[None])
    got = ours.explain(image[None]).segment_coef[0, 0]
    for seed in (0, 1):
        reference = lime_image.LimeImageExplainer(random_state=seed)
        theirs = reference.explain_instance(
            image,
            _quadrant_model,
            labels=(1,),
            top_labels=None,
            hide_color=0.0,
            num_samples=4000,
            num_features=16,
            segmentation_fn=grid,
        )
        expected = np.zeros(16)
        for segment, weight in theirs.local_exp[1]:
            expected[segment] = weight
        assert np.corrcoef(got, expected)[0, 1] > 0.95
        big = np.abs(expected) > 0.2 * np.abs(expected).max()
        assert (np.abs(got[big] - expected[big]) / np.abs(expected[big])).max() < 0.3


def test_digits_flattened_rows(digits):
    X, y = digits
    model = DecisionTreeClassifier(max_depth=8, random_state=0).fit(X, y)
    lime = LimeImageExplainer(
        FrozenEstimator(model),
        image_shape=(8, 8),
        segmenter="grid",
        num_samples=200,
        num_features=3,
        random_state=0,
    ).fit(X)
    weights = lime.transform(X[:4])
    assert weights.shape == (4, 10 * 64)
    assert lime.get_feature_names_out()[0] == "coef_0_0_0"
    explanation = lime.explain(X[:4])
    assert isinstance(explanation, ImageExplanation)
    assert (explanation.selected.sum(axis=-1) == 3).all()
    np.testing.assert_array_equal(explanation.coef, weights)


class _RecordingForest(RandomForestClassifier):
    """A forest recording the number of images of each call."""

    calls = []

    def predict_proba(self, X):
        self.calls.append(len(X))
        return super().predict_proba(X)


def test_an_ensemble_gets_several_images_perturbations_per_call(digits, monkeypatch):
    """Batches run across images for an ensemble; the numbers do not change."""
    X, y = digits
    forest = _RecordingForest(n_estimators=3, max_depth=5, random_state=0).fit(X, y)
    lime = LimeImageExplainer(
        FrozenEstimator(forest),
        image_shape=(8, 8),
        segmenter="grid",
        num_samples=100,
        random_state=0,
    ).fit(X)
    assert lime._black_box.ensemble
    calls = _RecordingForest.calls
    calls.clear()
    joint = lime.transform(X[:5])
    assert calls == [5, 500]  # the images, then all their perturbations
    # Batches of 182 perturbed images cross from one image to the next.
    monkeypatch.setattr(_image_explainer, "get_chunk_n_rows", lambda b, max_n_rows: 182)
    calls.clear()
    np.testing.assert_array_equal(lime.transform(X[:5]), joint)
    assert calls == [5, 182, 182, 136]
    lime._black_box.ensemble = False
    calls.clear()
    np.testing.assert_array_equal(lime.transform(X[:5]), joint)
    assert calls == [5] + [100] * 5  # each image's own batch


def test_same_numbers_whatever_the_batch(digits):
    X, _ = digits
    rng = np.random.default_rng(0)
    weights = rng.normal(size=64)

    def model(images):
        return np.tanh(np.asarray(images).reshape(len(images), -1) @ weights / 50)

    def segmenter(image):  # segments that differ between images
        return (image[..., 0] > image.mean()).astype(int) + 2 * (
            np.arange(8)[:, None] < 4
        )

    lime = LimeImageExplainer(
        ModelFunction(model),
        image_shape=(8, 8),
        segmenter=segmenter,
        num_samples=200,
        random_state=0,
    ).fit(X[:10])
    whole = lime.transform(X[:10])
    alone = np.vstack([lime.transform(X[i : i + 1]) for i in range(10)])
    reverse = lime.transform(X[:10][::-1])[::-1]
    parallel = lime.set_params(n_jobs=2).transform(X[:10])
    for other in (alone, reverse, parallel):
        np.testing.assert_array_equal(whole, other)


def test_layouts_and_dtypes():
    rng = np.random.default_rng(3)
    photos = (rng.random((2, 16, 16, 3)) * 255).astype(np.uint8)
    seen = []

    def model(images):
        seen.append((images.shape, images.dtype))
        return np.asarray(images, dtype=float).reshape(len(images), -1).mean(axis=1)

    lime = LimeImageExplainer(
        ModelFunction(model), segmenter="grid", num_samples=50
    ).fit(photos)
    assert lime.transform(photos).shape == (2, 256)
    assert all(shape[1:] == (16, 16, 3) and dtype == np.uint8 for shape, dtype in seen)
    grey = rng.random((2, 8, 8))
    seen.clear()
    lime = LimeImageExplainer(
        ModelFunction(model), segmenter="grid", num_samples=50
    ).fit(grey)
    assert all(shape[1:] == (8, 8) for shape, _ in seen)


def test_quickshift_default_segments_a_photo():
    pytest.importorskip("skimage")
    from sklearn.datasets import load_sample_images

    photo = load_sample_images().images[0][::8, ::8]
    lime = LimeImageExplainer(
        ModelFunction(lambda ims: np.asarray(ims, float)[..., 0].mean(axis=(1, 2))),
        num_samples=100,
        random_state=0,
    ).fit(photo[None])
    explanation = lime.explain(photo[None])
    assert explanation.segments[0].max() >= 1
    assert np.isfinite(explanation.coef).all()


def test_plot_and_html(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(4)
    images = rng.random((2, 8, 8, 3))
    lime = LimeImageExplainer(
        ModelFunction(_quadrant_model, classes=["no", "yes"]),
        segmenter="grid",
        num_samples=100,
        random_state=0,
    ).fit(images)
    explanation = lime.explain(images)
    ax = explanation.plot_image(0, top=2)
    assert ax.get_title().startswith("Image 0")
    path = tmp_path / "page.html"
    explanation.save_html(path, output="yes")
    page = path.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2 and "<script" not in page
    assert page.count("<style>") == 1
    assert explanation.to_frame()["pixels"].sum() == 2 * 64


def test_batch_views_use_pixel_columns():
    """coefficients is coef's block of pixels; descriptions names the segments."""

    def three_classes(images):
        no, yes = _quadrant_model(images).T
        return np.column_stack([no, yes / 3, 2 * yes / 3])

    images = np.random.default_rng(4).random((3, 8, 8, 3))
    lime = LimeImageExplainer(
        ModelFunction(three_classes, classes=["a", "b", "c"]),
        segmenter="grid",
        num_samples=100,
        random_state=0,
    ).fit(images)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few samples per segment
        explanation = lime.explain(images)
    assert len(explanation) == 3
    b = explanation.coefficients("b")
    assert b.shape == (3, 64)
    np.testing.assert_array_equal(b, explanation.coef[:, 64:128])
    last = explanation.pixel_weights(-1, "b")
    np.testing.assert_array_equal(b[2].reshape(8, 8), last)
    with pytest.raises(ValueError, match=r"3 classes \['a', 'b', 'c'\]; pass output="):
        explanation.coefficients()
    n_segments = explanation.segments[0].max() + 1
    assert explanation.descriptions(-3) == [f"segment {j}" for j in range(n_segments)]
    with pytest.raises(IndexError, match="Row -4 is out of range: .* 3 rows"):
        explanation.descriptions(-4)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (np.zeros((2, 64)), {}, "need image_shape"),
        (np.zeros((2, 64)), {"image_shape": (8, 9)}, "does not fit"),
        (np.zeros((2, 4, 4, 3, 1)), {}, "5 dimension"),
        ([np.zeros((4, 4)), np.zeros((5, 5))], {}, "one size"),
        (np.full((2, 4, 4), np.nan), {}, "NaN or infinite"),
        (np.ones((2, 4, 4), dtype=complex), {}, "complex pixels"),
        (np.zeros((2, 10)), {"image_shape": (-2, -5)}, "positive sizes"),
        # None is no size, and 8.9 was silently truncated to 8 (8 x 24 fits).
        (np.zeros((2, 64)), {"image_shape": (8, None)}, "positive sizes, whole"),
        (np.zeros((2, 192)), {"image_shape": (8.9, 24)}, r"\(8\.9, 24\) must hold"),
        (np.zeros((2, 8, 8)), {"image_shape": (8, None)}, "positive sizes, whole"),
        (np.zeros((2, 0, 5)), {}, "without pixels"),
        (np.zeros((2, 4, 4, 0)), {}, "without pixels"),
    ],
)
def test_bad_images(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        LimeImageExplainer(
            ModelFunction(lambda ims: np.zeros(len(ims))), segmenter="grid", **kwargs
        ).fit(X)


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")
def test_model_objects_and_their_errors(digits):
    images, y = digits[0][:40].reshape(-1, 8, 8), digits[1][:40]
    with pytest.raises(ValueError, match=r"ModelFunction\(rf.predict_proba"):
        LimeImageExplainer(lambda ims: np.zeros(len(ims))).fit(images)
    three = ModelFunction(lambda ims: np.zeros(len(ims)), classes=[0, 1, 2])
    with pytest.raises(ValueError, match="returned 1 column for 3 classes"):
        LimeImageExplainer(three, segmenter="grid").fit(images)

    class Brightness:  # a plain model object: no scikit-learn base class
        def fit(self, images, y):
            self.scale_ = 1.0 / np.max(y)
            return self

        def predict(self, images):
            return np.asarray(images, float).mean(axis=(1, 2)) * self.scale_

    settings = dict(segmenter="grid", hide_color=0, num_samples=300, random_state=0)
    lime = LimeImageExplainer(Brightness(), **settings)
    reference = LimeImageExplainer(_linear_model(np.full((8, 8), 1 / 576)), **settings)
    np.testing.assert_allclose(
        lime.fit(images, y).transform(images[:2]),
        reference.fit(images).transform(images[:2]),
    )
    target = y.astype(float)
    target[0] = np.nan
    with pytest.raises(ValueError, match="training images.*NaN") as info:
        LimeImageExplainer(segmenter="grid").fit(images, target)
    assert info.value.args[0].startswith("LimeImageExplainer could not fit its model")
    assert isinstance(info.value.__cause__, ValueError)


def test_bad_segmentation_and_models():
    images = np.random.default_rng(5).random((2, 8, 8))
    one = LimeImageExplainer(
        ModelFunction(lambda ims: np.zeros(len(ims))),
        segmenter=lambda img: np.zeros(img.shape[:2], dtype=int),
    ).fit(images)
    with pytest.raises(ValueError, match="single segment in image 0"):
        one.transform(images)

    def rejects(ims):
        raise RuntimeError("expected 3 channels")

    with pytest.raises(ValueError, match="expected 3 channels.*images laid out"):
        LimeImageExplainer(ModelFunction(rejects), segmenter="grid").fit(images)
    fitted = LimeImageExplainer(
        ModelFunction(lambda ims: np.zeros(len(ims))), segmenter="grid"
    ).fit(images)
    with pytest.raises(ValueError, match="fitted on images of shape"):
        fitted.transform(np.zeros((1, 9, 9)))


def test_missing_scikit_image_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "skimage", None)
    monkeypatch.setitem(sys.modules, "skimage.segmentation", None)
    lime = LimeImageExplainer(ModelFunction(lambda ims: np.zeros(len(ims))))
    lime.fit(np.random.default_rng(0).random((1, 8, 8, 3)))
    with pytest.raises(ImportError, match=r"sklime\[image\]"):
        lime.transform(np.random.default_rng(0).random((1, 8, 8, 3)))


#: Tiny tests of behavior, not of accuracy: the documented warning is expected.
SMALL_SAMPLES = pytest.mark.filterwarnings(
    "ignore:The kernel leaves an effective sample size:UserWarning"
)
#: Tests of images whose segments each have one color: the warning is expected.
FLAT_SEGMENTS = pytest.mark.filterwarnings(
    "ignore:Hiding segments changes no pixel:UserWarning"
)


@pytest.mark.parametrize("cell", [0, -2, 2.5])
def test_grid_cell_must_be_a_positive_integer(cell):
    images = np.random.default_rng(6).random((1, 6, 6))
    lime = LimeImageExplainer(
        ModelFunction(lambda ims: np.zeros(len(ims))),
        segmenter="grid",
        segmenter_params={"cell": cell},
    ).fit(images)
    with pytest.raises(ValueError, match="not a patch size"):
        lime.transform(images)


def _recording_model(seen):
    """A regression model that keeps every batch of images it is given."""

    def model(images):
        seen.append(np.array(images))
        return np.asarray(images, dtype=float).reshape(len(images), -1).mean(axis=1)

    return ModelFunction(model)


@pytest.mark.parametrize(
    "dtype, hide_color, match",
    [
        (np.uint8, 0.5, "not a pixel value of the images' dtype uint8"),
        (np.uint8, 300, "whole numbers from 0 to 255"),
        (np.uint8, -1, "whole numbers from 0 to 255"),
        (np.int64, np.nan, "dtype int64"),
        (np.float32, 1e300, "finite float32 values"),
        (np.float64, (0.0, 1.0), "2 value.*3 channel"),
    ],
)
def test_hide_color_must_be_a_pixel_value(dtype, hide_color, match):
    # Cast into the images' dtype, such colors were truncated, wrapped
    # around or made infinite without a word.
    images = (np.random.default_rng(7).random((1, 4, 4, 3)) * 200).astype(dtype)
    segmented = []

    def quarters(image):
        segmented.append(image)
        return np.arange(16).reshape(4, 4) // 4

    lime = LimeImageExplainer(
        _recording_model([]), segmenter=quarters, hide_color=hide_color, num_samples=20
    ).fit(images)
    with pytest.raises(ValueError, match=match):
        lime.transform(images)
    assert segmented == []  # refused before any (slow) segmentation


@SMALL_SAMPLES
def test_hide_color_fills_hidden_segments_exactly():
    images = (np.random.default_rng(8).random((1, 4, 4, 3)) * 100).astype(np.uint8)
    seen = []
    lime = LimeImageExplainer(
        _recording_model(seen),
        segmenter="grid",
        hide_color=(200, 201, 202),
        num_samples=30,
        random_state=0,
    ).fit(images)
    seen.clear()
    lime.transform(images)
    perturbed = np.concatenate(seen)
    hidden = perturbed != images
    assert hidden.any() and perturbed.dtype == np.uint8
    np.testing.assert_array_equal(
        perturbed[hidden], np.broadcast_to([200, 201, 202], perturbed.shape)[hidden]
    )


@SMALL_SAMPLES
@FLAT_SEGMENTS
def test_mean_fill_of_the_largest_64_bit_integers_does_not_wrap():
    # The float mean of int64 values at the top rounds up to 2**63, which
    # cast back to int64 wrapped around to the most negative value.
    top = np.iinfo(np.int64).max
    images = np.zeros((1, 4, 4), dtype=np.int64)
    images[0, :2] = top
    seen = []
    lime = LimeImageExplainer(
        _recording_model(seen), segmenter="grid", num_samples=30, random_state=0
    ).fit(images)
    seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        lime.transform(images)
    perturbed = np.concatenate(seen)
    assert perturbed.min() == 0 and perturbed[:, :2].min() > top // 2


@SMALL_SAMPLES
@FLAT_SEGMENTS
def test_scikit_image_segments_the_colors_of_rgba_images():
    # The alpha channel is dropped, not the green and blue ones: a
    # constant red channel left a single segment.
    pytest.importorskip("skimage")
    rgb = np.zeros((8, 8, 3))
    rgb[:, 4:, 1] = 1.0
    rgba = np.concatenate([rgb, np.ones((8, 8, 1))], axis=2)
    segments = []
    for images in (rgb[None], rgba[None]):
        lime = LimeImageExplainer(
            ModelFunction(lambda ims: np.asarray(ims)[:, 0, 0, 1]),
            segmenter="felzenszwalb",
            segmenter_params={"scale": 1, "sigma": 0, "min_size": 1},
            num_samples=20,
            random_state=0,
        ).fit(images)
        segments.append(lime.explain(images).segments[0])
    np.testing.assert_array_equal(segments[1], segments[0])
    assert segments[0].max() == 1


@SMALL_SAMPLES
def test_a_segmenter_changing_its_image_leaves_x_alone():
    images = np.random.default_rng(9).random((2, 6, 6))
    before = images.copy()

    def halves_then_scribble(image):
        labels = (np.arange(6)[:, None] < 3) + np.zeros((6, 6), dtype=int)
        image[...] = 0  # in place, as a careless normalization would
        return labels

    lime = LimeImageExplainer(
        ModelFunction(lambda ims: np.asarray(ims).reshape(len(ims), -1).sum(axis=1)),
        segmenter=halves_then_scribble,
        num_samples=20,
        random_state=0,
    ).fit(images)
    lime.transform(images)
    np.testing.assert_array_equal(images, before)


@SMALL_SAMPLES
@FLAT_SEGMENTS
def test_plot_image_of_the_largest_float32_pixels():
    # Their channel mean, summed in float32, overflowed to infinity: a blank
    # picture.
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    images = np.full((1, 4, 4, 3), 3e38, dtype=np.float32)
    images[0, :2] = 1e38
    lime = LimeImageExplainer(
        ModelFunction(lambda ims: np.asarray(ims, float)[:, 0, 0, 0] / 1e38),
        segmenter="grid",
        num_samples=20,
        random_state=0,
    ).fit(images)
    ax = lime.explain(images).plot_image(0)
    grey = np.ma.filled(ax.get_images()[0].get_array(), np.nan)  # inf is masked
    np.testing.assert_allclose(grey[2:], 3e38, rtol=1e-6)
    np.testing.assert_allclose(grey[:2], 1e38, rtol=1e-6)


@pytest.mark.parametrize("factor", [1e160, 1e-200])
def test_outputs_of_any_magnitude_scale_the_explanation_exactly(factor):
    """Outputs of 1e160 (whose squares overflow) or 1e-200 scale every number."""
    images = np.random.default_rng(0).random((2, 4, 4))

    def model(factor):
        return ModelFunction(
            lambda ims: factor * np.asarray(ims).reshape(len(ims), -1).sum(1)
        )

    explained = []
    for f in (1.0, factor):
        lime = LimeImageExplainer(
            model(f),
            segmenter="grid",
            segmenter_params={"cell": 2},
            hide_color=0,
            num_samples=50,
            random_state=0,
        )
        with pytest.warns(UserWarning, match="effective sample size"):
            explained.append(lime.fit(images).explain(images))
    unit, scaled = explained
    np.testing.assert_allclose(scaled.score, unit.score, rtol=1e-12)
    np.testing.assert_allclose(scaled.segment_coef, factor * unit.segment_coef)
    np.testing.assert_allclose(scaled.standard_error, factor * unit.standard_error)
    assert np.isfinite(scaled.standard_error).all()


def test_one_batch_of_perturbed_images_at_a_time():
    """Batches are sized from working_memory, and none outlives its call."""
    import tracemalloc

    from sklearn import config_context

    image = np.random.default_rng(0).random((1, 128, 128, 3))
    lime = LimeImageExplainer(
        ModelFunction(lambda images: np.asarray(images).mean(axis=(1, 2, 3))),
        segmenter="grid",
        num_samples=500,  # 190 MiB of perturbed images if built at once
        random_state=0,
    ).fit(image)
    working_memory = 64  # MiB: batches of 75 perturbed images and their masks
    tracemalloc.start()
    try:
        with config_context(working_memory=working_memory):
            lime.transform(image)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    # A batch and its masks take half the budget (the other half is for the
    # model's own copies); two batches alive at once would take all of it.
    assert peak < 0.75 * working_memory


def test_fit_refuses_num_samples_whose_perturbations_cannot_fit(monkeypatch):
    monkeypatch.setattr(_explainer, "_physical_memory", lambda: 2**20)
    lime = LimeImageExplainer(
        ModelFunction(lambda X: X.reshape(len(X), -1).mean(axis=1)),
        segmenter="grid",
        num_samples=100_000,
    )
    with pytest.raises(ValueError, match=r"num_samples=100000 needs about .* GiB"):
        lime.fit(np.zeros((1, 8, 8)))


def test_an_image_with_too_many_segments_for_memory_gets_a_clear_error(monkeypatch):
    images = np.random.default_rng(0).random((1, 64, 64))
    lime = LimeImageExplainer(
        ModelFunction(lambda X: X.reshape(len(X), -1).mean(axis=1)),
        segmenter="grid",
        segmenter_params={"cell": 1},  # one segment per pixel
        num_samples=50,
    ).fit(images)
    monkeypatch.setattr(_explainer, "_physical_memory", lambda: 2**22)
    with pytest.raises(
        ValueError,
        match=r"an instance with 4096 components needs about 0\.0 GiB \(its "
        r"surrogate's 50 x 50 moments .* a coarser segmentation",
    ):
        lime.transform(images)


@pytest.mark.parametrize("layout, target", [("grey", "classes"), ("color", "values")])
def test_default_model_is_a_forest_on_the_flattened_images(layout, target):
    """Arrays of images are flattened for the default forest ("Found array
    with dim 4" before): it explains them as it explains the flattened rows."""
    rng = np.random.default_rng(10)
    images = rng.random((20, 6, 6) if layout == "grey" else (20, 6, 6, 3))
    rows = images.reshape(20, -1)
    y = np.arange(20) % 2 if target == "classes" else rows.mean(axis=1)
    params = dict(
        segmenter="grid",
        segmenter_params={"cell": 3},
        hide_color=0,
        num_samples=100,
        random_state=0,
    )
    arrays = LimeImageExplainer(**params).fit(images, y)
    flat = LimeImageExplainer(image_shape=images.shape[1:], **params).fit(rows, y)
    np.testing.assert_array_equal(
        arrays.transform(images[:2]), flat.transform(rows[:2])
    )
    forest = arrays.estimator_[-1]
    assert type(forest) is type(flat.estimator_)
    assert forest.n_features_in_ == rows.shape[1]


@pytest.mark.parametrize(
    "segmenter, params, match",
    [
        (
            "grid",
            {"size": 2},
            r"\['size'\], which segmenter='grid' does not take; "
            "it takes cell",
        ),
        ("slic", {"size": 2}, r"segmenter='slic' does not take; it takes n_segments,"),
        ("slic", {"n_segments": 0}, "slic's n_segments=0 is not a number of segments"),
        ("slic", {"n_segments": -3}, "n_segments=-3 is not a number of segments"),
        ("slic", {"compactness": "x"}, "segmenter='slic' raised TypeError on an image"),
    ],
)
def test_segmenter_params_are_checked(segmenter, params, match):
    """Unknown names named the private _grid(); n_segments=0 divided by zero."""
    if segmenter != "grid":
        pytest.importorskip("skimage")
    images = np.random.default_rng(11).random((1, 8, 8, 3))
    lime = LimeImageExplainer(
        ModelFunction(lambda ims: np.zeros(len(ims))),
        segmenter=segmenter,
        segmenter_params=params,
    ).fit(images)
    with pytest.raises(ValueError, match=match):
        lime.transform(images)


def _fails(image):
    raise RuntimeError("no GPU")


@pytest.mark.parametrize(
    "segmenter, match",
    [
        (lambda im: np.where(np.eye(6, dtype=bool), "a", "b"), "of dtype <U1: segment"),
        (lambda im: np.full((6, 6), "a", dtype=object), "of dtype object: segment"),
        (lambda im: np.where(np.eye(6) > 0, np.nan, 1.0), "float64 with NaN or inf"),
        (_fails, "The segmenter raised RuntimeError on an image .*: no GPU"),
    ],
)
def test_callable_segmenters_must_return_numeric_labels(segmenter, match):
    images = np.random.default_rng(12).random((1, 6, 6))
    lime = LimeImageExplainer(
        ModelFunction(lambda ims: np.zeros(len(ims))), segmenter=segmenter
    ).fit(images)
    with pytest.raises(ValueError, match=match):
        lime.transform(images)


def test_quickshift_on_small_images_points_to_other_segmenters():
    """lime's quickshift settings find one segment in small images."""
    pytest.importorskip("skimage")
    images = np.random.default_rng(13).random((1, 16, 16, 3))
    model = ModelFunction(lambda ims: np.asarray(ims).mean(axis=(1, 2, 3)))
    quickshift = LimeImageExplainer(model, num_samples=50, random_state=0)
    with pytest.raises(
        ValueError,
        match=r"segmenter='quickshift' found a single segment in image 0 \(16 x 16 "
        r"pixels\).*segmenter='slic'.*segmenter='grid'",
    ):
        quickshift.fit(images).transform(images)
    # The advice holds: slic cuts the same image into several segments.
    slic = LimeImageExplainer(model, segmenter="slic", num_samples=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few samples per segment
        assert slic.fit(images).explain(images).segments[0].max() >= 1


class _Scribbler(RegressorMixin, BaseEstimator):
    """A regression on pixel sums that zeroes the images it is given."""

    def fit(self, X, y):
        self.scale_ = float(np.abs(X).max())
        X[...] = 0
        return self

    def predict(self, X):
        out = np.asarray(X, dtype=float).reshape(len(X), -1).sum(axis=1) / self.scale_
        X[...] = 0
        return out


class _Reader(_Scribbler):
    """The same model, leaving its input alone."""

    def fit(self, X, y):
        return super().fit(X.copy(order="K"), y)

    def predict(self, X):
        return super().predict(X.copy(order="K"))  # the same sums, to the bit


@SMALL_SAMPLES
@pytest.mark.parametrize("shape", [(3, 6, 6), (3, 6, 6, 3), (3, 36)])
def test_a_model_writing_into_its_input_changes_neither_x_nor_the_explanation(shape):
    """fit gave the model a view of X, and transform the images the
    perturbations are made from."""
    images = np.random.default_rng(14).random(shape)
    before = images.copy()
    params = dict(
        image_shape=(6, 6) if len(shape) == 2 else None,
        segmenter="grid",
        segmenter_params={"cell": 3},
        hide_color=0,
        num_samples=50,
        random_state=0,
    )
    y = np.arange(3.0)
    scribbled = LimeImageExplainer(_Scribbler(), **params).fit(images, y)
    np.testing.assert_array_equal(images, before)
    weights = scribbled.transform(images)
    np.testing.assert_array_equal(images, before)
    read = LimeImageExplainer(_Reader(), **params).fit(images, y)
    np.testing.assert_array_equal(weights, read.transform(images))
    assert np.abs(weights).max() > 0


@pytest.mark.parametrize(
    "images, kwargs, fill",
    [
        # one-pixel segments keep their mean color
        (np.random.default_rng(15).random((2, 4, 4)), {}, "its mean color"),
        # one color in each 2 x 2 segment
        (
            np.kron(np.arange(4.0).reshape(1, 2, 2), np.ones((2, 2))),
            {"segmenter_params": {"cell": 2}},
            "its mean color",
        ),
        (np.zeros((2, 4, 4), dtype=np.uint8), {"hide_color": 0}, "hide_color=0"),
    ],
)
def test_hiding_that_changes_no_pixel_is_warned(images, kwargs, fill):
    """Every perturbation equals the image: all-zero weights and R² 1, silently."""
    lime = LimeImageExplainer(
        _linear_model(np.ones(16)), segmenter="grid", num_samples=300, **kwargs
    ).fit(images)
    n = len(images)
    with pytest.warns(
        UserWarning,
        match=rf"Hiding segments changes no pixel of {n} of {n} image\(s\), at "
        rf"positions \[0(, 1)?\]: .*\({fill}.*Pass a hide_color",
    ):
        explanation = lime.explain(images)
    np.testing.assert_allclose(explanation.coef, 0.0, atol=1e-12)
    # A color the images do not hold changes them: no warning.
    lime.set_params(hide_color=0.5 if images.dtype.kind == "f" else 9)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Hiding segments")
        assert np.abs(lime.transform(images)).max() > 0


def test_chosen_classes_of_images_have_the_bits_of_all_classes(digits):
    X, y = digits
    model = FrozenEstimator(
        DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y)
    )
    params = {"image_shape": (8, 8), "segmenter": "grid", "num_samples": 300}
    every = LimeImageExplainer(model, random_state=0, **params).fit(X[:50])
    lime = LimeImageExplainer(model, labels=[7, 2, 4], random_state=0, **params)
    chosen = lime.fit(X[:50]).explain(X[:4])
    np.testing.assert_array_equal(
        chosen.segment_coef, every.explain(X[:4]).segment_coef[:, [7, 2, 4]]
    )
    assert lime.get_feature_names_out()[0] == "coef_7_0_0"
    np.testing.assert_array_equal(
        chosen.pixel_weights(1, output=2),
        every.explain(X[:4]).pixel_weights(1, output=2),
    )
