"""LimeImageExplainer: LIME for images, as a scikit-learn transformer."""

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted

from .._base import PROBE_SIZE, LimeBase, check_target_length
from .._compat import Interval, StrOptions, _fit_context, get_chunk_n_rows
from .._core import _engine
from .._core._components import InstancePlan
from .._core._masks import KernelMasks
from .._instance_explanation import common_fields
from .._model import is_class_target
from .._tabular._explainer import _check_instance_memory, _check_plan_memory
from ._explanation import ImageExplanation
from ._segments import (
    _SKIMAGE_SEGMENTERS,
    ImageNoise,
    changes_no_pixel,
    check_images,
    fill_image,
    hidden_segments_law,
    hide_fill,
    perturbed_images,
    segment,
)

#: What the explainer sends the model, said when the model raises.
_IMAGE_INPUT = (
    "LimeImageExplainer queries the model with images laid out as the X given "
    "to fit (flattened rows, or an array of images), some superpixels hidden; "
    "check that the model accepts such images, or wrap a function with "
    "sklime.ModelFunction."
)


class LimeImageExplainer(LimeBase):
    """Explain an image model's predictions with LIME, superpixel by superpixel.

    Each image is cut into superpixels (segments). LIME hides random sets of
    them (filled with ``hide_color`` or each segment's mean color), queries
    the model on the perturbed images, weights them by lime's kernel of the
    cosine distance between the kept-segment indicators and the image's, and
    fits a weighted ridge regression (the surrogate) of the model's output on
    which segments were kept. ``transform`` returns each pixel's weight (the
    coefficient of its segment), a fixed-shape matrix whatever the
    segmentation.

    The perturbation noise is drawn once from ``random_state`` and shared by
    all images, so an image's explanation does not depend on the other images,
    their order, chunking or ``n_jobs``.

    Parameters
    ----------
    estimator : estimator or None, default=None
        The image model. It takes images laid out as ``X`` in ``fit``
        (flattened rows, as ``load_digits().data``, or an array of images).
        It is cloned and fitted on ``(X, y)``; wrap a fitted model in
        :class:`~sklearn.frozen.FrozenEstimator`, and a plain function
        (PyTorch, Keras, ONNX) in :class:`sklime.ModelFunction`. None fits a
        random forest (a classifier for class labels) on the images
        flattened into rows, whatever their layout.

    image_shape : tuple or None, default=None
        ``(height, width)`` or ``(height, width, channels)`` of the flattened
        images of a 2-D ``X``; None for 3-D (n, height, width) or 4-D (n,
        height, width, channels) arrays.

    segmenter : {"quickshift", "slic", "felzenszwalb", "grid"} or callable, \
            default="quickshift"
        How images are cut into superpixels: scikit-image's algorithms (needs
        the ``image`` extra; quickshift with lime's settings; they see the
        first three channels, the RGB of RGBA images, and grey images
        repeated thrice), "grid" (square patches, 4 x 4 by default; needs
        nothing and suits tiny images), or ``segmenter(image,
        **segmenter_params) -> labels`` (one number per pixel) on a copy of a
        (height, width, channels) image. Quickshift with lime's settings
        finds a single segment in images of less than a hundred pixels or
        so a side, where "slic" or "grid" suit.

    segmenter_params : dict or None, default=None
        Keyword arguments of the segmenter (for "grid": ``cell``, the patch
        size in pixels); a name the named segmenter does not take is refused.

    hide_color : float, array-like or None, default=None
        The color of hidden segments, one number or one per channel, in the
        images' dtype (whole numbers from 0 to 255 for 8-bit images; a value
        the dtype cannot hold raises an error); None fills each with its
        mean color (lime's default).

    num_samples : int, default=1000
        Perturbed images per explained image (lime's default); with ``tol``,
        the most an image gets.

    tol : float or None, default=None
        Draw each image's perturbations in rounds of 1024, 2048, 4096, ...
        up to ``num_samples`` and stop when its explanation is settled, as
        :class:`LimeExplainer`'s ``tol`` does (segments are its features);
        :attr:`ImageExplanation.n_samples_used` reports the rounds. None draws
        ``num_samples`` for every image.

    kernel_width : float, default=0.25
        Width of the kernel ``exp(-d**2 / (2 * kernel_width**2))`` on the
        cosine distance (lime's).

    sampling : {"lime", "kernel"}, default="lime"
        How the perturbations are drawn. "lime": each segment is hidden
        with probability 1/2, and each perturbation weighs the kernel of its
        distance. "kernel": the number ``k`` of hidden segments is drawn from
        lime's (binomial) law times the kernel's weight of ``k``
        (stratified, so the counts follow it closely), the hidden set
        uniform given ``k``, and every perturbation weighs the same, the
        kernel's mean under lime's law. Both estimate the same surrogate
        (the same weighted moments in expectation), with sampling noise of
        their own. In both the first perturbation is the image itself.

    num_features : int or None, default=None
        Number of segments each surrogate keeps (all of the image's when it
        has fewer); None keeps all.

    feature_selection : {"auto", "none", "highest_weights", \
            "forward_selection", "lasso_path"}, default="auto"
        How ``num_features`` segments are chosen, with lime's meanings.

    alpha : float, default=1.0
        Ridge penalty of the surrogate (lime uses 1).

    response_method : {"auto", "predict_proba", "decision_function", \
            "predict"}, default="auto"
        Model output to explain.

    labels : "all", "predicted", int or array-like, default="all"
        Classes explained, as :class:`LimeExplainer`'s ``labels``: every
        class, each image's predicted class, its top ``k`` classes, or a list
        of named classes. Only their surrogates are fitted.

    random_state : int, RandomState instance or None, default=None
        Controls the perturbations, random segmenters and the nested
        ``random_state`` of the cloned estimator.

    n_jobs : int or None, default=None
        Number of jobs to run in parallel over chunks of images (not 0).

    verbose : int, default=0
        Progress of long transforms (see :class:`LimeExplainer`).

    Attributes
    ----------
    estimator_ : estimator
        The fitted model that is explained.

    image_shape_ : tuple
        ``(height, width, channels)`` of the images.

    outputs_ : ndarray
        What each block of coefficients explains.

    See Also
    --------
    sklime.LimeExplainer : The same for tables.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sklime import LimeImageExplainer
    >>> X, y = load_digits(return_X_y=True)
    >>> model = DecisionTreeClassifier(max_depth=8)
    >>> lime = LimeImageExplainer(model, image_shape=(8, 8), segmenter="grid",
    ...                           num_samples=300, random_state=0).fit(X, y)
    >>> lime.transform(X[:2]).shape  # 10 classes x 64 pixels
    (2, 640)
    """

    _parameter_constraints: dict = {
        **LimeBase._parameter_constraints,
        "image_shape": ["array-like", None],
        "segmenter": [StrOptions({*_SKIMAGE_SEGMENTERS, "grid"}), callable],
        "segmenter_params": [dict, None],
        "hide_color": [Real, "array-like", None],
        "num_samples": [Interval(Integral, 2, None, closed="left")],
        "kernel_width": [Interval(Real, 0, None, closed="neither")],
        "sampling": [StrOptions({"kernel", "lime"})],
    }

    _FIT_NOTE = (
        "training images (as the model takes them, with y)",
        "Pass images and y the model accepts (the default random forest needs "
        "y without NaN), or your fitted model as FrozenEstimator(model).",
    )
    _INPUT_NOTE = _IMAGE_INPUT

    def __init__(
        self,
        estimator=None,
        *,
        image_shape=None,
        segmenter="quickshift",
        segmenter_params=None,
        hide_color=None,
        num_samples=1000,
        tol=None,
        kernel_width=0.25,
        sampling="lime",
        num_features=None,
        feature_selection="auto",
        alpha=1.0,
        response_method="auto",
        labels="all",
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.image_shape = image_shape
        self.segmenter = segmenter
        self.segmenter_params = segmenter_params
        self.hide_color = hide_color
        self.num_samples = num_samples
        self.tol = tol
        self.kernel_width = kernel_width
        self.sampling = sampling
        self.num_features = num_features
        self.feature_selection = feature_selection
        self.alpha = alpha
        self.response_method = response_method
        self.labels = labels
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Learn the images' shape and layout; fit the model.

        Parameters
        ----------
        X : array-like of shape (n_images, n_pixels) or (n_images, height, \
                width[, channels])
            Training images.
        y : array-like of shape (n_images,), default=None
            Target, needed to fit the estimator (not for a
            :class:`~sklearn.frozen.FrozenEstimator`).

        Returns
        -------
        self : object
            The fitted explainer.
        """
        images, self._input_ndim = check_images(X, self.image_shape)
        check_target_length(images, y)
        _check_instance_memory(self)
        self.image_shape_ = images.shape[1:]
        self._fit_model(
            self._model_input(images, copy=True),
            y,
            self._draw_seeds()["model"],
            partial(_default_image_model, flat=self._input_ndim == 2),
        )
        self._learn_outputs(self._model_input(images[:PROBE_SIZE], copy=True))
        return self

    def _model_input(self, images, copy=False):
        """Images laid out as the model takes them (as X in fit).

        ``copy=True`` gives the model a copy of images it must not change
        (the caller's, or those the perturbations are made from): a model
        may write into its input.
        """
        return _model_input(images, self._input_ndim, copy)

    def _images(self, X):
        """The images of X, checked against those seen in fit."""
        flat = self._input_ndim == 2
        images, ndim = check_images(X, self.image_shape if flat else None)
        if images.shape[1:] != self.image_shape_ or ndim != self._input_ndim:
            raise ValueError(
                f"X holds images of shape {images.shape[1:]} as a {ndim}-D array; "
                f"the explainer was fitted on images of shape {self.image_shape_} "
                f"as a {self._input_ndim}-D array. Resize or reshape the images, "
                "or fit the explainer on images like these."
            )
        return images

    def transform(self, X):
        """Each pixel's weight: the coefficient of its segment.

        Parameters
        ----------
        X : array-like of shape (n_images, n_pixels) or (n_images, height, \
                width[, channels])
            Images to explain.

        Returns
        -------
        weights : ndarray of shape (n_images, n_outputs * height * width)
            One block of ``height * width`` pixel weights per output (class),
            in the order of :attr:`outputs_`.
        """
        check_is_fitted(self)
        labels, results = self._explain(self._images(X), with_errors=False)
        return _pixel_weights(labels, results.coef)

    def explain(self, X):
        """Explain images: segments, their coefficients, predictions, fit quality.

        Parameters
        ----------
        X : array-like of shape (n_images, n_pixels) or (n_images, height, \
                width[, channels])
            Images to explain.

        Returns
        -------
        explanation : ImageExplanation
            ``explanation.coef`` equals ``transform(X)``.
        """
        check_is_fitted(self)
        images = self._images(X)
        labels, results = self._explain(images, with_errors=True)
        return ImageExplanation(
            coef=_pixel_weights(labels, results.coef),
            segment_coef=results.coef,
            images=images,
            segments=labels,
            **common_fields(self, results),
        )

    def _explain(self, images, *, with_errors):
        """Segment checked images and explain them with the engine."""
        color = hide_fill(self.hide_color, images)  # checked before segmenting
        params = self._segmenter_params()
        labels = []
        for position, image in enumerate(images):
            labels.append(segment(image, self.segmenter, params))
            if labels[-1].max() < 1:
                raise ValueError(self._single_segment_message(position, image))
        self._warn_unchanged(images, labels, color)
        plan = _ImagePlan(self, images, labels, color)
        _check_plan_memory(
            plan,
            with_errors,
            "a coarser segmentation (segmenter_params that give fewer segments)",
        )
        if self.tol is not None:
            plan_at = partial(_ImagePlan, self, images, labels, color)
            plan = _engine.Rounds(plan_at, self.num_samples, self.tol)
        return labels, _engine.explain(plan, with_errors=with_errors)

    def _single_segment_message(self, position, image):
        """The error for an image cut into one segment, with a segmenter to use."""
        height, width = image.shape[:2]
        name = (
            "The segmenter"
            if callable(self.segmenter)
            else f"segmenter={self.segmenter!r}"
        )
        advice = "other segmenter_params"
        if self.segmenter == "quickshift":
            advice = (
                "segmenter='slic' (quickshift with lime's settings suits photos "
                "of a hundred pixels or more a side), a smaller kernel_size and "
                "max_dist in segmenter_params"
            )
        return (
            f"{name} found a single segment in image {position} ({height} x "
            f"{width} pixels): LIME compares regions, so it needs at least two. "
            f"Use a finer segmentation: {advice}, or segmenter='grid' (square "
            "patches, for images of any size)."
        )

    def _warn_unchanged(self, images, labels, color):
        """Warn about images that no hiding of segments changes."""
        unchanged = [
            i
            for i, (image, lab) in enumerate(zip(images, labels, strict=True))
            if changes_no_pixel(image, lab, color)
        ]
        if not unchanged:
            return
        fill = "its mean color" if color is None else f"hide_color={self.hide_color!r}"
        warnings.warn(
            f"Hiding segments changes no pixel of {len(unchanged)} of {len(images)} "
            f"image(s), at positions {unchanged[:10]}: each segment already has "
            f"the color that hides it ({fill}), so every perturbation equals the "
            "image and its explanation says nothing of the model. Pass a "
            "hide_color these images do not hold (segments of one pixel or one "
            "color keep their mean color).",
            UserWarning,
            stacklevel=4,
        )

    def _segmenter_params(self):
        """The segmenter's parameters, seeded where scikit-image's take a seed."""
        params = dict(self.segmenter_params or {})
        if self.segmenter == "quickshift":
            params.setdefault("rng", self._noise_seed)
        return params

    def get_feature_names_out(self, input_features=None):
        """Names of the columns of :meth:`transform`: one per pixel and output.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            ``coef_<row>_<column>`` for a single output, else
            ``coef_<output>_<row>_<column>`` (always so with ``labels``).
        """
        del input_features
        check_is_fitted(self)
        height, width = self.image_shape_[:2]
        pixels = [f"{r}_{c}" for r in range(height) for c in range(width)]
        return self._names_out(pixels)


def _default_image_model(y, flat):
    """A random forest on the flattened images: a classifier for class labels.

    Arrays of images (not ``flat`` rows) are flattened for the forest, in
    fit and in every prediction.
    """
    forest = RandomForestClassifier() if is_class_target(y) else RandomForestRegressor()
    return forest if flat else make_pipeline(FunctionTransformer(_flatten), forest)


def _flatten(images):
    """Each image as one row of pixels."""
    images = np.asarray(images)
    return images.reshape(len(images), -1)


def _model_input(images, input_ndim, copy=False):
    """Images laid out as a model fitted on ``input_ndim``-D images takes them.

    See :meth:`LimeImageExplainer._model_input`.
    """
    if input_ndim == 2:
        images = images.reshape(len(images), -1)
    elif input_ndim == 3:
        images = images[..., 0]
    return images.copy(order="K") if copy else images


def _pixel_weights(labels, coef):
    """Each pixel's coefficient (its segment's), (n, n_outputs * height * width)."""
    n, n_outputs = coef.shape[:2]
    return np.stack(
        [
            coef[i][:, segments].reshape(n_outputs, -1)
            for i, segments in enumerate(labels)
        ]
    ).reshape(n, -1)


class _ImagePlan(InstancePlan):
    """What the engine needs to explain a batch of images.

    See :class:`sklime._core._engine.Plan`.
    """

    def __init__(self, explainer, images, labels, hide_color, num_samples=None):
        super().__init__(explainer, [lab.max() + 1 for lab in labels], num_samples)
        self.images = images
        self.labels = labels
        self.hide_color = hide_color
        self.model_input = partial(_model_input, input_ndim=explainer._input_ndim)
        width, seed = int(self.sizes.max()), explainer._noise_seed
        if explainer.sampling == "lime":
            self.noise = ImageNoise.draw(self.num_samples, width, seed)
        else:
            self.noise = KernelMasks.draw(
                self.num_samples,
                width,
                seed,
                hidden_segments_law,
                self.DISTANCE_SCALE,
                self.kernel_width,
            )

    def _input_floats(self):
        """Copies of an image per image (perturbed images are bounded apart)."""
        return 3 * self.images[0].size

    def _keep_only(self, items, width):
        """Keep the images at ``items``, and the noise of ``width`` segments."""
        self.images = self.images[items]
        self.labels = [self.labels[i] for i in items]
        self.noise = self.noise.narrow(width)

    def _predict(self):
        """The model's output on the images."""
        return self.box(self.model_input(self.images, copy=True))

    def _outputs(self, keeps, prediction):
        """The model's output on the perturbations, (n, num_samples, n_outputs).

        ``keeps`` holds each image's kept segments. Each image's
        perturbations go to the model in batches of their own; an ensemble,
        whose every call has a cost of its own, gets batches that run on
        from one image to the next.
        """
        del prediction
        n = len(self.images)
        groups = [list(range(n))] if self.box.ensemble else [[i] for i in range(n)]
        output = np.concatenate([self._group_outputs(g, keeps) for g in groups])
        return output.reshape(n, self.num_samples, -1)

    def _group_outputs(self, group, keeps):
        """The model's output on the perturbations of images ``group``, in order.

        A batch of perturbed images fits in ``working_memory``, so that a
        thousand large images are never built at once.
        """
        s = self.num_samples
        # A perturbed image and its mask (one byte per value), twice over
        # for the model's own copies.
        image = self.images[group[0]]
        row_bytes = 2 * (image.itemsize + 1) * image.size
        batch = get_chunk_n_rows(row_bytes, max_n_rows=len(group) * s)
        fills = {}
        # One batch of perturbed images at a time: none outlives its call.
        parts = [
            self.box(
                self.model_input(self._perturbed(group, keeps, start, batch, fills))
            )
            for start in range(0, len(group) * s, batch)
        ]
        return np.concatenate(parts)

    def _perturbed(self, group, keeps, start, batch, fills):
        """Perturbed images ``start`` to ``start + batch`` of images ``group``.

        The perturbations of ``group[g]`` are numbered from ``g * num_samples``;
        ``fills`` keeps each image's fill once made.
        """
        s = self.num_samples
        stop = min(start + batch, len(group) * s)
        pieces = []
        for g in range(start // s, (stop - 1) // s + 1):
            i = group[g]
            if i not in fills:
                fills[i] = fill_image(self.images[i], self.labels[i], self.hide_color)
            rows = keeps[i][max(start - g * s, 0) : min(stop - g * s, s)]
            pieces.append(
                perturbed_images(self.images[i], self.labels[i], fills[i], rows)
            )
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
