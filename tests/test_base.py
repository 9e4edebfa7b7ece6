"""What the explainers, and the explanations, share through their bases."""

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from sklime import (
    Explanation,
    ImageExplanation,
    LimeExplainer,
    LimeImageExplainer,
    LimeTextExplainer,
    ModelFunction,
    TextExplanation,
    load_explanation,
    submodular_pick,
)
from sklime._base import LimeBase
from sklime._explanation_base import BaseExplanation

EXPLAINERS = [LimeExplainer, LimeTextExplainer, LimeImageExplainer]


@pytest.mark.parametrize("cls", EXPLAINERS, ids=lambda c: c.__name__)
def test_the_three_explainers_share_one_base(cls):
    assert issubclass(cls, LimeBase)
    shared = set(LimeBase._parameter_constraints)
    assert shared <= set(cls._parameter_constraints)
    assert shared <= set(cls().get_params())


@pytest.mark.parametrize("cls", EXPLAINERS, ids=lambda c: c.__name__)
def test_every_explainer_needs_y_only_to_fit_its_model(cls):
    assert cls().__sklearn_tags__().target_tags.required
    frozen = FrozenEstimator(Ridge().fit([[0.0], [1.0]], [0.0, 1.0]))
    assert not cls(frozen).__sklearn_tags__().target_tags.required


def _brightness(images):
    return np.asarray(images).reshape(len(images), -1).mean(axis=1)


def _images():
    return np.random.default_rng(0).random((6, 8, 8))


def _image_explainer():
    return LimeImageExplainer(
        ModelFunction(_brightness),
        segmenter="grid",
        hide_color=0,
        num_samples=200,
        random_state=0,
    )


def test_submodular_pick_takes_a_fitted_image_explainer():
    images = _images()
    lime = _image_explainer().fit(images)
    expected = submodular_pick(lime.transform(images), 3)
    np.testing.assert_array_equal(submodular_pick(lime, 3, X=images), expected)
    np.testing.assert_array_equal(submodular_pick(lime.explain(images), 3), expected)
    # The sampled rows are positions in X, explained as a batch of their own.
    picks = submodular_pick(lime, 2, X=images, sample_size=4, random_state=0)
    candidates = np.sort(
        np.random.RandomState(0).choice(len(images), size=4, replace=False)
    )
    np.testing.assert_array_equal(
        picks, candidates[submodular_pick(lime.transform(images[candidates]), 2)]
    )
    with pytest.raises(ValueError, match="pass the rows to explain as X="):
        submodular_pick(lime, 2)


class _Failing:
    """A model whose fit always raises."""

    def fit(self, X, y=None):
        raise ValueError("no fit today")

    def get_params(self, deep=True):
        return {}


class _MyTextExplainer(LimeTextExplainer):
    pass


class _MyImageExplainer(LimeImageExplainer):
    pass


@pytest.mark.parametrize(
    "explainer, X, data",
    [
        (_MyTextExplainer(_Failing()), ["good film", "bad film"], "documents"),
        (
            _MyImageExplainer(_Failing(), segmenter="grid"),
            np.zeros((2, 4, 4)),
            "images",
        ),
    ],
    ids=["text", "image"],
)
def test_a_subclass_gets_the_wrapped_error_of_its_models_fit(explainer, X, data):
    with pytest.raises(ValueError, match="no fit today") as info:
        explainer.fit(X, [0, 1])
    name = type(explainer).__name__
    assert str(info.value).startswith(
        f"{name} could not fit its model: fitting the estimator"
    )
    assert f"on the 2 training {data}" in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)


def _refusing(X):
    raise RuntimeError("cannot take this input")


@pytest.mark.parametrize(
    "explainer, X, says",
    [
        (
            LimeExplainer(ModelFunction(_refusing)),
            np.zeros((3, 2)),
            "LimeExplainer queries the model with data shaped like the X",
        ),
        (
            LimeTextExplainer(ModelFunction(_refusing)),
            ["good film", "bad film"],
            "LimeTextExplainer queries the model with a list of str",
        ),
        (
            LimeImageExplainer(ModelFunction(_refusing), segmenter="grid"),
            np.zeros((2, 4, 4)),
            "LimeImageExplainer queries the model with images laid out",
        ),
    ],
    ids=["table", "text", "image"],
)
def test_each_explainer_says_what_it_sends_a_model_that_raises(explainer, X, says):
    with pytest.raises(ValueError, match="cannot take this input") as info:
        explainer.fit(X)
    assert says in str(info.value)


def _int32_seeds(random_state, n):
    return [int(s) for s in random_state.randint(np.iinfo(np.int32).max, size=n)]


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("as_instance", [False, True], ids=["int", "RandomState"])
def test_seeds_are_drawn_from_random_state_once_in_fit(seed, as_instance):
    def random_state():
        return np.random.RandomState(seed) if as_instance else seed

    docs = ["good film", "bad plot", "good plot", "bad film"]
    text = LimeTextExplainer(
        make_pipeline(CountVectorizer(), LogisticRegression()),
        num_samples=50,
        random_state=random_state(),
    ).fit(docs, [1, 0, 1, 0])
    noise, model = _int32_seeds(np.random.RandomState(seed), 2)
    assert text._noise_seed == noise
    # The model's unset random_state is seeded from the model's seed.
    model_state = _int32_seeds(np.random.RandomState(model), 1)[0]
    fitted = text.estimator_.get_params()["logisticregression__random_state"]
    assert fitted == model_state
    X = np.random.default_rng(0).normal(size=(20, 2))
    table = LimeExplainer(Ridge(), num_samples=50, random_state=random_state()).fit(
        X, X[:, 0]
    )
    noise, _, _, evaluation = _int32_seeds(np.random.RandomState(seed), 4)
    assert (table._noise_seed, table._evaluation_seed) == (noise, evaluation)


def _text_explanation():
    docs = ["good fun film", "bad dull film", "good film", "dull bad plot"]
    lime = LimeTextExplainer(num_samples=200, random_state=0).fit(docs, [1, 0, 1, 0])
    return lime.explain(["good plot", "dull fun film"])


def test_table_and_instance_explanations_are_siblings():
    for cls in (Explanation, TextExplanation, ImageExplanation):
        assert issubclass(cls, BaseExplanation)
    assert not issubclass(TextExplanation, Explanation)
    assert not issubclass(ImageExplanation, Explanation)
    text = _text_explanation()
    # What only tables have is not left on documents as None.
    for name in ("feature_names", "representation", "mean_abs_coef"):
        assert not hasattr(text, name)


@pytest.mark.parametrize("kind", ["text", "image"])
def test_argument_errors_name_the_explanations_own_class(kind):
    if kind == "text":
        explanation = _text_explanation()
    else:
        explanation = _image_explainer().fit(_images()).explain(_images()[:2])
    name = type(explanation).__name__
    with pytest.raises(ValueError, match=f"'layout' parameter of {name}.to_frame"):
        explanation.to_frame("tall")
    with pytest.raises(ValueError, match=f"'row' parameter of {name}.as_list"):
        explanation.as_list("first")
    with pytest.raises(ValueError, match=f"'row' parameter of {name}.to_shap"):
        explanation.to_shap(None)


def test_a_file_written_with_the_fields_only_tables_use_still_reads(tmp_path):
    """Files of documents used to hold the table-only fields, all None."""
    explanation = _text_explanation()
    path = tmp_path / "explanation.json"
    explanation.save(path)
    document = json.loads(path.read_text(encoding="ascii"))
    state = document["explanation"]["state"]
    for name in ("representation", "mean_abs_coef", "mean_abs_coef_error"):
        state[name] = None
    state["feature_names"] = state["_describer"] = None
    path.write_text(json.dumps(document), encoding="ascii")
    loaded = load_explanation(path)
    assert type(loaded) is TextExplanation
    for row in range(len(explanation)):
        assert loaded.as_list(row) == explanation.as_list(row)
    assert loaded.to_frame().equals(explanation.to_frame())
