"""BLAS threads: sklime's arithmetic on one thread, the model's calls on the caller's.

sklime's own work is many small matrix products (blocks of a few rows, one
Gram matrix per row). With several BLAS threads each product pays thread
start-up and synchronisation, and on a busy machine waits for a descheduled
thread, so that the same work can take ten times as long. And a product's
last bits depend on the number of threads. So the engine runs under
:func:`own_arithmetic` (one BLAS thread, in every process, which also makes
``n_jobs=1`` and ``n_jobs=2`` give the same bits), parallelism comes from
``n_jobs`` over chunks, and every call of the explained model runs under
:func:`model_threads`, with the BLAS threads the caller had, up to the number
of processors this process may use: more threads than processors only wait
for each other, which many small calls (a cheap model's, a few rows of
perturbations at a time) pay again and again. OpenMP (used by
``HistGradientBoosting*``, for instance) is not touched.
"""

import os
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

from .._compat import _get_threadpool_controller

#: The caller's BLAS thread settings while :func:`own_arithmetic` runs, else None.
_CALLER_BLAS = ContextVar("sklime_caller_blas", default=None)


@contextmanager
def own_arithmetic():
    """Run the block on one BLAS thread; the caller's settings come back after.

    Nested uses keep the outermost caller's settings for :func:`model_threads`.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from sklime._core._threads import own_arithmetic
    >>> with own_arithmetic():
    ...     inside = {lib["num_threads"] for lib in threadpool_info()
    ...               if lib["user_api"] == "blas"}
    >>> inside <= {1}
    True
    """
    if _CALLER_BLAS.get() is not None:
        yield
        return
    controller = _get_threadpool_controller().select(user_api="blas")
    token = _CALLER_BLAS.set(controller.info())
    try:
        with controller.limit(limits=1, user_api="blas"):
            yield
    finally:
        _CALLER_BLAS.reset(token)


def model_threads():
    """A context in which the explained model gets the caller's BLAS threads.

    Inside :func:`own_arithmetic` it restores the settings the caller had,
    each library's threads capped at :func:`usable_processors`; elsewhere it
    changes nothing.
    """
    caller = _CALLER_BLAS.get()
    if caller is None:
        return nullcontext()
    most = usable_processors()
    limits = {lib["filepath"]: min(lib["num_threads"], most) for lib in caller}
    return _get_threadpool_controller().limit(limits=limits)


def usable_processors():
    """Processors this process may run on (its affinity where the OS says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1
