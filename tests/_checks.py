"""What the property-based suites check of every call: a clear error or a result.

A refused case is a ValueError or TypeError with a message, raised on purpose;
a result comes with no warning but the documented one. Shared by the property
suites of tables, documents and images.
"""

import copy
import os
import traceback
import warnings

import sklime

#: Where sklime's modules are.
SKLIME_DIR = os.path.dirname(sklime.__file__)
#: Where the tests are: warnings pointed at them come from sklime too.
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
#: The warnings sklime documents: too few effective samples per coefficient,
#: and a batch of tabular explanations nearly the same for every row.
DOCUMENTED_WARNINGS = ("effective sample size", "nearly the same for every row")


def snapshot(data):
    """A deep copy to compare with after a call."""
    return copy.deepcopy(data)


def assert_clear_error(exc):
    """A refused case: a ValueError or TypeError with a message, raised on purpose.

    An error that a failed operation raises (a NumPy reshape, a conversion)
    instead of a ``raise`` statement is a bug met by chance, not a refusal.
    """
    assert isinstance(exc, ValueError | TypeError), repr(exc)
    assert str(exc).strip(), f"{type(exc).__name__} without a message"
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    deliberate = (frame.line or "").lstrip().startswith("raise")
    assert deliberate and "numpy" not in frame.filename, (
        f"{type(exc).__name__} raised by {frame.line!r} "
        f"({frame.filename}:{frame.lineno}): {exc}"
    )


def check_warnings(caught):
    """Only the documented warnings from sklime; no feature-name warnings.

    sklime's warnings point at its own code or, through ``stacklevel``, at a
    test file; the model's own warnings (and scikit-image's) are their
    business.
    """
    for w in caught:
        message = str(w.message)
        assert "feature names" not in message, message
        if w.filename.startswith(SKLIME_DIR) or w.filename.startswith(
            TESTS_DIR + os.sep
        ):
            assert any(documented in message for documented in DOCUMENTED_WARNINGS), (
                f"{w.category.__name__}: {message}"
            )


def call(function, *args, **kwargs):
    """Call ``function``; None when it refused the case with a clear error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # the property is about its type
            assert_clear_error(exc)
            return None
    check_warnings(caught)
    return result
