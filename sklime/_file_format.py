"""Writing explanations to portable files (JSON); reading is in ``_persist``.

An explanation file is JSON: a header (what the file is, the version of its
format, the sklime version that wrote it) and the explanation's state.
Numeric arrays are stored as their little-endian bytes in base64, with their
dtype and shape, so that every bit comes back (signed zeros, NaN and
infinities, float32 images) and images stay compact; names, outputs and the
rows' own values are JSON values, tagged where JSON has no type of its own.
"""

import base64
import json
import math

import numpy as np
import scipy.sparse as sp

from ._dataframe import pandas_missing

#: What the header's "format" says.
FORMAT = "sklime.explanation"
#: The version of the format this sklime writes and reads.
FORMAT_VERSION = 1

#: The sklime classes a file may hold, by name (``_persist`` builds them).
READABLE = frozenset(
    {
        "Explanation",
        "TextExplanation",
        "ImageExplanation",
        "FeatureDescriber",
        "Document",
    }
)

#: Sparse matrix classes, by name.
SPARSE = {cls.__name__: cls for cls in (sp.csr_matrix, sp.csr_array)}


def _is_readable(value):
    """Whether ``value`` is an object of a sklime class a file may hold."""
    kind = type(value)
    return kind.__name__ in READABLE and kind.__module__.startswith("sklime.")


def save_explanation(explanation, path):
    """Write ``explanation`` to ``path`` as an explanation file (JSON).

    Parameters
    ----------
    explanation : Explanation
        An explanation of any kind.
    path : str or path-like
        File to write.

    Raises
    ------
    TypeError
        If the explanation holds a value an explanation file cannot hold,
        such as an unusual object among the explained rows' values.
    """
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sklime_version": explanation.sklime_version,
        "explanation": _Encoder(type(explanation).__name__).encode(
            explanation, "explanation"
        ),
    }
    text = json.dumps(document, allow_nan=False, separators=(",", ":"))
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


class _Encoder:
    """Turns an explanation's state into JSON values, arrays shared once."""

    def __init__(self, kind):
        self.kind = kind
        self.ids = {}

    def encode(self, value, where):
        """JSON for ``value``; ``where`` names it in errors."""
        if isinstance(value, np.ndarray) or _is_readable(value):
            if id(value) in self.ids:
                return {"type": "ref", "id": self.ids[id(value)]}
            self.ids[id(value)] = len(self.ids)
            node = self._shared(value, where)
            node["id"] = self.ids[id(value)]
            return node
        if isinstance(value, np.generic):
            return {"type": "scalar", **_bytes_of(np.asarray(value))}
        if pandas_missing(value) is not None:
            return {"type": "pandas", "value": pandas_missing(value)}
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            return (
                value
                if math.isfinite(value)
                else {"type": "float", "value": repr(value)}
            )
        if isinstance(value, list):
            return [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, tuple):
            items = [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
            return {"type": "tuple", "items": items}
        if isinstance(value, dict) and all(isinstance(key, str) for key in value):
            return {"type": "dict", "items": self._fields(value, where)}
        if type(value) in SPARSE.values():
            parts = {
                part: self.encode(getattr(value, part), f"{where}.{part}")
                for part in ("data", "indices", "indptr")
            }
            return {"type": type(value).__name__, "shape": list(value.shape), **parts}
        raise TypeError(
            f"{self.kind}.save cannot write {where}: a value of type "
            f"{type(value).__module__}.{type(value).__qualname__}. An explanation "
            "file holds numbers, strings, booleans, None, pandas' NA and NaT and "
            "NumPy values; "
            "explain rows whose values are of these types (convert such a "
            "column, e.g. to str), or keep the explanation with joblib."
        )

    def _shared(self, value, where):
        """JSON of an array or a sklime object, which may be referred to again."""
        if isinstance(value, np.ndarray):
            if value.dtype.kind != "O":
                return {"type": "ndarray", **_bytes_of(value)}
            items = [
                self.encode(item, f"{where}[{i}]")
                for i, item in enumerate(value.ravel().tolist())
            ]
            return {
                "type": "ndarray",
                "dtype": "|O",
                "shape": value.shape,
                "items": items,
            }
        state = self._fields(vars(value), where)
        return {"type": "object", "class": type(value).__name__, "state": state}

    def _fields(self, mapping, where):
        return {
            key: self.encode(item, f"{where}.{key}") for key, item in mapping.items()
        }


def _bytes_of(array):
    """dtype, shape and base64 little-endian bytes of a non-object array."""
    dtype = array.dtype.newbyteorder("<")
    data = np.ascontiguousarray(array, dtype=dtype).tobytes()
    return {
        "dtype": dtype.str,
        "shape": list(array.shape),
        "data": base64.b64encode(data).decode("ascii"),
    }
