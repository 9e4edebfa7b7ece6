"""Images, their superpixels, and lime's on/off perturbations, batched.

An image's interpretable components are its superpixels (segments). A
perturbation keeps each segment with probability 1/2 and fills the others
with a hiding colour or the segment's mean colour; the first perturbation is
the image itself, as in lime. The random numbers are shared by every image:
an image's perturbations depend only on its number of segments.
"""

from dataclasses import dataclass

import numpy as np

from ._optional import import_optional

#: Columns of keep draws per generator, so that a column's draws do not depend
#: on how many columns a batch needs.
_NOISE_BLOCK = 64
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
        if X.dtype.kind not in "uif":
            X = X.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"X must be an array of images of one size, with numeric pixels ({exc}). "
            "Resize the images to a common shape and stack them."
        ) from exc
    if X.ndim == 2:
        if image_shape is None:
            raise ValueError(
                f"X has shape {X.shape}: flattened images need image_shape="
                "(height, width) or (height, width, channels)."
            )
        shape = tuple(int(v) for v in image_shape)
        if len(shape) not in (2, 3) or np.prod(shape) != X.shape[1]:
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not fit X's {X.shape[1]} "
                "values per row: give (height, width) or (height, width, "
                f"channels) whose product is {X.shape[1]}."
            )
        images = X.reshape((len(X), *shape))
    elif X.ndim in (3, 4):
        if image_shape is not None and tuple(image_shape) not in (
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
    if not np.isfinite(images).all():
        raise ValueError(
            "X holds NaN or infinite pixel values; fill or drop those images first."
        )
    return images, X.ndim


def segment(image, segmenter, params):
    """Superpixel labels ``0 .. n-1`` of one (height, width, channels) image."""
    params = dict(params or {})
    if callable(segmenter):
        labels = segmenter(image, **params)
    elif segmenter == "grid":
        labels = _grid(image.shape[:2], **params)
    else:
        segmentation = import_optional(
            "skimage.segmentation", "image", f"segmenter={segmenter!r}"
        )
        rgb = image if image.shape[2] == 3 else np.repeat(image[..., :1], 3, axis=2)
        if segmenter == "quickshift":
            params = {**_QUICKSHIFT, **params}
            labels = segmentation.quickshift(rgb, **params)
        else:
            labels = getattr(segmentation, segmenter)(rgb, **params)
    labels = np.asarray(labels)
    if labels.shape != image.shape[:2]:
        raise ValueError(
            f"The segmenter returned labels of shape {labels.shape} for an image "
            f"of shape {image.shape[:2]}; it must label every pixel."
        )
    return np.unique(labels, return_inverse=True)[1].reshape(labels.shape)


def _grid(shape, cell=None):
    """Square patches of ``cell`` pixels (default: a 4 x 4 grid)."""
    height, width = shape
    cell = cell or max(1, min(height, width) // 4)
    rows = np.arange(height) // cell
    cols = np.arange(width) // cell
    return rows[:, None] * (cols.max() + 1) + cols[None, :]


def fill_image(image, labels, hide_color):
    """What replaces hidden segments: ``hide_color``, or each segment's mean.

    In the image's dtype (an 8-bit image gets its means truncated, as lime's
    assignment into a copy of the image does).
    """
    if hide_color is not None:
        colour = np.asarray(hide_color, dtype=float).astype(image.dtype)
        return np.broadcast_to(colour, image.shape)
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
    return means[labels].astype(image.dtype)


@dataclass
class ImageNoise:
    """Random numbers shared by every image of a batch.

    Attributes
    ----------
    uniform : ndarray of shape (n_samples, width)
        Uniform draws: a segment is kept where its draw is below 1/2.
    """

    uniform: np.ndarray

    @classmethod
    def draw(cls, num_samples, width, seed):
        """Noise for images of up to ``width`` segments (columns drawn by block)."""
        n_blocks = -(-width // _NOISE_BLOCK)
        blocks = [
            np.random.default_rng([seed, block]).random((num_samples, _NOISE_BLOCK))
            for block in range(n_blocks)
        ]
        uniform = np.concatenate(blocks or [np.empty((num_samples, 0))], axis=1)
        return cls(uniform[:, :width])

    def keep(self, n_segments):
        """Which segments each perturbation keeps; the first keeps all."""
        keep = self.uniform[:, :n_segments] < 0.5
        keep[0] = True
        return keep


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
