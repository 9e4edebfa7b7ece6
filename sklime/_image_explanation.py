"""Explanations of images: superpixels, their weights, and pictures."""

import base64
import io
from html import escape
from numbers import Integral

import numpy as np

from ._compat import HasMethods, Interval, validate_params
from ._instance_explanation import InstanceExplanation
from ._plotting import AS_GIVEN, DIVERGING, _axes


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

    _EXTRA = "pixels"
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

        Draws the image in grey, overlaid with each segment's weight on a
        diverging colour map (red pushes the output up, blue down; segments
        outside the ``top`` largest absolute weights are left clear), and
        the segment boundaries: lime's ``get_image_and_mask`` and its heatmap
        in one picture.

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
        row = self._position(row)
        view = self._holding(output)
        return _draw_image(view, row, view._output_for_row(row, output), top, ax)

    def _picture(self, row, k):
        """An <img> tag holding the picture of ``row`` as an embedded PNG."""
        ax = _draw_image(self, row, k, None, None)
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=80)
        import matplotlib.pyplot as plt

        plt.close(ax.figure)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        alt = escape(f"image {row}, output {self._output_name(row, k)}")
        return f'<img alt="{alt}" src="data:image/png;base64,{data}"/>'


def _draw_image(explanation, row, k, top, ax):
    """Grey image, diverging overlay of segment weights, segment boundaries."""
    image = explanation.images[row]
    labels = explanation.segments[row]
    weights = explanation.segment_coef[row, k, : labels.max() + 1].copy()
    if top is not None:
        weights[np.argsort(-np.abs(weights), kind="stable")[top:]] = 0.0
    ax = _axes(ax, (4, 4), "ImageExplanation.plot_image")
    grey = image.mean(axis=2, dtype=float)  # float32 sums overflow near 3e38
    ax.imshow(grey, cmap="gray")
    scale = np.abs(weights).max(initial=0.0) or 1.0
    overlay = np.ma.masked_equal(weights[labels], 0.0)
    shown = ax.imshow(overlay, cmap=DIVERGING, vmin=-scale, vmax=scale, alpha=0.6)
    ax.add_collection(_boundaries(labels))
    ax.figure.colorbar(shown, ax=ax, label="segment weight")
    output = explanation._output_name(row, k)
    ax.set_title(
        f"Image {row}{'' if output is None else f', output {output}'}: model "
        f"{explanation.model_prediction[row, k]:.3g}",
        **AS_GIVEN,
    )
    ax.set_axis_off()
    return ax


def _boundaries(labels):
    """Line segments along the pixel edges between different segments."""
    from matplotlib.collections import LineCollection

    rows, cols = np.nonzero(labels[1:] != labels[:-1])  # below pixel (r, c)
    horizontal = [
        ((c - 0.5, r + 0.5), (c + 0.5, r + 0.5))
        for r, c in zip(rows, cols, strict=True)
    ]
    rows, cols = np.nonzero(labels[:, 1:] != labels[:, :-1])  # right of (r, c)
    vertical = [
        ((c + 0.5, r - 0.5), (c + 0.5, r + 0.5))
        for r, c in zip(rows, cols, strict=True)
    ]
    return LineCollection(horizontal + vertical, colors="black", linewidths=0.6)
