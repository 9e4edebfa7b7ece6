"""Perturbations: the shared noise and the perturbed points the model sees."""

import numpy as np
import pytest

from sklime import _sampling
from sklime._sampling import Noise

FIELDS = ("normal", "group", "value", "keep", "keep_uniform")


@pytest.mark.parametrize("sampler", ["sobol", "random"])
def test_noise_drawn_again_is_the_same_read_only_noise(sampler, monkeypatch):
    first = Noise.draw(300, 3, seed=7, sampler=sampler)
    again = Noise.draw(300, 3, seed=7, sampler=sampler)
    monkeypatch.setattr(_sampling, "_NOISE_CACHE_MAX_BYTES", 0)  # never kept
    fresh = Noise.draw(300, 3, seed=7, sampler=sampler)
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(again, field), getattr(first, field))
        np.testing.assert_array_equal(getattr(fresh, field), getattr(first, field))
        assert not getattr(first, field).flags.writeable
        assert not getattr(fresh, field).flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        first.normal[0, 0] = 0.0
    other = Noise.draw(300, 3, seed=8, sampler=sampler)
    assert not np.array_equal(other.normal, first.normal)
