"""The batch explanation object returned by ``LimeExplainer.explain``."""

import os
from numbers import Integral

import numpy as np

from ._compat import HasMethods, Interval, StrOptions, validate_params
from ._display import (
    CoefficientHeatmapDisplay,
    ExplanationDisplay,
    GlobalImportanceDisplay,
)
from ._display._style import require_matplotlib
from ._html import explanation_html, write_page
from ._optional import import_optional
from ._sampling import BINNED, CATEGORICAL


def format_number(value):
    """A short, readable number: two decimals where they say enough."""
    value = float(value)
    if value == 0 or 0.01 <= abs(value) < 1e5:
        return f"{value:.2f}"
    return f"{value:.3g}"


class FeatureDescriber:
    """Readable descriptions of what each coefficient of a row stands for.

    Parameters
    ----------
    names : array-like of str
        Feature names.
    kind : ndarray of shape (n_features,)
        Representation of each feature (see ``sklime._sampling``).
    edges : list
        Inner bin edges of binned features (None elsewhere).
    sampling : str
        Sampling scheme; under "mask" a z-scored feature's coefficient is the
        effect of keeping the row's value, so its description shows the value.
    categories : list or None, default=None
        Training categories of categorical features (None elsewhere). Float
        categories are shown with the fewest significant digits (at least 3)
        that tell the column's categories apart, e.g. ``sex=-0.0446``.
    """

    def __init__(self, names, kind, edges, sampling, categories=None):
        self.names = [str(name) for name in names]
        self.kind = np.asarray(kind)
        self.edges = edges
        self.sampling = sampling
        self.digits = [
            _distinguishing_digits(c) for c in categories or [None] * len(self.names)
        ]

    def __call__(self, raw_row):
        """Descriptions of one row's features, e.g. ``0.03 < bmi <= 0.06``.

        Parameters
        ----------
        raw_row : array-like of shape (n_features,)
            The row's values as given.

        Returns
        -------
        descriptions : list of str
        """
        return [
            self._describe(j, value)
            for j, value in enumerate(np.asarray(raw_row, dtype=object))
        ]

    def _describe(self, j, value):
        name = self.names[j]
        if self.kind[j] == CATEGORICAL:
            digits = self.digits[j]
            if digits is not None and isinstance(value, float | np.floating):
                return f"{name}={value:.{digits}g}"
            return f"{name}={value}"
        if self.kind[j] == BINNED:
            return _bin_label(name, self.edges[j], float(value))
        if self.sampling == "mask":
            return f"{name}={format_number(value)}"
        return name


def _distinguishing_digits(categories, least=3):
    """Fewest significant digits (at least ``least``) telling float categories apart.

    None for categories that are not floats, which print as they are.
    """
    if categories is None or np.asarray(categories).dtype.kind != "f":
        return None
    for digits in range(least, 17):
        if len({f"{c:.{digits}g}" for c in categories}) == len(categories):
            return digits
    return 17


def _bin_label(name, edges, value):
    """lime's label of the bin holding ``value``, e.g. ``0.03 < bmi <= 0.06``.

    Edges are shown with two decimals (lime's format) when that tells them
    apart and they are below 1e5 in size, else with three significant digits.
    """
    if len(edges) == 0:
        return f"{name} (one bin)"
    shown = [f"{e:.2f}" for e in edges]
    small = any(e != 0 and abs(e) < 0.005 for e in edges)
    if len(set(shown)) < len(shown) or small or np.abs(edges).max() >= 1e5:
        shown = [f"{e:.3g}" for e in edges]
    b = int(np.searchsorted(edges, value))
    if b == 0:
        return f"{name} <= {shown[0]}"
    if b == len(edges):
        return f"{name} > {shown[-1]}"
    return f"{shown[b - 1]} < {name} <= {shown[b]}"


class Explanation:
    """LIME explanations of a batch of rows.

    Returned by :meth:`LimeExplainer.explain`; not built directly.

    Attributes
    ----------
    coef : ndarray of shape (n_rows, n_outputs * n_features)
        Local coefficients, one block of ``n_features`` columns per output;
        equal to ``LimeExplainer.transform``.
    standard_error : ndarray of shape (n_rows, n_outputs * n_features)
        Standard error of each coefficient over the draw of perturbations
        (heteroscedasticity-consistent sandwich estimate of the weighted ridge
        fit, for independent draws; 0 for features not selected; infinite
        where the data do not determine the coefficient: too few effective
        samples, or a representation that does not vary over the weighted
        perturbations). A coefficient within about two standard errors of
        zero is indistinguishable from sampling noise. They match the spread
        over seeds for ``sampler="random"``. Under the default Sobol sampler
        the spread is usually much smaller, but not for every coefficient
        (see the user guide's measurements). Feature selection is taken as
        given.
    intercept : ndarray of shape (n_rows, n_outputs)
        Intercept of each surrogate.
    local_prediction : ndarray of shape (n_rows, n_outputs)
        The surrogate's prediction at the row.
    model_prediction : ndarray of shape (n_rows, n_outputs)
        The model's prediction at the row.
    score : ndarray of shape (n_rows, n_outputs)
        In-sample weighted R^2 of each surrogate on its perturbations (lime's
        ``score``; it rewards narrow kernels, so do not tune on it).
    effective_sample_size : ndarray of shape (n_rows,)
        ``(sum w)^2 / sum w^2`` of each row's kernel weights.
    selected : ndarray of shape (n_rows, n_outputs, n_features), dtype bool
        Features each surrogate uses.
    mean_abs_coef : ndarray of shape (n_outputs * n_features,)
        Mean absolute coefficient over the explained rows, a global
        importance of each coefficient column.
    mean_abs_coef_error : ndarray of shape (n_outputs * n_features,)
        Standard error of ``mean_abs_coef`` over the draw of perturbations.
        All rows share the same perturbation noise, so their Monte Carlo
        errors are correlated and do not average out over rows: this error
        accounts for that correlation (for independent draws, like
        ``standard_error``), where ``standard_error / sqrt(n_rows)`` would be
        several times too small. Like ``standard_error`` it takes the feature
        selection as given: with ``num_features``, a feature selected in some
        draws and not in others varies more than this error says.
    feature_names : ndarray of shape (n_features,)
        Names of the explained features.
    outputs : ndarray of shape (n_outputs,)
        What each block explains: the positive class of a binary classifier,
        each class of a multiclass one, None for a single regression target,
        ``0, 1, ...`` for the targets of a multi-output regressor.
    feature_names_out : ndarray of shape (n_outputs * n_features,)
        Names of the columns of ``coef``.

    See Also
    --------
    sklime.LimeExplainer.explain : Builds it.
    sklime.submodular_pick : A few representative rows of an explanation.

    Notes
    -----
    Methods that take a ``row`` index the explained batch like a Python list:
    an int or numpy integer, negative positions counting from the end; a
    position out of range raises an IndexError. ``output=None`` means the
    only output or, for one row of a classifier, its predicted class; with
    several regression outputs, and in the methods over all rows
    (:meth:`coefficients`, :meth:`plot_heatmap`, :meth:`plot_summary`) with
    several outputs of any kind, name the output.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklime import LimeExplainer
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> lime = LimeExplainer(LogisticRegression(max_iter=500), num_features=2,
    ...                      discretizer="quartile", random_state=0).fit(X, y)
    >>> explanation = lime.explain(X.iloc[:2])
    >>> explanation.coef.shape, explanation.outputs.tolist()
    ((2, 12), [0, 1, 2])
    >>> label, weight = explanation.as_list(0)[0]  # the largest effect first
    >>> label
    'petal length (cm) <= 1.60'
    >>> explanation.to_frame().columns[:4].tolist()
    ['row', 'output', 'feature', 'feature_value']
    >>> explanation.to_frame("wide").shape
    (2, 12)
    """

    def __init__(
        self,
        *,
        coef,
        standard_error,
        intercept,
        local_prediction,
        model_prediction,
        score,
        effective_sample_size,
        selected,
        mean_abs_coef,
        mean_abs_coef_error,
        feature_names,
        outputs,
        feature_names_out,
        rows,
        describer,
        classifier,
    ):
        self.coef = coef
        self.standard_error = standard_error
        self.intercept = intercept
        self.local_prediction = local_prediction
        self.model_prediction = model_prediction
        self.score = score
        self.effective_sample_size = effective_sample_size
        self.selected = selected
        self.mean_abs_coef = mean_abs_coef
        self.mean_abs_coef_error = mean_abs_coef_error
        self.feature_names = feature_names
        self.outputs = outputs
        self.feature_names_out = feature_names_out
        self._rows = rows
        self._describer = describer
        self._classifier = classifier

    def __len__(self):
        return self.coef.shape[0]

    def __repr__(self):
        return (
            f"Explanation(n_rows={len(self)}, n_outputs={len(self.outputs)}, "
            f"n_features={len(self.feature_names)})"
        )

    @validate_params(
        {"row": [Integral], "output": "no_validation"},
        prefer_skip_nested_validation=True,
    )
    def output_index(self, row, output=None):
        """Position of an output among :attr:`outputs`, for one row.

        Parameters
        ----------
        row : int
            Position of the row in the explained batch (negative positions
            count from the end).
        output : label or None, default=None
            An entry of :attr:`outputs`. None means the only output or, for a
            classifier, the row's predicted class (the class the model gives
            the highest score). A regressor with several outputs has no
            default: name the output.

        Returns
        -------
        index : int
            Position of the output's block of coefficients.
        """
        return self._output_for_row(self._position(row), output)

    @validate_params({"output": "no_validation"}, prefer_skip_nested_validation=True)
    def coefficients(self, output=None):
        """Coefficients of one output as an (n_rows, n_features) array.

        Parameters
        ----------
        output : label or None, default=None
            An entry of :attr:`outputs`; None for the only one. With several
            outputs (classes or regression targets) name the output.

        Returns
        -------
        coef : ndarray or sparse matrix of shape (n_rows, n_features)
            The output's block of :attr:`coef`: its columns are the
            vocabulary's words for documents (sparse), the pixels for images.
        """
        return self._block(self.coef, self._batch_output(output))

    @validate_params({"row": [Integral]}, prefer_skip_nested_validation=True)
    def descriptions(self, row):
        """What each coefficient of ``row`` means, e.g. ``0.03 < bmi <= 0.06``.

        Parameters
        ----------
        row : int
            Position of the row in the explained batch (negative positions
            count from the end).

        Returns
        -------
        descriptions : list of str
            One description per feature, in the order of :attr:`feature_names`;
            for documents and images, the instance's own components (its
            words, its segments) in the order of their coefficients.
        """
        return list(self._labels_of(self._position(row)))

    @validate_params(
        {"row": [Integral], "output": "no_validation"},
        prefer_skip_nested_validation=True,
    )
    def as_list(self, row, output=None):
        """One row's explanation as (description, weight) pairs.

        Parameters
        ----------
        row : int
            Position of the row in the explained batch (negative positions
            count from the end).
        output : label or None, default=None
            Which output to explain (an entry of :attr:`outputs`). None means
            the only output or, for a classifier, the row's predicted class.
            A regressor with several outputs has no default: name the output.

        Returns
        -------
        pairs : list of (str, float)
            The surrogate's selected features, by decreasing absolute weight.
        """
        row = self._position(row)
        return self._pairs(row, self._output_for_row(row, output))

    @validate_params(
        {
            "row": [Integral],
            "output": "no_validation",
            "top": [Interval(Integral, 1, None, closed="left")],
            "ax": [HasMethods(["barh"]), None],
        },
        prefer_skip_nested_validation=True,
    )
    def plot(self, row, output=None, *, top=10, ax=None):
        """Bar chart of one row's explanation (needs matplotlib).

        Bars are the selected features' weights, largest at the top, red
        where the feature pushes the output up and blue where it pushes it
        down, with error bars of two standard errors (a weight whose error
        is infinite is hatched and labelled "(error unknown)"); the title
        gives the model's and the surrogate's predictions. It draws an
        :class:`~sklime.ExplanationDisplay`; use
        :meth:`ExplanationDisplay.from_explanation
        <sklime.ExplanationDisplay.from_explanation>` to keep its artists.
        Install matplotlib with ``pip install "sklime[plots]"``.

        Parameters
        ----------
        row : int
            Position of the row in the explained batch (negative positions
            count from the end).
        output : label or None, default=None
            Output (class) to show; None for the only one or, for a classifier,
            the row's predicted class. A regressor with several outputs has no
            default: name the output.
        top : int, default=10
            Number of features shown.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        ax : matplotlib Axes
        """
        require_matplotlib(f"{type(self).__name__}.plot")
        display = ExplanationDisplay.from_explanation(self, row, output, top=top, ax=ax)
        return display.ax_

    @validate_params(
        {"output": "no_validation", "ax": [HasMethods(["imshow"]), None]},
        prefer_skip_nested_validation=True,
    )
    def plot_heatmap(self, output=None, *, ax=None):
        """Heatmap of the coefficients of all rows, rows x features.

        Red cells push the output up, blue ones down. For documents the
        columns are their words (0 where a document lacks one); for images,
        their segments, where every image has the same segments (e.g.
        ``segmenter="grid"`` on images of one shape; otherwise a ValueError
        says why). It draws a :class:`~sklime.CoefficientHeatmapDisplay`.
        Needs matplotlib: ``pip install "sklime[plots]"``.

        Parameters
        ----------
        output : label or None, default=None
            Output (class) to show; None for the only one. With several
            outputs name the output.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        ax : matplotlib Axes
        """
        require_matplotlib(f"{type(self).__name__}.plot_heatmap")
        return CoefficientHeatmapDisplay.from_explanation(self, output, ax=ax).ax_

    @validate_params(
        {
            "output": "no_validation",
            "top": [Interval(Integral, 1, None, closed="left")],
            "ax": [HasMethods(["barh"]), None],
        },
        prefer_skip_nested_validation=True,
    )
    def plot_summary(self, output=None, *, top=20, ax=None):
        """Bar chart of each feature's mean absolute coefficient over the rows.

        All rows share one draw of perturbations, so that draw's Monte Carlo
        error does not average out over the rows: the error bars show two of
        :attr:`mean_abs_coef_error`, which accounts for it. Documents and
        images show each word's (segment's) mean absolute weight, with an
        upper bound of its error (see
        :meth:`GlobalImportanceDisplay.from_explanation
        <sklime.GlobalImportanceDisplay.from_explanation>`, which this
        draws). Needs matplotlib: ``pip install "sklime[plots]"``.

        Parameters
        ----------
        output : label or None, default=None
            Output (class) to show; None for the only one. With several
            outputs name the output.
        top : int, default=20
            Number of features shown.
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        ax : matplotlib Axes
        """
        require_matplotlib(f"{type(self).__name__}.plot_summary")
        display = GlobalImportanceDisplay.from_explanation(self, output, top=top, ax=ax)
        return display.ax_

    def _repr_html_(self):
        """The first rows' page (see :meth:`save_html`), for notebooks."""
        return explanation_html(self)

    @validate_params(
        {
            "path": [str, os.PathLike],
            "rows": ["array-like", None],
            "output": "no_validation",
            "top": [Interval(Integral, 1, None, closed="left")],
        },
        prefer_skip_nested_validation=True,
    )
    def save_html(self, path, rows=None, *, output=None, top=10):
        """Write a small self-contained HTML page of the explanations.

        Each shown row gets a table of its largest weights. Documents and
        images are first shown as themselves: a document with its words
        highlighted, an image with its segments' weights (embedded as PNG).

        Parameters
        ----------
        path : str or path-like
            File to write.
        rows : array-like of int or None, default=None
            Positions of the rows (documents, images) to show (negative
            positions count from the end); None shows the first five.
        output : label or None, default=None
            Output to show. None shows the only output, each row's predicted
            class for a classifier, or every output of a regressor with
            several outputs.
        top : int, default=10
            Features (words, segments) per table.
        """
        if rows is not None:
            rows = [self._position(row) for row in rows]
        write_page(path, explanation_html(self, rows, output, top=top))

    @validate_params(
        {"layout": [StrOptions({"long", "wide"})]},
        prefer_skip_nested_validation=True,
    )
    def to_frame(self, layout="long"):
        """The explanations as a pandas DataFrame (needs pandas).

        Parameters
        ----------
        layout : {"long", "wide"}, default="long"
            "long": one line per row, output and selected feature, with the
            columns ``row``, ``output``, ``feature``, ``feature_value``,
            ``description``, ``weight``, ``standard_error``,
            ``model_prediction``, ``local_prediction`` and ``score`` (the
            surrogate's in-sample R^2), features by decreasing absolute
            weight. "wide": the coefficient matrix with
            :attr:`feature_names_out` columns, as ``transform`` returns it.

        Returns
        -------
        frame : pandas.DataFrame
        """
        pd = import_optional("pandas", "pandas", "Explanation.to_frame")
        if layout == "wide":
            return pd.DataFrame(self.coef, columns=list(self.feature_names_out))
        records = []
        for row in range(len(self)):
            labels = self._describer(self._rows[row])
            for k, output in enumerate(self.outputs.tolist()):
                weights = self._block(self.coef, k)[row]
                errors = self._block(self.standard_error, k)[row]
                for j in self._ranked(row, k):
                    records.append(
                        (
                            row,
                            output,
                            self.feature_names[j],
                            self._rows[row][j],
                            labels[j],
                            weights[j],
                            errors[j],
                            self.model_prediction[row, k],
                            self.local_prediction[row, k],
                            self.score[row, k],
                        )
                    )
        return pd.DataFrame.from_records(records, columns=_LONG_COLUMNS)

    def _position(self, row):
        """``row`` as a position in ``range(len(self))``, checked like a list index."""
        if not isinstance(row, Integral) or isinstance(row, bool):
            raise TypeError(
                f"A row must be an integer position in the explained batch; got "
                f"{row!r}. Pass an int such as 0 (the first row) or -1 (the last)."
            )
        n_rows = len(self)
        if not -n_rows <= row < n_rows:
            raise IndexError(
                f"Row {row} is out of range: the explanation has {n_rows} rows. "
                f"Pass a position from 0 to {n_rows - 1}, or from {-n_rows} to -1 "
                "to count from the end."
            )
        return int(row) % n_rows

    def _output_for_row(self, row, output):
        """Block of ``output`` for ``row``: None is the predicted class if any."""
        if output is None and self._classifier and len(self.outputs) > 1:
            return int(np.argmax(self.model_prediction[row]))
        return self._batch_output(output)

    def _batch_output(self, output):
        """Block of ``output``; None only where there is a single output."""
        if output is None:
            if len(self.outputs) == 1:
                return 0
            kind = "classes" if self._classifier else "regression outputs"
            raise ValueError(
                f"This explanation has {len(self.outputs)} {kind} "
                f"{self.outputs.tolist()}; pass output= one of them to choose which "
                "to show."
            )
        if np.ndim(output) != 0:
            raise ValueError(
                f"output must be one output: a class label, or the index of a "
                f"regression output, among {self.outputs.tolist()}; got "
                f"{output!r}. To show several outputs, call once per output."
            )
        matches = [k for k, name in enumerate(self.outputs) if name == output]
        if not matches:
            raise ValueError(
                f"Unknown output {output!r}; the explained outputs are "
                f"{self.outputs.tolist()}. Pass one of them as output=."
            )
        return matches[0]

    def _outputs_shown(self, row, output):
        """Blocks to show for ``row``: every output where None names none."""
        if output is None and not self._classifier and len(self.outputs) > 1:
            return list(range(len(self.outputs)))
        return [self._output_for_row(row, output)]

    def _block(self, matrix, k):
        """Columns of block ``k`` of an (n_rows, n_outputs * n_features) matrix."""
        d = matrix.shape[1] // len(self.outputs)
        return matrix[:, k * d : (k + 1) * d]

    def _weights(self, row, k):
        """The coefficients of ``row`` in block ``k``, one per feature."""
        return self._block(self.coef, k)[row]

    def _errors(self, row, k):
        """The standard errors of ``row`` in block ``k``, one per feature."""
        return self._block(self.standard_error, k)[row]

    def _common_columns(self, k):
        """Labels, coefficients and standard errors of block ``k``, all rows."""
        return (
            self.feature_names,
            self._block(self.coef, k),
            self._block(self.standard_error, k),
        )

    def _importance(self, k):
        """Labels, mean |coef| and its error in block ``k``; the error is exact."""
        return (
            self.feature_names,
            self._block(self.mean_abs_coef[None], k)[0],
            self._block(self.mean_abs_coef_error[None], k)[0],
            False,
        )

    def _labels_of(self, row):
        """What each coefficient of ``row`` stands for."""
        return self._describer(self._rows[row])

    def _picture(self, row, k):
        """HTML shown before the tables of ``row``: none for tabular rows."""
        return ""

    def _ranked(self, row, k):
        """Selected features of ``row`` and block ``k``, by decreasing |weight|."""
        weights = self._weights(row, k)
        used = np.flatnonzero(self.selected[row, k])
        return used[np.argsort(-np.abs(weights[used]), kind="stable")]

    def _pairs(self, row, k):
        """(description, weight) pairs of ``row`` and block ``k``, largest first."""
        weights = self._weights(row, k)
        labels = self._labels_of(row)
        # + 0.0 turns a negative zero into a plain 0.0.
        return [(labels[j], float(weights[j]) + 0.0) for j in self._ranked(row, k)]


#: Columns of the long table of :meth:`Explanation.to_frame`.
_LONG_COLUMNS = [
    "row",
    "output",
    "feature",
    "feature_value",
    "description",
    "weight",
    "standard_error",
    "model_prediction",
    "local_prediction",
    "score",
]
