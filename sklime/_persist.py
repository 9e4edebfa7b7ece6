"""Explanation files read back, bit for bit (``_file_format`` writes them).

Reading a file builds only sklime's explanation classes and plain values: it
imports and runs nothing the file names, so a file needs no trust.
"""

import base64
import binascii
import json
import os

import numpy as np

from ._compat import validate_params
from ._explanation_base import BaseExplanation
from ._file_format import FORMAT, FORMAT_VERSION, SPARSE
from ._image._explanation import ImageExplanation
from ._optional import import_optional
from ._tabular._explanation import Explanation, FeatureDescriber
from ._text._document import Document
from ._text._explanation import TextExplanation
from ._version import __version__

#: The classes an explanation file may hold, by name.
_CLASSES = {
    cls.__name__: cls
    for cls in (
        Explanation,
        TextExplanation,
        ImageExplanation,
        FeatureDescriber,
        Document,
    )
}


@validate_params({"path": [str, os.PathLike]}, prefer_skip_nested_validation=True)
def load_explanation(path):
    """Read an explanation written by :meth:`Explanation.save`.

    The file is JSON and reading it builds only sklime's explanation classes
    and plain values (it runs nothing the file names), so a file from any
    source can be read without trusting it. The explanation comes back
    bit-identical: its arrays, names, outputs, standard errors,
    :attr:`~Explanation.settings` and :attr:`~Explanation.sklime_version`.

    Parameters
    ----------
    path : str or path-like
        A file written by :meth:`Explanation.save` (or
        :meth:`TextExplanation.save`, :meth:`ImageExplanation.save`).

    Returns
    -------
    explanation : Explanation, TextExplanation or ImageExplanation
        The explanation as it was saved, of the class it was saved from.

    Raises
    ------
    ValueError
        If the file is not an explanation file, or was written in another
        version of the format (the message names the sklime version that
        wrote it).

    See Also
    --------
    Explanation.save : Writes the file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from sklime import LimeExplainer, load_explanation
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> lime = LimeExplainer(Ridge(), num_samples=500, random_state=0).fit(X, y)
    >>> explanation = lime.explain(X.iloc[:3])
    >>> path = Path(tempfile.mkdtemp()) / "explanation.json"
    >>> explanation.save(path)
    >>> loaded = load_explanation(path)
    >>> bool(np.array_equal(loaded.coef, explanation.coef))
    True
    >>> loaded.as_list(0) == explanation.as_list(0)
    True
    """
    document = _read_json(path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(
            f"{os.fspath(path)!r} is not an sklime explanation file: it is JSON, "
            f'but has no "format": "{FORMAT}" header. Read files written by '
            "Explanation.save."
        )
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{os.fspath(path)!r} is an explanation file of format version "
            f"{version!r}, written by sklime {document.get('sklime_version')}; "
            f"this sklime ({__version__}) reads format version "
            f"{FORMAT_VERSION}. Load it with the sklime version that wrote it, "
            "or explain the rows again with this one."
        )
    try:
        explanation = _Decoder().decode(document["explanation"])
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(
            f"{os.fspath(path)!r} is not a valid sklime explanation file: its "
            f"content is damaged ({type(exc).__name__}: {exc}). Write it again "
            "with Explanation.save."
        ) from exc
    if not isinstance(explanation, BaseExplanation):
        raise ValueError(
            f"{os.fspath(path)!r} holds a {type(explanation).__name__}, not an "
            "explanation. Read files written by Explanation.save."
        )
    # Files written before the sample counts were kept do not have them.
    explanation.__dict__.setdefault("n_samples_used", None)
    return explanation


def _read_json(path):
    """The JSON document in ``path``, or a ValueError saying it is not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{os.fspath(path)!r} is not an sklime explanation file: it is not "
            f"JSON ({exc}). Read files written by Explanation.save."
        ) from exc


class _Decoder:
    """Builds the values an :class:`_Encoder` wrote, shared arrays once."""

    def __init__(self):
        self.shared = {}

    def decode(self, node):
        """The value of a JSON node."""
        if isinstance(node, list):
            return [self.decode(item) for item in node]
        if not isinstance(node, dict):
            return node
        kind = node["type"]
        if kind == "ref":
            return self.shared[node["id"]]
        if kind in ("ndarray", "object"):
            value = self._array(node) if kind == "ndarray" else self._object(node)
            self.shared[node["id"]] = value
            return value
        if kind == "scalar":
            return _array_of(node)[()]
        if kind == "float":
            return float(node["value"])
        if kind == "pandas" and node["value"] in ("NA", "NaT"):
            pandas = import_optional("pandas", "pandas", "Reading this explanation")
            return getattr(pandas, node["value"])
        if kind == "tuple":
            return tuple(self.decode(item) for item in node["items"])
        if kind == "dict":
            return {key: self.decode(item) for key, item in node["items"].items()}
        if kind in SPARSE:
            parts = [self.decode(node[part]) for part in ("data", "indices", "indptr")]
            return SPARSE[kind](tuple(parts), shape=tuple(node["shape"]))
        raise ValueError(f"unknown value type {kind!r}")

    def _array(self, node):
        if "items" not in node:
            return _array_of(node)
        array = np.empty(len(node["items"]), dtype=object)
        array[:] = [self.decode(item) for item in node["items"]]
        return array.reshape(node["shape"])

    def _object(self, node):
        cls = _CLASSES[node["class"]]
        value = cls.__new__(cls)
        value.__dict__.update(
            {key: self.decode(item) for key, item in node["state"].items()}
        )
        return value


def _array_of(node):
    """The array :func:`_bytes_of` wrote (writable, as the original was)."""
    data = base64.b64decode(node["data"], validate=True)
    array = np.frombuffer(data, dtype=np.dtype(node["dtype"]))
    return array.reshape(node["shape"]).copy()
