"""Batched weighted ridge surrogates and lime's feature selection.

Every function here works on a stack of independent problems at once. A
*problem* is one (row, output) pair: the explained row's neighbourhood and one
column of the model's output (one class, or the regression target). Samples
enter only through weighted moments (:func:`weighted_moments`): the centred,
weighted Gram matrix ``G = Xc^T W Xc``, the cross moments ``b = Xc^T W yc`` and
the weighted total sum of squares. Selection and the final ridge solve use only
these small matrices, so no loop runs over samples or rows.
"""

from dataclasses import dataclass

import numpy as np

from ._iterative import WeightedGram, ridge_solve
from ._kernels import effective_sample_size
from ._linalg import inverse, rowwise_matmul, solve, stacked_matmul

#: Relative diagonal loading that keeps exactly collinear designs solvable.
_JITTER = 1e-10
#: Ridge penalty lime uses to rank features for "highest_weights".
_HIGHEST_WEIGHTS_ALPHA = 0.01
#: lime's "auto" uses forward selection up to this many features.
_AUTO_FORWARD_MAX = 6


@dataclass
class Moments:
    """Weighted moments of a stack of neighbourhoods.

    Attributes
    ----------
    gram : ndarray of shape (n_rows or 1, n_features, n_features) or None
        Centred weighted Gram matrix of the design; None when it is not
        formed (then ``operator`` gives products with it).
    cross : ndarray of shape (n_rows, n_outputs, n_features)
        Centred weighted cross moments of design and response.
    total : ndarray of shape (n_rows, n_outputs)
        Weighted total sum of squares of the response.
    x_mean : ndarray of shape (n_rows or 1, n_features)
        Weighted mean of the design.
    y_mean : ndarray of shape (n_rows, n_outputs)
        Weighted mean of the response.
    operator : WeightedGram or None
        Products with the Gram matrices of a wide shared design with per-row
        weights, solved by conjugate gradients (see ``sklime._iterative``).
    """

    gram: np.ndarray | None
    cross: np.ndarray
    total: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    operator: WeightedGram | None = None


#: Largest table of column products :class:`SharedDesign` keeps (bytes). It
#: does not follow ``working_memory``, so that the algorithm, and with it the
#: last bits of the results, do not change with the chunk size.
PRODUCTS_MAX_BYTES = 128 * 2**20


@dataclass
class SharedDesign:
    """A design shared by every row, prepared once for all chunks.

    Attributes
    ----------
    shift : ndarray of shape (n_features,)
        Unweighted column means, subtracted for accurate centring.
    x : ndarray of shape (n_samples, n_features)
        The shifted design.
    spectrum : (ndarray, ndarray) or None
        Eigenvalues and eigenvectors of the unweighted Gram matrix per
        sample, for wide designs (the conjugate gradients' preconditioner).
    products : ndarray of shape (n_samples, n_pairs) or None
        Products of pairs of shifted columns (upper triangle, row-major,
        ``n_pairs = n_features * (n_features + 1) / 2``), so that the Gram
        matrices of any weights are one matrix product; None
        when the table would exceed ``PRODUCTS_MAX_BYTES`` (wide designs) or
        the weights are shared by every row, where each row's Gram matrix is
        one product of the weighted design with the design instead.
    """

    shift: np.ndarray
    x: np.ndarray
    products: np.ndarray | None
    spectrum: tuple | None = None

    @classmethod
    def from_design(cls, design, *, shared_weights=False):
        """Prepare a (n_samples, n_features) design.

        Parameters
        ----------
        design : ndarray of shape (n_samples, n_features)
        shared_weights : bool, default=False
            Every row has the same weights (local and mask sampling): their
            one Gram matrix is then a single product of the weighted design
            with the design, and neither the table of column products nor
            the preconditioner is prepared.

        Returns
        -------
        shared : SharedDesign
        """
        shift = design.mean(axis=0)
        x = design - shift
        if shared_weights:
            return cls(shift, x, None)
        n_samples, n_features = x.shape
        if 8 * n_samples * n_features * (n_features + 1) // 2 > PRODUCTS_MAX_BYTES:
            return cls(shift, x, None, np.linalg.eigh(x.T @ x / n_samples))
        return cls(shift, x, _column_products(x))

    def second_moments(self, w):
        """``sum_s w[i, s] x[s] x[s]^T`` for every row ``i`` of weights."""
        if self.products is None:
            return (self.x.T * w[:, None, :]) @ self.x
        n_features = self.x.shape[1]
        upper_i, upper_j = np.triu_indices(n_features)
        triangle = rowwise_matmul(w, self.products)
        second = np.empty((len(w), n_features, n_features))
        second[:, upper_i, upper_j] = triangle
        second[:, upper_j, upper_i] = triangle
        return second


def _column_products(x):
    """Products of pairs of columns ``x[:, i] * x[:, j]``, ``i <= j``, row-major.

    Written block by block (column ``i`` times columns ``i:``), without the
    index arrays and gathered copies of ``np.triu_indices``.
    """
    n_samples, n_features = x.shape
    products = np.empty((n_samples, n_features * (n_features + 1) // 2))
    start = 0
    for i in range(n_features):
        stop = start + n_features - i
        np.multiply(x[:, i : i + 1], x[:, i:], out=products[:, start:stop])
        start = stop
    return products


def _design_products(weighted_y, x):
    """``x^T y_i`` for every row ``i``, of shape (n_rows, n_outputs, n_features).

    One product of all rows' weighted responses with the shared design, in
    row blocks of a fixed shape (:func:`~sklime._linalg.rowwise_matmul`).
    """
    n_rows, n_samples, n_outputs = weighted_y.shape
    stacked = np.swapaxes(weighted_y, 1, 2).reshape(n_rows * n_outputs, n_samples)
    return rowwise_matmul(stacked, x).reshape(n_rows, n_outputs, -1)


def weighted_moments(
    X, w, Y, shared=None, *, form_gram=True, iterative=False, common=False
):
    """Centred weighted moments, broadcasting shared designs, weights or responses.

    Raw weighted sums are taken first and centred afterwards. A design shared
    by every row (marginal z-scores, local noise, the mask) costs one matrix
    product of the weights with the samples' column products, and no per-row
    copy of the samples is made. Design and response are shifted by their
    unweighted sample means beforehand, which keeps the centring accurate.

    Parameters
    ----------
    X : ndarray of shape (n_rows or 1, n_samples, n_features)
        Design (interpretable representation) of each neighbourhood.
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
        With a wide shared design (``shared.spectrum`` set), also return an
        operator for products with the Gram matrices, so that the surrogates
        are solved by conjugate gradients.
    common : bool, default=False
        Without ``shared``: ``X`` and ``w`` (one entry each) hold the design
        and weights of every row, whatever their number, so the Gram matrix
        is formed once. A setting, not a guess from the shapes, so that a
        row's numbers do not change with the number of rows.

    Returns
    -------
    moments : Moments
    """
    y_shift = Y.mean(axis=1)
    Y = Y - y_shift[:, None]
    if shared is not None:
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
        # many components): their one Gram matrix, and per-row cross moments.
        x_shift = 0.0
        second, x_sum, total_w = _per_row_moments(X, w, Y[:1])[:3]
        weighted_y = Y * w[:, :, None]
        x_y = _design_products(weighted_y, X[0])
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
        operator = WeightedGram(shared.x, w, x_mean, total_w[:, 0], shared.spectrum)
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
        z[:, :n_features] = _row_block(X, start, stop).transpose(0, 2, 1)
        z[:, :n_features] *= r
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
        Weighted moments of the neighbourhoods.
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
    gram = moments.gram
    n_rows = x_rep.shape[0]
    cross = np.broadcast_to(moments.cross, (n_rows, *moments.cross.shape[1:]))
    n_outputs, n_features = cross.shape[1:]
    common = None
    if num_features is None or method == "none":
        common = active
        support = np.broadcast_to(active, cross.shape)
    else:
        support = select_features(
            gram, cross, x_rep, active, num_features=num_features, method=method
        )
    if moments.operator is not None:
        coef, gram_coef = _iterative_fit(moments.operator, cross, active, alpha)
    else:
        coef = _masked_solve(gram[:, None], cross, support, alpha, common=common)
        gram_coef = coef @ gram
    x_mean = moments.x_mean if offset is None else moments.x_mean + offset
    intercept = moments.y_mean - np.einsum(
        "ikj,ij->ik", coef, np.broadcast_to(x_mean, (n_rows, n_features))
    )
    explained = ((2 * cross - gram_coef) * coef).sum(axis=-1)
    total = np.broadcast_to(moments.total, explained.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(total > 0, explained / total, 1.0)
    return Surrogates(coef, intercept, np.ascontiguousarray(support), score)


def _iterative_fit(operator, cross, active, alpha):
    """Ridge coefficients on every active feature, by conjugate gradients.

    The system is the one :func:`_masked_system` builds (same penalty and
    relative loading); a problem where the iterations do not converge is
    solved directly.

    Returns
    -------
    coef, gram_coef : ndarray of shape (n_rows, n_outputs, n_features)
        The coefficients and the Gram matrices' products with them.
    """
    loading = alpha + _JITTER * _loading_scale(operator.diagonal())
    coef, converged = ridge_solve(operator, cross, active, loading)
    for row in np.flatnonzero(~converged.all(axis=1)):
        gram = operator.dense([row])
        coef[row] = _masked_solve(
            gram[:, None], cross[row : row + 1], active, alpha, common=active
        )[0]
    return coef, operator.apply(coef) * active


def _masked_system(gram, support, alpha):
    """Ridge normal matrices restricted to ``support``.

    ``gram`` (shape (n, 1 or k, p, p)) keeps the rows and columns of supported
    features, with ``alpha`` (and a tiny relative loading) on their diagonal;
    unsupported rows and columns become the identity, so one stacked solve
    handles every support pattern.
    """
    eye = np.eye(support.shape[-1])
    pair = support[..., :, None] & support[..., None, :]
    loading = alpha + _JITTER * _scale(gram)[..., None, None]
    return np.where(pair, gram + loading * eye, eye)


def _scale(gram):
    """Typical size of a Gram matrix's diagonal, for the relative loading."""
    return _loading_scale(np.diagonal(gram, axis1=-2, axis2=-1))


def _loading_scale(diagonal):
    """Mean absolute diagonal of Gram matrices, at least 1.

    1 is the weight of a row's nearest perturbation under the default
    kernel, so the loading stays a normal number when the weighted design
    hardly varies.
    """
    return np.maximum(np.abs(diagonal).mean(axis=-1), 1.0)


def _masked_solve(gram, cross, support, alpha, *, common=None):
    """Ridge coefficients restricted to ``support``, zero elsewhere.

    ``common`` (shape (n_features,)) says that every problem has that one
    support (no feature selection): each distinct Gram matrix is then
    inverted once (a single one for a shared design and shared weights) and
    applied problem by problem, so that a shared matrix and per-row copies of
    it give the same bits.
    """
    rhs = np.where(support, cross, 0.0)
    if common is not None:
        inv = _masked_inverse(gram, common, alpha)
        return (rhs[..., None, :] @ np.swapaxes(inv, -1, -2))[..., 0, :]
    return solve(_masked_system(gram, support, alpha), rhs)


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


def select_features(gram, cross, x_rep, active, *, num_features, method):
    """``num_features`` features per problem, chosen as lime does.

    Parameters
    ----------
    gram : ndarray of shape (n_rows or 1, n_features, n_features)
    cross : ndarray of shape (n_rows, n_outputs, n_features)
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
    n_rows, n_outputs, n_features = cross.shape
    gram = np.broadcast_to(gram[:, None], (n_rows, n_outputs, n_features, n_features))
    gram = gram.reshape(-1, n_features, n_features)
    b = cross.reshape(-1, n_features)
    if method == "highest_weights":
        order = _highest_weights(gram, b, np.repeat(x_rep, n_outputs, axis=0), active)
    elif method == "forward_selection":
        order = _forward_selection(gram, b, active, num_features)
    else:
        order = _lasso_path(gram, b, active, num_features)
    support = np.zeros(b.shape, dtype=bool)
    np.put_along_axis(support, order[:, :num_features], True, axis=1)
    return (support & active).reshape(n_rows, n_outputs, n_features)


def _ranked(score, active):
    """Feature order by descending score, inactive features last, ties by index."""
    key = np.where(active, -score, np.inf)
    return np.argsort(key, axis=1, kind="stable")


def _highest_weights(gram, b, x_rep, active):
    """Order by |coefficient x row representation| of a ridge fit on all features."""
    support = np.broadcast_to(active, b.shape)
    coef = _masked_solve(gram, b, support, _HIGHEST_WEIGHTS_ALPHA, common=active)
    return _ranked(np.abs(coef * x_rep), active)


def _forward_selection(gram, b, active, num_features):
    """Greedy forward selection maximising the weighted R^2 of least squares.

    At each step every candidate feature ``j`` is scored by the explained sum
    of squares ``b_S^T G_SS^-1 b_S`` of the enlarged set ``S = C + {j}``,
    through the Schur complement of the chosen set ``C``: with
    ``A = G_CC``, ``u = A^-1 b_C`` and ``q_j = A^-1 G_Cj``, it is
    ``b_C^T u + (b_j - G_jC u)^2 / (G_jj - G_jC q_j)``. One stacked solve
    per step (the inverse of each ``A``, applied to all candidates) serves
    every problem.
    """
    n, p = b.shape
    problems = np.arange(n)
    chosen = np.empty((n, 0), dtype=np.intp)
    available = np.broadcast_to(active, (n, p)).copy()
    n_steps = min(num_features, int(active.sum()))
    jitter = _JITTER * _scale(gram)[:, None]
    diagonal = np.diagonal(gram, axis1=1, axis2=2) + jitter
    for step in range(n_steps):
        if step == 0:
            gain, base = b, 0.0
            residual_diagonal = diagonal
        else:
            g_c = np.take_along_axis(gram, chosen[:, :, None], axis=1)  # (n, s, p)
            a = np.take_along_axis(g_c, chosen[:, None, :], axis=2)
            a = a + jitter[:, :, None] * np.eye(step)
            b_c = np.take_along_axis(b, chosen, axis=1)
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
        chosen = np.concatenate([chosen, best[:, None]], axis=1)
    rest = _ranked(np.zeros((n, p)), available)[:, : p - n_steps]
    return np.concatenate([chosen, rest], axis=1)


def _lasso_path(gram, b, active, num_features):
    """The first ``num_features`` features to enter the lasso (LARS) path.

    Batched LARS with the lasso modification (a feature whose coefficient
    crosses zero leaves the path), run on the Gram matrices until each
    problem has ``num_features`` features in its active set. Where the path
    ends sooner (the response is explained with fewer features), the
    remaining features follow by decreasing absolute correlation with the
    response, so every problem gets exactly ``num_features``.
    """
    n, p = b.shape
    rows = np.arange(n)
    target = min(num_features, int(active.sum()))
    beta = np.zeros((n, p))
    in_path = np.zeros((n, p), dtype=bool)
    first = np.argmax(np.where(active, np.abs(b), -np.inf), axis=1)
    in_path[rows, first] = target > 0
    done = np.abs(b).max(axis=1, initial=0.0) == 0.0
    for _ in range(4 * p + 4):
        done |= in_path.sum(axis=1) >= target
        if done.all():
            break
        corr = b - np.einsum("nij,nj->ni", gram, beta)
        top = np.where(in_path, np.abs(corr), 0.0).max(axis=1)
        sign = np.where(in_path, np.sign(corr), 0.0)
        direction = _masked_solve(gram, sign, in_path, 0.0)
        norm = 1.0 / np.sqrt(np.maximum((sign * direction).sum(axis=1), 1e-300))
        direction *= norm[:, None]
        along = np.einsum("nij,nj->ni", gram, direction)
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
    abs_influence : ndarray of shape (n_samples, n_outputs, n_features)
        Sum over rows of ``sign(coef) * influence``: each perturbation's
        first-order contribution to the rows' summed absolute coefficients.
        With noise shared by every row, the rows' errors are correlated; the
        variance of an average over rows is the sum over perturbations of the
        squared averaged influences, which this makes exact to first order.
    """

    standard_error: np.ndarray
    abs_influence: np.ndarray


def standard_errors(design, weights, output, moments, fits, alpha, *, row_scale=None):
    """Standard errors of the surrogates' coefficients over the perturbation draw.

    The coefficients are an M-estimate from independent perturbations, so
    their sampling error is, to first order, ``sum_s B psi_s`` with bread
    ``B = (G_SS + alpha I)^-1`` on the selected features and influence
    ``psi_s = w_s r_s x_s`` (``r`` the residuals, ``x`` the centred design).
    The variance ``sum_s (B psi_s)^2`` is the heteroscedasticity-consistent
    (HC0) sandwich estimate, valid although the linear surrogate is
    misspecified, here scaled by HC1's degrees-of-freedom factor with the
    effective sample size (see :func:`_small_sample_inflation`). Selection is
    taken as given.

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

    Returns
    -------
    errors : Errors
        ``standard_error`` is zero outside the selected features and infinite
        where the data do not determine the coefficient: the effective sample
        size does not exceed the number of fitted parameters, or the
        feature's representation does not vary over the weighted
        perturbations.
    """
    centred = design - moments.x_mean[:, None, :]
    residual = (
        output
        - moments.y_mean[:, None, :]
        - stacked_matmul(centred, fits.coef.transpose(0, 2, 1))
    )
    weighted = centred * weights[:, :, None]
    n_rows, n_outputs, n_features = fits.coef.shape
    bread = _masked_inverse(moments.gram[:, None], fits.support, alpha)
    variance = np.empty((n_rows, n_outputs, n_features))
    abs_influence = np.empty((weights.shape[1], n_outputs, n_features))
    sign = np.sign(fits.coef)
    if row_scale is not None:  # each row's influences back on its own scale
        sign = sign * row_scale[:, None, None]
    for k in range(n_outputs):
        influence = stacked_matmul(weighted * residual[:, :, k : k + 1], bread[:, k])
        variance[:, k] = (influence**2).sum(axis=1)
        abs_influence[:, k] = np.einsum("nsj,nj->sj", influence, sign[:, k])
    inflation = _small_sample_inflation(weights, fits.support)[..., None]
    determined = np.isfinite(inflation) & _varies(moments, weights)[:, None, :]
    se = np.sqrt(variance * np.where(determined, inflation, 1.0))
    se = np.where(fits.support, np.where(determined, se, np.inf), 0.0)
    if row_scale is not None:
        se = se * row_scale[:, None, None]
    return Errors(se, abs_influence)


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
    abs_influence : ndarray of shape (n_samples, n_outputs, n_features)
        Summed over the same rows.

    Returns
    -------
    mean, error : ndarray of shape (n_outputs, n_features)
        ``error`` is infinite where a row's coefficient is undetermined.
    """
    n_rows = coef.shape[0]
    error = np.sqrt(((abs_influence / n_rows) ** 2).sum(axis=0))
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
    if moments.gram is not None:
        diagonal = np.diagonal(moments.gram, axis1=-2, axis2=-1)
    else:
        diagonal = moments.operator.diagonal()
    return diagonal / weights.sum(axis=-1)[:, None] > _JITTER


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
