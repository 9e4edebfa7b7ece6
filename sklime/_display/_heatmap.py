"""Heatmap of the weights of many rows, rows x features."""

import numpy as np

from ._style import AS_GIVEN, DIVERGING, new_axes, output_label


class CoefficientHeatmapDisplay:
    """The weights of many rows as a heatmap, rows x features.

    Cells take the diverging map ``"RdBu_r"`` centered on zero: red where the
    feature pushes the row's output up, blue where it pushes it down, the
    strongest colors at the largest absolute weight.

    Build it with :meth:`from_explanation` or :meth:`from_estimator`; the
    constructor takes plain arrays.

    Parameters
    ----------
    coef : array-like of shape (n_rows, n_features)
        The weights.
    feature_labels : sequence of str of shape (n_features,)
        The features, shown under the columns.
    title : str or None, default=None
        Title of the axes.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the heatmap.
    figure_ : matplotlib Figure
        Figure holding the heatmap.
    image_ : matplotlib AxesImage
        The heatmap.
    colorbar_ : matplotlib Colorbar
        Its color scale.

    See Also
    --------
    sklime.Explanation.plot_heatmap : Draws this display and returns its axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklime import CoefficientHeatmapDisplay
    >>> coef = np.array([[1.0, -0.5], [0.2, 0.0]])
    >>> display = CoefficientHeatmapDisplay(coef, ["age", "bmi"]).plot()
    >>> [float(limit) for limit in display.image_.get_clim()]
    [-1.0, 1.0]
    """

    def __init__(self, coef, feature_labels, *, title=None):
        self.coef = coef
        self.feature_labels = feature_labels
        self.title = title

    def plot(self, ax=None):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure (constrained layout).

        Returns
        -------
        display : CoefficientHeatmapDisplay
            The display, holding the drawn artists.
        """
        coef = np.asarray(self.coef)
        n_rows, n_features = coef.shape
        size = (0.5 * n_features + 2.5, 0.25 * n_rows + 1.8)
        ax = new_axes(ax, size, "CoefficientHeatmapDisplay.plot")
        limit = np.abs(coef).max(initial=0.0) or 1.0
        self.image_ = ax.imshow(
            coef,
            cmap=DIVERGING,
            vmin=-limit,
            vmax=limit,
            aspect="auto",
            interpolation="nearest",
        )
        ax.set_xticks(
            np.arange(n_features),
            [str(label) for label in self.feature_labels],
            rotation=90,
            **AS_GIVEN,
        )
        ax.set_ylabel("explained row")
        self.colorbar_ = ax.figure.colorbar(
            self.image_, ax=ax, label="weight (red pushes the output up)"
        )
        if self.title is not None:
            ax.set_title(self.title, **AS_GIVEN)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_explanation(cls, explanation, output=None, *, ax=None):
        """Draw the weights of every row of an explanation.

        The columns are the features of a table, the words of the documents
        (0 where a document lacks the word), or the segments of images that
        all have the same segments.

        Parameters
        ----------
        explanation : Explanation, TextExplanation or ImageExplanation
            Explanations of a batch.
        output : label or None, default=None
            Output (class) to show; None for the only one. With several
            outputs name the output.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : CoefficientHeatmapDisplay

        Raises
        ------
        ValueError
            For images whose segments differ (see
            :meth:`GlobalImportanceDisplay.from_explanation`).
        """
        explanation = explanation._holding(output)
        k = explanation._batch_output(output)
        labels, coef, _ = explanation._common_columns(k)
        title = f"Local coefficients, {output_label(explanation.outputs[k])}"
        return cls(coef, labels, title=title).plot(ax=ax)

    @classmethod
    def from_estimator(cls, explainer, X, output=None, *, ax=None):
        """Explain ``X`` with a fitted explainer and draw its heatmap.

        Parameters
        ----------
        explainer : LimeExplainer, LimeTextExplainer or LimeImageExplainer
            A fitted explainer.
        X : array-like
            What to explain, as ``explainer.explain`` takes it.
        output : label or None, default=None
            As in :meth:`from_explanation`.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : CoefficientHeatmapDisplay
        """
        explanation = explainer.explain(X)
        return cls.from_explanation(explanation, output, ax=ax)
