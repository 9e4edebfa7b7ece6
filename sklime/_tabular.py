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

#: Code of a categorical value that stands for "the explained row's own value".
#: It is how an unseen category, or any kept value, reaches the model unchanged.
OWN_VALUE = -1


def is_dataframe(X):
    """Return True for a pandas DataFrame (the table type sklime reads by column)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _is_categorical_dtype(dtype):
    """Whether a column dtype holds labels rather than numbers."""
    kind = getattr(dtype, "kind", "O")
    return kind in "OSUb" or not np.issubdtype(np.dtype(kind), np.number)


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
        Continuous values; 0 in categorical columns.
    codes : ndarray of shape (n_rows, n_features)
        Category codes in categorical columns (``OWN_VALUE`` for a value not
        seen in fit); 0 in continuous columns.
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

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n_samples, n_features)
        Training data, already checked for shape by ``validate_data``.
    categorical_features : "from_dtype", array-like or None
        Which columns are categorical (see :class:`~sklime.LimeExplainer`).
    """

    def __init__(self, X, categorical_features):
        self.is_frame = is_dataframe(X)
        columns = _columns(X)
        self.n_features = len(columns)
        if self.is_frame:
            self.names = np.asarray([str(c) for c in X.columns], dtype=object)
            self.frame_dtypes = list(X.dtypes)
        else:
            self.names = np.asarray(
                [f"x{j}" for j in range(self.n_features)], dtype=object
            )
            self.array_dtype = np.asarray(X).dtype
        self.query_columns = list(X.columns) if self.is_frame else None
        self.categorical = self._resolve_categorical(categorical_features, X, columns)
        _check_finite(
            columns, self.categorical, self.names, X if self.is_frame else None
        )
        self.categories = [None] * self.n_features
        self.frequencies = [None] * self.n_features
        for j in np.flatnonzero(self.categorical):
            self.categories[j], self.frequencies[j] = _learn_categories(
                columns[j], self.names[j]
            )

    def adapt_to(self, model):
        """Query ``model`` with the table type it was fitted on.

        A model fitted on a DataFrame gets DataFrames with its column names,
        even when the explainer was fitted on an array; a model fitted on an
        array gets arrays. Either way scikit-learn raises no feature-name
        warnings.
        """
        names = getattr(model, "feature_names_in_", None)
        if names is not None and len(names) == self.n_features:
            self.query_columns = list(names)
        elif hasattr(model, "n_features_in_") and not self.categorical.any():
            self.query_columns = None

    # -- column kinds ---------------------------------------------------
    def _resolve_categorical(self, spec, X, columns):
        """Turn ``categorical_features`` into a boolean mask over the columns."""
        by_dtype = np.array(
            [
                _is_categorical_dtype(dtype)
                for dtype in (
                    self.frame_dtypes if self.is_frame else _col_dtypes(columns)
                )
            ],
            dtype=bool,
        )
        if isinstance(spec, str):  # "from_dtype", validated by the explainer
            return by_dtype
        mask = np.zeros(self.n_features, dtype=bool)
        if spec is not None:
            mask = self._mask_from_spec(np.asarray(spec), X)
        not_numeric = by_dtype & ~mask
        if not_numeric.any():
            names = ", ".join(repr(n) for n in self.names[not_numeric])
            raise ValueError(
                f"Column(s) {names} hold non-numeric values but are not declared "
                "categorical. Add them to categorical_features, or use "
                "categorical_features='from_dtype'."
            )
        return mask

    def _mask_from_spec(self, spec, X):
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
        if not self.is_frame:
            raise ValueError(
                "categorical_features given as column names requires X to be a "
                "DataFrame; pass column indices for arrays."
            )
        positions = {str(c): j for j, c in enumerate(X.columns)}
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
        _check_finite(
            columns, self.categorical, self.names, X if is_dataframe(X) else None
        )
        n = len(columns[0]) if columns else 0
        values = np.zeros((n, self.n_features))
        codes = np.zeros((n, self.n_features), dtype=np.intp)
        for j, column in enumerate(columns):
            if self.categorical[j]:
                codes[:, j] = _codes(column, self.categories[j], self.names[j])
            else:
                values[:, j] = _as_float(column, self.names[j])
        if not self.categorical.any():
            return Rows(values, codes, values)
        raw = np.empty((n, self.n_features), dtype=object)
        for j, column in enumerate(columns):
            raw[:, j] = column
        return Rows(values, codes, raw)

    def model_input(self, values, codes, own):
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

        Returns
        -------
        X : ndarray or DataFrame of shape (n_blocks * n_points, n_features)
        """
        flat = values.reshape(-1, self.n_features)
        numeric = self.array_dtype.kind in "fiu" if not self.is_frame else False
        if self.categorical.any() and not numeric:
            flat = flat.astype(object)
        else:
            flat = flat.astype(float, copy=True)
        for j in np.flatnonzero(self.categorical):
            column = self.categories[j][np.maximum(codes[:, :, j], 0)]
            if own is not None:
                kept = codes[:, :, j] == OWN_VALUE
                column = np.where(kept, own[:, None, j], column)
            flat[:, j] = column.reshape(-1)
        if self.query_columns is not None:
            return self._frame(flat)
        return flat

    def rows_input(self, rows):
        """Model input for the rows themselves (their own, unperturbed values)."""
        codes = np.full((len(rows), 1, self.n_features), OWN_VALUE)
        return self.model_input(rows.values[:, None], codes, rows.raw)

    def _frame(self, flat):
        """A DataFrame with the model's column names and the categorical dtypes."""
        import pandas as pd

        frame = pd.DataFrame(flat, columns=self.query_columns, copy=False)
        if not self.is_frame:
            return frame
        if flat.dtype == object:  # continuous columns back to floats
            for j in np.flatnonzero(~self.categorical):
                frame.isetitem(j, flat[:, j].astype(float))
        for j in np.flatnonzero(self.categorical):
            frame.isetitem(j, frame.iloc[:, j].astype(self.frame_dtypes[j]))
        return frame


def _columns(X):
    """The columns of a table as 1-d NumPy arrays."""
    if is_dataframe(X):
        return [X.iloc[:, j].to_numpy() for j in range(X.shape[1])]
    X = np.asarray(X)
    return [X[:, j] for j in range(X.shape[1])]


def _col_dtypes(columns):
    """Per-column dtypes of an array's columns, reading object columns' content."""
    dtypes = []
    for column in columns:
        if column.dtype == object and _object_column_is_numeric(column):
            dtypes.append(np.dtype(float))
        else:
            dtypes.append(column.dtype)
    return dtypes


def _missing(column):
    """Boolean mask of NaN, inf and None entries in an array column."""
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


def _check_finite(columns, categorical, names, frame):
    """Raise a ValueError naming the columns that hold NaN, inf or missing values."""
    if frame is not None:
        missing = frame.isna().to_numpy().any(axis=0)
        for j in np.flatnonzero(~categorical):
            missing[j] |= _missing(_as_float(columns[j], names[j])).any()
    else:
        missing = [_missing(column).any() for column in columns]
    bad = [names[j] for j in np.flatnonzero(missing)]
    if bad:
        raise ValueError(
            f"Input X contains NaN, infinity or missing values in column(s) "
            f"{', '.join(repr(b) for b in bad)}. LIME needs complete rows: impute "
            "them first (for example with sklearn.impute.SimpleImputer) or drop them."
        )


def _learn_categories(column, name):
    """Sorted distinct values of a categorical column and their frequencies."""
    try:
        categories, counts = np.unique(column, return_counts=True)
    except TypeError as exc:
        raise TypeError(
            f"Categorical column {name!r} mixes value types that cannot be "
            f"sorted ({exc}); convert it to a single type, e.g. with .astype(str)."
        ) from exc
    return categories, counts / counts.sum()


def _codes(column, categories, name):
    """Category codes of ``column``; ``OWN_VALUE`` for values unseen in fit."""
    try:
        position = np.searchsorted(categories, column)
    except TypeError as exc:
        raise TypeError(
            f"Categorical column {name!r} holds values of another type than in "
            f"fit ({exc}); pass the same types as the training data."
        ) from exc
    position = np.minimum(position, len(categories) - 1)
    found = categories[position] == column
    return np.where(found, position, OWN_VALUE)


def _as_float(column, name):
    """A continuous column as float64, with a clear error for labels."""
    try:
        return column.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Continuous column {name!r} holds non-numeric values ({exc}); declare "
            "it in categorical_features or convert it to numbers."
        ) from exc
