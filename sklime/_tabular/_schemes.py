"""Sampling schemes: how the perturbations of a row are drawn and weighted.

``LimeExplainer.fit`` chooses one scheme from its ``sampling`` parameter
(:func:`scheme_of`) and keeps it; the tabular plan calls its methods. Each
scheme holds what differs between the samplings: the noise it draws from,
how a chunk's neighborhoods are built, the sample weights, the design
shared by every row, the scale of the ridge penalty, whether the model's
outputs are shared by every row, the rows' own representation and the
default number of perturbations. A new scheme is one subclass here, and one
option in the explainer's parameter constraints.
"""

from numbers import Real

import numpy as np

from .._core._kernels import exponential_kernel, exponential_weights, sample_weights
from . import _sampling

#: ``num_samples="auto"`` outside marginal sampling, and its least value there.
_AUTO_SAMPLES = 8192

#: Most perturbations ``num_samples="auto"`` draws under marginal sampling.
_AUTO_MARGINAL_MAX = 2**16

#: Largest ``num_samples * n_features`` of ``num_samples="auto"`` under
#: marginal sampling: its shared arrays then take at most about 170 MB.
_AUTO_MARGINAL_CELLS = 2**22

#: Widest kernel gaussian sampling accepts, in training standard deviations.
_GAUSSIAN_MAX_WIDTH = 1e100

#: Narrowest kernel gaussian sampling accepts, in training standard
#: deviations: below it the perturbations' spread (the design's) falls within
#: the solver's tolerances, and the coefficients would come out shrunk.
_GAUSSIAN_MIN_WIDTH = 1e-4


class SamplingScheme:
    """Base of the sampling schemes: local draws weighted by the kernel.

    Subclasses set :attr:`name` and override what differs.

    Attributes
    ----------
    name : str
        The explainer's ``sampling`` value of the scheme.
    shares_outputs : bool
        The perturbations, and so the model's outputs on them, are the same
        for every row (one model call serves every row).
    kernel_sampled : bool
        The perturbations are drawn from the kernel's own distribution and
        weighted uniformly.
    describes_values : bool
        A continuous feature's coefficient is the effect of keeping the row's
        value (its description shows the value).
    min_kernel_width, max_kernel_width : float
        The narrowest and widest kernels the scheme accepts.
    """

    name = None
    shares_outputs = False
    kernel_sampled = False
    describes_values = False
    min_kernel_width = 0.0
    max_kernel_width = np.inf

    def auto_num_samples(self, n_features):
        """The number of perturbations ``num_samples="auto"`` stands for."""
        del n_features
        return _AUTO_SAMPLES

    def check(self, kernel, kernel_width):
        """Refuse a kernel the scheme cannot use (nothing to refuse here)."""
        del kernel, kernel_width

    def noise(self, noise, width):
        """The noise the perturbations are built from (``noise`` itself here)."""
        del width
        return noise

    def per_row_columns(self, space):
        """Which design columns depend on the row, as booleans."""
        return (space.kind == _sampling.BINNED) | space.zscore_missing

    def base_design(self, space, noise):
        """The part of the design every row shares (see :func:`_sampling.local`)."""
        return _sampling.local_base_design(space, noise)

    def shared_design(self, space, noise):
        """The design when no column depends on the row, else None."""
        if self.per_row_columns(space).any():
            return None
        return self.base_design(space, noise)

    def neighborhoods(self, space, noise, rows, points=None):
        """The neighborhoods of a chunk of rows.

        ``points`` are the perturbations shared by every row (schemes that
        :attr:`shares_outputs`), else None.
        """
        del points
        return _sampling.local(space, noise, rows)

    def weights(self, neighborhood, kernel, width):
        """Sample weights of the neighborhood's points: the kernel's.

        The default kernel works on the squared distances directly (no square
        root, no checks: its weights are valid by construction).
        """
        if kernel is exponential_kernel:
            return exponential_weights(neighborhood.sq_distance, width)
        return sample_weights(kernel, np.sqrt(neighborhood.sq_distance), width)

    def ridge_penalty(self, alpha, width):
        """The surrogate's ridge penalty on the design's own scale: ``alpha``."""
        del width
        return alpha

    def representation(self, space, rows):
        """Interpretable representation of the rows themselves."""
        return space.representation(rows)

    def evaluation_remedy(self, name):
        """How to widen a too narrow evaluation kernel named ``name``."""
        return f" or a larger {name}"


class MarginalScheme(SamplingScheme):
    """Draws from the training marginals, shared by every row (lime's)."""

    name = "marginal"
    shares_outputs = True

    def auto_num_samples(self, n_features):
        """The largest power of two up to ``_AUTO_MARGINAL_MAX`` that fits.

        Its product with ``n_features`` is at most ``_AUTO_MARGINAL_CELLS``,
        and it is at least ``_AUTO_SAMPLES``.
        """
        fitting = 1 << (max(_AUTO_MARGINAL_CELLS // n_features, 1).bit_length() - 1)
        return min(max(fitting, _AUTO_SAMPLES), _AUTO_MARGINAL_MAX)

    def per_row_columns(self, space):
        """Grouped features, and z-scored ones with missing values."""
        return (space.kind != _sampling.ZSCORE) | space.zscore_missing

    def base_design(self, space, noise):
        """The z-scored noise, 0 where a draw is missing."""
        return _sampling.marginal_base_design(space, noise)

    def neighborhoods(self, space, noise, rows, points=None):
        """The neighborhoods of the rows around the shared ``points``."""
        return _sampling.marginal(space, noise, points, rows)


class LocalScheme(SamplingScheme):
    """Draws centered on the row, weighted by the kernel."""

    name = "local"


class MaskScheme(SamplingScheme):
    """Each feature kept or replaced, the design the keep mask (the article's)."""

    name = "mask"
    describes_values = True

    def per_row_columns(self, space):
        """None: the keep mask is every row's design."""
        return np.zeros(space.n_features, dtype=bool)

    def base_design(self, space, noise):
        """The keep mask."""
        return _sampling.mask_base_design(space, noise)

    def neighborhoods(self, space, noise, rows, points=None):
        """The rows' neighborhoods, each feature kept or replaced."""
        del points
        return _sampling.mask(space, noise, rows)

    def representation(self, space, rows):
        """All ones: each row keeps its own values."""
        return np.ones(rows.values.shape)


class GaussianScheme(LocalScheme):
    """Local draws from the kernel's own distribution, weighted uniformly (GLIME)."""

    name = "gaussian"
    kernel_sampled = True
    min_kernel_width = _GAUSSIAN_MIN_WIDTH
    max_kernel_width = _GAUSSIAN_MAX_WIDTH

    def check(self, kernel, kernel_width):
        """Refuse a custom kernel, and a width that would overflow the values."""
        if kernel is not None:
            raise ValueError(
                "sampling='gaussian' draws from the exponential kernel's own "
                "distribution and cannot use a custom kernel. Use kernel=None, or "
                "sampling='local' to weight local draws with your kernel."
            )
        if isinstance(kernel_width, Real) and kernel_width < _GAUSSIAN_MIN_WIDTH:
            raise ValueError(
                f"sampling='gaussian' moves features by kernel_width training "
                f"standard deviations; kernel_width={kernel_width:.3g} moves them "
                "by less than sklime's solver can resolve, which would shrink the "
                f"coefficients. Use kernel_width >= {_GAUSSIAN_MIN_WIDTH:.0e} (a "
                "neighborhood that small is the row itself for any model)."
            )
        if isinstance(kernel_width, Real) and kernel_width > _GAUSSIAN_MAX_WIDTH:
            raise ValueError(
                f"sampling='gaussian' moves features by kernel_width training "
                f"standard deviations; kernel_width={kernel_width:.3g} would "
                f"overflow the perturbed values. Use kernel_width <= "
                f"{_GAUSSIAN_MAX_WIDTH:.0e} (a width beyond the data's range "
                "explains nothing local)."
            )

    def noise(self, noise, width):
        """The kernel's own noise (see :meth:`Noise.from_kernel`)."""
        return noise.from_kernel(width)

    def weights(self, neighborhood, kernel, width):
        """Uniform weights: the draws follow the kernel already."""
        del kernel, width
        return np.ones((1, neighborhood.sq_distance.shape[-1]))

    def ridge_penalty(self, alpha, width):
        """``alpha * width**2``: ``alpha`` applies per kernel width.

        The continuous design columns spread over ``width`` training standard
        deviations, so the shrinkage ``n / (n + alpha)`` does not grow as the
        kernel narrows.
        """
        return alpha * width**2

    def evaluation_remedy(self, name):
        """None: every evaluation point weighs alike, only more points help."""
        del name
        return ""


#: The schemes by the explainer's ``sampling`` value.
_SCHEMES = {
    scheme.name: scheme
    for scheme in (MarginalScheme, LocalScheme, MaskScheme, GaussianScheme)
}


def scheme_of(sampling):
    """The sampling scheme of the explainer's ``sampling`` value.

    Examples
    --------
    >>> from sklime._tabular._schemes import scheme_of
    >>> scheme = scheme_of("marginal")
    >>> scheme.shares_outputs, scheme.auto_num_samples(10)
    (True, 65536)
    """
    return _SCHEMES[sampling]()
