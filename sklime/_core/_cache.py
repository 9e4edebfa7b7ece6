"""Values made once and kept while they fit a memory budget, read-only.

Much of what explaining a row needs depends on no row: the noise, marginal
sampling's perturbations and the model's outputs on them, the prepared
design. :class:`BoundedCache` keeps such values, the most recently used
first, within a number of bytes; a value that does not fit is made again
when asked for. Kept arrays are made read-only, so that no caller can change
what the next call reads: a cached value gives the same bits as a new one.
A pickle holds no kept value (they are made again when next asked for), so
pickling an explainer gives the same bytes before and after it was used.
"""

import threading
from collections import OrderedDict

import numpy as np


class BoundedCache:
    """The values used last, at most ``max_bytes`` in all, their arrays read-only.

    Parameters
    ----------
    max_bytes : int
        Bytes of arrays kept in all; a value larger than that is not kept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._cache import BoundedCache
    >>> cache = BoundedCache(max_bytes=1000)
    >>> cache.get(("ones", 3), lambda: np.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    >>> cache.get(("ones", 3), lambda: np.zeros(3)).tolist()  # kept
    [1.0, 1.0, 1.0]
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._values = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, make):
        """The value of ``key``: kept, or made by ``make()`` and then kept.

        Parameters
        ----------
        key : hashable
        make : callable
            ``make()`` returns the value (arrays, or tuples and objects
            holding them).

        Returns
        -------
        value : object
            Its arrays are read-only.
        """
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key][0]
        value = make()
        size = _freeze(value)
        if size <= self.max_bytes:
            with self._lock:
                self._values[key] = (value, size)
                while sum(kept for _, kept in self._values.values()) > self.max_bytes:
                    self._values.popitem(last=False)
        return value

    def __getstate__(self):
        return {"max_bytes": self.max_bytes}

    def __setstate__(self, state):
        self.__init__(state["max_bytes"])


def _freeze(value, seen=None):
    """Make the arrays inside ``value`` read-only; return their bytes.

    Looks into tuples, lists, dicts and objects' attributes; each array is
    counted once.
    """
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
        return value.nbytes
    if isinstance(value, tuple | list):
        return sum(_freeze(item, seen) for item in value)
    if isinstance(value, dict):
        return sum(_freeze(item, seen) for item in value.values())
    if hasattr(value, "__dict__"):
        return _freeze(vars(value), seen)
    return 0
