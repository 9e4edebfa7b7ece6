"""The batch explanation object returned by ``LimeExplainer.explain``."""

import copy
import os
import re
from numbers import Integral, Real

import numpy as np

from .._compat import HasMethods, Interval, StrOptions, validate_params
from .._dataframe import is_missing_scalar
from .._display import (
    CoefficientHeatmapDisplay,
    ExplanationDisplay,
    GlobalImportanceDisplay,
)
from .._display._html import explanation_html, write_page
from .._display._style import require_matplotlib
from .._file_format import save_explanation
from .._optional import import_optional
from .._shap import contribution_errors, shap_explanation
from .._version import __version__
from ._sampling import BINNED, CATEGORICAL


def explainer_settings(explainer):
    """The explainer's parameters as plain values, for an explanation to keep.

    Numbers, strings, booleans and None are kept (NumPy numbers as Python
    ones), lists and dicts of them too; any other value, such as the model,
    by its ``repr`` (without memory addresses).

    Parameters
    ----------
    explainer : estimator
        The fitted explainer.

    Returns
    -------
    settings : dict
    """
    return {
        name: _plain(value) for name, value in explainer.get_params(deep=False).items()
    }


def _plain(value):
    """``value`` as a plain value (see :func:`explainer_settings`)."""
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _plain(item) for key, item in value.items()}
    # A function's repr holds its memory address, which differs every run.
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


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
        Representation of each feature (see ``sklime._tabular._sampling``).
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

        A missing value (None, NaN, NA) is described as ``age is missing``.

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
        if is_missing_scalar(value):
            return f"{name} is missing"
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
        fit; 0 for features not selected; infinite
        where the data do not determine the coefficient: too few effective
        samples, or a representation that does not vary over the weighted
        perturbations). A coefficient within about two standard errors of
        zero is indistinguishable from sampling noise. They match the spread
        over seeds under both samplers: under the default Sobol sampler they
        come from the spread between its independently scrambled replicates
        (see the user guide's measurements). Feature selection is taken as
        given.
    intercept : ndarray of shape (n_rows, n_outputs)
        Intercept of each surrogate.
    local_prediction : ndarray of shape (n_rows, n_outputs)
        The surrogate's prediction at the row:
        ``intercept + sum(coef * representation)`` per output.
    model_prediction : ndarray of shape (n_rows, n_outputs)
        The model's prediction at the row.
    score : ndarray of shape (n_rows, n_outputs)
        In-sample weighted R^2 of each surrogate on its perturbations (lime's
        ``score``; it rewards narrow kernels, so do not tune on it).
    effective_sample_size : ndarray of shape (n_rows,)
        ``(sum w)^2 / sum w^2`` of each row's kernel weights.
    selected : ndarray of shape (n_rows, n_outputs, n_features), dtype bool
        Features each surrogate uses.
    representation : ndarray of shape (n_rows, n_features)
        Each row's own interpretable representation, what its coefficients
        multiply: the z-score of a continuous feature (without discretizer,
        under every sampling but "mask"), else 1 (the row's own bin, category
        or, under mask sampling, value).
    mean_abs_coef : ndarray of shape (n_outputs * n_features,)
        Mean absolute coefficient over the explained rows, a global
        importance of each coefficient column.
    mean_abs_coef_error : ndarray of shape (n_outputs * n_features,)
        Standard error of ``mean_abs_coef`` over the draw of perturbations.
        All rows share the same perturbation noise, so their Monte Carlo
        errors are correlated and do not average out over rows: this error
        accounts for that correlation (under either sampler, like
        ``standard_error``), where ``standard_error / sqrt(n_rows)`` would be
        several times too small. Like ``standard_error`` it takes the feature
        selection as given: with ``num_features``, a feature selected in some
        draws and not in others varies more than this error says.
    feature_names : ndarray of shape (n_features,)
        Names of the explained features.
    outputs : ndarray of shape (n_outputs,)
        What each block explains: the positive class of a binary classifier,
        each class of a multiclass one, None for a single regression target,
        ``0, 1, ...`` for the targets of a multi-output regressor; when the
        explainer's ``labels`` chose the classes, the named classes or
        ``"rank0", "rank1", ...`` (each row's classes by decreasing score).
    feature_names_out : ndarray of shape (n_outputs * n_features,)
        Names of the columns of ``coef``.
    row_outputs : ndarray of shape (n_rows, n_outputs) or None
        The class each block explains for each row when the explainer's
        ``labels`` chose the classes (for ``"predicted"`` or an int, each
        row's classes by decreasing model score), else None (block ``k``
        explains ``outputs[k]`` for every row).
    settings : dict
        The explainer's parameters when it explained the rows (its
        ``get_params(deep=False)``): numbers, strings, booleans and None as
        they are, other values such as the model by their ``repr``.
    sklime_version : str
        The version of sklime that made the explanation.

    See Also
    --------
    sklime.LimeExplainer.explain : Builds it.
    sklime.load_explanation : Reads an explanation written by :meth:`save`.
    sklime.submodular_pick : A few representative rows of an explanation.
    Explanation.to_shap : The explanations as a ``shap.Explanation``.

    Notes
    -----
    Methods that take a ``row`` index the explained batch like a Python list:
    an int or numpy integer, negative positions counting from the end; a
    position out of range raises an IndexError. ``output=None`` means the
    only output or, for one row of a classifier, its predicted class; with
    several regression outputs, and in the methods over all rows
    (:meth:`coefficients`, :meth:`plot_heatmap`, :meth:`plot_summary`) with
    several outputs of any kind, name the output. When the explainer's
    ``labels`` chose the classes, a row's methods take its classes (an
    entry of :attr:`row_outputs`), or a block's name (``"rank0"``), and the
    methods over all rows take the block's name.

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

    Only each row's predicted class, whose class ``row_outputs`` gives:

    >>> top = lime.set_params(labels="predicted").fit(X, y).explain(X.iloc[:2])
    >>> top.coef.shape, top.outputs.tolist(), top.row_outputs.tolist()
    ((2, 4), ['rank0'], [[0], [0]])
    """

    #: Attributes holding coefficients, negated in a mirrored explanation.
    _COEFFICIENTS = ("coef",)

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
        representation,
        mean_abs_coef,
        mean_abs_coef_error,
        feature_names,
        outputs,
        feature_names_out,
        rows,
        describer,
        classifier,
        row_outputs=None,
        predicted=None,
        mirror=None,
        settings,
    ):
        self.coef = coef
        self.standard_error = standard_error
        self.intercept = intercept
        self.local_prediction = local_prediction
        self.model_prediction = model_prediction
        self.score = score
        self.effective_sample_size = effective_sample_size
        self.selected = selected
        self.representation = representation
        self.mean_abs_coef = mean_abs_coef
        self.mean_abs_coef_error = mean_abs_coef_error
        self.feature_names = feature_names
        self.outputs = outputs
        self.feature_names_out = feature_names_out
        self._rows = rows
        self._describer = describer
        self._classifier = classifier
        self.row_outputs = row_outputs
        self._predicted = predicted
        self._mirror = mirror
        self.settings = settings
        self.sklime_version = __version__

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
        view = self._holding(output)
        return view._block(view.coef, view._batch_output(output))

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
        view = self._holding(output)
        return view._pairs(row, view._output_for_row(row, output))

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
        page = explanation_html(self._holding(output), rows, output, top=top)
        write_page(path, page)

    @validate_params({"path": [str, os.PathLike]}, prefer_skip_nested_validation=True)
    def save(self, path):
        """Write the explanation to a file that :func:`~sklime.load_explanation` reads.

        The file is JSON: portable, readable without sklime, and read back
        without trusting it (reading runs nothing the file names). Arrays are
        stored as their bytes (base64), so the explanation comes back
        bit-identical: arrays, names, outputs, standard errors,
        :attr:`settings` and :attr:`sklime_version`. The model is not saved.

        Parameters
        ----------
        path : str or path-like
            File to write (replaced if it exists).

        Raises
        ------
        TypeError
            If an explained row holds a value the file cannot hold (only
            numbers, strings, booleans, None, pandas' NA and NaT and NumPy
            values).

        See Also
        --------
        sklime.load_explanation : Reads it back.
        """
        save_explanation(self, path)

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
            for k in range(len(self.outputs)):
                output = self._output_name(row, k)
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

    @validate_params(
        {"row": [Integral, None], "output": "no_validation", "residual": ["boolean"]},
        prefer_skip_nested_validation=True,
    )
    def to_shap(self, row=None, output=None, *, residual=False):
        """The explanations as a ``shap.Explanation``, for shap's plots.

        A feature's contribution is its coefficient times the row's own
        interpretable value (:attr:`representation`): times its z-score for a
        continuous feature, times 1 for "in the row's bin or category" (and
        under mask sampling). The contributions and the intercept (the base
        value) add up to the surrogate's prediction at the row,
        :attr:`local_prediction`; features a surrogate does not use
        contribute 0. So the end of ``shap.plots.waterfall`` is the
        surrogate's prediction, not the model's, and its start is the
        surrogate's intercept (shap labels it ``E[f(X)]``, but it is the
        surrogate's output at a z-score of 0 and outside the row's bins and
        categories, not the model's average). ``residual=True`` adds the
        difference to the model's prediction as a feature of its own. Needs
        shap: ``pip install "sklime[shap]"``.

        Parameters
        ----------
        row : int or None, default=None
            Position of the row in the explained batch (negative positions
            count from the end); None gives every row.
        output : label or None, default=None
            An entry of :attr:`outputs`; None gives every output (a last axis
            of outputs when there are several, as shap lays out a
            multiclass model's values).
        residual : bool, default=False
            Add a feature named "residual" holding ``model_prediction -
            local_prediction``, so that the contributions add up to the
            model's prediction. Its standard error is NaN (not estimated).

        Returns
        -------
        shap_values : shap.Explanation
            ``values`` of shape (n_rows, n_features), with an output axis
            last when several outputs are given and no row axis for one
            ``row``; ``base_values`` the intercepts; ``data`` the rows'
            values as given; ``feature_names`` :attr:`feature_names`.
            ``error_std`` holds the contributions' standard errors and
            ``lower_bounds`` and ``upper_bounds`` the contributions minus and
            plus two of them, which ``shap.plots.waterfall`` draws as error
            bars.

        Examples
        --------
        >>> from sklearn.datasets import load_diabetes
        >>> from sklearn.linear_model import Ridge
        >>> from sklime import LimeExplainer
        >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
        >>> lime = LimeExplainer(Ridge(), num_samples=2000, random_state=0)
        >>> explanation = lime.fit(X, y).explain(X.iloc[:5])
        >>> shap_values = explanation.to_shap()
        >>> shap_values.shape
        (5, 10)
        >>> one = explanation.to_shap(0)
        >>> total = one.base_values + one.values.sum()
        >>> bool(abs(total - explanation.local_prediction[0, 0]) < 1e-10)
        True
        """
        rows = list(range(len(self))) if row is None else [self._position(row)]
        blocks = self._blocks(output)
        shape = (len(self), len(self.outputs), len(self.feature_names))
        representation = self.representation[rows][:, None]
        errors = self.standard_error.reshape(shape)[rows][:, blocks]
        return shap_explanation(
            "Explanation.to_shap",
            contributions=self.coef.reshape(shape)[rows][:, blocks] * representation,
            errors=contribution_errors(errors, representation),
            explanation=self,
            rows=rows,
            blocks=blocks,
            data=self._rows[rows],
            names=[str(name) for name in self.feature_names],
            residual=residual,
            single=row is not None,
        )

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

    def _holding(self, output):
        """The explanation holding ``output``'s block: itself, or its mirror.

        A binary classifier's explanation holds its positive class; the
        surrogate of the negative class (whose output is ``1 - p``, or
        ``-d``) has exactly the negated coefficients and the complemented
        intercept and predictions, the same selected features, errors and
        fit: its explanation is the mirror.
        """
        if self._mirror is None or output is None:
            return self
        negative, complement = self._mirror
        if not negative[0] == output:
            return self
        view = copy.copy(self)
        for name in self._COEFFICIENTS:
            setattr(view, name, _negated(getattr(self, name)))
        view.intercept = complement - self.intercept
        view.local_prediction = complement - self.local_prediction
        view.model_prediction = complement - self.model_prediction
        view.outputs = negative
        view._mirror = None
        return view

    def _output_name(self, row, k):
        """What block ``k`` of ``row`` explains (a Python object, as ``tolist``)."""
        names = self.outputs if self.row_outputs is None else self.row_outputs[row]
        return names[k : k + 1].tolist()[0]

    def _output_for_row(self, row, output):
        """Block of ``output`` for ``row``: None is the predicted class if any."""
        if self.row_outputs is not None:
            return self._chosen_output(row, output)
        if output is None and self._classifier and len(self.outputs) > 1:
            return int(np.argmax(self.model_prediction[row]))
        return self._batch_output(output)

    def _chosen_output(self, row, output):
        """Block of class ``output`` (None: the predicted one) among ``row``'s."""
        named = output is not None
        if not named:
            output = self._predicted[row : row + 1].tolist()[0]
        explained = self.row_outputs[row].tolist()
        matches = [k for k, name in enumerate(explained) if name == output]
        if matches:
            return matches[0]
        if named and any(name == output for name in self.outputs):
            return self._batch_output(output)
        what = f"class {output!r}" if named else f"predicted class {output!r}"
        raise ValueError(
            f"Row {row}'s {what} is not explained: the explainer's labels chose "
            f"the classes {explained} for it. Pass output= one of them" + _OTHER_CLASSES
        )

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
                f"{self.outputs.tolist()}. Pass one of them as output="
                + (_OTHER_CLASSES if self._classifier else ".")
            )
        return matches[0]

    def _blocks(self, output):
        """Blocks of ``output``: every output where None names none."""
        if output is None:
            return list(range(len(self.outputs)))
        return [self._batch_output(output)]

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


def _negated(values):
    """``-values`` without negative zeros (dense arrays) or as it is (sparse)."""
    return -values if hasattr(values, "tocsr") else 0.0 - values


#: How to explain classes an explanation does not hold.
_OTHER_CLASSES = (
    ", or fit the explainer with labels naming the classes to explain: "
    "labels=[label, ...], labels='predicted' (each row's predicted class) or "
    "labels=k (each row's top k classes)."
)

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
