"""Ridge surrogates of wide shared designs by preconditioned conjugate gradients.

Under marginal sampling with continuous features every row shares the design
(the standard noise) but has its own kernel weights, so each row has its own
weighted Gram matrix ``G_i = X^T W_i X``. Forming it costs
``num_samples * n_features**2`` per row, which dominates at hundreds of
features. Conjugate gradients need only products ``G_i v``, two products
with the design (``num_samples * n_features`` each), batched over rows as
matrix products. Preconditioned by the shared unweighted Gram matrix (the
kernel weights are nearly uniform when there are many features, because
distances concentrate), a handful of iterations reach the direct solution to
rounding.

Every problem (row and output) iterates on its own vectors and stops by its
own criterion, and the products go through fixed-shape blocks, so a row's
answer does not depend on the rows it is batched with.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import lapack

from ._linalg import inverse, rowwise_matmul, stacked_matmul

#: Relative residual at which conjugate gradients stop.
_TOLERANCE = 1e-13
#: Smallest mean diagonal the preconditioner's loading is relative to.
_TINY = 1e-300


@dataclass
class WeightedGram:
    """Products with each row's centered weighted Gram matrix, never formed.

    Attributes
    ----------
    x : ndarray of shape (n_samples, n_features)
        The shared design, shifted by its column means.
    weights : ndarray of shape (n_rows, n_samples)
        Kernel weights of each row.
    mean : ndarray of shape (n_rows, n_features)
        Weighted mean of the shifted design, per row.
    total : ndarray of shape (n_rows,)
        Sum of each row's weights.
    preconditioner : ndarray of shape (n_features, n_features)
        See :func:`preconditioner`.
    """

    x: np.ndarray
    weights: np.ndarray
    mean: np.ndarray
    total: np.ndarray
    preconditioner: np.ndarray

    def apply(self, v):
        """``G_i v[i, k]`` for every row ``i`` and output ``k``.

        Parameters
        ----------
        v : ndarray of shape (n_rows, n_outputs, n_features)

        Returns
        -------
        product : ndarray of shape (n_rows, n_outputs, n_features)
        """
        n, k, p = v.shape
        xv = rowwise_matmul(v.reshape(n * k, p), self.x.T).reshape(n, k, -1)
        xv *= self.weights[:, None, :]
        product = rowwise_matmul(xv.reshape(n * k, -1), self.x).reshape(n, k, p)
        along = np.einsum("nkp,np->nk", v, self.mean)
        return product - (self.total[:, None] * along)[..., None] * self.mean[:, None]

    @cached_property
    def diagonals(self):
        """Diagonal of every row's Gram matrix, shape (n_rows, n_features)."""
        second = rowwise_matmul(self.weights, self.x**2)
        return second - self.total[:, None] * self.mean**2

    def columns(self, rows, features):
        """Column ``features[q]`` of row ``rows[q]``'s Gram matrix, for every ``q``.

        Parameters
        ----------
        rows, features : ndarray of shape (m,), dtype int

        Returns
        -------
        columns : ndarray of shape (m, n_features)
        """
        weighted = self.weights[rows] * self.x[:, features].T
        second = rowwise_matmul(weighted, self.x)
        mean = self.mean[rows]
        along = self.total[rows] * mean[np.arange(len(rows)), features]
        return second - along[:, None] * mean

    def block(self, rows, index):
        """The Gram matrix of row ``rows[q]`` restricted to features ``index[q]``.

        Parameters
        ----------
        rows : ndarray of shape (m,), dtype int
        index : ndarray of shape (m, k), dtype int

        Returns
        -------
        block : ndarray of shape (m, k, k)
        """
        # The columns gathered sample by sample read the design in order.
        sub = self.x[:, index.ravel()].T  # (m * k, n_samples)
        sub = np.ascontiguousarray(sub).reshape(*index.shape, -1)
        weighted = sub * self.weights[rows, None, :]
        second = stacked_matmul(weighted, sub.transpose(0, 2, 1))
        mean = np.take_along_axis(self.mean[rows], index, axis=1)
        outer = mean[:, :, None] * mean[:, None, :]
        return second - self.total[rows, None, None] * outer

    def dense(self, rows):
        """The Gram matrices of ``rows``, formed (shape (n, n_features, n_features))."""
        second = (self.x.T * self.weights[rows, None, :]) @ self.x
        mean = self.mean[rows]
        return second - self.total[rows, None, None] * mean[:, :, None] * mean[:, None]


#: Loading of the preconditioner's Gram matrix, relative to its mean diagonal.
_PRECONDITIONER_LOADING = 1e-4


def preconditioner(x):
    """Inverse of the unweighted Gram matrix per sample of a shared design.

    Each row's system is close to ``total_i * G0 + loading_i I`` when the
    kernel weights vary little, ``G0 = x^T x / n_samples``; conjugate
    gradients do not depend on the preconditioner's scale, so the one
    matrix ``(G0 + c I)^-1`` serves every row. The small loading ``c`` (a
    fraction of the mean diagonal, about the ridge penalty's share for
    thousands of samples) keeps it defined when ``G0`` is singular (constant
    features, fewer samples than features). It changes how fast the
    iterations converge, not what they converge to.

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_features)
        The shared design, shifted by its column means.

    Returns
    -------
    inverse : ndarray of shape (n_features, n_features)
    """
    gram = x.T @ x / x.shape[0]
    loading = _PRECONDITIONER_LOADING * max(np.diagonal(gram).mean(), _TINY)
    return _positive_inverse(gram + loading * np.eye(len(gram)))


def _positive_inverse(a):
    """Inverse of a symmetric positive definite matrix, through its Cholesky factor.

    Half the operations of a general inverse; a matrix that rounding makes
    indefinite gets :func:`~sklime._core._linalg.inverse`.
    """
    factor, info = lapack.dpotrf(a, lower=False)
    if info == 0:
        upper, info = lapack.dpotri(factor, lower=False)
    if info != 0:
        return inverse(a)
    upper = np.triu(upper)
    return upper + np.triu(upper, 1).T


def ridge_solve(gram, cross, active, loading):
    """Solve ``(G_i + loading_i I) beta = cross`` on the active features.

    Parameters
    ----------
    gram : WeightedGram
    cross : ndarray of shape (n_rows, n_outputs, n_features)
    active : ndarray of shape (n_features,), dtype bool
        Features that can vary; the others get a zero coefficient.
    loading : ndarray of shape (n_rows,)
        Diagonal loading of each row (the ridge penalty and a tiny jitter).

    Returns
    -------
    beta : ndarray of shape (n_rows, n_outputs, n_features)
    converged : ndarray of shape (n_rows, n_outputs), dtype bool
    """
    mask = active.astype(float)
    b = cross * mask

    def precondition(r):
        n, k, p = r.shape
        preconditioned = rowwise_matmul(r.reshape(n * k, p), gram.preconditioner)
        return preconditioned.reshape(n, k, p) * mask

    def operator(v):
        return (gram.apply(v) + loading[:, None, None] * v) * mask

    beta = np.zeros_like(b)
    residual = b.copy()
    z = precondition(residual)
    direction = z.copy()
    rz = np.einsum("nkp,nkp->nk", residual, z)
    limit = _TOLERANCE * np.sqrt(np.einsum("nkp,nkp->nk", b, b))
    done = np.sqrt(np.einsum("nkp,nkp->nk", residual, residual)) <= limit
    for _ in range(max(int(active.sum()), 1) + 10):
        if done.all():
            break
        towards = operator(direction)
        curvature = np.einsum("nkp,nkp->nk", direction, towards)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(done | (curvature <= 0), 0.0, rz / curvature)
        beta += step[..., None] * direction
        residual -= step[..., None] * towards
        done |= np.sqrt(np.einsum("nkp,nkp->nk", residual, residual)) <= limit
        z = precondition(residual)
        rz_next = np.einsum("nkp,nkp->nk", residual, z)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(done, 0.0, rz_next / rz)
        direction = np.where(
            done[..., None], direction, z + ratio[..., None] * direction
        )
        rz = np.where(done, rz, rz_next)
    return beta, done
