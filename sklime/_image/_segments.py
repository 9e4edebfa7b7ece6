"""Images, their superpixels, and lime's on/off perturbations, batched.

An image's interpretable components are its superpixels (segments). A
perturbation keeps each segment with probability 1/2 and fills the others
with a hiding color or the segment's mean color; the first perturbation is
the image itself, as in lime. The random numbers are shared by every image:
an image's perturbations depend only on its number of segments.
"""

import inspect
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from scipy.stats import binom

from .._core._components import BlockUniforms, HeldDraws
from .._core._masks import KernelWeights
from .._optional import import_optional

#: lime's quickshift settings.
_QUICKSHIFT = {"kernel_size": 4, "max_dist": 200, "ratio": 0.2}
#: Segmenters of scikit-image, by name.
_SKIMAGE_SEGMENTERS = ("quickshift", "slic", "felzenszwalb")


def check_images(X, image_shape):
    """Images of ``X`` as an (n, height, width, channels) array.

    Integer and float pixels keep their dtype (the model gets the perturbed
    images in it: 8-bit photos stay 8-bit); other values become floats.

    ``X`` is a 2-D array of flattened images (with ``image_shape``), or a 3-D
    (n, height, width) or 4-D (n, height, width, channels) array.

    Returns
    -------
    images : ndarray of shape (n, height, width, channels)
    ndim : int
        The dimensions of ``X``: the model takes images laid out so.
    """
    try:
        X = np.asarray(X)
        if X.dtype.kind not in "uifc":
            X = X.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"X must be an array of images of one size, with numeric pixels ({exc}). "
            "Resize the images to a common shape and stack them."
        ) from exc
    if X.dtype.kind == "c":
        raise ValueError(
            "X holds complex pixels; pass real images, such as np.abs(X) or X.real."
        )
    if X.ndim == 2:
        if image_shape is None:
            raise ValueError(
                f"X has shape {X.shape}: flattened images need image_shape="
                "(height, width) or (height, width, channels)."
            )
        shape = _check_image_shape(image_shape)
        if len(shape) not in (2, 3) or np.prod(shape) != X.shape[1]:
            raise ValueError(
                f"image_shape={shape} does not fit X's {X.shape[1]} "
                "values per row: give (height, width) or (height, width, "
                f"channels) whose product is {X.shape[1]}."
            )
        images = X.reshape((len(X), *shape))
    elif X.ndim in (3, 4):
        if image_shape is not None and _check_image_shape(image_shape) not in (
            X.shape[1:],
            X.shape[1:3],
        ):
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not match the images' "
                f"shape {X.shape[1:]}; pass image_shape=None for arrays of images."
            )
        images = X
    else:
        raise ValueError(
            f"X has {X.ndim} dimension(s), shape {X.shape}: pass a 2-D array of "
            "flattened images with image_shape, or a 3-D (n, height, width) or "
            "4-D (n, height, width, channels) array."
        )
    if images.ndim == 3:
        images = images[..., None]
    if len(images) == 0:
        raise ValueError("X has no image; pass at least one.")
    if 0 in images.shape[1:]:
        raise ValueError(
            f"X holds images of shape {images.shape[1:]}, without pixels; pass "
            "images of at least one pixel and channel."
        )
    if not np.isfinite(images).all():
        raise ValueError(
            "X holds NaN or infinite pixel values; fill or drop those images first."
        )
    return images, X.ndim


def _check_image_shape(image_shape):
    """``image_shape`` as a tuple of sizes; refused unless they are positive integers.

    Sizes such as 8.9 would be truncated, and None is no size at all.
    """
    shape = tuple(image_shape)
    if not all(_is_count(size) for size in shape):
        raise ValueError(
            f"image_shape={shape} must hold positive sizes, whole numbers of "
            "pixels: give (height, width) or (height, width, channels) as "
            "integers, such as image_shape=(8, 8)."
        )
    return tuple(int(size) for size in shape)


def _is_count(value):
    """Whether ``value`` is a positive integer (a size or a number of parts)."""
    return isinstance(value, Integral) and value >= 1


def segment(image, segmenter, params):
    """Superpixel labels ``0 .. n-1`` of one (height, width, channels) image.

    The names of ``params`` are checked against what a named segmenter
    takes, and an error of the segmenter itself is raised again saying
    which segmenter failed.
    """
    params = dict(params or {})
    if callable(segmenter):  # its own copy: it may change the image in place
        labels = _call_segmenter(segmenter, "The segmenter", image.copy(), params)
    elif segmenter == "grid":
        _check_param_names(segmenter, _grid, params)
        labels = _grid(image.shape[:2], **params)
    else:
        segmentation = import_optional(
            "skimage.segmentation", "image", f"segmenter={segmenter!r}"
        )
        function = getattr(segmentation, segmenter)
        _check_param_names(segmenter, function, params)
        if segmenter == "quickshift":
            params = {**_QUICKSHIFT, **params}
        elif segmenter == "slic" and not _is_count(params.get("n_segments", 1)):
            raise ValueError(
                f"slic's n_segments={params['n_segments']!r} is not a number of "
                "segments: pass a positive integer, such as "
                "segmenter_params={'n_segments': 50}."
            )
        # RGB(A) images as RGB (without alpha), grey ones repeated thrice
        rgb = image[..., :3] if image.shape[2] >= 3 else np.repeat(image[..., :1], 3, 2)
        labels = _call_segmenter(function, f"segmenter={segmenter!r}", rgb, params)
    labels = _check_labels(np.asarray(labels), image.shape[:2])
    return np.unique(labels, return_inverse=True)[1].reshape(labels.shape)


def _check_labels(labels, shape):
    """A segmenter's ``labels``, refused unless one finite number per pixel."""
    if labels.shape != shape:
        raise ValueError(
            f"The segmenter returned labels of shape {labels.shape} for an image "
            f"of shape {shape}; it must label every pixel."
        )
    numeric = labels.dtype.kind in "biuf"
    if not (numeric and np.isfinite(labels).all()):
        held = " with NaN or infinite values" if numeric else ""
        raise ValueError(
            f"The segmenter returned labels of dtype {labels.dtype}{held}: "
            "segment labels must be finite numbers, one per pixel, such as the "
            "integers of scikit-image's segmenters. Map yours to integers, "
            "such as np.unique(labels, return_inverse=True)[1].reshape(labels.shape)."
        )
    return labels


def _check_param_names(name, function, params):
    """Refuse ``params`` that the segmenter ``function`` (after its image) lacks."""
    accepted = list(inspect.signature(function).parameters)[1:]
    unknown = sorted(set(params) - set(accepted), key=str)
    if unknown:
        raise ValueError(
            f"segmenter_params has {unknown}, which segmenter={name!r} does not "
            f"take; it takes {', '.join(accepted)}."
        )


def _call_segmenter(function, name, image, params):
    """``function(image, **params)``, its errors raised again naming the segmenter."""
    try:
        return function(image, **params)
    except Exception as exc:
        raise ValueError(
            f"{name} raised {type(exc).__name__} on an image of shape "
            f"{image.shape} with segmenter_params={params}: "
            f"{str(exc).rstrip('.')}. Check the "
            "segmenter and its segmenter_params."
        ) from exc


def _grid(shape, cell=None):
    """Square patches of ``cell`` pixels (default: a 4 x 4 grid)."""
    height, width = shape
    if cell is None:
        cell = max(1, min(height, width) // 4)
    elif not _is_count(cell):
        raise ValueError(
            f"The grid's cell={cell!r} is not a patch size: pass a positive "
            "number of pixels, segmenter_params={'cell': 2}, or None (4 x 4)."
        )
    rows = np.arange(height) // cell
    cols = np.arange(width) // cell
    return rows[:, None] * (cols.max() + 1) + cols[None, :]


def hide_fill(hide_color, images):
    """``hide_color`` as a pixel of the images' dtype (None stays None).

    A color the dtype cannot hold exactly (0.5 or 300 for 8-bit images,
    1e300 for float32) would be silently truncated, wrapped or made
    infinite: it is refused.
    """
    if hide_color is None:
        return None
    channels, dtype = images.shape[-1], images.dtype
    color = np.asarray(hide_color, dtype=float)
    if color.ndim > 1 or color.size not in (1, channels):
        raise ValueError(
            f"hide_color={hide_color!r} has {color.size} value(s) for images "
            f"of {channels} channel(s): give one number, or one per channel."
        )
    with np.errstate(invalid="ignore", over="ignore"):
        pixel = color.astype(dtype)
        exact = (pixel == color) if dtype.kind in "iu" else np.isfinite(pixel)
    if not (np.isfinite(color).all() and exact.all()):
        held = (
            f"whole numbers from {np.iinfo(dtype).min} to {np.iinfo(dtype).max}"
            if dtype.kind in "iu"
            else f"finite {dtype} values"
        )
        raise ValueError(
            f"hide_color={hide_color!r} is not a pixel value of the images' "
            f"dtype {dtype}: give {held}, or convert the images to floats."
        )
    return pixel


def fill_image(image, labels, color):
    """What replaces hidden segments: ``color``, or each segment's mean.

    ``color`` is :func:`hide_fill`'s. Means are in the image's dtype (an
    8-bit image gets its means truncated, as lime's assignment into a copy of
    the image does).
    """
    if color is not None:
        return np.broadcast_to(color, image.shape)
    n_segments = labels.max() + 1
    counts = np.bincount(labels.ravel(), minlength=n_segments)
    means = (
        np.stack(
            [
                np.bincount(
                    labels.ravel(), weights=image[..., c].ravel(), minlength=n_segments
                )
                for c in range(image.shape[2])
            ],
            axis=1,
        )
        / counts[:, None]
    )
    return _to_dtype(means[labels], image.dtype)


def changes_no_pixel(image, labels, color):
    """Whether hiding segments leaves ``image`` as it is, whichever are hidden.

    So it is when every segment already has the color that hides it
    (``color``, or under the mean fill a segment of one pixel or of one
    color): every perturbation then equals the image. The mean of a segment
    of one color may differ from it by rounding (in floats, or at the top
    of 64-bit integers), hence the relative tolerance.
    """
    fill = fill_image(image, labels, color)
    with np.errstate(over="ignore", invalid="ignore"):  # far apart: not close
        return bool(np.allclose(fill, image, rtol=1e-9, atol=0.0))


def _to_dtype(values, dtype):
    """Float ``values`` as ``dtype``, truncated into an integer dtype's range.

    Means of 64-bit integers near the top round up to 2**63 in floats, which
    would wrap around to the bottom.
    """
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        top = float(info.max)
        if int(top) > info.max:
            top = np.nextafter(top, 0.0)
        values = np.clip(values, float(info.min), top)
    return values.astype(dtype)


@dataclass
class ImageNoise(KernelWeights):
    """Random numbers shared by every image of a batch.

    Attributes
    ----------
    uniform : BlockUniforms
        Uniform draws of shape (n_samples, width): a segment is kept where
        its draw is below 1/2.
    """

    uniform: np.ndarray

    @classmethod
    def draw(cls, num_samples, width, seed):
        """Noise for images of up to ``width`` segments (columns drawn by block)."""
        return cls(BlockUniforms(num_samples, width, [seed]))

    def narrow(self, width):
        """The noise of images of up to ``width`` segments."""
        return ImageNoise(self.uniform.narrow(width))

    def held(self, width):
        """The same noise, with the draws of ``width`` segments made once.

        For images of up to ``width`` segments; see
        :class:`~sklime._core._components.HeldDraws`.
        """
        return ImageNoise(HeldDraws(self.uniform, width))

    def keep(self, n_segments):
        """Which segments each perturbation keeps; the first keeps all."""
        keep = np.empty((self.uniform.shape[0], n_segments), dtype=bool)
        for rows, uniform in self.uniform.row_blocks(n_segments):
            keep[rows] = uniform < 0.5
        keep[0] = True
        return keep


def hidden_segments_law(d):
    """Probabilities of hiding ``k = 0 .. d`` of ``d`` segments, as ``keep``.

    Binomial: each segment is hidden with probability 1/2.

    Examples
    --------
    >>> from sklime._image._segments import hidden_segments_law
    >>> hidden_segments_law(2).round(12).tolist()
    [0.25, 0.5, 0.25]
    """
    return binom.pmf(np.arange(d + 1), d, 0.5)


def perturbed_images(image, labels, fill, keep):
    """The images of perturbations ``keep`` (bool, (b, n_segments)).

    Each image is one flat row (pixels, then channels), so that ``where``
    runs over contiguous memory: masks broadcast over a short channel axis
    make it several times slower.
    """
    flat_labels = np.repeat(labels.ravel(), image.shape[2])
    shown = keep[:, flat_labels]
    out = np.where(shown, image.ravel(), np.ascontiguousarray(fill).ravel())
    return out.reshape(len(keep), *image.shape)
