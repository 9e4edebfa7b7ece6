"""Tabular input: column kinds, validation, category codes and model input.

The explainer works on two numeric views of a table: ``values`` (float, the
continuous columns) and ``codes`` (int, the category index of categorical
columns). :class:`TableSchema` learns the columns in ``fit``, turns rows into
those views, and turns perturbed views back into what the black box expects
(a float array, an object array, or a DataFrame with the original columns and
dtypes).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._dataframe import (
    column_arrays,
    column_dtypes,
    column_names,
    frame_library,
    has_multiindex_columns,
    holds_labels,
    is_lazy_frame,
    is_missing_scalar,
    make_frame,
    nested_columns,
)

#: Code of a categorical value that stands for "the explained row's own value".
#: It is how an unseen category, or any kept value, reaches the model unchanged.
OWN_VALUE = -1


def _object_column_is_numeric(column):
    """Whether an object column of a NumPy array holds only (non-bool) numbers."""
    return all(
        isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
        for v in column[:1000]
    )


@dataclass
class Rows:
    """Rows of a table in the explainer's numeric views.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_features)
        Continuous values (NaN where missing); 0 in categorical columns.
    codes : ndarray of shape (n_rows, n_features)
        Category codes in categorical columns (the code after the last
        category for a missing value, if fit saw some; ``OWN_VALUE`` for a
        value not seen in fit); 0 in continuous columns.
    raw : ndarray of shape (n_rows, n_features), dtype object or float
        The rows as given, to rebuild model input with their own values.
    """

    values: np.ndarray
    codes: np.ndarray
    raw: np.ndarray

    def __len__(self):
        return self.values.shape[0]

    def take(self, index):
        """Return the rows at ``index`` (a slice or integer array)."""
        return Rows(self.values[index], self.codes[index], self.raw[index])


class TableSchema:
    """The columns of the training table: names, kinds, categories, dtypes.

    pandas and polars frames are read column by column, by the same rules.
    Features are named as scikit-learn names them (``feature_names_in_``): by
    the frame's column names when they are all strings, else ``x0, x1, ...``.

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n_samples, n_features)
        Training data, already checked for shape by ``validate_data``.
    categorical_features : "from_dtype", array-like or None
        Which columns are categorical (see :class:`~sklime.LimeExplainer`).
    categorical_max_distinct : int or None, default=None
        Numeric columns holding only integers, with at most this many distinct
        values, are categorical too.
    """

    def __init__(self, X, categorical_features, categorical_max_distinct=None):
        self.library = frame_library(X)
        columns = _columns(X)
        self.n_features = len(columns)
        self.columns = column_names(X) if self.library is not None else None
        if self.columns is not None and all(isinstance(c, str) for c in self.columns):
            self.names = np.asarray(self.columns, dtype=object)
        else:
            self.names = np.asarray(
                [f"x{j}" for j in range(self.n_features)], dtype=object
            )
        _check_scalar_cells(columns, self.names)
        if self.library is not None:
            dtypes = column_dtypes(X)
            labels = [holds_labels(dtype) for dtype in dtypes]
        else:
            self.array_kind = np.asarray(X).dtype.kind
            labels = [holds_labels(dtype) for dtype in _col_dtypes(columns)]
        #: Positions of the columns the model is queried with, in its order
        #: (None: query with an array of every column).
        self.query_positions = (
            None if self.library is None else list(range(self.n_features))
        )
        self.categorical = self._resolve_categorical(
            categorical_features, np.asarray(labels, dtype=bool)
        )
        if categorical_max_distinct is not None:
            self.categorical |= _few_integer_values(
                columns, self.categorical, categorical_max_distinct
            )
        if self.library is not None:
            #: The frame's dtype of each label column (None for numbers).
            self.frame_dtypes = [
                _plain_dtype(dtype) if label else None
                for dtype, label in zip(dtypes, self.categorical, strict=True)
            ]
        missing = [missing_entries(column) for column in columns]
        #: Columns with missing values in fit, where transform accepts them.
        self.has_missing = np.array([m.any() for m in missing], dtype=bool)
        _check_values(columns, missing, self, fitting=True)
        self.categories = [None] * self.n_features
        self.frequencies = [None] * self.n_features
        #: Per categorical column, what its missing category reaches the model
        #: as (the first missing value of the training column), else None.
        self.missing_tokens = [None] * self.n_features
        for j in np.flatnonzero(self.categorical):
            self.categories[j], self.frequencies[j] = _learn_categories(
                columns[j][~missing[j]], self.names[j], missing[j]
            )
            if self.has_missing[j]:
                self.missing_tokens[j] = columns[j][np.argmax(missing[j])]

    def adapt_to(self, model):
        """Query ``model`` by column name, in its own column order.

        A model fitted with feature names gets a frame of the explainer's
        library holding exactly its columns, in its order, picked by name. A
        model fitted on an array gets arrays (frames when some columns are
        categorical, whose labels an array cannot keep with their dtypes).

        Raises
        ------
        ValueError
            If the model needs columns the explainer's data lacks, or was
            fitted with feature names while the explainer was fitted on an
            array (whose columns cannot be matched by name).
        """
        names = getattr(model, "feature_names_in_", None)
        if names is not None:
            self.query_positions = self._positions_of(list(names))
        elif hasattr(model, "n_features_in_") and not self.categorical.any():
            self.query_positions = None

    def _positions_of(self, model_names):
        """Positions of the model's columns in the training table."""
        if self.library is None:
            shown = _short_list(model_names)
            raise ValueError(
                f"The model was fitted on a DataFrame with columns {shown}, but "
                "LimeExplainer was fitted on an array without column names, so "
                "it cannot tell which column is which. Fit the explainer on a "
                "DataFrame with the model's columns, e.g. "
                "pd.DataFrame(X, columns=model.feature_names_in_)."
            )
        position = {name: j for j, name in enumerate(self.columns)}
        missing = [str(name) for name in model_names if name not in position]
        if missing:
            raise ValueError(
                f"The model needs column(s) {missing} that the X given to fit "
                f"does not have (its columns are {_short_list(self.columns)}). "
                "Fit LimeExplainer on a DataFrame holding every column the model "
                "was fitted on."
            )
        return [position[name] for name in model_names]

    # -- column kinds ---------------------------------------------------
    def _resolve_categorical(self, spec, labels):
        """Turn ``categorical_features`` into a boolean mask over the columns."""
        if isinstance(spec, str):  # "from_dtype", validated by the explainer
            return labels
        mask = np.zeros(self.n_features, dtype=bool)
        if spec is not None:
            mask = self._mask_from_spec(np.asarray(spec))
        not_numeric = labels & ~mask
        if not_numeric.any():
            names = ", ".join(repr(n) for n in self.names[not_numeric])
            raise ValueError(
                f"Column(s) {names} hold non-numeric values but are not declared "
                "categorical. Add them to categorical_features, or use "
                "categorical_features='from_dtype'."
            )
        return mask

    def _mask_from_spec(self, spec):
        """Boolean mask from indices, names or a boolean mask."""
        if spec.size == 0:  # an empty list, whatever dtype NumPy gave it
            return np.zeros(self.n_features, dtype=bool)
        if spec.dtype == bool:
            if spec.shape != (self.n_features,):
                raise ValueError(
                    f"categorical_features as a boolean mask must have length "
                    f"{self.n_features} (one entry per column); got {spec.shape}."
                )
            return spec.copy()
        mask = np.zeros(self.n_features, dtype=bool)
        if spec.dtype.kind in "iu":
            if spec.size and (
                spec.min() < -self.n_features or spec.max() >= self.n_features
            ):
                raise ValueError(
                    f"categorical_features has index out of range for "
                    f"{self.n_features} columns: {spec.tolist()}."
                )
            mask[spec] = True
            return mask
        if self.library is None:
            raise ValueError(
                "categorical_features given as column names requires X to be a "
                "DataFrame; pass column indices for arrays."
            )
        positions = {str(name): j for j, name in enumerate(self.columns)}
        unknown = [s for s in spec.tolist() if str(s) not in positions]
        if unknown:
            raise ValueError(
                f"categorical_features names unknown column(s) {unknown}; the "
                f"columns are {list(positions)}."
            )
        mask[[positions[str(s)] for s in spec.tolist()]] = True
        return mask

    # -- rows ---------------------------------------------------------------
    def encode(self, X):
        """Turn a validated table into :class:`Rows`.

        Parameters
        ----------
        X : ndarray or DataFrame of shape (n_rows, n_features)
            Rows with the training columns.

        Returns
        -------
        rows : Rows
        """
        columns = _columns(X)
        _check_scalar_cells(columns, self.names)
        missing = [missing_entries(column) for column in columns]
        _check_values(columns, missing, self, fitting=False)
        n = len(columns[0]) if columns else 0
        values = np.zeros((n, self.n_features))
        codes = np.zeros((n, self.n_features), dtype=np.intp)
        for j, column in enumerate(columns):
            if self.categorical[j]:
                codes[:, j] = _codes(
                    column,
                    self.categories[j],
                    self.names[j],
                    missing[j],
                    self.has_missing[j],
                )
            else:
                values[:, j] = _as_float(column, self.names[j], missing[j])
        if not self.categorical.any():
            return Rows(values, codes, values)
        raw = np.empty((n, self.n_features), dtype=object)
        for j, column in enumerate(columns):
            raw[:, j] = column
        return Rows(values, codes, raw)

    def model_input(self, values, codes, own, *, owned=False):
        """Rebuild model input from perturbed values and codes.

        Parameters
        ----------
        values : ndarray of shape (n_blocks, n_points, n_features)
            Continuous values.
        codes : ndarray of shape (n_blocks, n_points, n_features) or None
            Category codes; ``OWN_VALUE`` takes the block's own row value.
            Ignored (and may be None) without categorical columns.
        own : ndarray of shape (n_blocks, n_features) or None
            The raw row behind each block (None when no code is ``OWN_VALUE``).
        owned : bool, default=False
            ``values`` was built for this call and may be handed to the model
            without a copy (a float array stays as it is).

        Returns
        -------
        X : ndarray or DataFrame of shape (n_blocks * n_points, n_model_features)
        """
        flat = values.reshape(-1, self.n_features)
        numeric = self.library is None and self.array_kind in "fiu"
        if self.categorical.any() and not numeric:
            flat = flat.astype(object)
        else:
            flat = flat.astype(float, copy=not owned)
        for j in np.flatnonzero(self.categorical):
            column = self._code_values(j)[np.maximum(codes[:, :, j], 0)]
            if own is not None:
                kept = codes[:, :, j] == OWN_VALUE
                column = np.where(kept, own[:, None, j], column)
            flat[:, j] = column.reshape(-1)
        if self.query_positions is None:
            return flat
        return self._frame(flat)

    def _code_values(self, j):
        """What each code of categorical column ``j`` reaches the model as.

        The training categories, then (for a column with missing values in
        fit) its missing value: the code after the last category.
        """
        if not self.has_missing[j]:
            return self.categories[j]
        values = np.empty(len(self.categories[j]) + 1, dtype=object)
        values[:-1] = self.categories[j]
        values[-1] = self.missing_tokens[j]
        return values

    def rows_input(self, rows):
        """Model input for the rows themselves (their own, unperturbed values)."""
        codes = np.full((len(rows), 1, self.n_features), OWN_VALUE)
        return self.model_input(rows.values[:, None], codes, rows.raw)

    def _frame(self, flat):
        """A frame of the model's columns, with the training dtypes of labels."""
        positions = self.query_positions
        if positions != list(range(self.n_features)):
            flat = flat[:, positions]
        return make_frame(
            self.library,
            [self.columns[j] for j in positions],
            flat,
            [self.frame_dtypes[j] if self.categorical[j] else None for j in positions],
        )


def _plain_dtype(dtype):
    """A NumPy dtype by its name, such as ``"int64"``; other dtypes as they are.

    A name is plain state (files written by ``skops.io`` trust it, not a
    dtype object); pandas casts to it as to the dtype.
    """
    return dtype.name if isinstance(dtype, np.dtype) else dtype


def check_table(X):
    """Refuse a table that cannot be read column by column, saying how to fix it.

    Raises
    ------
    TypeError
        For a sparse matrix or array, a polars LazyFrame, a pandas frame with
        MultiIndex columns, or a polars frame with List, Array or Struct
        columns.
    """
    if sp.issparse(X):
        raise TypeError(
            f"LimeExplainer does not accept sparse input (got a {type(X).__name__}): "
            "it reads the table column by column and perturbs dense rows. Pass "
            "X.toarray() if it fits in memory; otherwise fit on a sample of the "
            "rows (X[:n].toarray()) and explain the rows in slices "
            "(X[start:stop].toarray())."
        )
    if is_lazy_frame(X):
        raise TypeError(
            "X is a polars LazyFrame, a query rather than a table. Pass "
            "X.collect() to run it first."
        )
    if has_multiindex_columns(X):
        joined = _short_list(["_".join(map(str, name)) for name in X.columns], 3)
        raise TypeError(
            f"X has MultiIndex columns ({X.columns.nlevels} levels), whose tuple "
            "names scikit-learn does not keep as feature names, so the "
            "explanations could not name the features. Join the levels into "
            "strings first, e.g. X.columns = ['_'.join(map(str, c)) for c in "
            f"X.columns] (giving {joined})."
        )
    nested = nested_columns(X)
    if nested:
        shown = ", ".join(f"{name!r} ({dtype})" for name, dtype in nested.items())
        raise TypeError(
            f"Column(s) {shown} of X hold nested values (lists, arrays or "
            "structs), but LIME perturbs one number or label per cell. Expand "
            "them into one column per field or element (e.g. X.unnest(name) for "
            "a Struct, or .list.to_struct() then unnest for a List), or cast "
            "them to strings."
        )


def _check_scalar_cells(columns, names):
    """Refuse columns holding lists, dicts or other unhashable values."""
    for column, name in zip(columns, names, strict=True):
        if column.dtype != object:
            continue
        unhashable = {kind for kind in set(map(type, column)) if kind.__hash__ is None}
        if unhashable:
            cell = next(v for v in column if type(v) in unhashable)
            raise TypeError(
                f"Column {name!r} holds {type(cell).__name__} values (e.g. "
                f"{_shorten(cell)}), but LIME perturbs one number or label per "
                "cell. Expand it into one column per element or key (for a "
                "pandas column, pd.DataFrame(X[name].tolist())), or turn each "
                "value into a label (e.g. X[name].astype(str))."
            )


def _shorten(value, limit=40):
    """``repr(value)``, cut after ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _columns(X):
    """The columns of a table as 1-d NumPy arrays."""
    if frame_library(X) is not None:
        return column_arrays(X)
    X = np.asarray(X)
    return [X[:, j] for j in range(X.shape[1])]


def _short_list(names, limit=10):
    """A list of names for a message, cut after ``limit`` entries."""
    names = [str(name) for name in names]
    if len(names) <= limit:
        return names
    return f"{names[:limit]} and {len(names) - limit} more"


def _few_integer_values(columns, categorical, max_distinct):
    """Numeric columns holding integers only, with at most ``max_distinct`` values."""
    found = np.zeros(len(columns), dtype=bool)
    for j in np.flatnonzero(~categorical):
        try:
            column = np.asarray(columns[j], dtype=float)
        except (TypeError, ValueError):
            continue
        finite = column[np.isfinite(column)]
        found[j] = (
            np.array_equal(finite, np.round(finite))
            and np.unique(finite).size <= max_distinct
        )
    return found


def _col_dtypes(columns):
    """Per-column dtypes of an array's columns, reading object columns' content."""
    dtypes = []
    for column in columns:
        if column.dtype == object and _object_column_is_numeric(column):
            dtypes.append(np.dtype(float))
        else:
            dtypes.append(column.dtype)
    return dtypes


def missing_values(column):
    """Boolean mask of NaN, inf and None entries in an array (a column or a target)."""
    if column.dtype.kind in "fc":
        return ~np.isfinite(column)
    if column.dtype == object:
        return np.array([_is_missing_scalar(v) for v in column], dtype=bool)
    return np.zeros(column.shape, dtype=bool)


def _is_missing_scalar(value):
    """Whether one object-array entry is None, NaN or infinite."""
    if value is None:
        return True
    return isinstance(value, float | np.floating) and not np.isfinite(value)


def missing_entries(column):
    """Boolean mask of the missing entries of a column (None, NaN, NA, NaT)."""
    if column.dtype.kind in "fc":
        return np.isnan(column)
    if column.dtype.kind in "mM":
        return np.isnat(column)
    if column.dtype == object:
        return np.array([is_missing_scalar(v) for v in column], dtype=bool)
    return np.zeros(column.shape, dtype=bool)


def _check_values(columns, missing, schema, *, fitting):
    """Refuse infinite values, and missing values a continuous column cannot take.

    A continuous column takes missing values in transform only if it had
    some in fit (its missing state then has a training frequency), and in
    fit only if some of its values are observed (its statistics come from
    them). Categorical columns take missing values as a category of their own.
    """
    infinite = [
        schema.names[j]
        for j, column in enumerate(columns)
        if _holds_infinity(
            column
            if schema.categorical[j]
            else _as_float(column, schema.names[j], missing[j])
        )
    ]
    if infinite:
        raise ValueError(
            f"Input X contains infinity in column(s) {_quoted(infinite)}. LIME "
            "needs finite values: replace them (for example by the largest "
            "finite value, or by NaN to explain them as missing)."
        )
    continuous = ~schema.categorical
    if fitting:
        empty = [
            schema.names[j]
            for j in np.flatnonzero(continuous)
            if len(missing[j]) and missing[j].all()
        ]
        if empty:
            raise ValueError(
                f"Column(s) {_quoted(empty)} are missing in every row of the X "
                "given to fit, so they have no observed values to learn their "
                "statistics from. Drop them, or fit on rows where they are "
                "observed."
            )
        return
    unseen = [
        schema.names[j]
        for j in np.flatnonzero(continuous & ~schema.has_missing)
        if missing[j].any()
    ]
    if unseen:
        raise ValueError(
            f"Input X contains missing values (NaN, None) in continuous column(s) "
            f"{_quoted(unseen)}, which had none in the X given to fit, so LIME "
            "has no training frequency of their missing state to compare "
            "with. Fit LimeExplainer on data with missing values in those "
            "columns (such as the model's training data), or impute them first "
            "(for example with sklearn.impute.SimpleImputer)."
        )


def _holds_infinity(column):
    """Whether a column holds an infinite number."""
    if column.dtype.kind in "fc":
        return bool(np.isinf(column).any())
    if column.dtype == object:
        return any(isinstance(v, float | np.floating) and np.isinf(v) for v in column)
    return False


def _quoted(names):
    """Names for a message: ``'a', 'b'``."""
    return ", ".join(repr(name) for name in names)


def _learn_categories(observed, name, missing):
    """Sorted distinct observed values of a categorical column, and frequencies.

    With missing values, the frequencies end with theirs: the missing
    category's code follows the last category.
    """
    try:
        categories, counts = np.unique(observed, return_counts=True)
    except TypeError as exc:
        raise TypeError(
            f"Categorical column {name!r} mixes value types that cannot be "
            f"sorted ({exc}); convert it to a single type, e.g. with .astype(str)."
        ) from exc
    if missing.any():
        counts = np.append(counts, np.count_nonzero(missing))
    return categories, counts / counts.sum()


def _codes(column, categories, name, missing, has_missing):
    """Category codes of ``column``; ``OWN_VALUE`` for values unseen in fit.

    Missing entries get the missing category's code (``len(categories)``)
    when the column had missing values in fit, else ``OWN_VALUE``.
    """
    codes = np.full(column.shape, OWN_VALUE)
    if has_missing:
        codes[missing] = len(categories)
    observed = column[~missing]
    if not len(categories):
        return codes
    try:
        position = np.searchsorted(categories, observed)
    except TypeError as exc:
        raise TypeError(
            f"Categorical column {name!r} holds values of another type than in "
            f"fit ({exc}); pass the same types as the training data."
        ) from exc
    position = np.minimum(position, len(categories) - 1)
    found = categories[position] == observed
    codes[~missing] = np.where(found, position, OWN_VALUE)
    return codes


def _as_float(column, name, missing):
    """A continuous column as float64 (NaN where missing), a clear error for labels."""
    try:
        if column.dtype != object or not missing.any():
            return column.astype(float)
        return np.where(missing, np.nan, column).astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Continuous column {name!r} holds non-numeric values ({exc}); declare "
            "it in categorical_features or convert it to numbers."
        ) from exc
