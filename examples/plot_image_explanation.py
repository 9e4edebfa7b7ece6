"""
Explaining image classifiers by superpixels
===========================================

Two images models, explained region by region with
:class:`sklime.LimeImageExplainer`:

* a scikit-learn classifier of the 8 x 8 handwritten digits of
  ``load_digits`` (flattened rows, as scikit-learn keeps images), cut into a
  4 x 4 grid of patches;
* a plain numpy function scoring how much of a photo is sky blue, wrapped in
  :class:`sklime.ModelFunction` as any PyTorch, Keras or ONNX model would be,
  on a photo that scikit-learn ships, cut into superpixels by quickshift.

Needs the ``plots`` and ``image`` extras (matplotlib, scikit-image):
``pip install "sklime[plots,image]"``. Run with ``python
examples/plot_image_explanation.py [--output-dir DIR]`` to also write the
figures.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits, load_sample_images
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklime import LimeImageExplainer, ModelFunction


def explain_digits():
    """Digits: which patches make the classifier see the digit it sees."""
    X, y = load_digits(return_X_y=True)
    model = make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=1000))
    model.fit(X, y)
    lime = LimeImageExplainer(
        FrozenEstimator(model), image_shape=(8, 8), segmenter="grid", random_state=0
    ).fit(X)
    explanation = lime.explain(X[:3])
    weights = lime.transform(X[:100])  # 100 images x (10 classes x 64 pixels)
    print(f"pixel weights of 100 digits: {weights.shape}")
    for row in range(3):
        print(f"digit {y[row]}: strongest patches {explanation.as_list(row)[:2]}")
    return explanation


def sky_blue(images):
    """Probability that a photo is mostly sky: the share of blue-ish pixels."""
    images = np.asarray(images, dtype=float) / 255.0
    red, green, blue = images[..., 0], images[..., 1], images[..., 2]
    share = ((blue > red + 0.1) & (blue > green)).mean(axis=(1, 2))
    return np.column_stack([1 - share, share])


def explain_photo():
    """A photo: which superpixels make the function call it sky."""
    photo = load_sample_images().images[0][::4, ::4]  # china.jpg, 107 x 160
    model = ModelFunction(sky_blue, classes=["other", "sky"])
    # Hidden superpixels are painted black: filled with their own mean color
    # (the default), a blue-ish region would stay blue and hide nothing.
    lime = LimeImageExplainer(model, hide_color=0, num_samples=1000, random_state=0)
    explanation = lime.fit(photo[None]).explain(photo[None])
    print(f"photo: {explanation.segments[0].max() + 1} superpixels")
    return explanation


def main(output_dir=None):
    digits = explain_digits()
    photo = explain_photo()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), layout="constrained")
    digits.plot_image(0, ax=axes[0])
    digits.plot_image(1, ax=axes[1])
    photo.plot_image(0, output="sky", top=8, ax=axes[2])
    if output_dir:
        folder = Path(output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        fig.savefig(folder / "image_explanations.png")
    return digits, photo


# %%
# Explain digits and a photo (``--output-dir DIR`` also writes the figure).
parser = argparse.ArgumentParser(description="Explain image classifiers.")
parser.add_argument("--output-dir", default=None)
main(parser.parse_known_args()[0].output_dir)
plt.show()
