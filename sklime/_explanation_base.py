"""What every explanation holds and shows, whatever its kind of data.

:class:`~sklime.Explanation` (rows of a table) and
:class:`~sklime._instance_explanation.InstanceExplanation` (documents and
images, each with components of its own) derive from
:class:`BaseExplanation`: the batch's arrays, the choice of a row's output
(and the mirrored class of a binary classifier), the lists, tables,
pictures, pages and files of the explanations are written once here.
"""

import copy
import functools
import inspect
import os
import re
from numbers import Integral, Real

import numpy as np
from sklearn import config_context, get_config

from ._compat import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from ._display import (
    CoefficientHeatmapDisplay,
    ExplanationDisplay,
    GlobalImportanceDisplay,
)
from ._display._html import explanation_html, write_page
from ._display._style import require_matplotlib
from ._file_format import save_explanation
from ._optional import import_optional
from ._version import __version__


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


def validate_arguments(constraints):
    """Check a method's arguments as ``validate_params`` does.

    An error names the method as called, on the explanation's own class
    (``TextExplanation.plot``), where ``validate_params`` names the class
    that defines it. As with ``prefer_skip_nested_validation=True``, the
    method runs without checking the arguments of what it calls.

    Parameters
    ----------
    constraints : dict
        The constraints of each argument, as ``validate_params`` takes them.

    Returns
    -------
    decorator : callable
    """

    def decorate(method):
        signature = inspect.signature(method)

        @functools.wraps(method)
        def checked(self, *args, **kwargs):
            if get_config()["skip_parameter_validation"]:
                return method(self, *args, **kwargs)
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            del arguments["self"]
            caller = f"{type(self).__name__}.{method.__name__}"
            validate_parameter_constraints(constraints, arguments, caller_name=caller)
            with config_context(skip_parameter_validation=True):
                return method(self, *args, **kwargs)

        return checked

    return decorate


class BaseExplanation:
    """Base of the explanations of a batch: rows, documents or images.

    Subclasses keep their own attributes besides these and define what
    differs between kinds of data: ``__repr__``, ``to_shap``,
    ``_weights(row, k)`` and ``_errors(row, k)`` (the coefficients and
    standard errors of ``row`` in block ``k``, one per component),
    ``_labels_of(row)`` (what each component of ``row`` stands for),
    ``_COMPONENT_COLUMNS`` and ``_component_fields(row)`` (the long table's
    columns of a component, and their values for each component of
    ``row``), ``_common_columns(k)`` (labels, coefficients and standard
    errors over columns that mean the same in every instance, for the views
    over all), ``_importance(k)`` (see
    :meth:`GlobalImportanceDisplay.from_explanation
    <sklime.GlobalImportanceDisplay.from_explanation>`) and
    ``_picture(row, k)`` (HTML shown before the tables of ``row``).
    See :class:`~sklime.Explanation` for the attributes.
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
        n_samples_used,
        selected,
        outputs,
        feature_names_out,
        rows,
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
        self.n_samples_used = n_samples_used
        self.selected = selected
        self.outputs = outputs
        self.feature_names_out = feature_names_out
        self._rows = rows
        self._classifier = classifier
        self.row_outputs = row_outputs
        self._predicted = predicted
        self._mirror = mirror
        self.settings = settings
        self.sklime_version = __version__

    def __len__(self):
        return self.coef.shape[0]

    @validate_arguments(
        {"row": [Integral], "output": "no_validation"},
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

    @validate_arguments({"output": "no_validation"})
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

    @validate_arguments({"row": [Integral]})
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

    @validate_arguments(
        {"row": [Integral], "output": "no_validation"},
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

    @validate_arguments(
        {
            "row": [Integral],
            "output": "no_validation",
            "top": [Interval(Integral, 1, None, closed="left")],
            "ax": [HasMethods(["barh"]), None],
        },
    )
    def plot(self, row, output=None, *, top=10, ax=None):
        """Bar chart of one row's explanation (needs matplotlib).

        Bars are the selected features' weights, largest at the top, red
        where the feature pushes the output up and blue where it pushes it
        down, with error bars of two standard errors (a weight whose error
        is infinite is hatched and labeled "(error unknown)"); the title
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

    @validate_arguments(
        {"output": "no_validation", "ax": [HasMethods(["imshow"]), None]},
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

    @validate_arguments(
        {
            "output": "no_validation",
            "top": [Interval(Integral, 1, None, closed="left")],
            "ax": [HasMethods(["barh"]), None],
        },
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

    @validate_arguments(
        {
            "path": [str, os.PathLike],
            "rows": ["array-like", None],
            "output": "no_validation",
            "top": [Interval(Integral, 1, None, closed="left")],
        },
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

    @validate_arguments({"path": [str, os.PathLike]})
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

    @validate_arguments(
        {"layout": [StrOptions({"long", "wide"})]},
    )
    def to_frame(self, layout="long"):
        """The explanations as a pandas DataFrame (needs pandas).

        Parameters
        ----------
        layout : {"long", "wide"}, default="long"
            "long": one line per row, output and selected feature, with the
            columns ``row``, ``output``, ``feature``, what the feature holds
            (for rows of a table ``feature_value`` and ``description``; for
            documents the word's number of ``occurrences``; for images the
            number of ``pixels`` of the segment), ``weight``,
            ``standard_error``, ``model_prediction``, ``local_prediction``
            and ``score`` (the surrogate's in-sample R^2), features by
            decreasing absolute weight. "wide": the coefficient matrix
            :attr:`coef` with :attr:`feature_names_out` columns, as
            ``transform`` returns it (sparse for documents).

        Returns
        -------
        frame : pandas.DataFrame
        """
        pd = import_optional("pandas", "pandas", f"{type(self).__name__}.to_frame")
        if layout == "wide":
            columns = list(self.feature_names_out)
            if hasattr(self.coef, "tocsr"):
                return pd.DataFrame.sparse.from_spmatrix(self.coef, columns=columns)
            return pd.DataFrame(self.coef, columns=columns)
        records = []
        for row in range(len(self)):
            fields = self._component_fields(row)
            for k in range(len(self.outputs)):
                output = self._output_name(row, k)
                weights, errors = self._weights(row, k), self._errors(row, k)
                for j in self._ranked(row, k):
                    records.append(
                        (
                            row,
                            output,
                            *(field[j] for field in fields),
                            weights[j],
                            errors[j],
                            self.model_prediction[row, k],
                            self.local_prediction[row, k],
                            self.score[row, k],
                        )
                    )
        columns = ["row", "output", *self._COMPONENT_COLUMNS, *_LONG_TAIL]
        return pd.DataFrame.from_records(records, columns=columns)

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

#: Columns of the long table of :meth:`BaseExplanation.to_frame` after the
#: component's own.
_LONG_TAIL = [
    "weight",
    "standard_error",
    "model_prediction",
    "local_prediction",
    "score",
]
