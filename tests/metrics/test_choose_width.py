"""choose_width: the kernel width of an explainer fitted on training data."""

import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVR

from sklime import KernelWidthDisplay, LimeExplainer, ModelFunction
from sklime.metrics import choose_width, lime_scorers, optilime_refit

WIDTHS = [0.1, 0.3, 1.0, 3.0]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, FrozenEstimator(SVR().fit(X[::3], y[::3]))


def _lime(model, X, **params):
    params = {"sampling": "gaussian", "num_samples": 128, "random_state": 0, **params}
    return LimeExplainer(model, **params).fit(X)


def _quietly(function, *args, **kwargs):
    """``function(*args, **kwargs)`` without the warnings of narrow kernels."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


@pytest.mark.parametrize(
    "params",
    [
        {"sampling": "gaussian"},
        {"sampling": "local"},
        {"sampling": "marginal", "num_samples": 512},
        {"sampling": "mask", "num_features": 4},
    ],
)
def test_scores_are_lime_scorers_of_an_explainer_fitted_at_each_width(diabetes, params):
    X, model = diabetes
    rows = X[:6]
    _, scores = _quietly(choose_width, _lime(model, X, **params), rows, WIDTHS)
    for i, width in enumerate(WIDTHS):
        fitted = _lime(model, X, kernel_width=width, **params)
        for name, scorer in lime_scorers().items():
            assert scores[name][i] == _quietly(scorer, fitted, rows), (name, width)
    np.testing.assert_array_equal(scores.kernel_width, WIDTHS)


def test_the_chosen_width_refits_to_the_training_datas_explanations(diabetes):
    # The guide's recipe: tune on rows, refit the chosen width on the training
    # data. The explanations are those of an explainer fitted on the training
    # data at that width; a GridSearchCV's best_estimator_, fitted on the
    # tuning rows, learned other statistics and explains otherwise.
    X, model = diabetes
    X_train, X_rows = X[12:], X[:12]
    lime = _lime(model, X_train)
    width, _ = choose_width(lime, X_rows, WIDTHS)
    lime.set_params(kernel_width=width).fit(X_train)
    expected = _lime(model, X_train, kernel_width=width).transform(X_rows)
    np.testing.assert_array_equal(lime.transform(X_rows), expected)
    search = GridSearchCV(
        _lime(model, X_train),
        {"kernel_width": WIDTHS},
        scoring=lime_scorers(),
        refit=optilime_refit(),
        cv=2,
    ).fit(X_rows)
    assert search.best_params_ == {"kernel_width": width}
    assert not np.allclose(search.best_estimator_.transform(X_rows), expected)


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user_guide.md"


def test_the_user_guides_recipe_explains_at_the_chosen_width(capsys):
    # The guide's code block, run as written on a cheap smooth model: the
    # explainer it leaves explains as one fitted on the training data at the
    # chosen width, which is a local one.
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.S)
    (recipe,) = [block for block in blocks if "choose_width(" in block]
    X = np.random.default_rng(0).standard_normal((300, 4))
    model = make_pipeline(FunctionTransformer(np.sin), LinearRegression())
    model.fit(X, np.sin(X) @ [1.0, 0.5, 0.25, 0.0])
    namespace = {
        "np": np,
        "LimeExplainer": LimeExplainer,
        "FrozenEstimator": FrozenEstimator,
        "model": model,
        "X_train": X,
        "X_rows": X[:3],
    }
    exec(compile(recipe, str(GUIDE), "exec"), namespace)
    width, lime = namespace["width"], namespace["lime"]
    expected = LimeExplainer(
        FrozenEstimator(model), sampling="gaussian", random_state=0, kernel_width=width
    ).fit(X)
    np.testing.assert_array_equal(lime.transform(X[:3]), expected.transform(X[:3]))
    assert lime.kernel_width_ == width < 4
    assert len(capsys.readouterr().out.splitlines()) == 16


def test_the_explainer_is_left_as_it_was(diabetes):
    X, model = diabetes
    lime = _lime(model, X, kernel_width=0.5)
    before = pickle.dumps(lime)
    coef = lime.transform(X[:4])
    choose_width(lime, X[:4], WIDTHS)
    assert pickle.dumps(lime) == before
    np.testing.assert_array_equal(lime.transform(X[:4]), coef)


def _counted_model(X, y):
    """An SVR whose calls record the number of points they were asked about."""
    svr = SVR().fit(X, y)
    sizes = []

    def predict(points):
        sizes.append(len(points))
        return svr.predict(points)

    return FrozenEstimator(ModelFunction(predict)), sizes


@pytest.mark.parametrize(
    "sampling, batches_per_width, shared_batches",
    [
        # Each width: its surrogates, its own adherence points and two seeds;
        # all widths: the fidelity's fixed neighborhood.
        ("gaussian", 4, 1),
        # No perturbation depends on the width: all widths share them.
        ("local", 0, 4),
    ],
)
def test_each_point_goes_to_the_model_once(sampling, batches_per_width, shared_batches):
    X, y = load_diabetes(return_X_y=True)
    model, sizes = _counted_model(X, y)
    lime = _lime(model, X, sampling=sampling, num_samples=64)
    rows = X[:5]
    sizes.clear()
    _quietly(choose_width, lime, rows, WIDTHS, n_seeds=2)
    perturbed = sum(size for size in sizes if size > len(rows))
    batches = batches_per_width * len(WIDTHS) + shared_batches
    assert perturbed == batches * 64 * len(rows)


@pytest.mark.parametrize(
    "n_jobs, working_memory",
    [(1, 0.05), (2, None)],  # 0.05 MiB: a row or two per chunk
)
def test_scores_do_not_depend_on_chunks_or_workers(diabetes, n_jobs, working_memory):
    X, model = diabetes
    rows, widths = X[:6], WIDTHS[1:3]
    serial = _quietly(choose_width, _lime(model, X, sampling="local"), rows, widths)
    lime = _lime(model, X, sampling="local", n_jobs=n_jobs)
    with config_context(working_memory=working_memory):
        scores = _quietly(choose_width, lime, rows, widths)[1]
    serial = serial[1]
    for name in ("adherence", "stability", "fidelity"):
        np.testing.assert_array_equal(scores[name], serial[name])


def test_a_piecewise_constant_model_has_no_local_width(diabetes):
    # Nearest neighbours jump at every scale: the adherence rises with the
    # width, and the rule's fallback is the widest, near-global, candidate.
    X, _ = diabetes
    knn = FrozenEstimator(KNeighborsRegressor().fit(X, load_diabetes().target))
    lime = _lime(knn, X, num_samples=256)
    message = (
        r"No candidate reaches an adherence of 0.9 \(the best is adherence 0\.\d+ "
        r"at kernel_width=3\): no width in the grid is local for this model.*"
        r"Add narrower kernel widths.*sampling='gaussian'.*sampling='local'.*"
        r"accept a global explanation"
    )
    with pytest.warns(UserWarning, match=message):
        width, scores = choose_width(lime, X[:8], WIDTHS, n_seeds=2)
    assert width == 3.0
    assert np.all(np.diff(scores.adherence) > 0)
    # Lowering the threshold to what is reached still gives the widest.
    message = (
        r"The chosen width is the widest of the grid \(adherence 0\.\d+ at "
        r"kernel_width=3, min_adherence=0.4\): no width in the grid is local"
    )
    with pytest.warns(UserWarning, match=message):
        choose_width(lime, X[:8], WIDTHS, n_seeds=2, min_adherence=0.4)


def test_a_smooth_model_gets_a_local_width_without_warning(diabetes):
    X, model = diabetes
    lime = _lime(model, X, num_samples=256)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        width, scores = choose_width(lime, X[:8], WIDTHS, n_seeds=2)
    assert width < max(WIDTHS)
    assert scores.adherence[WIDTHS.index(width)] >= 0.9


def test_verbose_prints_a_line_per_width(diabetes, capsys):
    X, model = diabetes
    _, scores = _quietly(choose_width, _lime(model, X), X[:3], WIDTHS[:2], verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Scoring 2 kernel widths on 3 rows"
    pattern = (
        r"\[choose_width 2/2\] kernel_width=0\.3: adherence=(\S+), "
        r"stability=(\S+), fidelity=(\S+) \(\d+\.\ds\)"
    )
    match = re.fullmatch(pattern, lines[2])
    assert match is not None, lines
    assert [float(v) for v in match.groups()] == [
        round(scores[name][1], 3) for name in ("adherence", "stability", "fidelity")
    ]
    _quietly(choose_width, _lime(model, X), X[:3], WIDTHS[:2])
    assert capsys.readouterr().out == ""


def test_the_scores_draw_as_a_kernel_width_display(diabetes):
    pytest.importorskip("matplotlib")
    X, model = diabetes
    width, scores = choose_width(_lime(model, X), X[:4], WIDTHS)
    display = KernelWidthDisplay(**scores, min_adherence=0.9, chosen_width=width)
    display.plot()
    np.testing.assert_array_equal(
        display.lines_["adherence"].get_ydata(), scores.adherence
    )
    assert display.chosen_line_.get_xdata()[0] == width


@pytest.mark.parametrize(
    "widths, match",
    [
        ([], "needs a non-empty list of kernel widths"),
        ([0.5, "wide"], "needs a non-empty list of kernel widths"),
        ([0.5, 0.0], "kernel_width=0, which a LimeExplainer .* does not accept"),
        ([np.inf], "kernel_width=inf"),
        ([1e101], r"at most 1e\+100"),
        ([0.5, 1e-5], r"kernel_width=1e-05, .* at least 1e-04"),
    ],
)
def test_widths_are_checked(diabetes, widths, match):
    X, model = diabetes
    with pytest.raises(ValueError, match=match):
        choose_width(_lime(model, X), X[:3], widths)


def test_choose_width_needs_a_fitted_lime_explainer(diabetes):
    X, model = diabetes
    with pytest.raises(ValueError, match="'explainer' parameter of choose_width"):
        choose_width(model, X[:3], WIDTHS)
    with pytest.raises(NotFittedError):
        choose_width(LimeExplainer(model), X[:3], WIDTHS)


def test_the_scores_do_not_depend_on_the_unit_of_the_model_output():
    # A model's output in a unit a power of two apart, however huge, scores
    # every width exactly alike: no square of a coefficient overflows.
    X = np.random.default_rng(0).normal(size=(30, 3))

    def model(X):
        return X[:, 0] ** 2 + X[:, 1]

    unit = np.ldexp(1.0, 1000)
    scored = []
    for scale in (1.0, unit):
        lime = _lime(ModelFunction(lambda X, scale=scale: scale * model(X)), X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", RuntimeWarning)
            scored.append(choose_width(lime, X[:4], [0.3, 1.0]))
    (width, scores), (unit_width, unit_scores) = scored
    assert unit_width == width
    for name in ("adherence", "stability", "fidelity"):
        np.testing.assert_array_equal(unit_scores[name], scores[name], err_msg=name)
