"""Kernels turning distances in the interpretable space into sample weights."""

import numpy as np


def default_kernel_width(n_features):
    """lime's default kernel width, ``0.75 * sqrt(n_features)``."""
    return 0.75 * np.sqrt(n_features)


def exponential_kernel(distances, width):
    """lime's kernel, ``exp(-d**2 / (2 * width**2))``, scaled per row.

    Each row's weights (last axis) are divided by their largest value, so
    that the row's nearest perturbation weighs 1, as the explained row itself
    (at distance 0) does in lime. The factor is common to the row: it leaves
    the weighted fit unchanged except for the ridge penalty's relative
    strength, and it keeps the weights meaningful for any width and for rows
    far from the training data, where the unscaled weights would all
    underflow. The computation never squares the width, so it does not
    overflow for huge or tiny widths.

    Parameters
    ----------
    distances : array-like
        Euclidean distances from the explained row's representation.
    width : float
        Kernel width.

    Returns
    -------
    weights : ndarray of the shape of ``distances``
        In (0, 1], the largest of each row equal to 1.

    Examples
    --------
    >>> from sklime._core._kernels import exponential_kernel
    >>> exponential_kernel([0.0, 1.0], 1.0).round(4).tolist()
    [1.0, 0.6065]
    >>> exponential_kernel([1.0, 2.0], 1.0).round(4).tolist()  # nearest weighs 1
    [1.0, 0.2231]
    """
    distances = np.asarray(distances, dtype=float)
    if not distances.size:
        return np.ones_like(distances)
    nearest = distances.min(axis=-1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):
        # d**2 - nearest**2, divided by the width before multiplying.
        exponent = ((distances - nearest) / width) * ((distances + nearest) / width)
    exponent = np.where(distances == nearest, 0.0, exponent)
    return np.exp(-0.5 * exponent)


#: Exponents below this give weights treated as exactly zero.
_EXPONENT_FLOOR = -700.0


def exponential_weights(sq_distances, width):
    """:func:`exponential_kernel` of squared distances, without square roots.

    Integer squared distances (counts of changed indicators) take few
    values: each value's weight is computed once and looked up.

    Parameters
    ----------
    sq_distances : ndarray
        Squared Euclidean distances (finite, non-negative), float or integer.
    width : float
        Kernel width.

    Returns
    -------
    weights : ndarray of the shape of ``sq_distances``
        In [0, 1], the largest of each row equal to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime._core._kernels import exponential_weights
    >>> exponential_weights(np.array([1.0, 4.0]), 1.0).round(4).tolist()
    [1.0, 0.2231]
    >>> exponential_weights(np.array([1, 4]), 1.0).round(4).tolist()
    [1.0, 0.2231]
    """
    sq_distances = np.asarray(sq_distances)
    if sq_distances.dtype.kind not in "iu":
        sq_distances = sq_distances.astype(float, copy=False)
    if not sq_distances.size:
        return np.ones(sq_distances.shape)
    nearest = sq_distances.min(axis=-1, keepdims=True)
    with np.errstate(over="ignore", under="ignore"):
        rate = 0.5 * (1.0 / np.float64(width)) ** 2
    if not np.isfinite(rate):  # so narrow that only the nearest count
        return (sq_distances == nearest).astype(float)
    if rate == 0 or not np.isfinite(nearest).all():  # overflowing extremes
        return exponential_kernel(np.sqrt(sq_distances), width)
    excess = sq_distances - nearest
    if excess.dtype.kind in "iu" and excess.max() < excess.size:
        table = np.arange(excess.max() + 1, dtype=float)
        table *= -rate
        return _exp_above_floor(table)[excess]
    excess = excess.astype(float, copy=False)
    excess *= -rate
    return _exp_above_floor(excess)


def _exp_above_floor(exponents):
    """``exp`` in place, with exponents below ``_EXPONENT_FLOOR`` giving 0.

    exp of very negative numbers (underflow, subnormals) is slow on most
    CPUs; weights below exp(-700) ~ 1e-304 are zero for any fit.
    """
    small = exponents < _EXPONENT_FLOOR
    np.exp(exponents, out=exponents, where=~small)
    exponents[small] = 0.0
    return exponents


def sample_weights(kernel, distances, width):
    """Apply a kernel and check that its weights can fit a surrogate.

    Parameters
    ----------
    kernel : callable
        ``kernel(distances, width) -> weights``.
    distances : ndarray of shape (n_rows or 1, n_samples)
    width : float

    Returns
    -------
    weights : ndarray of shape (n_rows or 1, n_samples)
    """
    weights = np.asarray(kernel(distances, width), dtype=float)
    if weights.shape != distances.shape:
        raise ValueError(
            f"The kernel returned weights of shape {weights.shape} for distances of "
            f"shape {distances.shape}; it must return one weight per distance."
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(
            "The kernel returned negative, NaN or infinite weights; it must return "
            "finite non-negative weights."
        )
    if (weights.max(axis=-1) <= 0).any():
        raise ValueError(
            f"The kernel gave zero weight to every perturbation of a row "
            f"(kernel_width={width:.3g} is too narrow for these distances). Use a "
            "larger kernel_width."
        )
    return weights


def effective_sample_size(weights):
    """Kish's effective sample size ``(sum w)**2 / sum w**2`` of each row.

    The weights are divided by the row's largest one first, so the result
    does not underflow for tiny weights (it is scale-free).

    Parameters
    ----------
    weights : ndarray of shape (n_rows, n_samples)
        Non-negative weights, at least one positive per row.

    Returns
    -------
    ess : ndarray of shape (n_rows,)
        Between 1 and ``n_samples``.

    Examples
    --------
    >>> from sklime._core._kernels import effective_sample_size
    >>> effective_sample_size([[1e-300, 1e-300, 0.0]]).tolist()
    [2.0]
    """
    weights = np.asarray(weights, dtype=float)
    top = weights.max(axis=-1, keepdims=True)
    scaled = weights if (top == 1.0).all() else weights / top
    # Reductions along the contiguous last axis: a row's sums do not depend
    # on the number of rows (an einsum's would).
    return scaled.sum(axis=-1) ** 2 / (scaled**2).sum(axis=-1)


def changed_sample_size(weights, changed):
    """Effective number of perturbations that change the instance, plus one.

    Perturbations identical to the instance (its own copy; for a document
    of one word, every one that keeps the word) inform the intercept, not
    the coefficients. This is Kish's effective sample size of all the
    weights times the share of the weight on the perturbations that change
    the instance (the expected number of those among that many equally
    weighted draws), plus one for the instance itself. When the weight of
    the changed perturbations is negligible it is about 1, whatever
    ``num_samples``; when the instance's own copy is its only identical
    perturbation it is about Kish's.

    Parameters
    ----------
    weights : ndarray of shape (n_rows, n_samples)
        Non-negative weights, at least one positive per row.
    changed : ndarray of shape (n_rows or 1, n_samples), dtype bool
        The perturbations that change the instance.

    Returns
    -------
    ess : ndarray of shape (n_rows,)
        Between 1 and ``n_samples`` when the identical perturbations weigh
        the most, as under the default kernel.

    Examples
    --------
    >>> from sklime._core._kernels import changed_sample_size
    >>> changed_sample_size([[1.0, 1.0, 1.0, 1.0]], [[False, True, True, True]])
    array([4.])
    >>> weights = [[1.0, 1.0, 1e-4, 1e-4]]  # the changed ones weigh little
    >>> changed_sample_size(weights, [[False, False, True, True]]).round(4)
    array([1.0002])
    """
    weights = np.asarray(weights, dtype=float)
    scaled = weights / weights.max(axis=-1, keepdims=True)
    # (sum w)**2 / sum w**2 times the changed share of sum w, along the
    # contiguous last axis (a row's sums do not depend on the batch).
    moved = np.where(changed, scaled, 0.0).sum(axis=-1)
    return 1.0 + scaled.sum(axis=-1) * moved / (scaled**2).sum(axis=-1)
