"""Surrogates of instances with thousands of components, within bounded memory.

A document of thousands of words or an image cut into thousands of
superpixels has a surrogate with that many coefficients. Its Gram matrix
``G = A^T A`` (``A = W^1/2 Xc``, the weighted centered kept indicators, of
shape (num_samples, d)) has ``d**2`` entries, and the direct path forms
``A`` itself and several copies of it. Here ``A`` is never held: it is made
a block at a time from the kept indicators (one byte per entry), and the
ridge system is solved directly on its smaller side:

* ``d <= num_samples``: one Cholesky factor of ``G + L I`` (``d x d``),
  summed from blocks of samples;
* ``d > num_samples``: the dual, ``coef = A^T (A A^T + L I)^-1 u`` with
  ``u = W^1/2 (y - ybar)`` the weighted centered responses, whose kernel
  matrix ``A A^T`` (``num_samples x num_samples``) is summed from blocks of
  features. It is the same system: ``(A^T A + L I)^-1 A^T = A^T (A A^T +
  L I)^-1``.

Standard errors follow from the same factor: the influences ``B psi_s`` of
the sandwich estimate are ``(A B)_s`` scaled by each sample's weighted
residual, with ``B = (G + L I)^-1`` and ``A B`` formed a block of samples at
a time. In the dual, every surrogate on all components has more
coefficients than perturbations, so its standard errors are infinite (as on
the direct path); with ``num_features`` they come from the selected
components' block. The blocks have fixed shapes and every product over explained
instances goes through :func:`~sklime._core._linalg.rowwise_matmul`, so an
instance's numbers do not depend on the others or on ``working_memory``.
"""

import numpy as np
from scipy.linalg import blas, lapack

from ._linalg import inverse, rowwise_matmul
from ._surrogate import (
    _JITTER,
    Moments,
    _loaded_system,
    _loading,
    _varies,
    finished_errors,
)

#: Fewest components of an instance solved here; smaller ones take the
#: direct path. A setting, not a guess from the batch or ``working_memory``,
#: so that an instance's numbers depend on the instance alone.
WIDE_MIN_COMPONENTS = 512
#: Float64 values of each block of the weighted centered design (2 MiB).
_BLOCK_FLOATS = 2**18


def system_floats(num_samples, size):
    """Float64 values the system of an instance of ``size`` components holds.

    The one factor (``min(size, num_samples)**2``), a few blocks of the
    design, and the kept indicators (one byte each).
    """
    side = min(size, num_samples)
    return side * side + 4 * _BLOCK_FLOATS + num_samples * size // 8


def wide_moments(keep, weights, response):
    """Weighted moments of instances of one size, with their system.

    Parameters
    ----------
    keep : ndarray of shape (num_samples, d), dtype bool
        Kept indicators, the design of every instance.
    weights : ndarray of shape (num_samples,)
        Kernel weights, those of every instance.
    response : Response
        Each instance's model outputs, prepared (scaled and shifted).

    Returns
    -------
    moments : Moments
        With ``gram=None`` and ``operator`` the :class:`WideSystem`, which
        gives products with the Gram matrix and solves the ridge systems.
    """
    system = WideSystem(keep, weights)
    centered = response.centered
    n, _, n_outputs = centered.shape
    # Elementwise sums: an instance's mean does not depend on the others.
    y_mean = (centered * weights[:, None]).sum(axis=1) / system.total
    residual = centered - y_mean[:, None, :]
    system.u = (
        (residual * system.root[:, None]).transpose(0, 2, 1).reshape(n * n_outputs, -1)
    )
    cross = system.cross().reshape(n, n_outputs, -1)
    total = (residual**2 * weights[:, None]).sum(axis=1)
    y_mean = y_mean + response.shift
    return Moments(None, cross, total, system.mean[None], y_mean, system)


class WideSystem:
    """The ridge system of instances sharing kept indicators and weights.

    Gives what :mod:`sklime._core._surrogate` asks of an operator (``weights``,
    ``diagonals``, ``columns``, ``block``), and solves the full ridge system
    directly (:meth:`ridge`).

    Parameters
    ----------
    keep : ndarray of shape (num_samples, d), dtype bool
    weights : ndarray of shape (num_samples,)

    Attributes
    ----------
    u : ndarray of shape (n_problems, num_samples)
        Weighted centered responses of the problems (instance and output),
        set by :func:`wide_moments`.
    """

    def __init__(self, keep, weights):
        self.keep = keep
        self.weights = weights[None]
        self.root = np.sqrt(weights)
        self.total = weights.sum()
        n_samples, d = keep.shape
        self.primal = d <= n_samples
        x_sum = np.zeros(d)
        for rows in self._sample_blocks():
            x_sum += weights[rows] @ keep[rows]
        self.mean = x_sum / self.total
        self.diagonals = np.zeros((1, d))
        for rows in self._sample_blocks():
            self.diagonals[0] += (self._weighted(rows, slice(None)) ** 2).sum(axis=0)
        self.u = None
        self._factor = None

    def _sample_blocks(self):
        """Slices of samples whose blocks of the design hold ``_BLOCK_FLOATS``."""
        n_samples, d = self.keep.shape
        step = max(1, _BLOCK_FLOATS // max(d, 1))
        return [slice(a, min(a + step, n_samples)) for a in range(0, n_samples, step)]

    def _feature_blocks(self):
        """Slices of features whose blocks of the design hold ``_BLOCK_FLOATS``."""
        n_samples, d = self.keep.shape
        step = max(1, _BLOCK_FLOATS // n_samples)
        return [slice(a, min(a + step, d)) for a in range(0, d, step)]

    def _weighted(self, rows, columns):
        """Block ``A[rows, columns]`` of the weighted centered design."""
        block = self.keep[rows, columns] - self.mean[columns]
        return block * self.root[rows, None]

    def cross(self):
        """``A^T u`` for every problem, shape (n_problems, d)."""
        cross = np.zeros((len(self.u), self.keep.shape[1]))
        for rows in self._sample_blocks():
            cross += rowwise_matmul(self.u[:, rows], self._weighted(rows, slice(None)))
        return cross

    def columns(self, rows, features):
        """Column ``features[q]`` of the Gram matrix for every ``q``, (m, d).

        ``rows`` (each problem's instance) is ignored: every problem has the
        same Gram matrix.
        """
        del rows
        unique, position = np.unique(features, return_inverse=True)
        columns = np.zeros((len(unique), self.keep.shape[1]))
        for rows in self._sample_blocks():
            block = self._weighted(rows, slice(None))
            columns += rowwise_matmul(np.ascontiguousarray(block[:, unique].T), block)
        return columns[position]

    def block(self, rows, index):
        """The Gram matrix on features ``index[q]`` for every ``q``, (m, k, k)."""
        unique, position = np.unique(index, return_inverse=True)
        columns = self.columns(rows, unique)
        position = position.reshape(index.shape)
        return columns[position[:, :, None], index[:, None, :]]

    def ridge(self, cross, active, alpha):
        """Ridge coefficients on every feature, ``(G + L I)^-1 cross``.

        ``cross`` must be this system's own cross moments (:meth:`cross`):
        the dual solves for the responses ``u`` behind them. ``L`` is the
        penalty ``alpha`` and the relative loading of
        :func:`~sklime._core._surrogate._loading`.

        Returns
        -------
        coef : ndarray of shape (n, n_outputs, d)
        """
        if not active.all():
            raise ValueError("A wide instance has an inactive component.")
        factor = self._factored(alpha)
        if self.primal:
            flat = cross.reshape(-1, cross.shape[-1])
            return _cholesky_solve(factor, flat).reshape(cross.shape)
        dual = _cholesky_solve(factor, self.u)
        coef = np.empty((len(dual), self.keep.shape[1]))
        for columns in self._feature_blocks():
            block = self._weighted(slice(None), columns)
            coef[:, columns] = rowwise_matmul(dual, block)
        return coef.reshape(cross.shape)

    def _factored(self, alpha):
        """Upper Cholesky factor of ``G + L I`` (primal) or ``K + L I`` (dual)."""
        loading = float(_loading(self.diagonals[0], alpha))
        if self._factor is not None and self._factor[0] == loading:
            return self._factor[1]
        self._factor = None  # one factor at a time
        factor, info = lapack.dpotrf(
            self._loaded(loading), lower=0, overwrite_a=1, clean=1
        )
        if info != 0:  # indefinite by rounding: the eigenvalues raised
            factor = _nearest_factor(self._loaded(loading))
        self._factor = (loading, factor)
        return factor

    def _loaded(self, loading):
        """Upper triangle of ``G + L I`` (primal) or ``K + L I`` (dual)."""
        matrix = self._gram() if self.primal else self._kernel()
        matrix[np.diag_indices_from(matrix)] += loading
        return matrix

    def _gram(self):
        """Upper triangle of ``A^T A``, summed over blocks of samples."""
        d = self.keep.shape[1]
        gram = np.zeros((d, d), order="F")
        for rows in self._sample_blocks():
            block = self._weighted(rows, slice(None))
            gram = blas.dsyrk(1.0, block.T, beta=1.0, c=gram, lower=0, overwrite_c=1)
        return gram

    def _kernel(self):
        """Upper triangle of ``A A^T``, summed over blocks of features."""
        n_samples = self.keep.shape[0]
        kernel = np.zeros((n_samples, n_samples), order="F")
        for columns in self._feature_blocks():
            block = np.asfortranarray(self._weighted(slice(None), columns))
            kernel = blas.dsyrk(1.0, block, beta=1.0, c=kernel, lower=0, overwrite_c=1)
        return kernel

    def design_products(self, coef):
        """``Xc coef`` for every problem, shape (n_problems, num_samples).

        ``Xc`` is the centered (unweighted) design.
        """
        products = np.empty((len(coef), self.keep.shape[0]))
        for rows in self._sample_blocks():
            block = (self.keep[rows] - self.mean).T
            products[:, rows] = rowwise_matmul(coef, block)
        return products

    def starved(self, moments):
        """Whether a component varies over the perturbations, not the weighted ones.

        See :func:`~sklime._core._surrogate.starved`; the unweighted variation of
        an indicator is ``p (1 - p)``, with ``p`` its share of kept draws.

        Returns
        -------
        starved : ndarray of shape (1,), dtype bool
        """
        varies = _varies(moments, self.weights)
        share = np.count_nonzero(self.keep, axis=0) / len(self.keep)
        spread = share * (1.0 - share)
        return ((spread > _JITTER) & ~varies).any(axis=-1)

    def standard_errors(self, moments, fits, alpha, row_scale):
        """Sandwich standard errors of the surrogates (see ``standard_errors``).

        Parameters
        ----------
        moments : Moments
            As :func:`wide_moments` returns them.
        fits : Surrogates
            Fitted on ``moments`` with penalty ``alpha``.
        alpha : float
        row_scale : ndarray of shape (n,)

        Returns
        -------
        standard_error : ndarray of shape (n, n_outputs, d)
        """
        n, n_outputs, d = fits.coef.shape
        coef = fits.coef.reshape(n * n_outputs, d)
        support = fits.support.reshape(n * n_outputs, d)
        # The weighted residual of each problem and sample: the influence of
        # a sample is its row of A B times it.
        residual = self.u - self.root * self.design_products(coef)
        if support.all():
            variance = self._full_variance(residual**2, alpha)
        else:
            variance = self._selected_variance(residual, support, alpha)
        shape = fits.coef.shape
        return finished_errors(
            variance.reshape(shape), self.weights, moments, fits.support, row_scale
        )

    def _full_variance(self, squares, alpha):
        """``sum_s squares[p, s] (A B)_sj^2`` for every problem ``p``, all features."""
        d = self.keep.shape[1]
        if not self.primal:
            # More components than perturbations: the effective sample size
            # cannot exceed the coefficients, so no standard error is finite
            # (see ``finished_errors``) whatever the variance.
            return np.zeros((len(squares), d))
        inverse_upper, info = lapack.dpotri(
            self._factored(alpha), lower=0, overwrite_c=1
        )
        if info != 0:
            raise np.linalg.LinAlgError("The ridge system could not be inverted.")
        self._factor = None  # its memory now holds the inverse
        bread = _symmetrized(inverse_upper)
        variance = np.zeros((len(squares), d))
        for rows in self._sample_blocks():  # A B, a block of samples at a time
            block = self._weighted(rows, slice(None)) @ bread
            variance += rowwise_matmul(squares[:, rows], block**2)
        return variance

    def _selected_variance(self, residual, support, alpha):
        """The variance on each problem's selected features, from their block."""
        size = int(support.sum(axis=1).max())
        index = np.argsort(~support, axis=1, kind="stable")[:, :size]
        valid = np.take_along_axis(support, index, axis=1)
        pair = valid[:, :, None] & valid[:, None, :]
        block = np.where(pair, self.block(None, index), 0.0)
        loading = _loading(self.diagonals, alpha)[:, None, None]
        bread = np.where(pair, inverse(_loaded_system(block, pair, loading)), 0.0)
        variance = np.zeros(support.shape)
        for problem, features in enumerate(index):
            design = self.keep[:, features] - self.mean[features]
            design *= (self.root * residual[problem])[:, None]
            influence = design @ bread[problem]
            variance[problem, features] = (influence**2).sum(axis=0)
        return np.where(support, variance, 0.0)


def _cholesky_solve(factor, rhs):
    """``M^-1 rhs[p]`` for every row ``p``, from the upper Cholesky factor of ``M``.

    One problem at a time, so a problem's answer does not depend on the others.
    """
    solved = np.empty_like(rhs)
    for p, vector in enumerate(rhs):
        solved[p], info = lapack.dpotrs(factor, vector, lower=0)
        if info != 0:
            raise np.linalg.LinAlgError("The ridge system could not be solved.")
    return solved


def _nearest_factor(upper):
    """Upper Cholesky factor of the symmetric matrix ``upper`` with eigenvalues raised.

    Rounding can make a loaded Gram matrix slightly indefinite; raising its
    eigenvalues to the loading's order keeps the solve defined.
    """
    matrix = _symmetrized(np.triu(upper))
    values, vectors = np.linalg.eigh(matrix)
    floor = _JITTER * max(np.abs(values).mean(), 1.0)
    matrix = (vectors * np.maximum(values, floor)) @ vectors.T
    return np.linalg.cholesky(matrix).T.copy(order="F")


def _symmetrized(upper):
    """The symmetric matrix of an upper triangle, completed in place."""
    d = len(upper)
    for start in range(0, d, 256):
        stop = min(start + 256, d)
        upper[start:stop, :start] = upper[:start, start:stop].T
        band = upper[start:stop, start:stop]
        band[...] = np.triu(band) + np.triu(band, 1).T
    return upper
