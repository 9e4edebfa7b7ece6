"""The batched surrogate solver against scikit-learn fitted one problem at a time."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge, lars_path

from sklime._core._surrogate import (
    SharedDesign,
    fit_surrogates,
    select_features,
    weighted_moments,
)


def _problems(n_rows=4, n_samples=300, n_features=5, n_outputs=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_samples, n_features))
    w = rng.uniform(0.1, 1.0, size=(n_rows, n_samples))
    coef = rng.normal(size=(n_features, n_outputs)) * [3, 1]
    Y = X @ coef + 0.5 * rng.normal(size=(n_rows, n_samples, n_outputs)) + 7.0
    return X, w, Y


def _selected(method, num_features, seed):
    """Problems with six features and the support ``method`` selects on them."""
    X, w, Y = _problems(n_features=6, seed=seed)
    moments = weighted_moments(X, w, Y)
    support = select_features(
        moments,
        X[:, 0],
        np.ones(6, bool),
        num_features=num_features,
        method=method,
    )
    return X, w, Y, support


def test_ridge_matches_sklearn_with_sample_weight():
    X, w, Y = _problems()
    moments = weighted_moments(X, w, Y)
    x_rep = X[:, 0]
    fits = fit_surrogates(
        moments,
        x_rep,
        None,
        np.ones(5, bool),
        alpha=1.0,
        num_features=None,
        method="none",
    )
    for i in range(X.shape[0]):
        for k in range(Y.shape[2]):
            ridge = Ridge(alpha=1.0).fit(X[i], Y[i, :, k], sample_weight=w[i])
            np.testing.assert_allclose(fits.coef[i, k], ridge.coef_, rtol=1e-9)
            np.testing.assert_allclose(
                fits.intercept[i, k], ridge.intercept_, rtol=1e-9
            )
            score = ridge.score(X[i], Y[i, :, k], sample_weight=w[i])
            np.testing.assert_allclose(fits.score[i, k], score, rtol=1e-9)


def test_shared_design_broadcasts_like_per_row_design():
    X, w, Y = _problems()
    prepared = SharedDesign.from_design(X[0], shared_weights=True)
    shared = weighted_moments(X[:1], w[:1], Y, prepared)
    per_row = weighted_moments(np.repeat(X[:1], 4, axis=0), np.repeat(w[:1], 4, 0), Y)
    assert shared.gram.shape[0] == 1
    np.testing.assert_allclose(shared.cross, per_row.cross)
    np.testing.assert_allclose(shared.total, per_row.total)


def _lime_forward_selection(X, y, w, k):
    """lime's LimeBase.forward_selection, written out with scikit-learn."""
    used = []
    for _ in range(k):
        scores = {}
        for j in range(X.shape[1]):
            if j in used:
                continue
            model = LinearRegression().fit(X[:, used + [j]], y, sample_weight=w)
            scores[j] = model.score(X[:, used + [j]], y, sample_weight=w)
        used.append(max(scores, key=scores.get))
    return set(used)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_forward_selection_matches_greedy_refits(k):
    X, w, Y, support = _selected("forward_selection", k, seed=1)
    for i in range(X.shape[0]):
        for out in range(Y.shape[2]):
            expected = _lime_forward_selection(X[i], Y[i, :, out], w[i], k)
            assert set(np.flatnonzero(support[i, out])) == expected


def test_lasso_path_selects_first_features_to_enter():
    X, w, Y, support = _selected("lasso_path", 3, seed=2)
    for i in range(X.shape[0]):
        xm = np.average(X[i], axis=0, weights=w[i])
        for out in range(Y.shape[2]):
            y = Y[i, :, out]
            sw = np.sqrt(w[i])
            _, _, coefs = lars_path(
                (X[i] - xm) * sw[:, None],
                (y - np.average(y, weights=w[i])) * sw,
                method="lasso",
            )
            nonzero = [np.flatnonzero(c) for c in coefs.T]
            expected = next(set(nz) for nz in nonzero if len(nz) == 3)
            assert set(np.flatnonzero(support[i, out])) == expected


def test_highest_weights_ranks_coefficient_times_row():
    X, w, Y, support = _selected("highest_weights", 2, seed=3)
    x_rep = X[:, 0]
    for i in range(X.shape[0]):
        for out in range(Y.shape[2]):
            coef = Ridge(alpha=0.01).fit(X[i], Y[i, :, out], sample_weight=w[i]).coef_
            expected = set(np.argsort(-np.abs(coef * x_rep[i]))[:2])
            assert set(np.flatnonzero(support[i, out])) == expected


@pytest.mark.parametrize(
    "method", ["forward_selection", "highest_weights", "lasso_path", "auto"]
)
def test_selection_gives_exactly_k_and_skips_inactive(method):
    X, w, Y = _problems(n_features=6, seed=4)
    active = np.array([True, False, True, True, True, True])
    X[..., 1] = 0.0
    moments = weighted_moments(X, w, Y)
    fits = fit_surrogates(
        moments, X[:, 0], None, active, alpha=1.0, num_features=4, method=method
    )
    assert (fits.support.sum(axis=-1) == 4).all()
    assert not fits.support[..., 1].any()
    assert (fits.coef[~fits.support] == 0).all()


def test_constant_response_gives_zero_coefficients_and_full_selection():
    X, w, Y = _problems(n_features=5, seed=5)
    Y = np.full_like(Y, 3.0)
    moments = weighted_moments(X, w, Y)
    for method in ["forward_selection", "lasso_path", "highest_weights"]:
        fits = fit_surrogates(
            moments,
            X[:, 0],
            None,
            np.ones(5, bool),
            alpha=1.0,
            num_features=3,
            method=method,
        )
        np.testing.assert_allclose(fits.coef, 0.0, atol=1e-12)
        np.testing.assert_allclose(fits.intercept, 3.0)
        assert (fits.support.sum(axis=-1) == 3).all()


@pytest.mark.parametrize(
    "method", ["forward_selection", "highest_weights", "lasso_path", "none"]
)
def test_singular_gram_matrices_are_solved(method):
    """All weight on one sample: the centered Gram matrices are zero (or slightly
    negative from rounding). Selection and the fit still give finite answers."""
    X, w, Y = _problems(n_features=6)
    w = np.zeros_like(w)
    w[:, 0] = 1.0
    w[:, 1] = 1e-17
    moments = weighted_moments(X, w, Y)
    fits = fit_surrogates(
        moments,
        X[:, 0],
        None,
        np.ones(6, bool),
        alpha=0.0,
        num_features=3,
        method=method,
    )
    assert np.isfinite(fits.coef).all() and np.isfinite(fits.intercept).all()


def test_shared_design_moments_are_those_of_per_row_copies():
    """A design shared by every row, with per-row weights, gives each row the
    moments of its own copy of the design; without its formed Gram matrices
    (conjugate gradients) the operator gives the same products."""
    X, w, Y = _problems(n_features=7)
    shared = SharedDesign.from_design(X[0])
    per_row = weighted_moments(np.broadcast_to(X[:1], X.shape), w, Y)
    formed = weighted_moments(X[:1], w, Y, shared)
    for name in ("gram", "cross", "total", "x_mean", "y_mean"):
        np.testing.assert_allclose(
            getattr(formed, name), getattr(per_row, name), rtol=1e-12, atol=1e-10
        )
    wide = SharedDesign(shared.shift, X[0] - shared.shift, False, np.eye(7))
    operator = weighted_moments(X[:1], w, Y, wide, form_gram=False, iterative=True)
    v = np.random.default_rng(1).normal(size=(len(w), 2, 7))
    np.testing.assert_allclose(
        operator.operator.apply(v), v @ per_row.gram, rtol=1e-10, atol=1e-10
    )
    np.testing.assert_allclose(operator.cross, per_row.cross, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize(
    "method", ["forward_selection", "highest_weights", "lasso_path"]
)
def test_more_features_asked_than_vary_selects_only_varying_ones(method):
    X, w, Y = _problems(n_features=4, seed=2)
    active = np.array([True, False, True, False])
    X[..., ~active] = 0.0
    moments = weighted_moments(X, w, Y)
    fits = fit_surrogates(
        moments, X[:, 0], None, active, alpha=1.0, num_features=3, method=method
    )
    np.testing.assert_array_equal(
        fits.support, np.broadcast_to(active, fits.support.shape)
    )
