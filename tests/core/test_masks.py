"""The masks of documents and images drawn from the kernel's own law."""

import numpy as np
import pytest

from sklime import LimeImageExplainer, LimeTextExplainer, ModelFunction
from sklime._core._masks import KernelMasks, count_weights
from sklime._image._segments import hidden_segments_law
from sklime._text._document import removed_words_law

LAWS = [(removed_words_law, 100.0, 25.0), (hidden_segments_law, 1.0, 0.25)]


def _masks(law, scale, width, num_samples=4001, d=12, seed=0):
    masks = KernelMasks.draw(num_samples, d, seed, law, scale, width)
    return masks, masks.keep(d)


@pytest.mark.parametrize(("law", "scale", "width"), LAWS)
def test_counts_follow_lime_law_times_the_kernel(law, scale, width):
    """The removed counts have the law lime's times the kernel's weight of
    the count, to within one stratum (stratified draws)."""
    d = 12
    masks, keep = _masks(law, scale, width, d=d)
    assert keep[0].all()
    removed = d - keep[1:].sum(axis=1)
    tilted = law(d) * count_weights(d, scale, width)
    expected = np.cumsum(tilted / tilted.sum())
    observed = np.cumsum(np.bincount(removed, minlength=d + 1)) / len(removed)
    assert np.abs(observed - expected).max() <= 1.0 / len(removed) + 1e-12
    # The common weight makes the weighted count frequencies lime's (each
    # frequency within two strata).
    weights = masks.weights(keep, scale, width)
    assert weights[0] == 1.0
    np.testing.assert_allclose(weights[1:], tilted.sum())
    frequencies = np.bincount(removed, weights=weights[1:], minlength=d + 1)
    np.testing.assert_allclose(
        frequencies / len(removed), tilted, atol=2 * tilted.sum() / len(removed)
    )


@pytest.mark.parametrize(("law", "scale", "width"), LAWS)
def test_the_removed_set_is_uniform_given_its_size(law, scale, width):
    """Every component is removed about as often (binomial tolerance), and
    within a count every pair of components as often."""
    d = 12
    _, keep = _masks(law, scale, width, d=d)
    removed = ~keep[1:]
    share = removed.mean(axis=0)
    spread = np.sqrt(share.mean() * (1 - share.mean()) / len(removed))
    assert np.abs(share - share.mean()).max() < 5 * spread
    k = removed.sum(axis=1)
    mode = np.bincount(k)[2:].argmax() + 2  # the most frequent with pairs
    rows = removed[k == mode]
    pairs = (rows.T.astype(float) @ rows)[np.triu_indices(d, 1)] / len(rows)
    expected = mode * (mode - 1) / (d * (d - 1))
    assert np.abs(pairs - expected).max() < 5 * np.sqrt(expected / len(rows))


def test_a_tiny_kernel_width_gives_the_instance_alone():
    """Far perturbations of weight 0 (underflow): lime's law, weight 0."""
    masks, keep = _masks(removed_words_law, 100.0, 1e-6, d=5)
    weights = masks.weights(keep, 100.0, 1e-6)
    assert weights[0] == 1.0 and (weights[1:] == 0.0).all()
    assert not keep[1:].all(axis=1).any()


VOCABULARY = [f"w{i}" for i in range(8)]
WEIGHTS = dict(zip(VOCABULARY, np.linspace(-1.0, 1.0, 8), strict=True))


def _additive(docs):
    return np.array([sum(WEIGHTS[w] for w in set(d.split())) for d in docs])


@pytest.mark.parametrize("sampling", ["lime", "kernel"])
def test_an_additive_text_model_gets_its_own_weights(sampling):
    """A model that adds up its kept words' weights: the surrogate is exact
    (residual 0), so each word's coefficient is its weight, on both laws."""
    docs = [" ".join(VOCABULARY), " ".join(VOCABULARY[:3])]
    lime = LimeTextExplainer(
        ModelFunction(_additive), num_samples=400, alpha=1e-8, sampling=sampling
    ).fit(docs)
    explanation = lime.explain(docs)
    for row, words in enumerate(explanation.words):
        got = explanation.word_coef[row, 0, : len(words)]
        np.testing.assert_allclose(got, [WEIGHTS[w] for w in words], atol=1e-6)


def _brightness(images):
    """Mean of the top-left quadrant: its segments decide."""
    images = np.asarray(images)
    p = 1 / (1 + np.exp(-8 * (images[:, :8, :8].mean(axis=(1, 2, 3)) - 0.25)))
    return np.column_stack([1 - p, p])


def test_kernel_masks_find_the_deciding_image_region():
    """Explanations of the documented shape, finite, and the four segments
    of the deciding quadrant are the four largest."""
    images = np.random.default_rng(1).random((3, 16, 16, 3))
    lime = LimeImageExplainer(
        ModelFunction(_brightness, classes=[0, 1]),
        segmenter="grid",
        hide_color=0.0,
        num_samples=300,
        sampling="kernel",
        random_state=0,
    ).fit(images)
    explanation = lime.explain(images)
    assert explanation.coef.shape == (3, 16 * 16)  # one block: the positive class
    assert np.isfinite(explanation.segment_coef).all()
    for row in range(3):
        quadrant = np.unique(explanation.segments[row][:8, :8])
        top = np.argsort(-explanation.segment_coef[row, -1])[:4]
        assert set(top.tolist()) == set(quadrant.tolist())


@pytest.mark.parametrize("explainer", [LimeTextExplainer, LimeImageExplainer])
def test_an_unknown_sampling_is_refused(explainer):
    message = r"'sampling' parameter .*'kernel'.* Got 'glime'"
    with pytest.raises(ValueError, match=message):
        explainer(ModelFunction(_additive), sampling="glime").fit(["w1 w2"])
