"""An image under its segments' weights."""

import numpy as np

from ._style import AS_GIVEN, DIVERGING, new_axes, output_label


class ImageExplanationDisplay:
    """An image in grey under its segments' weights, segments outlined.

    The weights take the diverging map ``"RdBu_r"`` centered on zero (red
    pushes the output up, blue down), drawn half transparent so the image
    shows through; segments of zero weight are left clear. The segments
    with the largest absolute weights are outlined: lime's
    ``get_image_and_mask`` and its heatmap in one picture. The color scale
    sits under the image, not beside it, so pictures side by side in a grid
    of subplots do not run into each other's titles.

    Build it with :meth:`from_explanation` or :meth:`from_estimator`; the
    constructor takes plain arrays.

    Parameters
    ----------
    image : array-like of shape (height, width, channels)
        The image; drawn as the mean of its channels.
    segments : array-like of int of shape (height, width)
        Segment of each pixel, ``0 .. n_segments - 1``.
    weights : array-like of shape (n_segments,)
        Weight of each segment.
    title : str or None, default=None
        Title of the axes.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the picture.
    figure_ : matplotlib Figure
        Figure holding the picture.
    image_ : matplotlib AxesImage
        The image, in grey.
    overlay_ : matplotlib AxesImage
        The segments' weights over it.
    boundaries_ : matplotlib LineCollection
        The outlines of the segments.
    colorbar_ : matplotlib Colorbar
        The color scale of the weights.

    See Also
    --------
    sklime.ImageExplanation.plot_image : Draws this display and returns its
        axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklime import ImageExplanationDisplay
    >>> image = np.random.default_rng(0).random((4, 4, 1))
    >>> segments = np.repeat([[0, 0, 1, 1]], 4, axis=0)
    >>> display = ImageExplanationDisplay(image, segments, [0.5, -0.2]).plot()
    >>> [float(limit) for limit in display.overlay_.get_clim()]
    [-0.5, 0.5]
    """

    def __init__(self, image, segments, weights, *, title=None):
        self.image = image
        self.segments = segments
        self.weights = weights
        self.title = title

    def plot(self, ax=None, *, top=None, outline=20, alpha=0.5):
        """Draw the picture.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure (constrained layout).
        top : int or None, default=None
            Show only the segments with the ``top`` largest absolute weights;
            None shows all.
        outline : int or None, default=20
            Outline the shown segments with the ``outline`` largest absolute
            weights (a quickshift segmentation has hundreds of segments);
            None outlines every shown segment.
        alpha : float, default=0.5
            Opacity of the weights over the image.

        Returns
        -------
        display : ImageExplanationDisplay
            The display, holding the drawn artists.
        """
        labels = np.asarray(self.segments)
        weights = np.array(self.weights, dtype=float)
        order = np.argsort(-np.abs(weights), kind="stable")
        if top is not None:
            weights[order[top:]] = 0.0
        ax = new_axes(ax, (4, 4.6), "ImageExplanationDisplay.plot")
        # float32 sums overflow near 3e38: average in float64.
        grey = np.asarray(self.image).mean(axis=2, dtype=float)
        self.image_ = ax.imshow(grey, cmap="gray")
        scale = np.abs(weights).max(initial=0.0) or 1.0
        self.overlay_ = ax.imshow(
            np.ma.masked_equal(weights[labels], 0.0),
            cmap=DIVERGING,
            vmin=-scale,
            vmax=scale,
            alpha=alpha,
        )
        shown = order[weights[order] != 0][:outline]
        self.boundaries_ = ax.add_collection(_boundaries(labels, shown))
        self.colorbar_ = ax.figure.colorbar(
            self.overlay_,
            ax=ax,
            location="bottom",
            shrink=0.8,
            pad=0.03,
            label="segment weight (red pushes up)",
        )
        self.colorbar_.ax.locator_params(nbins=4)  # readable under a narrow image
        if self.title is not None:
            ax.set_title(self.title, **AS_GIVEN)
        ax.set_axis_off()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_explanation(
        cls, explanation, row, output=None, *, top=None, outline=20, ax=None
    ):
        """Draw one image of an explanation under its segments' weights.

        Parameters
        ----------
        explanation : ImageExplanation
            Explanations of a batch of images.
        row : int
            Position of the image in the batch (negative positions count
            from the end).
        output : label or None, default=None
            Output (class) to show; None for the only one or, for a
            classifier, the image's predicted class.
        top : int or None, default=None
            As in :meth:`plot`.
        outline : int or None, default=20
            As in :meth:`plot`.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : ImageExplanationDisplay
        """
        if getattr(explanation, "segments", None) is None:
            raise TypeError(
                "ImageExplanationDisplay draws an ImageExplanation (from "
                f"LimeImageExplainer.explain); got a {type(explanation).__name__}. "
                "Use ExplanationDisplay for its bar chart."
            )
        row = explanation._position(row)
        explanation = explanation._holding(output)
        k = explanation._output_for_row(row, output)
        labels = explanation.segments[row]
        output = explanation._output_name(row, k)
        title = (
            f"Image {row}{'' if output is None else f', {output_label(output)}'}: "
            f"model {explanation.model_prediction[row, k]:.3g}"
        )
        display = cls(
            explanation.images[row],
            labels,
            explanation.segment_coef[row, k, : labels.max() + 1],
            title=title,
        )
        return display.plot(ax=ax, top=top, outline=outline)

    @classmethod
    def from_estimator(
        cls, explainer, X, row=0, output=None, *, top=None, outline=20, ax=None
    ):
        """Explain images with a fitted explainer and draw one of them.

        Parameters
        ----------
        explainer : LimeImageExplainer
            A fitted explainer.
        X : array-like
            Images, as ``explainer.explain`` takes them.
        row : int, default=0
            Position of the image to draw among the explained ones.
        output : label or None, default=None
            As in :meth:`from_explanation`.
        top, outline : int or None
            As in :meth:`plot`.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : ImageExplanationDisplay
        """
        explanation = explainer.explain(X)
        return cls.from_explanation(
            explanation, row, output, top=top, outline=outline, ax=ax
        )


def _boundaries(labels, outlined):
    """Line segments along the pixel edges of the ``outlined`` segments."""
    from matplotlib.collections import LineCollection

    keep = np.zeros(labels.max() + 1, dtype=bool)
    keep[outlined] = True
    below = (labels[1:] != labels[:-1]) & (keep[labels[1:]] | keep[labels[:-1]])
    rows, cols = np.nonzero(below)  # below pixel (r, c)
    horizontal = [
        ((c - 0.5, r + 0.5), (c + 0.5, r + 0.5))
        for r, c in zip(rows, cols, strict=True)
    ]
    right = (labels[:, 1:] != labels[:, :-1]) & (
        keep[labels[:, 1:]] | keep[labels[:, :-1]]
    )
    rows, cols = np.nonzero(right)  # right of pixel (r, c)
    vertical = [
        ((c + 0.5, r - 0.5), (c + 0.5, r + 0.5))
        for r, c in zip(rows, cols, strict=True)
    ]
    return LineCollection(horizontal + vertical, colors="black", linewidths=0.6)
