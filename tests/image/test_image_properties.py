"""Properties of LimeImageExplainer on random tiny images, settings and models.

Every case either raises a ValueError or TypeError with a message, or returns
finite output of the documented shape: at most ``num_features`` segments
weighted, every pixel carrying its segment's coefficient, the input never
changed, a warning for exactly the images that hiding segments does not
change, and an image's explanation the same whatever the other images of
the batch. The examples are drawn by hypothesis with the fixed profile of
``conftest.py``.
"""

import hashlib
import re
import warnings
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pytest
from _checks import call as checked_call
from _checks import snapshot
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklime import LimeImageExplainer, ModelFunction
from sklime._core import _components

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies
given = hypothesis.given

try:
    import skimage  # noqa: F401

    SCIKIT_IMAGE = ("slic", "felzenszwalb", "quickshift")
except ImportError:
    SCIKIT_IMAGE = ()
#: Segmenters, the grid and random labels (which always apply) more often.
SEGMENTERS = ("grid", "grid", "grid", "labels", "labels", *SCIKIT_IMAGE)

#: Channels of each layout; "flat" images are rows with image_shape.
CHANNELS = {"grey": None, "rgb": 3, "rgba": 4, "flat": None, "flat_rgb": 3}
DTYPES = ("uint8", "int64", "float16", "float32", "float64", "bool")
#: Label sets of the callable segmenter: consecutive, sparse, negative, one.
LABEL_SETS = ((0, 1), (3, 7, 100), (-5, 0, 2, 9), (1, 2, 3, 4, 5, 6), (4,))
#: Response methods, "auto" (the one that works) more often.
RESPONSE_METHODS = ("auto",) * 5 + ("predict_proba", "decision_function", "predict")


# -- random images --------------------------------------------------------------
@dataclass(frozen=True)
class Images:
    """A batch of tiny random images in one layout and dtype.

    ``fortran`` lays the array out in Fortran order. ``content`` is
    "random", "constant" (every pixel of an image alike) or
    "extreme" (the smallest and largest integers of the dtype, floats up to
    6e4 for float16, 3e38 for float32 and 1e300 for float64).
    """

    layout: str
    dtype: str
    height: int
    width: int
    n: int
    content: str
    fortran: bool
    seed: int

    @property
    def channels(self):
        return CHANNELS[self.layout] or 1

    @property
    def image_shape(self):
        """The explainer's image_shape: flattened rows need one."""
        if self.layout == "flat":
            return (self.height, self.width)
        if self.layout == "flat_rgb":
            return (self.height, self.width, 3)
        return None

    def build(self, n=None, seed=None):
        """The images as the explainer takes them (X)."""
        rng = np.random.default_rng(self.seed if seed is None else seed)
        shape = (self.n if n is None else n, self.height, self.width, self.channels)
        unit = rng.random(shape)
        if self.content == "constant":
            unit = np.broadcast_to(unit[:, :1, :1, :1], shape)
        if self.dtype == "bool":
            images = unit < 0.5
        elif self.dtype in ("uint8", "int64"):
            info = np.iinfo(self.dtype)
            images = np.rint(unit * 9).astype(self.dtype)
            if self.content == "extreme":  # the dtype's top and bottom values
                images = np.where(unit < 0.5, info.max, info.min).astype(self.dtype)
        else:
            top = {"float16": 6e4, "float32": 3e38, "float64": 1e300}[self.dtype]
            images = (unit * (top if self.content == "extreme" else 1.0)).astype(
                self.dtype
            )
        if self.layout in ("flat", "flat_rgb"):
            images = images.reshape(len(images), -1)
        elif self.layout == "grey":
            images = images[..., 0]
        return np.asfortranarray(images) if self.fortran else images


images_strategy = st.builds(
    Images,
    layout=st.sampled_from(tuple(CHANNELS)),
    dtype=st.sampled_from(DTYPES),
    height=st.integers(2, 12),
    width=st.integers(2, 12),
    n=st.integers(1, 4),
    content=st.sampled_from(["random", "random", "constant", "extreme"]),
    fortran=st.booleans(),
    seed=st.integers(0, 2**16),
)


# -- models -------------------------------------------------------------------
def _pixels(images):
    """Each image as a row of float pixels scaled into [-1, 1] by its own range."""
    flat = np.asarray(images, dtype=float).reshape(len(images), -1)
    scale = np.abs(flat).max(axis=1, keepdims=True)
    return flat / np.where(scale > 0, scale, 1.0)


def _weights(size, seed=0):
    return np.random.default_rng(seed).normal(size=size)


def regression(images):
    """A smooth score of the pixels (elementwise and row sums: batch-exact)."""
    pixels = _pixels(images)
    return np.tanh((pixels * _weights(pixels.shape[1])).sum(axis=1))


def two_outputs(images):
    """Two regression outputs."""
    score = regression(images)
    return np.column_stack([score, _pixels(images).mean(axis=1)])


def probabilities(n_classes):
    """Class probabilities from a softmax of pixel sums."""

    def predict_proba(images):
        pixels = _pixels(images)
        logits = np.stack(
            [(pixels * _weights(pixels.shape[1], c)).sum(axis=1) for c in range(3)],
            axis=1,
        )[:, :n_classes]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    return predict_proba


def _flatten(images):
    return np.asarray(images, dtype=float).reshape(len(images), -1)


@dataclass(frozen=True)
class Model:
    """The explained model: a ModelFunction, or a frozen logistic regression."""

    kind: str  # "regression", "two_outputs", "binary", "three", "logistic"

    def build(self, images):
        if self.kind == "regression":
            return ModelFunction(regression)
        if self.kind == "two_outputs":
            return ModelFunction(two_outputs)
        if self.kind == "binary":  # labels with markup, for the HTML
            classes = ["<script>alert(1)</script>", "<b>yes</b>"]
            return ModelFunction(probabilities(2), classes=classes)
        if self.kind == "three":
            return ModelFunction(probabilities(3), classes=range(3))
        train = images.build(n=12, seed=images.seed + 1)
        y = np.arange(12) % 3
        steps = [LogisticRegression(max_iter=50)]
        if images.layout not in ("flat", "flat_rgb"):
            steps.insert(0, FunctionTransformer(_flatten))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence on random images
            return FrozenEstimator(make_pipeline(*steps).fit(train, y))


models = st.builds(
    Model,
    kind=st.sampled_from(["regression", "two_outputs", "binary", "three", "logistic"]),
)


# -- segmenters ----------------------------------------------------------------
def random_labels(label_set):
    """A segmenter drawing ``label_set`` at random, seeded by the image's bytes."""

    def segmenter(image):
        digest = hashlib.sha256(np.ascontiguousarray(image).tobytes()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        return rng.choice(label_set, size=image.shape[:2])

    return segmenter


@st.composite
def segmenters(draw):
    """The segmenter and segmenter_params of a case."""
    name = draw(st.sampled_from(SEGMENTERS))
    if name == "grid":
        cell = draw(st.sampled_from([None, None, 1, 2, 3, 5, 20, 0, -2]))
        return name, None if cell is None else {"cell": cell}
    if name == "labels":
        return random_labels(draw(st.sampled_from(LABEL_SETS))), None
    params = {
        "slic": {"n_segments": 6, "start_label": 0},
        "felzenszwalb": {"scale": 1, "min_size": 1},
        "quickshift": {"kernel_size": 1, "max_dist": 3},
    }[name]
    return name, params


@st.composite
def settings(draw, images):
    """Explainer parameters; hide_color per channel where the images have them."""
    channels = images.channels
    # one value per channel, and a tuple of the wrong length (but for 2)
    hide = [None, None, 0, 0.5, 1e300, tuple(range(channels)), (0, 1)]
    segmenter, segmenter_params = draw(segmenters())
    return {
        "image_shape": images.image_shape,
        "segmenter": segmenter,
        "segmenter_params": segmenter_params,
        "hide_color": draw(st.sampled_from(hide)),
        "num_samples": draw(st.sampled_from([20, 64, 150])),
        "kernel_width": draw(st.sampled_from([1e-6, 0.25, 1e6])),
        "sampling": draw(st.sampled_from(["lime", "kernel"])),
        "num_features": draw(st.sampled_from([None, 1, 2, 5, 500])),
        "feature_selection": draw(
            st.sampled_from(
                ["auto", "none", "highest_weights", "forward_selection", "lasso_path"]
            )
        ),
        "alpha": draw(st.sampled_from([1.0, 0.0, 1e-8, 100.0])),
        "response_method": draw(st.sampled_from(RESPONSE_METHODS)),
        "random_state": draw(st.integers(0, 1000)),
    }


@st.composite
def cases(draw):
    images = draw(images_strategy)
    return images, draw(models), draw(settings(images))


# -- helpers ------------------------------------------------------------------
#: sklime's warning about images that no hiding of segments changes.
UNCHANGED = re.compile(r"changes no pixel of .* at positions \[([\d, ]*)\]")


def call(function, *args, warned=None):
    """``test_properties.call``, where the warning UNCHANGED is documented too.

    The positions of the images it names are added to the set ``warned``.
    """
    return checked_call(_keeping_unchanged(function, warned), *args)


def _keeping_unchanged(function, warned):
    """``function``, keeping UNCHANGED's positions and passing other warnings on."""

    def kept(*args):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = function(*args)
        for w in caught:
            match = UNCHANGED.search(str(w.message))
            if match is None:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            elif warned is not None:
                warned.update(int(i) for i in match[1].split(","))
        return result

    return kept


def hides_nothing(image, labels, hide_color):
    """Whether every segment of ``image`` already has the color that hides it."""
    if hide_color is not None:
        return bool((image == np.asarray(hide_color)).all())
    return all(
        (image[labels == j] == image[labels == j][0]).all()
        for j in range(labels.max() + 1)
    )


def fitted_case(case):
    """The fitted explainer and the images to explain, or None, None if refused."""
    images, model, params = case
    X = images.build()
    lime = LimeImageExplainer(model.build(images), **params)
    before = snapshot(X)
    fitted = call(lime.fit, X)
    np.testing.assert_array_equal(X, before, strict=True)
    return fitted, X


def segment_counts(explanation):
    return np.array([labels.max() + 1 for labels in explanation.segments])


# -- properties ---------------------------------------------------------------
#: Cases per property: a third or so are refused (one segment, a response
#: method the model lacks, a color the dtype cannot hold), and cases are cheap.
MORE = hypothesis.settings(max_examples=2 * hypothesis.settings.default.max_examples)


@MORE
@given(case=cases())
def test_explain_is_finite_sparse_and_pixelwise(case):
    lime, X = fitted_case(case)
    if lime is None:
        return
    before = snapshot(X)
    warned = set()
    explanation = call(lime.explain, X, warned=warned)
    np.testing.assert_array_equal(X, before, strict=True)
    if explanation is None:
        return
    n, k = len(X), len(lime.outputs_)
    height, width = lime.image_shape_[:2]
    coef, segment_coef = explanation.coef, explanation.segment_coef
    counts = segment_counts(explanation)
    assert (counts >= 2).all()
    assert coef.shape == (n, k * height * width)
    assert segment_coef.shape == (n, k, counts.max())
    assert explanation.selected.shape == segment_coef.shape
    for name in ("coef", "segment_coef", "intercept", "local_prediction"):
        assert np.isfinite(getattr(explanation, name)).all(), name
    assert lime.get_feature_names_out().shape == (coef.shape[1],)
    error = explanation.standard_error
    assert not np.isnan(error).any() and (error >= 0).all()
    assert (explanation.score <= 1 + 1e-9).all()
    ess = explanation.effective_sample_size
    assert ((ess >= 1 - 1e-9) & (ess <= lime.num_samples * (1 + 1e-9))).all()

    pixels = coef.reshape(n, k, height, width)
    for i, labels in enumerate(explanation.segments):
        assert labels.shape == (height, width)
        assert np.array_equal(np.unique(labels), np.arange(counts[i]))
        # padding beyond the image's segments, and unselected segments, are 0
        assert (segment_coef[i, :, counts[i] :] == 0).all()
        assert (segment_coef[i][~explanation.selected[i]] == 0).all()
        for out in range(k):
            np.testing.assert_array_equal(
                pixels[i, out], segment_coef[i, out][labels], strict=True
            )
            output = explanation.outputs[out]
            np.testing.assert_array_equal(
                explanation.pixel_weights(i, output), pixels[i, out]
            )
            pairs = explanation.as_list(i, output)
            assert len(pairs) == explanation.selected[i, out].sum()
            for name, weight in pairs:
                assert weight == segment_coef[i, out, int(name.split()[-1])]
    wanted = lime.num_features
    if wanted is not None and lime.feature_selection != "none":
        assert (np.count_nonzero(segment_coef, axis=2) <= wanted).all()
        assert (explanation.selected.sum(axis=2) <= wanted).all()

    if lime.hide_color is None and case[0].content == "constant":
        # Hidden segments are filled with their own color: nothing changes.
        np.testing.assert_allclose(coef, 0.0, atol=1e-9)
    unchanged = {
        i
        for i, labels in enumerate(explanation.segments)
        if hides_nothing(explanation.images[i], labels, lime.hide_color)
    }
    assert warned == unchanged
    np.testing.assert_allclose(coef[sorted(unchanged)], 0.0, atol=1e-9)
    transformed = call(lime.transform, X)
    np.testing.assert_array_equal(X, before, strict=True)
    np.testing.assert_array_equal(explanation.coef, transformed, strict=True)


@MORE
@given(case=cases())
def test_an_image_gets_the_same_weights_in_any_batch(case):
    lime, X = fitted_case(case)
    if lime is None:
        return
    whole = call(lime.transform, X)
    if whole is None:
        return
    n, k = len(X), len(lime.outputs_)
    assert whole.shape == (n, k * np.prod(lime.image_shape_[:2]))
    assert np.isfinite(whole).all()
    alone = np.vstack([call(lime.transform, X[i : i + 1]) for i in range(n)])
    reverse = call(lime.transform, X[::-1])[::-1]
    np.testing.assert_array_equal(alone, whole)
    np.testing.assert_array_equal(reverse, whole)


@hypothesis.settings(max_examples=8)
@given(case=cases())
def test_html_embeds_pictures_and_no_script(case, tmp_path_factory):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    lime, X = fitted_case(case)
    if lime is None:
        return
    explanation = call(lime.explain, X)
    if explanation is None:
        return
    shown = min(len(X), 5)
    for page in (
        call(explanation._repr_html_),
        call(_saved_page, explanation, tmp_path_factory.mktemp("html") / "page.html"),
    ):
        assert page.count("data:image/png;base64,") >= shown
        assert "<script" not in page.lower()


def _saved_page(explanation, path):
    explanation.save_html(path)
    return path.read_text(encoding="utf-8")


# -- images on the wide path -------------------------------------------------------
# The same promises where every image of three or more segments takes the path
# of images with thousands of them.


@given(case=cases())
def test_wide_images_are_finite_sparse_and_pixelwise(case):
    inner = test_explain_is_finite_sparse_and_pixelwise.hypothesis
    with mock.patch.object(_components, "WIDE_MIN_COMPONENTS", 3):
        inner.inner_test(case)


@given(case=cases())
def test_a_wide_image_gets_the_same_weights_in_any_batch(case):
    inner = test_an_image_gets_the_same_weights_in_any_batch.hypothesis
    with mock.patch.object(_components, "WIDE_MIN_COMPONENTS", 3):
        inner.inner_test(case)
