"""Shared test configuration: a fixed, reproducible hypothesis profile.

The "sklime" profile is loaded by default: property tests draw the same
examples on every run (derandomized, no example database, no deadline on a
2-core machine) and report a failing example as drawn, without shrinking it,
so that a failure costs seconds, not minutes. Locally,
``HYPOTHESIS_PROFILE=shrink`` shrinks failures to minimal examples and
``HYPOTHESIS_PROFILE=explore`` searches fresh random examples.
"""

import os

try:
    import hypothesis
except ImportError:  # the property tests skip themselves
    hypothesis = None

if hypothesis is not None:
    Phase = hypothesis.Phase
    hypothesis.settings.register_profile(
        "sklime",
        derandomize=True,
        max_examples=40,
        deadline=None,
        database=None,
        print_blob=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[hypothesis.HealthCheck.too_slow],
    )
    hypothesis.settings.register_profile(
        "shrink",
        parent=hypothesis.settings.get_profile("sklime"),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    hypothesis.settings.register_profile(
        "explore",
        parent=hypothesis.settings.get_profile("shrink"),
        derandomize=False,
        max_examples=300,
    )
    hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "sklime"))
