"""LimeImageExplainer: known answers, agreement with lime, batches, errors."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.tree import DecisionTreeClassifier

from sklime import ImageExplanation, LimeImageExplainer, ModelFunction, _image_explainer


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
    """With a hidden colour of 0 and alpha=0, a linear model is recovered exactly."""
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
        hide_color=0.0,  # a segment's mean colour would keep the quadrant's mean
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
    assert lime.black_box_.ensemble
    calls = _RecordingForest.calls
    calls.clear()
    joint = lime.transform(X[:5])
    assert calls == [5, 500]  # the images, then all their perturbations
    # Batches of 182 perturbed images cross from one image to the next.
    monkeypatch.setattr(_image_explainer, "get_chunk_n_rows", lambda b, max_n_rows: 182)
    calls.clear()
    np.testing.assert_array_equal(lime.transform(X[:5]), joint)
    assert calls == [5, 182, 182, 136]
    lime.black_box_.ensemble = False
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
        (np.zeros((2, 0, 5)), {}, "without pixels"),
        (np.zeros((2, 4, 4, 0)), {}, "without pixels"),
    ],
)
def test_bad_images(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        LimeImageExplainer(
            ModelFunction(lambda ims: np.zeros(len(ims))), segmenter="grid", **kwargs
        ).fit(X)


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


#: Tiny tests of behaviour, not of accuracy: the documented warning is expected.
SMALL_SAMPLES = pytest.mark.filterwarnings(
    "ignore:The kernel leaves an effective sample size:UserWarning"
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
    # Cast into the images' dtype, such colours were truncated, wrapped
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
def test_scikit_image_segments_the_colours_of_rgba_images():
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
        image[...] = 0  # in place, as a careless normalisation would
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
