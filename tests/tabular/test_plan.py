"""The plans the engine runs: their instances alone, the model, no explainer."""

import io
import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_diabetes, load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeClassifier

from sklime import LimeExplainer, LimeImageExplainer, LimeTextExplainer
from sklime._core import _engine
from sklime._core._engine import Plan
from sklime._tabular._plan import explanation_plan

SAMPLINGS = sorted(LimeExplainer._parameter_constraints["sampling"][0].options)

_DOCS = ["good fun film", "bad dull film", "good film", "dull bad plot", "fun plot"]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, FrozenEstimator(Ridge().fit(X, y))


def _explainer(diabetes, **params):
    X, model = diabetes
    return LimeExplainer(model, num_samples=200, random_state=0, **params).fit(X)


def _recorded(monkeypatch, name):
    """The plans the engine's chunk function ``name`` receives, in order."""
    plans, work = [], getattr(_engine, name)

    def recording(plan, with_errors):
        plans.append(plan)
        return work(plan, with_errors)

    monkeypatch.setattr(_engine, name, recording)
    return plans


def _holds_no_explainer(plan, explainer_class):
    """Neither the plan nor anything it holds is an explainer (as pickle sees it)."""
    found = []

    class _Finder(pickle.Pickler):
        def persistent_id(self, obj):
            found.extend([obj] if isinstance(obj, explainer_class) else [])

    _Finder(io.BytesIO()).dump(plan)
    return not found


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_sampling_is_a_scheme_chosen_once_in_fit(diabetes, sampling):
    X, _ = diabetes
    lime = _explainer(diabetes, sampling=sampling)
    scheme = lime._scheme
    assert scheme.name == sampling
    lime.explain(X[:3])
    lime.score(X[:3])
    assert lime._scheme is scheme  # transform and score keep it
    assert lime.set_params(sampling="local").fit(X)._scheme.name == "local"


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_each_chunk_gets_a_plan_of_its_own_rows_and_no_explainer(
    diabetes, sampling, monkeypatch
):
    X, _ = diabetes
    lime = _explainer(diabetes, sampling=sampling)
    expected = lime.explain(X[:20])
    plans = _recorded(monkeypatch, "_instance_chunk")
    with config_context(working_memory=0.05):  # a few rows per chunk
        chunked = lime.explain(X[:20])
    assert len(plans) > 1
    np.testing.assert_array_equal(
        np.concatenate([plan.rows.values for plan in plans]), X[:20]
    )
    assert all(_holds_no_explainer(plan, LimeExplainer) for plan in plans)
    # (The model's own predictions may round differently in smaller batches.)
    for name in ["coef", "standard_error", "intercept", "score"]:
        np.testing.assert_array_equal(getattr(chunked, name), getattr(expected, name))
    np.testing.assert_array_equal(chunked.mean_abs_coef, expected.mean_abs_coef)


def test_scores_go_through_plans_of_their_own_rows(diabetes, monkeypatch):
    X, _ = diabetes
    lime = _explainer(diabetes, sampling="local")
    expected = lime.score(X[:20])
    plans = _recorded(monkeypatch, "_evaluation_chunk")
    with config_context(working_memory=0.05):
        assert lime.score(X[:20]) == expected
    assert len(plans) > 1
    assert sum(len(plan.rows) for plan in plans) == 20
    for plan in plans:
        assert len(plan.surrogates.coef) == len(plan.rows)
        assert _holds_no_explainer(plan, LimeExplainer)


def test_document_and_image_chunks_hold_no_explainer(monkeypatch):
    plans = _recorded(monkeypatch, "_instance_chunk")
    LimeTextExplainer(
        FrozenEstimator(_text_model()), num_samples=100, random_state=0
    ).fit(_DOCS).transform(_DOCS)
    assert plans and all(_holds_no_explainer(p, LimeTextExplainer) for p in plans)
    X, y = load_digits(return_X_y=True)
    plans.clear()
    LimeImageExplainer(
        DecisionTreeClassifier(max_depth=4, random_state=0),
        image_shape=(8, 8),
        segmenter="grid",
        num_samples=100,
        random_state=0,
    ).fit(X[:100], y[:100]).transform(X[:2])
    assert plans and all(_holds_no_explainer(p, LimeImageExplainer) for p in plans)


def _text_model():
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline

    return make_pipeline(CountVectorizer(), LogisticRegression()).fit(
        _DOCS, [1, 0, 1, 0, 1]
    )


def _protocol_members():
    """The attributes and methods :class:`Plan` names."""
    methods = {
        name
        for name, value in vars(Plan).items()
        if callable(value) and not name.startswith("_")
    }
    return set(Plan.__annotations__) | methods


def test_every_plan_has_what_the_protocol_names(diabetes, monkeypatch):
    X, _ = diabetes
    lime = _explainer(diabetes)
    members = _protocol_members()
    assert {"sizes", "chunk_floats", "take", "problems", "NOUN"} <= members
    tabular = explanation_plan(lime, lime._rows(X[:3]))
    plans = _recorded(monkeypatch, "_instance_chunk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few samples for the documents' words
        LimeTextExplainer(num_samples=50, random_state=0).fit(
            _DOCS, [1, 0, 1, 0, 1]
        ).transform(_DOCS[:1])
    for plan in (tabular, plans[0]):
        missing = {name for name in members if not hasattr(plan, name)}
        assert not missing, f"{type(plan).__name__} lacks {sorted(missing)}"
