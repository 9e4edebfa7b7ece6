"""Fitted explainers saved with joblib and skops, explanations in files."""

import io
import json
import pickle
import tempfile
from fractions import Fraction
from pathlib import Path

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

import sklime
from sklime import (
    LimeExplainer,
    LimeImageExplainer,
    LimeTextExplainer,
    ModelFunction,
    _persist,
    load_explanation,
)
from sklime._file_format import READABLE

DOCS = ["good fun film", "bad dull film", "good film", "dull bad plot"]
LABELS = [1, 0, 1, 0]


def row_sum(X):
    """A model of a table: the sum of each row."""
    return np.asarray(X, dtype=float).sum(axis=1)


def brightness(images):
    """A model of images: their mean brightness."""
    return np.asarray(images).mean(axis=(1, 2))


def good_count(documents):
    """A model of documents: how often each says "good"."""
    return np.array([d.count("good") for d in documents], dtype=float)


def images():
    return np.random.default_rng(0).random((2, 8, 8))


def tabular(kind):
    X, y = load_iris(return_X_y=True)
    model = {
        "model": LogisticRegression(max_iter=500),
        "frozen": FrozenEstimator(LogisticRegression(max_iter=500).fit(X, y)),
        "function": ModelFunction(row_sum),
    }[kind]
    lime = LimeExplainer(model, num_samples=300, discretizer="quartile", random_state=0)
    return lime.fit(X, y), X[:3], model


def text(kind):
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression())
    model = {
        "model": pipeline,
        "frozen": FrozenEstimator(pipeline.fit(DOCS, LABELS)),
        "function": ModelFunction(good_count),
    }[kind]
    lime = LimeTextExplainer(model, num_samples=200, random_state=0)
    return lime.fit(DOCS, LABELS), ["good plot", "bad fun film"], model


def image(kind):
    model = {
        "model": make_pipeline(FlatRidge()),
        "frozen": FrozenEstimator(FlatRidge().fit(images(), [0.0, 1.0])),
        "function": ModelFunction(brightness),
    }[kind]
    lime = LimeImageExplainer(
        model, segmenter="grid", hide_color=0, num_samples=200, random_state=0
    )
    return lime.fit(images(), [0.0, 1.0]), images(), model


class FlatRidge(Ridge):
    """A ridge regression of flattened images."""

    def fit(self, X, y):
        return super().fit(np.reshape(X, (len(X), -1)), y)

    def predict(self, X):
        return super().predict(np.reshape(X, (len(X), -1)))


MAKERS = {"table": tabular, "text": text, "image": image}
CASES = [(data, model) for data in MAKERS for model in ("model", "frozen", "function")]


def dense(matrix):
    return matrix.toarray() if sp.issparse(matrix) else matrix


def through_joblib(explainer):
    buffer = io.BytesIO()
    joblib.dump(explainer, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def through_skops(explainer):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(explainer)
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


@pytest.mark.parametrize("data, model", CASES)
@pytest.mark.parametrize("store", [through_joblib, through_skops])
def test_loaded_explainer_transforms_to_the_same_bits(data, model, store):
    explainer, X, _ = MAKERS[data](model)
    unused = pickle.dumps(explainer)
    before = dense(explainer.transform(X))
    # Values kept between calls are not pickled: used or not, the same bytes.
    assert pickle.dumps(explainer) == unused
    loaded = store(explainer)
    after = dense(loaded.transform(X))
    assert after.dtype == before.dtype
    assert after.tobytes() == before.tobytes()
    assert dense(loaded.transform(X)).tobytes() == before.tobytes()


def _model_types(model):
    """The types skops does not trust that the user's own model brings."""
    if isinstance(model, ModelFunction):
        function = model.function
        return {
            "sklime._adapter.ModelFunction",
            f"{function.__module__}.{function.__qualname__}",
        }
    if isinstance(model, FrozenEstimator):
        model = model.estimator
    if hasattr(model, "steps"):
        model = model.steps[-1][1]
    return {f"{type(model).__module__}.{type(model).__qualname__}"} - {
        "sklearn.linear_model._logistic.LogisticRegression"
    }


@pytest.mark.parametrize("data, model", CASES)
def test_skops_asks_to_trust_only_sklime_and_the_model(data, model):
    sio = pytest.importorskip("skops.io")
    explainer, X, user_model = MAKERS[data](model)
    explainer.transform(X)
    untrusted = set(sio.get_untrusted_types(data=sio.dumps(explainer)))
    own = {name for name in untrusted if name.startswith("sklime.")}
    assert untrusted - own == _model_types(user_model) - own
    kind = type(explainer)
    assert f"{kind.__module__}.{kind.__qualname__}" in own


def same_state(a, b, where="explanation"):
    """Whether two values hold the same bits, recursively (not just equal)."""
    assert type(a) is type(b), where
    if sp.issparse(a):
        a, b = [(m.shape, m.data, m.indices, m.indptr) for m in (a, b)]
    if isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        if a.dtype.kind == "O":
            for i, (x, y) in enumerate(zip(a.ravel(), b.ravel(), strict=True)):
                same_state(x, y, f"{where}[{i}]")
        else:
            assert a.tobytes() == b.tobytes(), where
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_state(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            same_state(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, np.generic):
        assert a.tobytes() == b.tobytes(), where
    elif hasattr(a, "__dict__"):
        same_state(vars(a), vars(b), where)
    elif isinstance(a, float):
        assert np.float64(a).tobytes() == np.float64(b).tobytes(), where
    else:
        assert a == b, where


def round_trip(explanation, tmp_path):
    path = tmp_path / "explanation.json"
    explanation.save(path)
    return load_explanation(path)


def same_views(explanation, loaded, tmp_path):
    """The loaded explanation shows the same lists, tables and pages."""
    for row in range(len(explanation)):
        for output in explanation.outputs.tolist():
            assert loaded.as_list(row, output) == explanation.as_list(row, output)
        assert loaded.descriptions(row) == explanation.descriptions(row)
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(loaded.to_frame(), explanation.to_frame())
    explanation.save_html(tmp_path / "a.html")
    loaded.save_html(tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


@pytest.mark.parametrize("data, model", CASES)
def test_explanation_file_gives_back_the_same_explanation(data, model, tmp_path):
    explainer, X, _ = MAKERS[data](model)
    explanation = explainer.explain(X)
    loaded = round_trip(explanation, tmp_path)
    same_state(explanation, loaded)
    assert type(loaded) is type(explanation)
    assert loaded.sklime_version == sklime.__version__
    assert loaded.settings == explainer.get_params(deep=False) | {
        "estimator": loaded.settings["estimator"]
    }
    same_views(explanation, loaded, tmp_path)


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_missing_values_and_chosen_classes_survive_the_file(tmp_path):
    # NaN in a number column, pandas' NA in a string one, each row's predicted
    # class: the loaded explanation reads and converts as the original does.
    pd = pytest.importorskip("pandas")
    pytest.importorskip("shap")
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.iloc[::7, 0] = np.nan
    kind = np.where(np.arange(len(X)) % 3 == 0, "a", "b")
    X["kind"] = pd.Series(kind, dtype="string").mask(np.arange(len(X)) % 5 == 0)
    model = make_pipeline(
        make_column_transformer(("drop", ["kind"]), remainder="passthrough"),
        HistGradientBoostingClassifier(max_iter=10, random_state=0),
    ).fit(X, y)
    explainer = LimeExplainer(
        FrozenEstimator(model), labels="predicted", num_samples=300, random_state=0
    ).fit(X)
    explanation = explainer.explain(X.iloc[:10])
    assert X["kind"].iloc[0] is pd.NA
    loaded = round_trip(explanation, tmp_path)
    same_state(explanation, loaded)
    same_views(explanation, loaded, tmp_path)
    assert {"sepal length (cm) is missing", "kind is missing"} <= set(
        loaded.descriptions(0)
    )
    np.testing.assert_array_equal(loaded.to_shap().values, explanation.to_shap().values)


def test_explanation_file_is_plain_json_with_a_header(tmp_path):
    explainer, X, _ = tabular("function")
    explainer.explain(X).save(tmp_path / "e.json")
    document = json.loads((tmp_path / "e.json").read_text(encoding="ascii"))
    assert document["format"] == "sklime.explanation"
    assert document["format_version"] == 1
    assert document["sklime_version"] == sklime.__version__


def test_settings_name_the_model_the_same_way_every_run():
    explainer, X, _ = tabular("function")
    settings = explainer.explain(X).settings
    assert settings["estimator"] == "ModelFunction(function=<function row_sum>)"
    assert settings["num_samples"] == 300
    assert settings["discretizer"] == "quartile"


def test_non_finite_values_come_back_bit_for_bit(tmp_path):
    """Infinite standard errors, NaN, -0.0 and float32 all survive."""
    explainer, X, _ = tabular("function")
    explanation = explainer.explain(X)
    explanation.standard_error[0, :3] = [np.inf, -np.inf, -0.0]
    explanation.score[0, 0] = np.nan
    explanation.coef = explanation.coef.astype(np.float32)
    same_state(explanation, round_trip(explanation, tmp_path))


def test_file_of_another_format_version_is_refused(tmp_path):
    explainer, X, _ = tabular("function")
    path = tmp_path / "e.json"
    explainer.explain(X).save(path)
    document = json.loads(path.read_text(encoding="ascii"))
    document.update(format_version=99, sklime_version="9.0")
    path.write_text(json.dumps(document), encoding="ascii")
    with pytest.raises(
        ValueError,
        match=r"format version 99, written by sklime 9\.0; this sklime .* reads "
        r"format version 1\. Load it with the sklime version that wrote it",
    ):
        load_explanation(path)


@pytest.mark.parametrize(
    "content, message",
    [
        ("<html></html>", "is not an sklime explanation file: it is not JSON"),
        ('{"coef": [1, 2]}', 'has no "format": "sklime.explanation" header'),
        ("[1, 2]", 'has no "format": "sklime.explanation" header'),
        (
            '{"format": "sklime.explanation", "format_version": 1, '
            '"explanation": {"type": "object", "class": "os.system", "id": 0, '
            '"state": {}}}',
            "is not a valid sklime explanation file: its content is damaged",
        ),
        (
            '{"format": "sklime.explanation", "format_version": 1, '
            '"explanation": [1, 2]}',
            "holds a list, not an explanation",
        ),
    ],
)
def test_file_that_is_not_an_explanation_is_refused(tmp_path, content, message):
    path = tmp_path / "e.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_explanation(path)


def test_row_value_a_file_cannot_hold_is_refused_on_save(tmp_path):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"f": [Fraction(1, 2), Fraction(1, 3)] * 3, "x": np.arange(6.0)})
    explainer = LimeExplainer(
        ModelFunction(row_sum_of_x), categorical_features=[0], num_samples=50
    ).fit(X)
    with pytest.raises(
        TypeError,
        match=r"Explanation.save cannot write explanation._rows\[0\]: a value of "
        r"type fractions.Fraction\. .*\(convert such a column, e.g\. to str\)",
    ):
        explainer.explain(X).save(tmp_path / "e.json")


def row_sum_of_x(X):
    return np.asarray(X["x"], dtype=float)


names = st.text(min_size=1, max_size=6)
values = st.floats(allow_nan=False, allow_infinity=False, width=64).filter(
    lambda v: abs(v) < 1e150
)


@settings(max_examples=15, deadline=None)
@given(
    table=st.integers(2, 3).flatmap(
        lambda d: st.tuples(
            st.lists(names, min_size=d, max_size=d, unique=True),
            st.lists(st.lists(values, min_size=d, max_size=d), min_size=3, max_size=5),
            st.lists(st.sampled_from(["a", "b", 7]), min_size=3, max_size=5),
        )
    ),
    discretizer=st.sampled_from([None, "quartile"]),
)
def test_random_table_explanations_survive_the_file(table, discretizer):
    pd = pytest.importorskip("pandas")
    columns, rows, labels = table
    X = pd.DataFrame(rows, columns=columns)
    X["label"] = [str(labels[i % len(labels)]) for i in range(len(X))]
    explainer = LimeExplainer(
        ModelFunction(first_column),
        num_samples=30,
        discretizer=discretizer,
        random_state=0,
    ).fit(X)
    explanation = explainer.explain(X)
    same_state(explanation, _file_round_trip(explanation))


def first_column(X):
    return np.asarray(X.iloc[:, 0], dtype=float)


@pytest.mark.filterwarnings("ignore:The (ridge penalty|kernel leaves):UserWarning")
@settings(max_examples=15, deadline=None)
@given(
    documents=st.lists(
        st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=4).map(" ".join),
        min_size=1,
        max_size=3,
    ),
    bow=st.booleans(),
)
def test_random_document_explanations_survive_the_file(documents, bow):
    explainer = LimeTextExplainer(
        ModelFunction(good_count), num_samples=20, bow=bow, random_state=0
    ).fit(DOCS)
    explanation = explainer.explain(documents)
    same_state(explanation, _file_round_trip(explanation))


def _file_round_trip(explanation):
    with tempfile.TemporaryDirectory() as folder:
        return round_trip(explanation, Path(folder))


def test_the_writer_and_the_reader_know_the_same_classes():
    # The writer names the classes it may write without importing them; the
    # reader builds exactly those.
    assert set(_persist._CLASSES) == READABLE
