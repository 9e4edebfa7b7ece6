"""Tuning the kernel width: lime_scorers, optilime_refit and the known answer."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklime import LimeExplainer, ModelFunction
from sklime._tabular._sampling import Noise
from sklime.metrics import explanation_stability, lime_scorers, optilime_refit

COEF = np.array([1.0, 0.8, 0.6, 0.4, 0.2, 0.0])


def _standardized(n_rows=300, seed=0):
    """Uniform features with mean 0 and standard deviation exactly 1."""
    rng = np.random.default_rng(seed)
    return StandardScaler().fit_transform(rng.uniform(size=(n_rows, len(COEF))))


def _sine_model(X, r):
    """A fitted model computing ``sum_j COEF_j * sin(x_j / r)`` exactly."""
    model = make_pipeline(
        StandardScaler(with_mean=False), FunctionTransformer(np.sin), LinearRegression()
    )
    return FrozenEstimator(model.fit(r * X, np.sin(X) @ COEF))


def _linear_model(X):
    return FrozenEstimator(LinearRegression().fit(X, X @ COEF))


@pytest.fixture(scope="module")
def data():
    return _standardized()


# -- the scorers ------------------------------------------------------------


def test_scorers_of_a_linear_model(data):
    lime = LimeExplainer(_linear_model(data), num_samples=300, alpha=0, random_state=0)
    lime.fit(data)
    scores = {name: s(lime, data[:5]) for name, s in lime_scorers(top_k=3).items()}
    assert scores["adherence"] == pytest.approx(1.0, abs=1e-6)
    assert scores["fidelity"] == lime.score(data[:5])
    assert scores["stability"] == 1.0


def test_adherence_is_measured_with_the_candidates_own_width(data):
    model = _sine_model(data, 0.5)
    adherence = lime_scorers()["adherence"]
    params = dict(sampling="gaussian", num_samples=300, random_state=0)

    def scores(**extra):
        lime = LimeExplainer(model, **params, **extra).fit(data)
        return adherence(lime, data[:10]), lime.score(data[:10])

    base = scores(kernel_width=0.2, fidelity_width=1.0)
    # The fixed neighborhood moves the score, not the adherence ...
    other_fidelity = scores(kernel_width=0.2, fidelity_width=3.0)
    assert other_fidelity[0] == base[0]
    assert other_fidelity[1] != base[1]
    # ... and a candidate too wide for this model's wiggles adheres less.
    assert scores(kernel_width=2.0, fidelity_width=1.0)[0] < base[0] - 0.5


def test_stability_scorer_honours_random_state(data):
    lime = LimeExplainer(
        _sine_model(data, 1.0), sampling="local", kernel_width=0.3, num_samples=200
    )
    stability = lime_scorers(n_seeds=3, top_k=3)["stability"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # narrow kernel: small ESS
        first = stability(lime.set_params(random_state=0).fit(data), data[:8])
        again = stability(lime.set_params(random_state=0).fit(data), data[:8])
        expected = explanation_stability(
            lime, data[:8], n_seeds=3, top_k=3, random_state=lime._noise_seed
        ).jaccard
        seeded = lime_scorers(n_seeds=3, top_k=3, random_state=7)["stability"]
        fixed = explanation_stability(
            lime, data[:8], n_seeds=3, top_k=3, random_state=7
        )
        assert seeded(lime, data[:8]) == fixed.jaccard
    assert first == again == expected


def test_scorers_refuse_other_estimators(data):
    with pytest.raises(TypeError, match="'adherence' scorer .* scores a LimeExplainer"):
        lime_scorers()["adherence"](LinearRegression().fit(data, data[:, 0]), data)


def _explainer(model, data, **params):
    params = {"num_samples": 300, "kernel_width": 2.0, "random_state": 0, **params}
    return LimeExplainer(model, **params).fit(data)


def test_adherence_is_the_pooled_r2_of_a_row_by_row_computation(data):
    # Straight from the definition: gaussian perturbations of each row from
    # the evaluation seed, uniform weights, squared errors pooled over rows.
    width, rows = 0.4, data[:6]
    lime = _explainer(
        _sine_model(data, 0.5), data, sampling="gaussian", kernel_width=width
    )
    explanation = lime.explain(rows)
    normal = Noise.draw(300, data.shape[1], lime._evaluation_seed).normal
    mean, std = data.mean(axis=0), data.std(axis=0)
    sse = sst = 0.0
    for x, coef, intercept in zip(
        rows, explanation.coef, explanation.intercept, strict=True
    ):
        points = x + normal * width * std
        f = lime.estimator_.predict(points)
        g = intercept[0] + (points - mean) / std @ coef
        sse += np.sum((f - g) ** 2)
        sst += np.sum((f - f.mean()) ** 2)
    adherence = lime_scorers()["adherence"](lime, rows)
    assert adherence == pytest.approx(1 - sse / sst, rel=1e-12)


@pytest.mark.parametrize(
    "params",
    [
        {"sampling": "gaussian"},
        {"sampling": "marginal"},
        {"sampling": "local", "discretizer": "quartile"},
        {"sampling": "mask", "num_features": 3},
        {"sampling": "gaussian", "n_jobs": 2},
    ],
)
def test_shared_surrogates_give_the_numbers_of_separate_passes(data, params):
    lime = _explainer(_sine_model(data, 1.0), data, **params)
    rows = data[:7]
    separate = lime._fresh_fidelity(rows, own_kernel=True), lime.score(rows)
    scorers = lime_scorers()
    assert (scorers["adherence"](lime, rows), scorers["fidelity"](lime, rows)) == (
        separate
    )
    # In the other order, and in chunks of a row or two.
    with config_context(working_memory=0.15):
        fidelity = scorers["fidelity"](lime, rows)
        assert (scorers["adherence"](lime, rows), fidelity) == separate


def test_adherence_and_fidelity_query_the_model_on_each_perturbation_once(data):
    sizes = []

    def sine(X):
        sizes.append(len(X))
        return np.sin(X) @ COEF

    lime = _explainer(FrozenEstimator(ModelFunction(sine)), data, sampling="gaussian")
    rows = data[:5]

    def perturbations(score):
        sizes.clear()
        score()
        return sum(size for size in sizes if size > len(rows)) // (300 * len(rows))

    scorers = lime_scorers()

    def shared():
        scorers["adherence"](lime, rows)
        scorers["fidelity"](lime, rows)

    def separate():
        lime._fresh_fidelity(rows, own_kernel=True)
        lime.score(rows)

    # The explanation pass, and one evaluation pass for each scorer.
    assert (perturbations(shared), perturbations(separate)) == (3, 4)


def test_shared_surrogates_serve_only_the_same_explainer_and_rows(data):
    lime = _explainer(_sine_model(data, 1.0), data, sampling="gaussian")
    scorers = lime_scorers()
    rows = data[:6].copy()

    def fidelity_after_adherence(change):
        scorers["adherence"](lime, rows)
        explainer = change() or lime
        return scorers["fidelity"](explainer, rows) == explainer.score(rows)

    def redrawn():
        other = copy.copy(lime)
        other._noise_seed += 1
        return other

    before = lime.score(rows)
    assert fidelity_after_adherence(lambda: lime.set_params(alpha=30.0))
    assert fidelity_after_adherence(lambda: rows.__setitem__(0, rows[1]))
    assert fidelity_after_adherence(lambda: lime.fit(data[::2]))
    assert fidelity_after_adherence(redrawn)
    assert lime.score(rows) != before
    # A copy starts without the surrogates it kept, still shared by both.
    scorers["adherence"](lime, rows)
    restored = pickle.loads(pickle.dumps(scorers))
    assert restored["adherence"].surrogates is restored["fidelity"].surrogates
    assert restored["fidelity"](lime, rows) == lime.score(rows)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_seeds": 1}, "'n_seeds' parameter of lime_scorers must be an int"),
        ({"top_k": 0}, "'top_k' parameter of lime_scorers must be an int"),
    ],
)
def test_lime_scorers_validates_its_arguments(params, match):
    with pytest.raises(ValueError, match=match):
        lime_scorers(**params)


# -- the refit rule -----------------------------------------------------------


def _results(widths, adherence, stability, param="param_kernel_width"):
    return {
        param: np.ma.MaskedArray(np.asarray(widths, dtype=object)),
        "mean_test_adherence": np.asarray(adherence, dtype=float),
        "mean_test_stability": np.asarray(stability, dtype=float),
    }


def test_refit_picks_the_widest_adherent_width():
    refit = optilime_refit(min_adherence=0.9)
    widths = [0.1, 0.2, 0.4, 0.8, 1.6]
    adherence = [0.5, 0.93, 0.95, 0.91, 0.6]  # too narrow: noise; too wide: bias
    assert refit(_results(widths, adherence, [0.2, 0.6, 0.8, 0.9, 1.0])) == 3
    # Candidates listed in any order; the threshold is inclusive.
    shuffled = [3, 0, 4, 2, 1]
    results = _results(
        np.take(widths, shuffled), np.take(adherence, shuffled), np.ones(5)
    )
    assert optilime_refit(0.95)(results) == shuffled.index(2)


def test_refit_breaks_ties_in_width_by_stability():
    # A grid over widths and sampling schemes: two candidates per width.
    results = _results(
        [0.4, 0.4, 0.8, 0.8], [0.95, 0.96, 0.92, 0.91], [0.7, 0.9, 0.95, 1.0]
    )
    assert optilime_refit()(results) == 3


def test_refit_finds_a_nested_explainers_width():
    results = _results([0.4, 0.8], [0.95, 0.92], [1, 1], "param_lime__kernel_width")
    assert optilime_refit()(results) == 1


def test_refit_warns_when_no_width_adheres():
    results = _results([0.1, 0.2], [0.5, 0.7], [1.0, 1.0])
    with pytest.warns(UserWarning, match="No candidate reaches an adherence of 0.9"):
        assert optilime_refit()(results) == 1


@pytest.mark.parametrize("min_adherence", [0, -0.5, 1.5])
def test_refit_threshold_must_be_in_zero_one(min_adherence):
    with pytest.raises(ValueError, match=r"must be a float in the range \(0.0, 1.0\]"):
        optilime_refit(min_adherence)


def test_refit_needs_its_metrics():
    results = _results([0.1], [0.95], [1.0])
    del results["mean_test_stability"]
    with pytest.raises(ValueError, match="needs the 'stability' metric.*lime_scorers"):
        optilime_refit()(results)
    with pytest.raises(ValueError, match="needs the 'adherence' metric"):
        optilime_refit()({"mean_test_score": np.ones(2)})


def test_refit_refuses_empty_results_and_unknown_widths():
    with pytest.raises(ValueError, match="without any candidate"):
        optilime_refit()(_results([], [], []))
    with pytest.raises(ValueError, match="kernel_width that is not a number"):
        optilime_refit()(_results([None, 0.5], [0.95, 0.95], [1.0, 1.0]))


def test_refit_refuses_results_where_no_candidate_was_scored():
    # GridSearchCV records NaN when scoring fails (error_score=np.nan), as it
    # does for every candidate when the scorers are given a pipeline: there is
    # then nothing to choose from, and candidate 0 must not be refitted as if
    # it were the most adherent.
    results = _results([0.4, 0.8], [np.nan, np.nan], [np.nan, np.nan])
    with pytest.raises(ValueError, match="adherence"):
        optilime_refit()(results)


def test_grid_search_refuses_an_empty_grid(data):
    search = GridSearchCV(
        LimeExplainer(_linear_model(data)),
        {"kernel_width": []},
        scoring=lime_scorers(),
        refit=optilime_refit(),
    )
    with pytest.raises(ValueError, match="kernel_width.*non-empty"):
        search.fit(data)


# -- inside GridSearchCV ------------------------------------------------------


def _tuning_search(model, widths, *, n_jobs=None, num_samples=256, random_state=0):
    lime = LimeExplainer(
        model, sampling="gaussian", num_samples=num_samples, random_state=random_state
    )
    return GridSearchCV(
        lime,
        {"kernel_width": widths},
        scoring=lime_scorers(n_seeds=2, top_k=3),
        refit=optilime_refit(0.9),
        cv=2,
        n_jobs=n_jobs,
    )


def test_grid_search_in_parallel_clones_pickles_and_repeats(data):
    model, rows = _sine_model(data, 1.0), data[:16]
    widths = [0.1, 0.3, 1.0, 3.0]
    search = _tuning_search(model, widths, n_jobs=2)
    fitted = pickle.loads(pickle.dumps(clone(search).fit(rows)))
    serial = _tuning_search(model, widths).fit(rows)
    for key in ("mean_test_adherence", "mean_test_stability", "mean_test_fidelity"):
        np.testing.assert_array_equal(fitted.cv_results_[key], serial.cv_results_[key])
    assert fitted.best_index_ == serial.best_index_
    np.testing.assert_array_equal(
        fitted.best_estimator_.transform(rows), serial.best_estimator_.transform(rows)
    )


# -- the known answer ---------------------------------------------------------

#: Widths a factor 2**(1/4) apart.
KNOWN_WIDTHS = np.geomspace(0.1, 3.2, 21).round(3).tolist()


@pytest.fixture(scope="module")
def tuned_by_scale(data):
    """For each scale r: the tuned width and the width the score prefers."""
    widths = {}
    for r in (0.5, 1.0, 2.0):
        search = _tuning_search(_sine_model(data, r), KNOWN_WIDTHS).fit(data[:30])
        fidelity = search.cv_results_["mean_test_fidelity"]
        widths[r] = (
            search.best_params_["kernel_width"],
            KNOWN_WIDTHS[int(np.argmax(fidelity))],
        )
    return widths


def test_tuned_width_follows_the_models_scale_of_linearity(tuned_by_scale):
    tuned = [tuned_by_scale[r][0] for r in (0.5, 1.0, 2.0)]
    assert tuned[0] < tuned[1] < tuned[2]
    assert 2 < tuned[2] / tuned[0] < 8


def test_fixed_neighborhood_score_cannot_tell_the_scales_apart(tuned_by_scale):
    by_score = [tuned_by_scale[r][1] for r in (0.5, 1.0, 2.0)]
    # The score prefers the width of its own neighborhood, whatever r
    # (0.75 * sqrt(6) = 1.84, the grid's 1.903), or a wider one when no
    # surrogate fits it: it never follows r.
    assert by_score[1] == by_score[2] == 1.903
    assert by_score[0] >= by_score[1]
