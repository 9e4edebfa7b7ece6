"""Explanations of images: superpixels, their weights, and pictures."""

import base64
import io
from html import escape
from numbers import Integral

import numpy as np

from .._compat import HasMethods, Interval, validate_params
from .._display import ImageExplanationDisplay
from .._display._style import require_matplotlib
from .._instance_explanation import InstanceExplanation


class ImageExplanation(InstanceExplanation):
    """LIME explanations of a batch of images.

    Returned by :meth:`LimeImageExplainer.explain`; not built directly. It
    behaves like :class:`Explanation` per image (:meth:`as_list`,
    :meth:`plot`, :meth:`to_frame`, :meth:`to_shap`, HTML), where the
    features are the image's segments, and adds :meth:`plot_image`.

    Attributes
    ----------
    coef : ndarray of shape (n_images, n_outputs * height * width)
        Each pixel's weight (its segment's coefficient); equal to
        ``LimeImageExplainer.transform``.
    segment_coef : ndarray of shape (n_images, n_outputs, max_segments)
        Each image's segment coefficients, padded with zeros.
    standard_error : ndarray of shape (n_images, n_outputs, max_segments)
        Standard errors of ``segment_coef`` (see :class:`Explanation`).
    selected : ndarray of shape (n_images, n_outputs, max_segments), dtype bool
        Segments each surrogate uses.
    segments : list of ndarray of shape (height, width)
        Each image's segment labels, ``0 .. n_segments - 1``.
    images : ndarray of shape (n_images, height, width, channels)
        The explained images.
    intercept, local_prediction, model_prediction, score : ndarray of shape \
            (n_images, n_outputs)
        As in :class:`Explanation`.
    effective_sample_size : ndarray of shape (n_images,)
        Effective number of the image's perturbations that change it:
        ``(sum w)^2 / sum w^2`` of its kernel weights times the share of
        ``sum w`` on those perturbations, plus one for the image itself.
    n_samples_used : ndarray of shape (n_images,), dtype int
        Perturbations each image's surrogate was fitted on: ``num_samples``,
        or with ``tol`` its last round's. None in an explanation file written
        before the counts were kept.
    outputs : ndarray of shape (n_outputs,)
        What each block explains.
    feature_names_out : ndarray of shape (n_outputs * height * width,)
        Names of the columns of :attr:`coef`.
    settings : dict
        The explainer's parameters (see :class:`Explanation`).
    sklime_version : str
        The version of sklime that made the explanation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime import LimeImageExplainer, ModelFunction
    >>> images = np.random.default_rng(0).random((2, 8, 8))
    >>> brightness = ModelFunction(lambda ims: np.asarray(ims).mean(axis=(1, 2)))
    >>> lime = LimeImageExplainer(brightness, segmenter="grid", hide_color=0,
    ...                           num_samples=1000, random_state=0)
    >>> explanation = lime.fit(images).explain(images)
    >>> explanation.segment_coef.shape, len(explanation.as_list(0))
    ((2, 1, 16), 16)
    >>> explanation.pixel_weights(0).shape
    (8, 8)
    """

    _COMPONENT_COLUMNS = ("feature", "pixels")
    _COEFFICIENTS = ("coef", "segment_coef")

    def __init__(self, *, segment_coef, images, segments, **common):
        super().__init__(instances=images, **common)
        self.segment_coef = segment_coef
        self.segments = segments
        self.images = images
        self._labels = [
            [f"segment {j}" for j in range(lab.max() + 1)] for lab in segments
        ]

    @property
    def _component_coef(self):
        return self.segment_coef

    def _extra(self, row):
        """How many pixels each segment of image ``row`` covers."""
        return np.bincount(self.segments[row].ravel()).tolist()

    def __repr__(self):
        return (
            f"ImageExplanation(n_images={len(self)}, n_outputs={len(self.outputs)}, "
            f"image_shape={self.images.shape[1:]})"
        )

    @validate_params(
        {"row": [Integral], "output": "no_validation"},
        prefer_skip_nested_validation=True,
    )
    def pixel_weights(self, row, output=None):
        """The weight of every pixel of image ``row``, (height, width).

        Parameters
        ----------
        row : int
            Position of the image in the explained batch.
        output : label or None, default=None
            Output to show; None for the only one or, for a classifier, the
            image's predicted class.

        Returns
        -------
        weights : ndarray of shape (height, width)
        """
        row = self._position(row)
        view = self._holding(output)
        k = view._output_for_row(row, output)
        return view.segment_coef[row, k][self.segments[row]]

    @validate_params(
        {
            "row": [Integral],
            "output": "no_validation",
            "top": [Interval(Integral, 1, None, closed="left"), None],
            "ax": [HasMethods(["imshow"]), None],
        },
        prefer_skip_nested_validation=True,
    )
    def plot_image(self, row, output=None, *, top=None, ax=None):
        """The image with its segments' weights (needs matplotlib).

        Draws the image in grey, overlaid half transparent with each
        segment's weight on the diverging color map of every sklime picture
        (red pushes the output up, blue down; segments outside the ``top``
        largest absolute weights are left clear), and the outlines of the 20
        segments with the largest absolute weights: lime's
        ``get_image_and_mask`` and its heatmap in one picture. It draws an
        :class:`~sklime.ImageExplanationDisplay`; use
        :meth:`ImageExplanationDisplay.from_explanation
        <sklime.ImageExplanationDisplay.from_explanation>` to keep its
        artists or outline more segments.

        Parameters
        ----------
        row : int
            Position of the image in the explained batch.
        output : label or None, default=None
            Output to show; None for the only one or, for a classifier, the
            image's predicted class.
        top : int or None, default=None
            Show only the segments with the ``top`` largest absolute weights;
            None shows all.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        ax : matplotlib Axes
        """
        require_matplotlib("ImageExplanation.plot_image")
        display = ImageExplanationDisplay.from_explanation(
            self, row, output, top=top, ax=ax
        )
        return display.ax_

    def _common_columns(self, k):
        """Segments, and their weights and errors in block ``k``.

        Only where every image has the same segments (e.g. a grid on images
        of one shape): otherwise segment ``j`` covers different pixels in
        each image, and a view over all images would mean nothing.
        """
        first = self.segments[0]
        for row, labels in enumerate(self.segments):
            if labels.shape != first.shape or not np.array_equal(labels, first):
                raise ValueError(
                    "A view over all images needs the same segments in every "
                    f"image, so that a segment covers the same pixels in each; "
                    f"image {row}'s segments differ from image 0's. Explain "
                    'images of one shape with segmenter="grid" (or a fixed '
                    "segmentation) for it, or look at each image with plot_image."
                )
        n_segments = first.max() + 1
        return (
            np.array(self._labels[0], dtype=object),
            self.segment_coef[:, k, :n_segments],
            self.standard_error[:, k, :n_segments],
        )

    def _picture(self, row, k):
        """An <img> tag holding the picture of ``row`` as an embedded PNG."""
        plt = require_matplotlib("ImageExplanation.save_html")
        figure = plt.figure(figsize=(4.5, 5.2), layout="constrained")
        ImageExplanationDisplay.from_explanation(
            self, row, self.outputs[k], ax=figure.add_subplot()
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        plt.close(figure)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        alt = escape(f"image {row}, output {self._output_name(row, k)}")
        return f'<img alt="{alt}" src="data:image/png;base64,{data}"/>'
