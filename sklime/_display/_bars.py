"""Bar charts: one instance's weights, and the global importance over many."""

import numpy as np

from ._style import AS_GIVEN, NEGATIVE, NEUTRAL, POSITIVE, new_axes, output_label


def draw_bars(ax, values, errors, labels, colors):
    """Horizontal bars, the first value at the top, with ± 2 standard errors.

    An infinite error (the data do not determine the value) is not drawn as
    a length: its bar is hatched and its label ends with "(error unknown)".

    Parameters
    ----------
    ax : matplotlib Axes
    values, errors : ndarray of shape (n_bars,)
        ``errors`` may be None (no error bars).
    labels : sequence of str
    colors : sequence of colors

    Returns
    -------
    bars : matplotlib BarContainer
    errorbar : matplotlib ErrorbarContainer or None
    """
    values = np.asarray(values, dtype=float)[::-1]
    labels, colors = list(labels)[::-1], list(colors)[::-1]
    known = np.ones(len(values), dtype=bool)
    xerr = None
    if errors is not None:
        errors = np.asarray(errors, dtype=float)[::-1]
        known = np.isfinite(errors)
        xerr = 2 * np.where(known, errors, 0.0)
    position = np.arange(len(values))
    bars = ax.barh(position, values, xerr=xerr, color=colors, ecolor="black")
    for bar in np.asarray(bars.patches, dtype=object)[~known]:
        bar.set_hatch("//")
        bar.set_edgecolor("white")
    ax.set_yticks(
        position,
        [
            label + ("" if ok else " (error unknown)")
            for label, ok in zip(labels, known, strict=True)
        ],
        **AS_GIVEN,
    )
    return bars, bars.errorbar


class ExplanationDisplay:
    """One instance's explanation as a bar chart with error bars.

    Each bar is a feature's weight (surrogate coefficient), the first at the
    top, red where the feature pushes the output up and blue where it pushes
    it down. Error bars span two standard errors either side; a weight whose
    standard error is infinite (the perturbations do not determine it) gets
    no error bar, a hatched bar and "(error unknown)" after its label.

    Build it with :meth:`from_explanation` or :meth:`from_estimator`; the
    constructor takes plain arrays.

    Parameters
    ----------
    weights : array-like of shape (n_features,)
        The weights to draw, the first at the top.
    labels : sequence of str of shape (n_features,)
        What each weight stands for.
    standard_error : array-like of shape (n_features,) or None, default=None
        Standard error of each weight; None draws no error bars.
    title : str or None, default=None
        Title of the axes.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the chart.
    figure_ : matplotlib Figure
        Figure holding the chart.
    bars_ : matplotlib BarContainer
        The bars, the last weight first (matplotlib draws from the bottom).
    errorbar_ : matplotlib ErrorbarContainer or None
        The error bars; None without standard errors.

    See Also
    --------
    GlobalImportanceDisplay : Mean absolute weight of each feature over rows.
    sklime.Explanation.plot : Draws this display and returns its axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import Ridge
    >>> from sklime import ExplanationDisplay, LimeExplainer
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> lime = LimeExplainer(FrozenEstimator(Ridge().fit(X, y)), num_features=3,
    ...                      random_state=0).fit(X)
    >>> display = ExplanationDisplay.from_explanation(lime.explain(X.iloc[:2]), 0)
    >>> len(display.bars_), display.errorbar_ is not None
    (3, True)
    """

    def __init__(self, weights, labels, *, standard_error=None, title=None):
        self.weights = weights
        self.labels = labels
        self.standard_error = standard_error
        self.title = title

    def plot(self, ax=None):
        """Draw the chart.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure (constrained layout).

        Returns
        -------
        display : ExplanationDisplay
            The display, holding the drawn artists.
        """
        weights = np.asarray(self.weights, dtype=float)
        ax = new_axes(ax, (6, 0.4 * len(weights) + 1.2), "ExplanationDisplay.plot")
        colors = np.where(weights >= 0, POSITIVE, NEGATIVE)
        self.bars_, self.errorbar_ = draw_bars(
            ax, weights, self.standard_error, self.labels, colors
        )
        ax.axvline(0, color="black", linewidth=0.8)
        errors = "" if self.standard_error is None else " ± 2 standard errors"
        ax.set_xlabel(f"local effect (surrogate coefficient){errors}")
        if self.title is not None:
            ax.set_title(self.title, **AS_GIVEN)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_explanation(cls, explanation, row, output=None, *, top=10, ax=None):
        """Draw one row of an explanation: its largest weights, with errors.

        Parameters
        ----------
        explanation : Explanation, TextExplanation or ImageExplanation
            Explanations of a batch.
        row : int
            Position of the row (document, image) in the batch (negative
            positions count from the end).
        output : label or None, default=None
            Output (class) to show; None for the only one or, for a
            classifier, the row's predicted class. A regressor with several
            outputs has no default: name the output.
        top : int, default=10
            Number of features shown, by decreasing absolute weight.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : ExplanationDisplay
        """
        row = explanation._position(row)
        explanation = explanation._holding(output)
        k = explanation._output_for_row(row, output)
        pairs = explanation._pairs(row, k)[:top]
        errors = explanation._errors(row, k)[explanation._ranked(row, k)[:top]]
        title = (
            f"Row {row}, {output_label(explanation._output_name(row, k))}: model "
            f"{explanation.model_prediction[row, k]:.3g}, surrogate "
            f"{explanation.local_prediction[row, k]:.3g}"
        )
        display = cls(
            [weight for _, weight in pairs],
            [label for label, _ in pairs],
            standard_error=errors,
            title=title,
        )
        return display.plot(ax=ax)

    @classmethod
    def from_estimator(cls, explainer, X, row=0, output=None, *, top=10, ax=None):
        """Explain ``X`` with a fitted explainer and draw one of its rows.

        Parameters
        ----------
        explainer : LimeExplainer, LimeTextExplainer or LimeImageExplainer
            A fitted explainer.
        X : array-like
            What to explain, as ``explainer.explain`` takes it.
        row : int, default=0
            Position of the row to draw among the explained ones.
        output : label or None, default=None
            As in :meth:`from_explanation`.
        top : int, default=10
            Number of features shown.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : ExplanationDisplay
        """
        explanation = explainer.explain(X)
        return cls.from_explanation(explanation, row, output, top=top, ax=ax)


class GlobalImportanceDisplay:
    """Global importance: each feature's mean absolute weight over rows.

    Bars, the most important at the top, in one neutral color (magnitudes
    have no sign), with error bars of two standard errors; an infinite error
    is marked as in :class:`ExplanationDisplay`.

    Build it with :meth:`from_explanation` or :meth:`from_estimator`; the
    constructor takes plain arrays.

    Parameters
    ----------
    importance : array-like of shape (n_features,)
        The importances to draw, the first at the top.
    labels : sequence of str of shape (n_features,)
        The features.
    error : array-like of shape (n_features,) or None, default=None
        Standard error of each importance; None draws no error bars.
    title : str or None, default=None
        Title of the axes.
    xlabel : str or None, default=None
        Label of the horizontal axis; None says ``mean |weight| over rows``.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the chart.
    figure_ : matplotlib Figure
        Figure holding the chart.
    bars_ : matplotlib BarContainer
        The bars, the last feature first (matplotlib draws from the bottom).
    errorbar_ : matplotlib ErrorbarContainer or None
        The error bars; None without errors.

    See Also
    --------
    ExplanationDisplay : One row's weights.
    sklime.Explanation.plot_summary : Draws this display and returns its axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklime import GlobalImportanceDisplay, LimeTextExplainer
    >>> docs = ["good fun film", "bad dull film", "good film", "dull bad plot"]
    >>> lime = LimeTextExplainer(num_samples=300, random_state=0)
    >>> lime = lime.fit(docs, [1, 0, 1, 0])
    >>> display = GlobalImportanceDisplay.from_estimator(lime, docs, top=3)
    >>> len(display.bars_)
    3
    """

    def __init__(self, importance, labels, *, error=None, title=None, xlabel=None):
        self.importance = importance
        self.labels = labels
        self.error = error
        self.title = title
        self.xlabel = xlabel

    def plot(self, ax=None):
        """Draw the chart.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure (constrained layout).

        Returns
        -------
        display : GlobalImportanceDisplay
            The display, holding the drawn artists.
        """
        n_bars = len(self.labels)
        ax = new_axes(ax, (6, 0.4 * n_bars + 1.2), "GlobalImportanceDisplay.plot")
        self.bars_, self.errorbar_ = draw_bars(
            ax, self.importance, self.error, self.labels, [NEUTRAL] * n_bars
        )
        ax.set_xlabel(self.xlabel or "mean |weight| over rows")
        if self.title is not None:
            ax.set_title(self.title, **AS_GIVEN)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_explanation(cls, explanation, output=None, *, top=20, ax=None):
        """Draw the global importance of an explanation's features.

        For tables it is :attr:`~sklime.Explanation.mean_abs_coef`, with
        :attr:`~sklime.Explanation.mean_abs_coef_error` (which accounts for
        the perturbations all rows share). For documents it is each word's
        mean absolute weight over the documents (0 where a document lacks
        the word; a word at several positions counts their summed weight),
        for images each segment's, where every image has the same segments
        (e.g. ``segmenter="grid"`` on images of one shape). Their error bars
        use the mean standard error over the documents (images), an upper
        bound of the error of the mean however correlated the rows are.

        Parameters
        ----------
        explanation : Explanation, TextExplanation or ImageExplanation
            Explanations of a batch.
        output : label or None, default=None
            Output (class) to show; None for the only one. With several
            outputs name the output.
        top : int, default=20
            Number of features shown, the most important.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : GlobalImportanceDisplay

        Raises
        ------
        ValueError
            For images whose segments differ: segment ``j`` then covers
            different pixels in each image, and its mean means nothing.
        """
        explanation = explanation._holding(output)
        k = explanation._batch_output(output)
        labels, importance, error, bound = explanation._importance(k)
        order = np.argsort(-importance, kind="stable")[:top]
        what = (
            "2 × an upper bound of the standard error" if bound else "2 standard errors"
        )
        title = (
            f"Global importance, {output_label(explanation.outputs[k])} "
            f"({len(explanation)} rows)"
        )
        display = cls(
            importance[order],
            [str(labels[j]) for j in order],
            error=error[order],
            title=title,
            xlabel=f"mean |weight| over rows (± {what})",
        )
        return display.plot(ax=ax)

    @classmethod
    def from_estimator(cls, explainer, X, output=None, *, top=20, ax=None):
        """Explain ``X`` with a fitted explainer and draw its global importance.

        Parameters
        ----------
        explainer : LimeExplainer, LimeTextExplainer or LimeImageExplainer
            A fitted explainer.
        X : array-like
            What to explain, as ``explainer.explain`` takes it.
        output : label or None, default=None
            As in :meth:`from_explanation`.
        top : int, default=20
            Number of features shown.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : GlobalImportanceDisplay
        """
        explanation = explainer.explain(X)
        return cls.from_explanation(explanation, output, top=top, ax=ax)
