"""Batched weighted ridge surrogates and lime's feature selection.

Every function here works on a stack of independent problems at once. A
*problem* is one (row, output) pair: the explained row's neighborhood and one
column of the model's output (one class, or the regression target). Samples
enter only through weighted moments (:func:`weighted_moments`): the centered,
weighted Gram matrix ``G = Xc^T W Xc``, the cross moments ``b = Xc^T W yc`` and
the weighted total sum of squares. Selection and the final ridge solve use only
these small matrices, so no loop runs over samples or rows.
"""

from dataclasses import dataclass

import numpy as np

from ._iterative import WeightedGram, preconditioner, ridge_solve
from ._kernels import effective_sample_size
from ._linalg import (
    inverse,
    power_of_two_scale,
    rowwise_matmul,
    solve,
    stacked_matmul,
)

#: Relative diagonal loading that keeps exactly collinear designs solvable.
_JITTER = 1e-10
#: Ridge penalty lime uses to rank features for "highest_weights".
_HIGHEST_WEIGHTS_ALPHA = 0.01
#: lime's "auto" uses forward selection up to this many features.
_AUTO_FORWARD_MAX = 6


@dataclass
class Moments:
    """Weighted moments of a stack of neighborhoods.

    Attributes
    ----------
    gram : ndarray of shape (n_rows or 1, n_features, n_features) or None
        Centered weighted Gram matrix of the design; None when it is not
        formed (then ``operator`` gives products with it).
    cross : ndarray of shape (n_rows, n_outputs, n_features)
        Centered weighted cross moments of design and response.
    total : ndarray of shape (n_rows, n_outputs)
        Weighted total sum of squares of the response.
    x_mean : ndarray of shape (n_rows or 1, n_features)
        Weighted mean of the design.
    y_mean : ndarray of shape (n_rows, n_outputs)
        Weighted mean of the response.
    operator : WeightedGram, WideSystem or None
        Products with the Gram matrices of a wide shared design with per-row
        weights, solved by conjugate gradients (see ``sklime._core._iterative``),
        or the system of wide instances, solved directly (see
        ``sklime._core._wide``).
    """

    gram: np.ndarray | None
    cross: np.ndarray
    total: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    operator: WeightedGram | None = None


#: Most features of a shared design with per-row weights whose Gram matrices
#: are formed, one symmetric product per row (``num_samples * n_features**2 / 2``
#: operations); wider ones are solved by conjugate gradients, whose products
#: cost ``num_samples * n_features`` each. A setting, not a guess from the
#: batch, so that a row's numbers do not depend on it.
FORMED_MAX_FEATURES = 64


@dataclass
class SharedDesign:
    """A design shared by every row, prepared once for all chunks.

    Attributes
    ----------
    shift : ndarray of shape (n_features,)
        Unweighted column means, subtracted for accurate centring.
    x : ndarray of shape (n_samples, n_features)
        The shifted design.
    shared_weights : bool
        Every row also has the same weights (local and mask sampling): their
        one Gram matrix is a single product of the weighted design with the
        design. Otherwise (marginal sampling) each row's moments are one
        symmetric product of its own weighted design, or, past
        ``FORMED_MAX_FEATURES`` features, products with the design inside
        conjugate gradients.
    preconditioner : ndarray of shape (n_features, n_features) or None
        For wide designs with per-row weights, the inverse of the unweighted
        Gram matrix per sample, slightly loaded (the conjugate gradients'
        preconditioner, see :func:`~sklime._core._iterative.preconditioner`).
    """

    shift: np.ndarray
    x: np.ndarray
    shared_weights: bool
    preconditioner: np.ndarray | None = None

    @classmethod
    def from_design(cls, design, *, shared_weights=False):
        """Prepare a (n_samples, n_features) design.

        Parameters
        ----------
        design : ndarray of shape (n_samples, n_features)
        shared_weights : bool, default=False
            Every row has the same weights (local and mask sampling); then no
            preconditioner is prepared.

        Returns
        -------
        shared : SharedDesign
        """
        shift = design.mean(axis=0)
        if shared_weights:
            return cls(shift, design - shift, shared_weights)
        if design.shape[1] <= FORMED_MAX_FEATURES:
            # Laid out feature by feature: each row's weighted copy of the
            # design (see ``_per_row_moments``) is then read in order.
            return cls(shift, np.ascontiguousarray((design - shift).T).T, False)
        x = design - shift
        return cls(shift, x, False, preconditioner(x))

    def second_moments(self, w):
        """``sum_s w[i, s] x[s] x[s]^T`` for every row ``i`` of weights."""
        return (self.x.T * w[:, None, :]) @ self.x


def _design_products(weighted_y, x):
    """``x^T y_i`` for every row ``i``, of shape (n_rows, n_outputs, n_features).

    One product of all rows' weighted responses with the shared design, in
    row blocks of a fixed shape (:func:`~sklime._core._linalg.rowwise_matmul`).
    """
    n_rows, n_samples, n_outputs = weighted_y.shape
    stacked = np.swapaxes(weighted_y, 1, 2).reshape(n_rows * n_outputs, n_samples)
    return rowwise_matmul(stacked, x).reshape(n_rows, n_outputs, -1)


def weighted_moments(
    X,
    w,
    Y,
    shared=None,
    *,
    form_gram=True,
    iterative=False,
    common=False,
    y_shift=None,
):
    """Centered weighted moments, broadcasting shared designs, weights or responses.

    Raw weighted sums are taken first and centered afterwards. A design shared
    by every row (marginal z-scores, local noise, the mask) is never copied
    per row: with per-row weights each row's sums are one symmetric product
    of the weighted design (a row's work is its own, whatever the batch);
    with shared weights one Gram matrix serves every row. Design and response
    are shifted by their unweighted sample means beforehand, which keeps the
    centring accurate.

    Parameters
    ----------
    X : ndarray of shape (n_rows or 1, n_samples, n_features)
        Design (interpretable representation) of each neighborhood.
    w : ndarray of shape (n_rows or 1, n_samples)
        Kernel weights.
    Y : ndarray of shape (n_rows or 1, n_samples, n_outputs)
        Model output on the perturbed points.
    shared : SharedDesign or None, default=None
        ``X[0]`` prepared in advance, when every row shares the design
        (``X`` then has one entry); None when the design is per row.
    form_gram : bool, default=True
        With a shared design, False leaves the Gram matrices unformed.
    iterative : bool, default=False
        With a wide shared design (``shared.preconditioner`` set), also return an
        operator for products with the Gram matrices, so that the surrogates
        are solved by conjugate gradients.
    common : bool, default=False
        Without ``shared``: ``X`` and ``w`` (one entry each) hold the design
        and weights of every row, whatever their number, so the Gram matrix
        is formed once. A setting, not a guess from the shapes, so that a
        row's numbers do not change with the number of rows.
    y_shift : ndarray of shape (n_rows or 1, n_outputs) or None, default=None
        ``Y`` is already shifted by these means (see
        :class:`~sklime._core._problem.Response`); None shifts it here by its
        unweighted means.

    Returns
    -------
    moments : Moments
    """
    if y_shift is None:
        y_shift = Y.mean(axis=1)
        Y = Y - y_shift[:, None]
    if shared is not None and not (shared.shared_weights or iterative):
        # Per-row weights on a shared design: one symmetric product per row.
        x_shift = shared.shift
        second, x_sum, total_w, x_y, y_sum, y_squares = _per_row_moments(
            shared.x[None], w, Y
        )
    elif shared is not None:
        weighted_y = Y * w[:, :, None]
        total_w = w.sum(axis=-1)[:, None]
        x_shift = shared.shift
        second = shared.second_moments(w) if form_gram else None
        x_sum = rowwise_matmul(w, shared.x)
        x_y = _design_products(weighted_y, shared.x)
        y_sum = weighted_y.sum(axis=1)
        y_squares = (weighted_y * Y).sum(axis=1)
    elif common:
        # One design and weights for every row (documents or images with as
        # many components): their one Gram matrix, and each row's cross
        # moments by a product of its own, whose shape is the same whatever
        # the number of rows.
        x_shift = 0.0
        second, x_sum, total_w = _common_moments(X[0], w[0])
        weighted_y = Y * w[:, :, None]
        x_y = stacked_matmul(np.swapaxes(weighted_y, 1, 2), X)
        y_sum = weighted_y.sum(axis=1)
        y_squares = (weighted_y * Y).sum(axis=1)
    else:  # indicators and standard noise: bounded, no shift needed
        x_shift = 0.0
        second, x_sum, total_w, x_y, y_sum, y_squares = _per_row_moments(X, w, Y)
    x_mean, y_mean = x_sum / total_w, y_sum / total_w
    gram = operator = None
    if second is not None:
        gram = second - total_w[:, :, None] * x_mean[:, :, None] * x_mean[:, None, :]
    if iterative:
        operator = WeightedGram(
            shared.x, w, x_mean, total_w[:, 0], shared.preconditioner
        )
    cross = x_y - total_w[:, :, None] * y_mean[:, :, None] * x_mean[:, None, :]
    total = y_squares - total_w * y_mean**2
    n = max(cross.shape[0], total.shape[0])
    return Moments(
        gram,
        np.broadcast_to(cross, (n, *cross.shape[1:])),
        np.broadcast_to(total, (n, total.shape[1])),
        x_mean + x_shift,
        y_mean + y_shift,
        operator,
    )


def _common_moments(x, w):
    """Raw weighted moments of one design with one set of weights.

    The Gram matrix is one symmetric product of the design, scaled by the
    square roots of the weights, with itself (half a general product).

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_features)
    w : ndarray of shape (n_samples,)

    Returns
    -------
    second : ndarray of shape (1, n_features, n_features)
    x_sum : ndarray of shape (1, n_features)
    total_w : ndarray of shape (1, 1)
    """
    z = x * np.sqrt(w)[:, None]
    return (z.T @ z)[None], (w @ x)[None], np.full((1, 1), w.sum())


#: Rows per block of :func:`_per_row_moments`: the block's weighted design
#: stays in the processor's cache.
_MOMENT_ROWS = 8


def _per_row_moments(X, w, Y):
    """Raw weighted moments of per-row designs, one symmetric product per row.

    Each row's design, a column of ones and the response, all multiplied by
    the square roots of the weights, form a matrix ``Z`` of shape
    (n_features + 1 + n_outputs, n_samples); ``Z Z^T`` (a symmetric rank-k
    update, half a general product) holds every weighted sum at once. Rows
    are processed in small blocks through one reused buffer.

    Returns
    -------
    second : ndarray of shape (n_rows, n_features, n_features)
    x_sum : ndarray of shape (n_rows, n_features)
    total_w : ndarray of shape (n_rows, 1)
    x_y : ndarray of shape (n_rows, n_outputs, n_features)
    y_sum, y_squares : ndarray of shape (n_rows, n_outputs)
    """
    n_rows = max(X.shape[0], w.shape[0], Y.shape[0])
    n_samples, n_features = X.shape[1:]
    width = n_features + 1 + Y.shape[2]
    root = np.sqrt(w)
    block = np.empty((min(n_rows, _MOMENT_ROWS), width, n_samples))
    sums = np.empty((n_rows, width, width))
    for start in range(0, n_rows, _MOMENT_ROWS):
        stop = min(start + _MOMENT_ROWS, n_rows)
        z = block[: stop - start]
        r = _row_block(root, start, stop)[:, None, :]
        np.multiply(
            _row_block(X, start, stop).transpose(0, 2, 1), r, out=z[:, :n_features]
        )
        z[:, n_features] = r[:, 0]
        np.multiply(
            _row_block(Y, start, stop).transpose(0, 2, 1),
            r,
            out=z[:, n_features + 1 :],
        )
        np.matmul(z, z.transpose(0, 2, 1), out=sums[start:stop])
    x_part, y_part = sums[:, :n_features], sums[:, n_features + 1 :]
    return (
        x_part[:, :, :n_features],
        x_part[:, :, n_features],
        sums[:, n_features, n_features, None],
        np.swapaxes(x_part[:, :, n_features + 1 :], 1, 2),
        y_part[:, :, n_features],
        np.diagonal(y_part[:, :, n_features + 1 :], axis1=1, axis2=2),
    )


def _row_block(a, start, stop):
    """Rows ``start:stop`` of ``a``, or ``a`` itself when its one row is shared."""
    return a if a.shape[0] == 1 else a[start:stop]


@dataclass
class Surrogates:
    """Fitted surrogates of a stack of problems.

    Attributes
    ----------
    coef : ndarray of shape (n_rows, n_outputs, n_features)
        Coefficients; zero outside ``support``.
    intercept : ndarray of shape (n_rows, n_outputs)
        Intercept in the representation's own coordinates.
    support : ndarray of shape (n_rows, n_outputs, n_features), dtype bool
        Features the surrogate uses.
    score : ndarray of shape (n_rows, n_outputs)
        In-sample weighted R^2 (lime's ``score``).
    """

    coef: np.ndarray
    intercept: np.ndarray
    support: np.ndarray
    score: np.ndarray


def fit_surrogates(moments, x_rep, offset, active, *, alpha, num_features, method):
    """Select features and fit the weighted ridge surrogate of every problem.

    Parameters
    ----------
    moments : Moments
        Weighted moments of the neighborhoods.
    x_rep : ndarray of shape (n_rows, n_features)
        Interpretable representation of each explained row.
    offset : ndarray of shape (n_rows, n_features) or None
        Shift from the design's coordinates to the representation's (the
        design of local sampling is the shared noise; the representation is
        the row's z-score plus that noise).
    active : ndarray of shape (n_features,), dtype bool
        Features that can vary; the others get a zero coefficient.
    alpha : float
        Ridge penalty of the surrogate.
    num_features : int or None
        Number of features each surrogate keeps; None keeps all active ones.
    method : str
        Feature selection (lime's meanings): "auto", "none", "highest_weights",
        "forward_selection" or "lasso_path".

    Returns
    -------
    surrogates : Surrogates
    """
    n_rows = x_rep.shape[0]
    cross = np.broadcast_to(moments.cross, (n_rows, *moments.cross.shape[1:]))
    n_outputs, n_features = cross.shape[1:]
    if num_features is None or method == "none":
        support = np.broadcast_to(active, cross.shape)
        coef = _full_ridge(moments, cross, active, alpha)
        if moments.operator is not None:
            # (G + loading I) coef = cross, so coef^T G coef needs no product
            # with G: 2 cross.coef - coef^T G coef = cross.coef + loading |coef|^2.
            loading = _loading(moments.operator.diagonals, alpha)[:, None]
            explained = (cross * coef).sum(axis=-1) + loading * (coef**2).sum(axis=-1)
        else:
            gram_coef = coef @ moments.gram
            explained = ((2 * cross - gram_coef) * coef).sum(axis=-1)
    else:
        support = select_features(
            moments, x_rep, active, num_features=num_features, method=method
        )
        gram = _problem_gram(moments, n_rows, n_outputs)
        coef, explained = _subset_fit(
            gram,
            cross.reshape(-1, n_features),
            support.reshape(-1, n_features),
            min(num_features, n_features),
            alpha,
        )
        coef = coef.reshape(cross.shape)
        explained = explained.reshape(n_rows, n_outputs)
    x_mean = moments.x_mean if offset is None else moments.x_mean + offset
    intercept = moments.y_mean - np.einsum(
        "ikj,ij->ik", coef, np.broadcast_to(x_mean, (n_rows, n_features))
    )
    total = np.broadcast_to(moments.total, explained.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(total > 0, explained / total, 1.0)
    return Surrogates(coef, intercept, np.ascontiguousarray(support), score)


def _full_ridge(moments, cross, active, alpha):
    """Ridge coefficients of every problem on all active features.

    Formed Gram matrices are inverted (each distinct one once); without them
    (a wide shared design with per-row weights) the systems are solved by
    conjugate gradients, or by the operator itself (the system of a wide
    instance, see ``sklime._core._wide``).

    Returns
    -------
    coef : ndarray of shape (n_rows, n_outputs, n_features)
    """
    if isinstance(moments.operator, WeightedGram):
        return _iterative_fit(moments.operator, cross, active, alpha)
    if moments.operator is not None:  # an operator that solves directly
        return moments.operator.ridge(cross, active, alpha)
    return _masked_solve(moments.gram[:, None], cross, active, alpha)


def _iterative_fit(operator, cross, active, alpha):
    """Ridge coefficients on every active feature, by conjugate gradients.

    The system is the one :func:`_masked_system` builds (same penalty and
    relative loading); a problem where the iterations do not converge is
    solved directly.

    Returns
    -------
    coef : ndarray of shape (n_rows, n_outputs, n_features)
    """
    coef, converged = ridge_solve(
        operator, cross, active, _loading(operator.diagonals, alpha)
    )
    for row in np.flatnonzero(~converged.all(axis=1)):
        gram = operator.dense([row])
        coef[row] = _masked_solve(gram[:, None], cross[row : row + 1], active, alpha)[0]
    return coef


def _subset_fit(gram, b, support, size, alpha):
    """Ridge coefficients of every problem on its ``size`` selected features.

    Only the selected features' block of each Gram matrix enters, with the
    ridge penalty and the relative loading of the full system on its
    diagonal; a problem with fewer selected features pads its block with the
    identity.

    Parameters
    ----------
    gram : _FormedGram or _OperatorGram
    b : ndarray of shape (n_problems, n_features)
        Cross moments.
    support : ndarray of shape (n_problems, n_features), dtype bool
        At most ``size`` features per problem.
    size : int
    alpha : float

    Returns
    -------
    coef : ndarray of shape (n_problems, n_features)
        Zero outside ``support``.
    explained : ndarray of shape (n_problems,)
        Weighted explained sum of squares ``2 b.coef - coef^T G coef``.
    """
    index, valid = _padded_index(support, size)
    pair = valid[:, :, None] & valid[:, None, :]
    block = np.where(pair, gram.block(index), 0.0)
    loading = _loading(gram.diagonal(), alpha)
    system = _loaded_system(block, pair, loading[:, None, None])
    rhs = np.where(valid, np.take_along_axis(b, index, axis=1), 0.0)
    solved = solve(system, rhs)
    coef = np.zeros_like(b)
    np.put_along_axis(coef, index, solved, axis=1)
    explained = ((2 * rhs - np.einsum("mij,mj->mi", block, solved)) * solved).sum(1)
    return coef, explained


class _FormedGram:
    """Entries of each problem's Gram matrix, from the formed matrices.

    Parameters
    ----------
    gram : ndarray of shape (n_rows or 1, n_features, n_features)
    rows : ndarray of shape (n_problems,), dtype int
        The matrix of each problem (a row and an output).
    """

    def __init__(self, gram, rows):
        self.gram, self.rows = gram, rows

    def diagonal(self):
        """Diagonals, shape (n_problems, n_features)."""
        return np.diagonal(self.gram, axis1=1, axis2=2)[self.rows]

    def columns(self, features, problems):
        """Column ``features[q]`` of problem ``problems[q]``'s matrix, shape (m, p)."""
        return self.gram[self.rows[problems], features]

    def block(self, index):
        """Each problem's matrix on features ``index[q]``, shape (n_problems, k, k)."""
        rows = self.rows[:, None, None]
        return self.gram[rows, index[:, :, None], index[:, None, :]]


class _OperatorGram(_FormedGram):
    """Entries of each problem's Gram matrix, computed from the shared design.

    Parameters
    ----------
    gram : WeightedGram
    rows : ndarray of shape (n_problems,), dtype int
    """

    def diagonal(self):
        """Diagonals, shape (n_problems, n_features)."""
        return self.gram.diagonals[self.rows]

    def columns(self, features, problems):
        """Column ``features[q]`` of problem ``problems[q]``'s matrix, shape (m, p)."""
        return self.gram.columns(self.rows[problems], features)

    def block(self, index):
        """Each problem's matrix on features ``index[q]``, shape (n_problems, k, k)."""
        return self.gram.block(self.rows, index)


def _problem_gram(moments, n_rows, n_outputs):
    """Access to the Gram matrix of every problem (row ``i``, output ``k``).

    Problems are numbered row-major, ``i * n_outputs + k``.
    """
    rows = np.repeat(np.arange(n_rows), n_outputs)
    if moments.operator is not None:
        if len(moments.operator.weights) == 1:  # weights shared by every row
            rows = np.zeros_like(rows)
        return _OperatorGram(moments.operator, rows)
    if moments.gram.shape[0] == 1:  # one matrix shared by every row
        rows = np.zeros_like(rows)
    return _FormedGram(moments.gram, rows)


def _masked_system(gram, support, alpha):
    """Ridge normal matrices restricted to ``support``.

    ``gram`` (shape (n, 1 or k, p, p)) keeps the rows and columns of supported
    features, with ``alpha`` (and a tiny relative loading) on their diagonal;
    unsupported rows and columns become the identity, so one stacked solve
    handles every support pattern.
    """
    pair = support[..., :, None] & support[..., None, :]
    loading = _loading(np.diagonal(gram, axis1=-2, axis2=-1), alpha)[..., None, None]
    return _loaded_system(gram, pair, loading)


def _loaded_system(gram, pair, loading):
    """``gram + loading I`` where ``pair`` holds, the identity elsewhere.

    Rows and columns of features a problem does not use become the
    identity, so one stacked solve handles every pattern of features.
    """
    eye = np.eye(gram.shape[-1])
    return np.where(pair, gram + loading * eye, eye)


def _padded_index(mask, size):
    """The first ``size`` features of each problem's ``mask``, and which are in it.

    Parameters
    ----------
    mask : ndarray of shape (n_problems, n_features), dtype bool
    size : int

    Returns
    -------
    index : ndarray of shape (n_problems, size), dtype int
        The features in ``mask`` in increasing order, then others as padding.
    valid : ndarray of shape (n_problems, size), dtype bool
        Which entries of ``index`` are in ``mask``.
    """
    index = np.argsort(~mask, axis=1, kind="stable")[:, :size]
    return index, np.take_along_axis(mask, index, axis=1)


def _loading(diagonal, alpha=0.0):
    """Diagonal loading of ridge systems: ``alpha`` and a tiny relative jitter.

    The jitter is ``_JITTER`` times the mean absolute diagonal of the Gram
    matrix, at least 1: 1 is the weight of a row's nearest perturbation
    under the default kernel, so the loading stays a normal number when the
    weighted design hardly varies.

    Parameters
    ----------
    diagonal : ndarray of shape (..., n_features)
        Diagonals of Gram matrices.
    alpha : float, default=0.0
        The ridge penalty.

    Returns
    -------
    loading : ndarray of shape (...)
    """
    return alpha + _JITTER * np.maximum(np.abs(diagonal).mean(axis=-1), 1.0)


def _masked_solve(gram, cross, active, alpha):
    """Ridge coefficients on the ``active`` features, zero elsewhere.

    Every problem has that one support (no feature selection): each distinct
    Gram matrix is inverted once (a single one for a shared design and shared
    weights) and applied problem by problem, so that a shared matrix and
    per-row copies of it give the same bits.
    """
    rhs = np.where(active, cross, 0.0)
    inv = _masked_inverse(gram, active, alpha)
    return (rhs[..., None, :] @ np.swapaxes(inv, -1, -2))[..., 0, :]


def _masked_inverse(gram, support, alpha):
    """Inverse of the restricted ridge matrix, zero outside ``support``.

    With a single Gram matrix and one support for every problem, the one
    inverse is broadcast rather than repeated.
    """
    p = support.shape[-1]
    if support.ndim > 1 and gram.size == p * p:
        flat = support.reshape(-1, p)
        if (flat == flat[:1]).all():
            one = _masked_inverse(gram.reshape(p, p), flat[0], alpha)
            return np.broadcast_to(one, (*support.shape, p))
    inv = inverse(_masked_system(gram, support, alpha))
    return np.where(support[..., :, None] & support[..., None, :], inv, 0.0)


def select_features(moments, x_rep, active, *, num_features, method):
    """``num_features`` features per problem, chosen as lime does.

    Parameters
    ----------
    moments : Moments
        Weighted moments of the neighborhoods; their Gram matrices may be
        formed or given by an operator: forward selection and the lasso path
        use only the columns of the features they take in.
    x_rep : ndarray of shape (n_rows, n_features)
    active : ndarray of shape (n_features,), dtype bool
    num_features : int
    method : {"auto", "highest_weights", "forward_selection", "lasso_path"}

    Returns
    -------
    support : ndarray of shape (n_rows, n_outputs, n_features), dtype bool
        ``num_features`` features, or all active ones when fewer are active:
        inactive (constant) features are never chosen.
    """
    if method == "auto":
        method = (
            "forward_selection"
            if num_features <= _AUTO_FORWARD_MAX
            else "highest_weights"
        )
    n_rows = x_rep.shape[0]
    cross = np.broadcast_to(moments.cross, (n_rows, *moments.cross.shape[1:]))
    n_outputs, n_features = cross.shape[1:]
    b = cross.reshape(-1, n_features)
    if method == "highest_weights":
        coef = _full_ridge(moments, cross, active, _HIGHEST_WEIGHTS_ALPHA)
        score = np.abs(coef * x_rep[:, None, :]).reshape(-1, n_features)
        order = _ranked(score, active)
    else:
        gram = _problem_gram(moments, n_rows, n_outputs)
        path = _forward_selection if method == "forward_selection" else _lasso_path
        order = path(gram, b, active, num_features)
    support = np.zeros(b.shape, dtype=bool)
    np.put_along_axis(support, order[:, :num_features], True, axis=1)
    return (support & active).reshape(n_rows, n_outputs, n_features)


def _ranked(score, active):
    """Feature order by descending score, inactive features last, ties by index."""
    key = np.where(active, -score, np.inf)
    return np.argsort(key, axis=1, kind="stable")


def _forward_selection(gram, b, active, num_features):
    """Greedy forward selection maximising the weighted R^2 of least squares.

    At each step every candidate feature ``j`` is scored by the explained sum
    of squares ``b_S^T G_SS^-1 b_S`` of the enlarged set ``S = C + {j}``,
    through the Schur complement of the chosen set ``C``: with
    ``A = G_CC``, ``u = A^-1 b_C`` and ``q_j = A^-1 G_Cj``, it is
    ``b_C^T u + (b_j - G_jC u)^2 / (G_jj - G_jC q_j)``. One stacked solve
    per step (the inverse of each ``A``, applied to all candidates) serves
    every problem, and only the chosen features' columns of the Gram
    matrices (and their diagonals) are used.

    Parameters
    ----------
    gram : _FormedGram or _OperatorGram
    b : ndarray of shape (n_problems, n_features)
    active : ndarray of shape (n_features,), dtype bool
    num_features : int

    Returns
    -------
    order : ndarray of shape (n_problems, n_features)
        The chosen features in the order chosen, then the others.
    """
    n, p = b.shape
    problems = np.arange(n)
    n_steps = min(num_features, int(active.sum()))
    chosen = np.empty((n, n_steps), dtype=np.intp)
    columns = np.empty((n, n_steps, p))
    available = np.broadcast_to(active, (n, p)).copy()
    diagonal = gram.diagonal()
    jitter = _loading(diagonal)[:, None]
    diagonal = diagonal + jitter
    for step in range(n_steps):
        if step == 0:
            gain, base = b, 0.0
            residual_diagonal = diagonal
        else:
            g_c = columns[:, :step]  # (n, s, p)
            a = np.take_along_axis(g_c, chosen[:, None, :step], axis=2)
            a = a + jitter[:, :, None] * np.eye(step)
            b_c = np.take_along_axis(b, chosen[:, :step], axis=1)
            solved = inverse(a) @ np.concatenate([b_c[:, :, None], g_c], axis=2)
            u, q = solved[:, :, 0], solved[:, :, 1:]
            base = np.einsum("ns,ns->n", b_c, u)[:, None]
            gain = b - np.einsum("nsp,ns->np", g_c, u)
            residual_diagonal = diagonal - np.einsum("nsp,nsp->np", g_c, q)
        # A candidate in the span of the chosen ones (no residual variance)
        # adds nothing.
        independent = residual_diagonal > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            explained = base + np.where(independent, gain**2 / residual_diagonal, 0.0)
        explained = np.where(available, explained, -np.inf)
        best = np.argmax(explained, axis=1)
        available[problems, best] = False
        chosen[:, step] = best
        if step + 1 < n_steps:
            columns[:, step] = gram.columns(best, problems)
    rest = _ranked(np.zeros((n, p)), available)[:, : p - n_steps]
    return np.concatenate([chosen, rest], axis=1)


def _lasso_path(gram, b, active, num_features):
    """The first ``num_features`` features to enter the lasso (LARS) path.

    Batched LARS with the lasso modification (a feature whose coefficient
    crosses zero leaves the path), run until each problem has
    ``num_features`` features in its active set. The coefficients are zero
    outside the path, so each step needs only the Gram columns of the
    features on it (:class:`_PathColumns`). Where the path ends sooner (the
    response is explained with fewer features), the remaining features follow
    by decreasing absolute correlation with the response, so every problem
    gets exactly ``num_features``.

    Parameters
    ----------
    gram : _FormedGram or _OperatorGram
    b : ndarray of shape (n_problems, n_features)
    active : ndarray of shape (n_features,), dtype bool
    num_features : int

    Returns
    -------
    order : ndarray of shape (n_problems, n_features)
        The features on the path first, then by decreasing ``|b|``.
    """
    n, p = b.shape
    rows = np.arange(n)
    target = min(num_features, int(active.sum()))
    beta = np.zeros((n, p))
    in_path = np.zeros((n, p), dtype=bool)
    first = np.argmax(np.where(active, np.abs(b), -np.inf), axis=1)
    in_path[rows, first] = target > 0
    done = np.abs(b).max(axis=1, initial=0.0) == 0.0
    columns = _PathColumns(gram, n, p)
    loading = _loading(gram.diagonal())[:, None, None]
    for _ in range(4 * p + 4):
        done |= in_path.sum(axis=1) >= target
        if done.all():
            break
        index, on = _padded_index(in_path, in_path.sum(axis=1).max())
        g_on = columns.get(index, on)  # (n, k, p), zero off the path
        corr = b - np.einsum("nk,nkp->np", np.take_along_axis(beta, index, 1), g_on)
        top = np.where(in_path, np.abs(corr), 0.0).max(axis=1)
        sign = np.where(on, np.sign(np.take_along_axis(corr, index, 1)), 0.0)
        pair = on[:, :, None] & on[:, None, :]
        block = np.take_along_axis(g_on, index[:, None, :], axis=2)
        step = solve(_loaded_system(block, pair, loading), sign)
        norm = 1.0 / np.sqrt(np.maximum((sign * step).sum(axis=1), 1e-300))
        step *= norm[:, None]
        direction = np.zeros((n, p))
        np.put_along_axis(direction, index, step, axis=1)
        along = np.einsum("nk,nkp->np", step, g_on)
        entry = _entry_steps(top, corr, norm, along, active & ~in_path)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = np.where(in_path, -beta / direction, np.inf)
        crossing = np.where(crossing > 1e-15, crossing, np.inf)
        gamma_in, gamma_out = entry.min(axis=1), crossing.min(axis=1)
        finished = ~done & (np.minimum(gamma_in, gamma_out) >= top / norm)
        done |= finished
        leaving = ~done & (gamma_out < gamma_in)
        joining = ~done & ~leaving
        gamma = np.where(done, 0.0, np.minimum(gamma_in, gamma_out))
        beta += gamma[:, None] * direction
        drop = crossing.argmin(axis=1)
        in_path[rows[leaving], drop[leaving]] = False
        beta[rows[leaving], drop[leaving]] = 0.0
        in_path[rows[joining], entry.argmin(axis=1)[joining]] = True
    return _ranked(np.where(in_path, np.inf, np.abs(b)), active)


class _PathColumns:
    """Gram columns of the features a lasso path has taken in, computed once each.

    Parameters
    ----------
    gram : _FormedGram or _OperatorGram
    n_problems, n_features : int
    """

    def __init__(self, gram, n_problems, n_features):
        self.gram = gram
        self.slot = np.full((n_problems, n_features), -1)
        self.count = np.zeros(n_problems, dtype=np.intp)
        self.store = np.empty((n_problems, 4, n_features))

    def get(self, index, on):
        """Columns ``index[q]`` of every problem's matrix, zero where not ``on``.

        Parameters
        ----------
        index : ndarray of shape (n_problems, k), dtype int
        on : ndarray of shape (n_problems, k), dtype bool

        Returns
        -------
        columns : ndarray of shape (n_problems, k, n_features)
        """
        for j in range(index.shape[1]):
            taken = self.slot[np.arange(len(index)), index[:, j]] >= 0
            problems = np.flatnonzero(on[:, j] & ~taken)
            if problems.size:
                self._add(problems, index[problems, j])
        slots = np.take_along_axis(self.slot, index, axis=1)
        columns = self.store[np.arange(len(index))[:, None], np.maximum(slots, 0)]
        return np.where(on[:, :, None], columns, 0.0)

    def _add(self, problems, features):
        """Compute and keep column ``features[q]`` of problem ``problems[q]``."""
        if self.count.max() == self.store.shape[1]:
            self.store = np.concatenate([self.store, np.empty_like(self.store)], axis=1)
        slots = self.count[problems]
        self.store[problems, slots] = self.gram.columns(features, problems)
        self.slot[problems, features] = slots
        self.count[problems] += 1


def _entry_steps(top, corr, norm, along, free):
    """Step length along the LARS direction at which each free feature joins.

    A free feature joins when its correlation reaches the active ones'
    (``top - gamma * norm``) in absolute value; the step is the smallest
    strictly positive solution, infinite for features that are not free.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.stack(
            [
                (top[:, None] - corr) / (norm[:, None] - along),
                (top[:, None] + corr) / (norm[:, None] + along),
            ]
        )
    steps = np.where((steps > 1e-15) & np.isfinite(steps), steps, np.inf)
    return np.where(free, steps.min(axis=0), np.inf)


@dataclass
class Errors:
    """Sampling uncertainty of a stack of surrogates.

    Attributes
    ----------
    standard_error : ndarray of shape (n_rows, n_outputs, n_features)
        Standard error of each coefficient (see :func:`standard_errors`).
    abs_influence : ndarray of shape (n_samples or n_replicates, n_outputs, \
            n_features)
        Sum over rows of ``sign(coef) * influence``: each perturbation's (or
        independent replicate's, see :func:`standard_errors`) first-order
        contribution to the rows' summed absolute coefficients.
        With noise shared by every row, the rows' errors are correlated; the
        variance of an average over rows is the sum over perturbations of the
        squared averaged influences, which this makes exact to first order.
    """

    standard_error: np.ndarray
    abs_influence: np.ndarray


def standard_errors(
    design, weights, output, moments, fits, alpha, *, row_scale=None, replicates=None
):
    """Standard errors of the surrogates' coefficients over the perturbation draw.

    The coefficients are an M-estimate from independent perturbations, so
    their sampling error is, to first order, ``sum_s B psi_s`` with bread
    ``B = (G_SS + alpha I)^-1`` on the selected features and influence
    ``psi_s = w_s r_s x_s`` (``r`` the residuals, ``x`` the centered design).
    The variance ``sum_s (B psi_s)^2`` is the heteroscedasticity-consistent
    (HC0) sandwich estimate, valid although the linear surrogate is
    misspecified, here scaled by HC1's degrees-of-freedom factor with the
    effective sample size (see :func:`_small_sample_inflation`). Selection is
    taken as given. When the perturbations are independent replicates of
    dependent samples (scrambled Sobol sequences), the sum of the influences
    over a replicate takes the place of a sample's, centered over the
    replicates and scaled by ``sqrt(R / (R - 1))`` (see
    :func:`_replicate_influences`).

    Parameters
    ----------
    design : ndarray of shape (n_rows or 1, n_samples, n_features)
    weights : ndarray of shape (n_rows or 1, n_samples)
    output : ndarray of shape (n_rows or 1, n_samples, n_outputs)
    moments : Moments
    fits : Surrogates
    alpha : float
        Ridge penalty of the surrogate.
    row_scale : ndarray of shape (n_rows,) or None, default=None
        What each row's ``output`` was divided by: the errors and influences
        are multiplied back by it.
    replicates : ndarray of shape (n_replicates,) or None, default=None
        Start of each independent replicate of the samples, in order; None
        when every sample is independent.

    Returns
    -------
    errors : Errors
        ``standard_error`` is zero outside the selected features and infinite
        where the data do not determine the coefficient: the effective sample
        size does not exceed the number of fitted parameters, or the
        feature's representation does not vary over the weighted
        perturbations.
    """
    centered = design - moments.x_mean[:, None, :]
    residual = (
        output
        - moments.y_mean[:, None, :]
        - stacked_matmul(centered, fits.coef.transpose(0, 2, 1))
    )
    weighted = centered * weights[:, :, None]
    n_rows, n_outputs, n_features = fits.coef.shape
    bread = _masked_inverse(moments.gram[:, None], fits.support, alpha)
    variance = np.empty((n_rows, n_outputs, n_features))
    units = weights.shape[1] if replicates is None else len(replicates)
    abs_influence = np.empty((units, n_outputs, n_features))
    sign = np.sign(fits.coef)
    if row_scale is not None:  # each row's influences back on its own scale
        sign = sign * row_scale[:, None, None]
    for k in range(n_outputs):
        influence = stacked_matmul(weighted * residual[:, :, k : k + 1], bread[:, k])
        if replicates is not None:
            influence = _replicate_influences(influence, replicates)
        variance[:, k] = (influence**2).sum(axis=1)
        abs_influence[:, k] = np.einsum("nsj,nj->sj", influence, sign[:, k])
    se = finished_errors(variance, weights, moments, fits.support, row_scale)
    return Errors(se, abs_influence)


def _replicate_influences(influence, replicates):
    """Influences of independent replicates of dependent samples.

    Each replicate's summed influence ``T_r``, centered over the ``R``
    replicates and scaled by ``sqrt(R / (R - 1))``: the sum of their squares
    is then the unbiased estimate ``R / (R - 1) * sum_r (T_r - mean T)^2`` of
    the variance of ``sum_r T_r``, whatever the dependence of the samples
    within a replicate.

    Parameters
    ----------
    influence : ndarray of shape (n_rows or 1, n_samples, n_features)
    replicates : ndarray of shape (n_replicates,)
        Start of each replicate; at least two.

    Returns
    -------
    influence : ndarray of shape (n_rows or 1, n_replicates, n_features)
    """
    count = len(replicates)
    summed = np.add.reduceat(influence, replicates, axis=1)
    summed -= summed.mean(axis=1, keepdims=True)
    return summed * np.sqrt(count / (count - 1))


def finished_errors(variance, weights, moments, support, row_scale):
    """Standard errors from the sandwich variances of selected coefficients.

    Scaled by HC1's factor (:func:`_small_sample_inflation`), infinite where
    the data do not determine the coefficient, zero outside ``support``, and
    multiplied back by ``row_scale`` (None for none).

    Returns
    -------
    standard_error : ndarray of shape (n_rows, n_outputs, n_features)
    """
    inflation = _small_sample_inflation(weights, support)[..., None]
    determined = np.isfinite(inflation) & _varies(moments, weights)[:, None, :]
    se = np.sqrt(variance * np.where(determined, inflation, 1.0))
    se = np.where(support, np.where(determined, se, np.inf), 0.0)
    if row_scale is not None:
        se = se * row_scale[:, None, None]
    return se


def mean_abs_coefficients(coef, standard_error, abs_influence):
    """Mean absolute coefficient over rows, with its standard error.

    The rows share the perturbation noise, so their Monte Carlo errors are
    correlated and the error of an average over rows does not shrink like
    ``1 / sqrt(n_rows)``. The standard error here sums each perturbation's
    averaged influence (see :class:`Errors`) before squaring, which accounts
    for that correlation.

    Parameters
    ----------
    coef, standard_error : ndarray of shape (n_rows, n_outputs, n_features)
    abs_influence : ndarray of shape (n_samples or n_replicates, n_outputs, \
            n_features)
        Summed over the same rows.

    Returns
    -------
    mean, error : ndarray of shape (n_outputs, n_features)
        ``error`` is infinite where a row's coefficient is undetermined.
    """
    influence = abs_influence / coef.shape[0]
    # Divided by a power of two near the largest (exact), the squares of huge
    # or tiny influences neither overflow nor underflow.
    unit = power_of_two_scale(np.abs(influence).max(axis=0, initial=0.0))
    error = unit * np.sqrt(((influence / unit) ** 2).sum(axis=0))
    undetermined = np.isinf(standard_error).any(axis=0)
    return np.abs(coef).mean(axis=0), np.where(undetermined, np.inf, error)


def starved(moments, weights, design, shared, active, *, kernel_sampled=False):
    """Rows whose kernel weights leave some feature without variation.

    A feature that varies over the perturbations but not over the weighted
    ones (the kernel put all its weight on perturbations that keep it) has a
    coefficient the data do not determine, however large the effective
    sample size: those perturbations may all be copies of the row.

    Parameters
    ----------
    moments : Moments
    weights : ndarray of shape (n_rows or 1, n_samples)
    design : ndarray of shape (n_rows or 1, n_samples, n_features)
    shared : SharedDesign or None
        The shared design, prepared, if there is one.
    active : ndarray of shape (n_features,), dtype bool
    kernel_sampled : bool, default=False
        The perturbations were drawn from the kernel itself (gaussian
        sampling, uniform weights): then any feature that does not vary is
        starved, since the kernel decided how far the draws go.

    Returns
    -------
    starved : ndarray of shape (n_rows or 1,), dtype bool
    """
    still = ~_varies(moments, weights) & active
    if kernel_sampled:
        return still.any(axis=-1)
    result = np.zeros(still.shape[0], dtype=bool)
    suspects = np.flatnonzero(still.any(axis=-1))
    if suspects.size:  # rare: only then measure the unweighted variation
        if shared is not None:
            spread = (shared.x**2).mean(axis=0)
        else:
            spread = design[suspects if design.shape[0] > 1 else [0]].var(axis=1)
        result[suspects] = ((spread > _JITTER) & still[suspects]).any(axis=-1)
    return result


def _varies(moments, weights):
    """Whether each design column varies over the weighted perturbations.

    A column whose weighted variance is below ``_JITTER`` (in representation
    units: training standard deviations or indicators) does not determine its
    coefficient, whatever the ridge penalty makes of it. The variances are
    the Gram matrices' diagonals (from the operator when they are not formed)
    over the total weight.

    Returns
    -------
    varies : ndarray of shape (n_rows or 1, n_features), dtype bool
    """
    return _gram_diagonal(moments) / weights.sum(axis=-1)[:, None] > _JITTER


def _gram_diagonal(moments):
    """The Gram matrices' diagonals (from the operator when not formed)."""
    if moments.gram is not None:
        return np.diagonal(moments.gram, axis1=-2, axis2=-1)
    return moments.operator.diagonals


def ridge_shrinkage(moments, active, alpha):
    """What the ridge penalty leaves of each coefficient, ``g / (g + alpha)``.

    ``g`` is what the weighted perturbations tell of the feature: the
    weighted sum of squares of its centered design column (the diagonal of
    the centered weighted Gram matrix), with the weights of the row's
    nearest perturbation at 1. Near 1 the penalty is negligible; near 0 the
    coefficient is mostly the penalty's shrinkage towards 0 (and moves with
    ``num_samples``). Inactive features, and every feature without a
    penalty, get 1.

    Parameters
    ----------
    moments : Moments
    active : ndarray of shape (n_features,), dtype bool
    alpha : float
        The ridge penalty.

    Returns
    -------
    shrinkage : ndarray of shape (n_rows or 1, n_features)
        In [0, 1].
    """
    diagonal = _gram_diagonal(moments)
    if alpha == 0:
        return np.ones(diagonal.shape)
    return np.where(active, diagonal / (diagonal + alpha), 1.0)


def shrinkage_in_errors(moments, coef, standard_error, active, alpha):
    """How far the ridge penalty moves each row's coefficients, in standard errors.

    The penalty leaves ``s = g / (g + alpha)`` of a coefficient
    (:func:`ridge_shrinkage`), so it takes ``coef * (1 - s) / s =
    coef * alpha / g`` from it. Only shrinkages above
    ``SHRINKAGE_TOLERANCE`` of the coefficient count: below it the bias is
    negligible, even where it exceeds a tiny standard error (a linear
    model's surrogate has almost no sampling error).

    Parameters
    ----------
    moments : Moments
    coef, standard_error : ndarray of shape (n_rows, n_outputs, n_features)
        The surrogates' coefficients and their standard errors, on the same
        scale.
    active : ndarray of shape (n_features,), dtype bool
    alpha : float

    Returns
    -------
    in_errors : ndarray of shape (n_rows,)
        The largest shrinkage of a selected coefficient with a finite,
        nonzero standard error, in standard errors (0 for none).
    share : ndarray of shape (n_rows,)
        What the penalty leaves of that coefficient, in [0, 1] (1 for none).
    """
    left = np.broadcast_to(ridge_shrinkage(moments, active, alpha), coef.shape[::2])
    counted = (1.0 - left[:, None, :] > SHRINKAGE_TOLERANCE) & (
        np.isfinite(standard_error) & (standard_error > 0)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        taken = np.abs(coef) * (1.0 - left[:, None, :]) / left[:, None, :]
        ratio = np.where(counted, taken / standard_error, 0.0).reshape(len(coef), -1)
    worst = np.argmax(ratio, axis=1)
    rows = np.arange(len(coef))
    share = np.broadcast_to(left[:, None, :], coef.shape).reshape(len(coef), -1)
    found = ratio[rows, worst] > 0
    return ratio[rows, worst], np.where(found, share[rows, worst], 1.0)


#: Share of a coefficient the ridge penalty may take from it without notice
#: (see :func:`shrinkage_in_errors`).
SHRINKAGE_TOLERANCE = 0.01


def _small_sample_inflation(weights, support):
    """HC1's degrees-of-freedom factor ``n / (n - k)``, with the effective sample size.

    ``n`` is the kernel weights' effective sample size and ``k`` the number of
    fitted parameters (selected features and the intercept). It is close to 1
    for thousands of effective samples and infinite when there are no more
    effective samples than parameters: the data then do not determine the
    coefficients, and their standard error must not look small.

    Returns
    -------
    factor : ndarray of shape (n_rows, n_outputs)
    """
    ess = effective_sample_size(weights)[:, None]
    k = support.sum(axis=-1) + 1
    with np.errstate(divide="ignore"):
        return np.where(ess > k, ess / np.maximum(ess - k, 0.0), np.inf)
