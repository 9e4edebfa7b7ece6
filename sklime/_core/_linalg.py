"""Small linear-algebra helpers whose results do not depend on the batch.

A row's explanation must be the same number whatever other rows share its
batch. A matrix product ``A @ B`` computed by BLAS can round a row of the
result differently depending on how many rows ``A`` has (different kernels
for different shapes), so products over explained rows go through
:func:`rowwise_matmul`, which always multiplies blocks of the same shape.
Stacked solves go through LAPACK one matrix at a time and are already
independent of the batch.
"""

import numpy as np

#: Rows per block in :func:`rowwise_matmul`: every product has this shape.
#: Small, so that one row pays little padding; a multiple of the height of
#: OpenBLAS's micro-kernels on x86 (4 on Haswell), whose rows it fills.
ROW_BLOCK = 4


def stacked_matmul(a, b):
    """``a[i] @ b[i]`` for every matrix of two stacks, one BLAS product each.

    numpy's stacked ``@`` does not call BLAS for some layouts (a transposed
    view, for instance) and is then many times slower; one product per
    matrix is fast for any layout, and a matrix's product does not depend
    on the others in the stack.

    Parameters
    ----------
    a : ndarray of shape (n or 1, p, q)
    b : ndarray of shape (n or 1, q, r)
        A stack of one matrix is shared by every matrix of the other.

    Returns
    -------
    product : ndarray of shape (n, p, r)

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._linalg import stacked_matmul
    >>> a = np.arange(8.0).reshape(2, 2, 2)
    >>> stacked_matmul(a, np.eye(2)[None]).tolist() == a.tolist()
    True
    """
    n = max(len(a), len(b))
    out = np.empty((n, a.shape[1], b.shape[2]), dtype=np.result_type(a, b))
    for i in range(n):
        np.matmul(a[i if len(a) > 1 else 0], b[i if len(b) > 1 else 0], out=out[i])
    return out


def rowwise_matmul(a, b):
    """``a @ b`` with each row of the result independent of the other rows of ``a``.

    The rows of ``a`` are multiplied in blocks of exactly ``ROW_BLOCK`` rows
    (the last block padded with zeros), so every row meets the same BLAS
    kernel in the same position of a block of the same shape.

    Parameters
    ----------
    a : ndarray of shape (n_rows, k)
    b : ndarray of shape (k, m)

    Returns
    -------
    product : ndarray of shape (n_rows, m)

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._linalg import rowwise_matmul
    >>> a, b = np.arange(6.0).reshape(3, 2), np.ones((2, 4))
    >>> rowwise_matmul(a, b)[:, 0].tolist()
    [1.0, 5.0, 9.0]
    """
    a = np.asarray(a, dtype=float)
    n_rows = a.shape[0]
    out = np.empty((n_rows, b.shape[1]))
    block = np.zeros((ROW_BLOCK, a.shape[1]))
    for start in range(0, n_rows, ROW_BLOCK):
        stop = min(start + ROW_BLOCK, n_rows)
        block[: stop - start] = a[start:stop]
        block[stop - start :] = 0.0
        out[start:stop] = (block @ b)[: stop - start]
    return out


def solve(a, b):
    """Solve a stack of symmetric systems ``a x = b``.

    A numerically singular matrix of the stack (as when a kernel is so narrow
    that only a few perturbations carry weight) gets the minimum-norm
    least-squares solution, through its pseudo-inverse. Each system's answer
    is the same whatever the other systems of the stack.

    Parameters
    ----------
    a : ndarray of shape (..., p, p)
    b : ndarray of shape (..., p)

    Returns
    -------
    x : ndarray of shape (..., p)
    """
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        a, b = np.broadcast_arrays(a, b[..., None])
        flat_a = a.reshape(-1, *a.shape[-2:])
        flat_b = b.reshape(-1, *b.shape[-2:])
        x = np.stack([_solve_one(m, v) for m, v in zip(flat_a, flat_b, strict=True)])
        return x.reshape(b.shape)[..., 0]


def _solve_one(a, b):
    """One system: LU where it works, else the pseudo-inverse."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(a, hermitian=True) @ b


def inverse(a):
    """Inverse of a stack of symmetric matrices (pseudo-inverse where singular)."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        flat = a.reshape(-1, *a.shape[-2:])
        return np.stack([_inverse_one(m) for m in flat]).reshape(a.shape)


def _inverse_one(a):
    """One matrix: its inverse, else its pseudo-inverse."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(a, hermitian=True)


def power_of_two_scale(largest):
    """A power of two near each of ``largest``, for scaling without rounding.

    ``2**(e - 1)`` where ``largest = m * 2**e`` with ``0.5 <= m < 1`` (so
    ``largest`` divided by it is in [1, 2), even for the largest float), and
    1 where ``largest`` is 0. Numbers divided by it are exactly as they were
    up to the power of two, and their squares neither overflow nor
    underflow.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._linalg import power_of_two_scale
    >>> power_of_two_scale(np.array([3.0, 0.0, 0.25])).tolist()
    [2.0, 1.0, 0.25]
    """
    return np.where(largest > 0, np.ldexp(1.0, np.frexp(largest)[1] - 1), 1.0)
