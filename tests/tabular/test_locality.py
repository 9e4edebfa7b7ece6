"""Explanations of the row, not of the data set: kernel_width="auto" and the
warning when every row gets the same explanation."""

import warnings

import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from sklearn.tree import DecisionTreeRegressor

from sklime import LimeExplainer, ModelFunction

FRACTIONS = np.array([1 / 16, 1 / 8, 1 / 4, 1 / 2, 1])
SAME = "nearly the same for every row"


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(size=(300, 4))


@pytest.fixture(scope="module")
def quadratic(data):
    """``x0**2 + x1``: linear only at small scales around a row."""
    model = make_pipeline(PolynomialFeatures(2), LinearRegression())
    return FrozenEstimator(model.fit(data, data[:, 0] ** 2 + data[:, 1]))


@pytest.fixture(scope="module")
def linear(data):
    return FrozenEstimator(LinearRegression().fit(data, data @ [1.0, -2.0, 0.5, 3.0]))


def _auto(model, X, **params):
    params = {"sampling": "gaussian", "num_samples": 256, **params}
    return LimeExplainer(model, kernel_width="auto", random_state=0, **params).fit(X)


def test_auto_width_is_the_widest_that_adheres(data, quadratic):
    lime = _auto(quadratic, data)
    scores = lime.kernel_width_scores_
    # The grid is a fixed set of fractions of lime's default width.
    np.testing.assert_allclose(scores["kernel_width"], 0.75 * np.sqrt(4) * FRACTIONS)
    # A narrower neighborhood of a quadratic is closer to linear.
    assert np.all(np.diff(scores["adherence"]) < 0)
    adherent = scores["kernel_width"][scores["adherence"] >= 0.9]
    assert 0 < adherent.size < FRACTIONS.size
    assert lime.kernel_width_ == adherent.max()
    # Local: the slope of x0**2 follows the row (2 * x0 per unit std).
    coef = lime.transform(data[:5])
    np.testing.assert_allclose(coef[:, 0], 2 * data[:5, 0] * data[:, 0].std(), atol=0.3)


def test_auto_width_of_a_linear_model_is_the_widest(data, linear):
    lime = _auto(linear, data)
    # Up to the ridge penalty's shrinkage.
    np.testing.assert_allclose(lime.kernel_width_scores_["adherence"], 1.0, atol=1e-4)
    assert lime.kernel_width_ == 0.75 * np.sqrt(4)


def test_auto_width_explains_as_the_width_it_chose(data, quadratic):
    lime = _auto(quadratic, data)
    chosen = LimeExplainer(
        quadratic,
        kernel_width=lime.kernel_width_,
        sampling="gaussian",
        num_samples=256,
        random_state=0,
    ).fit(data)
    np.testing.assert_array_equal(lime.transform(data[:6]), chosen.transform(data[:6]))
    # A row explained alone has the bits it has in a batch.
    alone = lime.transform(data[3:4])
    np.testing.assert_array_equal(alone, chosen.transform(data)[3:4])
    # The search is seeded by random_state.
    again = _auto(quadratic, data)
    assert again.kernel_width_ == lime.kernel_width_


def test_auto_width_warns_when_no_width_adheres(data):
    steps = DecisionTreeRegressor(max_depth=3, random_state=0)
    model = FrozenEstimator(steps.fit(data, np.sign(data[:, 0])))
    with pytest.warns(
        UserWarning,
        match=r"kernel_width='auto' found no kernel width whose surrogates reach an "
        r"adherence of 0.9 .* tune kernel_width with sklime.metrics.lime_scorers",
    ):
        lime = _auto(model, data, sampling="marginal", num_samples=1024)
    scores = lime.kernel_width_scores_
    assert scores["adherence"].max() < 0.9
    assert lime.kernel_width_ == scores["kernel_width"][scores["adherence"].argmax()]


def test_a_numeric_width_after_auto_drops_the_scores(data, linear):
    lime = _auto(linear, data)
    lime.set_params(kernel_width=0.5).fit(data)
    assert lime.kernel_width_ == 0.5
    assert not hasattr(lime, "kernel_width_scores_")


def test_kernel_width_refuses_other_strings(data, linear):
    with pytest.raises(
        ValueError, match=r"'kernel_width' parameter of LimeExplainer must be .*'auto'"
    ):
        LimeExplainer(linear, kernel_width="wide").fit(data)


def test_a_kernel_wider_than_the_data_warns_the_rows_look_alike(data, quadratic):
    lime = LimeExplainer(quadratic, kernel_width=100.0, num_samples=512, random_state=0)
    lime.fit(data)
    message = (
        r"The explanations are nearly the same for every row \(median correlation "
        r"1.000 .*\): the kernel \(kernel_width=100\) covers the whole data set.*"
        r"use a smaller kernel_width, kernel_width='auto', discretizer='quartile' "
        r"or sampling='gaussian'"
    )
    with pytest.warns(UserWarning, match=message):
        lime.transform(data[:5])
    with pytest.warns(UserWarning, match=message):
        lime.explain(data[:5])


def _no_warning(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


def test_local_explanations_do_not_warn(data, quadratic):
    lime = LimeExplainer(
        quadratic, sampling="gaussian", kernel_width=0.3, num_samples=512
    ).fit(data)
    _no_warning(lambda: lime.transform(data[:60]))


def test_the_same_explanation_everywhere_of_a_linear_model_does_not_warn(data, linear):
    # Every row's surrogate fits the model exactly: the same explanation of
    # every row is the right one.
    lime = LimeExplainer(linear, kernel_width=100.0, num_samples=512).fit(data)
    coef = _no_warning(lambda: lime.transform(data[:10]))
    np.testing.assert_allclose(coef, np.tile(coef[0], (10, 1)), rtol=1e-5)


def test_fewer_than_five_rows_do_not_warn(data, quadratic):
    lime = LimeExplainer(quadratic, kernel_width=100.0, num_samples=512).fit(data)
    _no_warning(lambda: lime.transform(data[:4]))


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_rows_look_alike_whatever_the_scale_of_the_model(data, quadratic, scale):
    # The correlation of two rows' coefficients does not depend on the unit
    # of the model's output: squares of huge or tiny coefficients must not
    # overflow or underflow into "no correlation".
    model = ModelFunction(lambda X: scale * quadratic.predict(X))
    lime = LimeExplainer(model, kernel_width=100.0, num_samples=512, random_state=0)
    lime.fit(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lime.transform(data[:5])
    messages = [str(w.message) for w in caught]
    assert any(SAME in message for message in messages), messages
    assert not any(issubclass(w.category, RuntimeWarning) for w in caught), messages


def test_the_same_row_explained_again_is_not_a_kernel_too_wide(data):
    # Repeated rows get the very same explanation whatever the kernel: they
    # say nothing of its width, so they count once.
    steps = DecisionTreeRegressor(max_depth=4, random_state=0)
    model = FrozenEstimator(steps.fit(data, np.sin(2 * data[:, 0]) + data[:, 1] ** 2))
    lime = LimeExplainer(
        model, sampling="gaussian", kernel_width=0.3, num_samples=512, random_state=0
    ).fit(data)
    repeated = np.vstack([np.repeat(data[:1], 6, axis=0), data[1:3]])
    coef = _no_warning(lambda: lime.transform(repeated))
    np.testing.assert_array_equal(coef[:6], np.tile(coef[0], (6, 1)))
    # Rows explained twice by a kernel wider than the data still warn.
    wide = LimeExplainer(model, kernel_width=100.0, num_samples=512, random_state=0)
    with pytest.warns(UserWarning, match=SAME):
        wide.fit(data).transform(np.repeat(data[:5], 2, axis=0))
