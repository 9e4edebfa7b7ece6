"""The "Coming from lime" page: its code runs, its claims about lime hold."""

import re
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklime import LimeExplainer

lime_tabular = pytest.importorskip("lime.lime_tabular")

PAGE = Path(__file__).resolve().parents[1] / "docs" / "coming_from_lime.md"


def _page_code():
    """The page's Python code blocks, in order."""
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def test_coming_from_lime_code_runs(tmp_path, monkeypatch):
    """Every block runs, in order in one namespace, as a reader would run them.

    The model is fitted on an array and the explainer on a DataFrame: the page
    says the model then gets arrays, so scikit-learn's feature-name warning
    (a UserWarning) must not appear.
    """
    for module in ("pandas", "matplotlib", "skimage"):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    blocks = _page_code()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for block in blocks:
            exec(compile(block, str(PAGE), "exec"), namespace)
    assert len(blocks) >= 8
    # The first translation: the same bins, in the same order, as lime's.
    lime_pairs = namespace["exp"].as_list(label=1)
    sklime_pairs = namespace["explanation"].as_list(0, output=1)
    assert [d for d, _ in sklime_pairs] == [d for d, _ in lime_pairs]
    np.testing.assert_allclose(
        [w for _, w in sklime_pairs], [w for _, w in lime_pairs], atol=0.03
    )
    # lime's top_labels=1 is labels="predicted": each row's predicted class.
    model, X = namespace["model"], namespace["X"]
    lime_top = [
        namespace["lime_explainer"]
        .explain_instance(row, model.predict_proba, top_labels=1, num_samples=100)
        .top_labels
        for row in X[:3]
    ]
    assert namespace["top"].row_outputs.tolist() == lime_top
    assert namespace["coef"].shape == (len(X), X.shape[1])
    assert (tmp_path / "explanation.html").exists()
    assert len(namespace["representative"]) == 3
    # The mask is lime's get_image_and_mask: the same segments, from the same
    # segmentation function and model.
    lime_mask = namespace["lime_image_and_mask"][1].astype(bool)
    np.testing.assert_array_equal(namespace["mask"], lime_mask)


#: The page's table of lime settings and the sklime ones that give its numbers.
MODES = {
    "quartile": ({}, {"discretizer": "quartile"}),
    "continuous": ({"discretize_continuous": False}, {}),
    "local": (
        {"discretize_continuous": False, "sample_around_instance": True},
        {"sampling": "local"},
    ),
}
N_SEEDS = 5
SEEDS = range(N_SEEDS)
#: A power of two, where the Sobol sequence is balanced.
NUM_SAMPLES = 2048
#: With ``N_SEEDS`` runs of each package (8 degrees of freedom), a t statistic
#: of a true agreement exceeds 5.5 with probability about 6e-4. The floor of 2%
#: of the row's largest coefficient guards against a spread underestimated by
#: chance and absorbs lime's own-row sample (one in ``NUM_SAMPLES``, see
#: test_against_lime). Over nine sets of seeds (0-4, 5-9, ..., 40-44) the
#: largest ratio of difference to tolerance was 0.83 for the page's settings,
#: and at least 9.5 for sklime's defaults against lime's.
Z_MAX, REL_FLOOR = 5.5, 0.02
#: Largest ratio between sklime's and lime's spreads over seeds (observed over
#: the same seeds: 0.76-1.31 with independent draws, 0.11-0.43 with Sobol's).
SPREAD_RATIO_MAX = 2.0


@cache
def _iris_problem():
    X, y = load_iris(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    # Two rows of typical distance to the training mean: lime's own-row
    # sample moves the explanations of outlying rows.
    norm = (((X - X.mean(axis=0)) / X.std(axis=0)) ** 2).sum(axis=1)
    typical = np.flatnonzero(norm < np.median(norm))
    return X, model, X[typical[[0, -1]]]


@cache
def _lime_coef(lime_items, seed):
    X, model, rows = _iris_problem()
    explainer = lime_tabular.LimeTabularExplainer(
        X, random_state=seed, **dict(lime_items)
    )
    coef = np.zeros((len(rows), 3, X.shape[1]))
    for i, row in enumerate(rows):
        exp = explainer.explain_instance(
            row,
            model.predict_proba,
            labels=(0, 1, 2),
            num_features=X.shape[1],
            num_samples=NUM_SAMPLES,
        )
        for k in range(3):
            for j, weight in exp.local_exp[k]:
                coef[i, k, j] = weight
    return coef


def _sklime_coef(sklime_items, seed):
    X, model, rows = _iris_problem()
    explainer = LimeExplainer(
        FrozenEstimator(model),
        num_samples=NUM_SAMPLES,
        num_features=X.shape[1],
        random_state=seed,
        **dict(sklime_items),
    ).fit(X)
    return explainer.transform(rows).reshape(len(rows), 3, X.shape[1])


def _compare(lime_kwargs, sklime_kwargs):
    """How far sklime's mean coefficients are from lime's, and their spreads.

    Returns
    -------
    excess : float
        Largest ``|mean difference| / tolerance`` over rows, classes and
        features (agreement: at most 1).
    spread_ratio : float
        Root-mean-square spread over seeds of sklime's coefficients divided
        by lime's.
    """
    lime = np.array([_lime_coef(_items(lime_kwargs), s) for s in SEEDS])
    ours = np.array([_sklime_coef(_items(sklime_kwargs), s) for s in SEEDS])
    lime_var, our_var = lime.var(axis=0, ddof=1), ours.var(axis=0, ddof=1)
    se = np.sqrt((lime_var + our_var) / N_SEEDS)
    scale = np.abs(lime.mean(axis=0)).max(axis=-1, keepdims=True)
    assert scale.min() > 0  # not a vacuous comparison
    diff = np.abs(ours.mean(axis=0) - lime.mean(axis=0))
    excess = (diff / (Z_MAX * se + REL_FLOOR * scale)).max()
    return excess, float(np.sqrt(our_var.mean() / lime_var.mean()))


def _items(kwargs):
    return tuple(sorted(kwargs.items()))


@pytest.mark.parametrize("mode", MODES)
def test_settings_said_to_give_limes_numbers_do(mode):
    """Each row of the page's table gives lime's explanations.

    With ``sampler="random"`` (independent draws, as lime's) the means and
    spreads over seeds of the coefficients of every class of a multiclass
    model agree with lime's; with the default Sobol noise the means agree and
    the spread is smaller.
    """
    lime_kwargs, sklime_kwargs = MODES[mode]
    excess, spread_ratio = _compare(lime_kwargs, {**sklime_kwargs, "sampler": "random"})
    assert excess <= 1.0
    assert 1 / SPREAD_RATIO_MAX <= spread_ratio <= SPREAD_RATIO_MAX
    excess, spread_ratio = _compare(lime_kwargs, sklime_kwargs)
    assert excess <= 1.0
    assert spread_ratio < 1.0


def test_sklime_defaults_are_not_limes_defaults():
    """The criterion has power: sklime's default (no discretizer) is not lime's."""
    excess, _ = _compare({}, {"sampler": "random"})
    assert excess > 1.0
