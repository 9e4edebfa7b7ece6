"""Benchmark LimeImageExplainer against lime's LimeImageExplainer, in one run.

Section ``speed``: both explain the same images with the same segmenter, hidden
color, 1000 perturbations and all segments kept, with a cheap model (sklime
all images in one call, and, ``1/call``, as many as lime explains one image per
call, as lime does):

* ``digits``: 100 images of ``load_digits`` (8 x 8, given to lime as RGB, which
  it requires), a 4 x 4 grid of patches, a logistic regression;
* ``photos``: 10 photos of 107 x 160 pixels made from the two that
  scikit-learn ships (``load_sample_images``, every fourth pixel, flipped or
  shifted), quickshift with lime's settings, a trivial numpy model (how much
  bluer than red the image is).

Segmentation is timed apart (the ``segment s`` column, sklime's, the same
algorithm as lime's); ``lime s/img`` and ``sklime s/img`` include it.

Section ``overhead``: an expensive model (a numpy 5 x 5 box blur applied
``--blur`` times to each image, then the share of sky-blue pixels) on
``--overhead-photos`` photos; sklime's
time over the model's own time on the same perturbed images.

Section ``memory``: 224 x 224 x 3 float images, 1000 perturbations each,
traced peak memory (``tracemalloc``) against scikit-learn's
``working_memory``.

Run with ``python benchmarks/bench_image.py [--sections speed overhead
memory] [--threads 1]`` (needs lime and scikit-image: ``pip install -e
".[benchmark]"``). Every section runs with the process's default threads;
``--threads 1`` limits every pool to one thread, ``--blas-threads
1,default,16`` and ``--busy 0,2`` repeat each section at those BLAS thread
settings, idle and beside two busy processes, and ``--markdown`` prints the
tables as Markdown (see ``_common.add_run_options``).
"""

import time
import tracemalloc

import numpy as np
import sklearn
from sklearn.datasets import load_digits, load_sample_images
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from _common import (
    ModelClock,
    Table,
    best_transform,
    per_call_seconds,
    run_sections,
    section_parser,
)
from sklime import LimeImageExplainer, ModelFunction
from sklime._image._segments import segment

NUM_SAMPLES = 1000


def grid(image):
    """A 4 x 4 grid of patches (the ``"grid"`` segmenter), for lime."""
    return segment(image, "grid", None)


def quickshift(image):
    """lime's quickshift settings, for lime."""
    from skimage.segmentation import quickshift as qs

    return qs(image, kernel_size=4, max_dist=200, ratio=0.2, rng=0)


def blueness(images):
    """A trivial model of 8-bit RGB images: how much bluer than red they are."""
    images = np.asarray(images)
    difference = images[..., 2].mean(axis=(1, 2)) - images[..., 0].mean(axis=(1, 2))
    p = 1.0 / (1.0 + np.exp(-difference / 32.0))
    return np.column_stack([1 - p, p])


def sky(images):
    """Share of sky-blue pixels: a cheap numpy model of 8-bit RGB images."""
    images = np.asarray(images, dtype=float) / 255.0
    red, green, blue = images[..., 0], images[..., 1], images[..., 2]
    share = ((blue > red + 0.1) & (blue > green)).mean(axis=(1, 2))
    return np.column_stack([1 - share, share])


def photos(n):
    """``n`` photos of 107 x 160 cut from scikit-learn's sample images."""
    variants = [
        lambda im: im,
        np.fliplr,
        np.flipud,
        lambda im: im[::-1, ::-1],
        lambda im: np.roll(im, 20, axis=1),
    ]
    samples = load_sample_images().images
    return np.stack(
        [variants[(k // 2) % 5](samples[k % 2][::4, ::4]) for k in range(n)]
    )


def lime_seconds(images, classifier, segmenter, hide_color):
    """lime's seconds per image (segmentation included)."""
    from lime.lime_image import LimeImageExplainer as Reference

    explainer = Reference(random_state=0)
    # Counted before the clock starts: explain_instance segments the image itself.
    n_segments = [len(np.unique(segmenter(image))) for image in images]
    start = time.perf_counter()
    for image, n_features in zip(images, n_segments, strict=True):
        explainer.explain_instance(
            image,
            classifier,
            top_labels=None,
            labels=(1,),
            hide_color=hide_color,
            num_features=n_features,
            num_samples=NUM_SAMPLES,
            segmentation_fn=segmenter,
            batch_size=10,
        )
    return (time.perf_counter() - start) / len(images)


def sklime_per_image(explainer, images, one_per_call):
    """sklime's best seconds per image with all ``images`` in one call (of
    three runs), and over the first ``one_per_call`` images one per call."""
    batch = best_transform(explainer, images)[0] / len(images)
    single, _ = per_call_seconds(
        lambda image: explainer.transform(image[None]),
        images,
        max_calls=one_per_call,
        budget=np.inf,
    )
    return batch, single


def segment_seconds(images, segmenter):
    """sklime's segmentation time per image."""
    start = time.perf_counter()
    for image in images:
        segment(image, segmenter, None)
    return (time.perf_counter() - start) / len(images)


def speed(args):
    """Section ``speed``: lime and sklime per image on digits and photos, all
    images in one call and one image per call."""
    print(
        "sklime: every image in one call and, 1/call, as many as lime explains "
        "one per call; x lime: lime's time over sklime's"
    )
    table = Table(
        [
            ("case", 8, "s"),
            ("images", 6, "d"),
            ("segment s", 10, ".4f"),
            ("lime s/img", 10, ".4f"),
            ("sklime s/img", 12, ".4f"),
            ("x lime", 7, ".1f"),
            ("1/call s/img", 12, ".4f"),
            ("1/call x lime", 13, ".1f"),
        ]
    )
    table.header()
    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=2000).fit(X, y)
    digits = X[: args.digits].reshape(-1, 8, 8)

    def on_rgb(images):  # lime gives RGB copies of grey images
        return model.predict_proba(np.asarray(images)[..., 0].reshape(len(images), -1))

    rgb = np.repeat(digits[..., None], 3, axis=3)
    ours = LimeImageExplainer(
        FrozenEstimator(model),
        image_shape=(8, 8),
        segmenter="grid",
        hide_color=0,
        num_samples=NUM_SAMPLES,
        feature_selection="none",
        random_state=0,
    ).fit(X)
    lime_s = lime_seconds(rgb[: args.lime_digits], on_rgb, grid, 0)
    sk, one = sklime_per_image(ours, X[: args.digits], args.lime_digits)
    seg = segment_seconds(digits[:, :, :, None], "grid")
    table.row(["digits", args.digits, seg, lime_s, sk, lime_s / sk, one, lime_s / one])

    images = photos(args.photos)
    ours = LimeImageExplainer(
        ModelFunction(blueness, classes=[0, 1]),
        num_samples=NUM_SAMPLES,
        feature_selection="none",
        random_state=0,
    ).fit(images)
    lime_s = lime_seconds(images[: args.lime_photos], blueness, quickshift, None)
    sk, one = sklime_per_image(ours, images, args.lime_photos)
    seg = segment_seconds(images, "quickshift")
    table.row(["photos", args.photos, seg, lime_s, sk, lime_s / sk, one, lime_s / one])


def blurred_sky(times):
    """An expensive model: ``times`` 5 x 5 box blurs, then the sky score."""

    def model(images):
        images = np.asarray(images, dtype=float)
        for _ in range(times):
            padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="edge")
            cumulative = padded.cumsum(axis=1).cumsum(axis=2)
            cumulative = np.pad(cumulative, ((0, 0), (1, 0), (1, 0), (0, 0)))
            images = (
                cumulative[:, 5:, 5:]
                - cumulative[:, :-5, 5:]
                - cumulative[:, 5:, :-5]
                + cumulative[:, :-5, :-5]
            ) / 25.0
        return sky(images)

    return model


def overhead(args):
    """Section ``overhead``: sklime's time over an expensive model's own time."""
    images = photos(args.overhead_photos)
    clock = ModelClock(blurred_sky(args.blur))
    wrapped = ModelFunction(clock, classes=[0, 1]).fit()
    explainer = LimeImageExplainer(
        FrozenEstimator(wrapped),
        num_samples=NUM_SAMPLES,
        feature_selection="none",
        random_state=0,
    ).fit(images)
    total, model = best_transform(explainer, images, clock)
    print(
        f"{len(images)} photos, model of {args.blur} blurs: sklime "
        f"{total / len(images):.3f} s/img, the model {model / len(images):.3f} "
        f"s/img on the same perturbed images: overhead {total / model:.2f}"
    )


def memory(args):
    """Section ``memory``: the traced peak of explaining large images."""
    rng = np.random.default_rng(0)
    images = rng.random((args.large, 224, 224, 3))
    explainer = LimeImageExplainer(
        ModelFunction(lambda ims: np.asarray(ims)[..., 2].mean(axis=(1, 2))),
        segmenter="grid",
        segmenter_params={"cell": 28},
        num_samples=NUM_SAMPLES,
        random_state=0,
    ).fit(images[:1])
    working = sklearn.get_config()["working_memory"]
    tracemalloc.start()
    start = time.perf_counter()
    explainer.transform(images)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    whole = NUM_SAMPLES * images[0].nbytes / 2**20
    print(
        f"{len(images)} images of 224 x 224 x 3 (float64), {NUM_SAMPLES} "
        f"perturbations each ({whole:.0f} MiB of perturbed images per image): "
        f"{elapsed:.1f} s, traced peak {peak:.0f} MiB with working_memory="
        f"{working} MiB"
    )


SECTIONS = {"speed": speed, "overhead": overhead, "memory": memory}


def main():
    parser = section_parser(__doc__.splitlines()[0], SECTIONS)
    parser.add_argument("--digits", type=int, default=100)
    parser.add_argument("--lime-digits", type=int, default=20)
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--lime-photos", type=int, default=3)
    parser.add_argument("--blur", type=int, default=1)
    parser.add_argument("--overhead-photos", type=int, default=3)
    parser.add_argument("--large", type=int, default=3)
    run_sections(parser, SECTIONS)


if __name__ == "__main__":
    main()
