"""Kernels turning distances in the interpretable space into sample weights."""

import numpy as np


def default_kernel_width(n_features):
    """lime's default kernel width, ``0.75 * sqrt(n_features)``."""
    return 0.75 * np.sqrt(n_features)


def exponential_kernel(distances, width):
    """lime's kernel, ``exp(-d**2 / (2 * width**2))``.

    Where a width is so narrow that every weight of a row underflows to zero,
    that row's weights are rescaled so that the nearest perturbation weighs 1
    (a common factor per row, which changes only the ridge penalty's relative
    strength), rather than leaving nothing to fit.

    Parameters
    ----------
    distances : ndarray
        Euclidean distances from the explained row's representation.
    width : float
        Kernel width.

    Returns
    -------
    weights : ndarray of the shape of ``distances``

    Examples
    --------
    >>> from sklime._kernels import exponential_kernel
    >>> exponential_kernel([0.0, 1.0], 1.0).round(4).tolist()
    [1.0, 0.6065]
    """
    log_weights = -(np.asarray(distances, dtype=float) ** 2) / (2.0 * width**2)
    weights = np.exp(log_weights)
    if weights.ndim and weights.size:
        vanished = weights.max(axis=-1, keepdims=True) == 0
        if vanished.any():
            shift = np.where(vanished, log_weights.max(axis=-1, keepdims=True), 0.0)
            weights = np.exp(log_weights - shift)
    return weights


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
    if (weights.sum(axis=-1) <= 0).any():
        raise ValueError(
            f"The kernel gave zero weight to every perturbation of a row "
            f"(kernel_width={width:.3g} is too narrow for these distances). Use a "
            "larger kernel_width."
        )
    return weights
