"""Reading and building data frames, one small dispatch per library.

sklime reads pandas and polars frames column by column, with the same rules
for both: names from the frame, one NumPy array per column, and a column of
labels (strings, categories, booleans, dates) recognized by its dtype. Neither
library is a dependency: a frame is recognized only when its library is
already imported, and each library is imported only to build its own frames.
"""

import sys

import numpy as np

PANDAS, POLARS = "pandas", "polars"


def frame_library(X):
    """Return "pandas" or "polars" for a data frame of that library, else None."""
    pd = sys.modules.get(PANDAS)
    if pd is not None and isinstance(X, pd.DataFrame):
        return PANDAS
    pl = sys.modules.get(POLARS)
    if pl is not None and isinstance(X, pl.DataFrame):
        return POLARS
    return None


def is_dataframe(X):
    """Whether ``X`` is a pandas or polars data frame."""
    return frame_library(X) is not None


def is_lazy_frame(X):
    """Whether ``X`` is a polars LazyFrame (a query, not yet a table)."""
    pl = sys.modules.get(POLARS)
    return pl is not None and isinstance(X, pl.LazyFrame)


def has_multiindex_columns(X):
    """Whether ``X`` is a pandas frame whose columns have several levels."""
    return frame_library(X) == PANDAS and X.columns.nlevels > 1


def nested_columns(X):
    """The columns of a polars frame of nested dtypes (List, Array, Struct).

    Returns
    -------
    nested : dict
        The dtype of each such column, by name; empty for other tables.
    """
    if frame_library(X) != POLARS:
        return {}
    return {name: dtype for name, dtype in X.schema.items() if dtype.is_nested()}


def is_pandas_series(X):
    """Whether ``X`` is a pandas Series."""
    pd = sys.modules.get(PANDAS)
    return pd is not None and isinstance(X, pd.Series)


def column_names(X):
    """The column names of a frame, as given (not converted to str)."""
    return list(X.columns)


def column_arrays(X):
    """The columns of a frame as 1-d NumPy arrays (labels as object arrays)."""
    if frame_library(X) == POLARS:
        return [series.to_numpy() for series in X.iter_columns()]
    return [series.to_numpy() for _, series in X.items()]


def column_dtypes(X):
    """The dtype of each column of a frame, in the frame's own terms."""
    return list(X.dtypes)


def holds_labels(dtype):
    """Whether a column dtype (NumPy, pandas or polars) holds labels, not numbers."""
    is_numeric = getattr(dtype, "is_numeric", None)
    if callable(is_numeric):  # polars
        return not is_numeric()
    kind = getattr(dtype, "kind", "O")
    return kind not in "iufc"  # signed, unsigned, float, complex are numbers


def pandas_missing(value):
    """The name of pandas' missing value ``value`` is (``"NA"``, ``"NaT"``), or None."""
    pd = sys.modules.get(PANDAS)
    if pd is None:
        return None
    return next((name for name in ("NA", "NaT") if value is getattr(pd, name)), None)


def is_missing_scalar(value):
    """Whether one entry of an object column is missing.

    None, a float NaN, NumPy's NaT and, when pandas is imported, its ``NA``
    and ``NaT`` (polars nulls reach NumPy as None).
    """
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return pandas_missing(value) is not None


def make_frame(library, names, block, dtypes):
    """A frame of ``library`` from a 2-d block, labels cast to their dtypes.

    Parameters
    ----------
    library : {"pandas", "polars"}
    names : list
        Column names.
    block : ndarray of shape (n_rows, n_columns), dtype float or object
        Column values; a float block becomes a frame without a copy (pandas).
    dtypes : list
        Dtype of each label column; None for a continuous (float) column.

    Returns
    -------
    frame : pandas or polars DataFrame
    """
    if library == POLARS:
        import polars as pl

        return pl.DataFrame(
            [
                pl.Series(str(name), block[:, j].astype(float), nan_to_null=True)
                if dtype is None
                else pl.Series(str(name), block[:, j].tolist(), dtype=dtype)
                for j, (name, dtype) in enumerate(zip(names, dtypes, strict=True))
            ]
        )
    import pandas as pd

    frame = pd.DataFrame(block, columns=names, copy=False)
    if block.dtype != object:
        return frame
    for j, dtype in enumerate(dtypes):
        column = block[:, j]
        frame.isetitem(
            j, column.astype(float) if dtype is None else frame.iloc[:, j].astype(dtype)
        )
    return frame
