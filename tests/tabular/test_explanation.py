"""The explanation object: lists and tables, and how rows and outputs are chosen."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression

from sklime import LimeExplainer, ModelFunction

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def explanation():
    X, y = load_iris(return_X_y=True, as_frame=True)
    lime = LimeExplainer(
        LogisticRegression(max_iter=500),
        discretizer="quartile",
        num_features=2,
        num_samples=500,
        random_state=0,
    ).fit(X, y)
    return lime, X, lime.explain(X.iloc[[0, 60, 120]])


def test_wide_table_is_transform_with_feature_names(explanation):
    lime, X, exp = explanation
    wide = exp.to_frame("wide")
    assert list(wide.columns) == list(lime.get_feature_names_out())
    np.testing.assert_array_equal(wide.to_numpy(), lime.transform(X.iloc[[0, 60, 120]]))


def test_long_table_lists_selected_features(explanation):
    _, X, exp = explanation
    long = exp.to_frame()
    # 3 rows x 3 classes x 2 selected features.
    assert len(long) == 18
    first = long[(long.row == 1) & (long.output == 2)]
    assert [(d, w) for d, w in zip(first.description, first.weight, strict=True)] == (
        exp.as_list(1, output=2)
    )
    assert (
        first.feature_value.to_numpy() == X.iloc[60][first.feature].to_numpy()
    ).all()
    np.testing.assert_allclose(first.model_prediction, exp.model_prediction[1, 2])
    assert (long.standard_error > 0).all()
    with pytest.raises(ValueError, match="'layout' parameter .* among"):
        exp.to_frame("tall")


def test_as_list_defaults_to_the_predicted_class(explanation):
    _, _, exp = explanation
    predicted = int(np.argmax(exp.model_prediction[2]))
    assert exp.as_list(2) == exp.as_list(2, output=predicted)
    with pytest.raises(ValueError, match="Unknown output 7"):
        exp.as_list(0, output=7)


def test_several_outputs_at_once_are_refused_clearly(explanation):
    _, _, exp = explanation
    for output in (np.array([0, 1]), [0, 1]):
        with pytest.raises(ValueError, match=r"output must be one output: a class"):
            exp.as_list(0, output=output)
    with pytest.raises(ValueError, match=r"among \[0, 1, 2\]; got array"):
        exp.coefficients(np.array([0, 1]))
    assert exp.as_list(0, output=np.int64(1)) == exp.as_list(0, output=1)


def test_rows_are_indexed_like_a_python_list(explanation):
    _, _, exp = explanation
    assert exp.as_list(np.int64(2)) == exp.as_list(2) == exp.as_list(-1)
    assert exp.descriptions(np.int32(-3)) == exp.descriptions(0)
    assert exp.output_index(-1) == exp.output_index(2)
    for method in (exp.as_list, exp.descriptions, exp.output_index):
        with pytest.raises(IndexError, match="Row 3 is out of range: .* 3 rows"):
            method(3)
        with pytest.raises(IndexError, match="from -3 to -1"):
            method(-4)
        with pytest.raises(ValueError, match="'row' parameter .* must be an instance"):
            method(1.0)
        with pytest.raises(TypeError, match="integer position .* got True"):
            method(True)


def test_save_html_checks_rows_and_top(explanation, tmp_path):
    _, _, exp = explanation
    with pytest.raises(IndexError, match="Row 5 is out of range"):
        exp.save_html(tmp_path / "page.html", rows=[0, 5])
    with pytest.raises(ValueError, match="'top' parameter .* range \\[1, inf\\)"):
        exp.save_html(tmp_path / "page.html", top=0)
    exp.save_html(tmp_path / "page.html", rows=[-1], top=1)
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.count("<table") == 1 and "Row 2," in page
    assert exp._repr_html_().count("<style>") == 1


def test_several_classes_need_an_output_for_the_whole_batch(explanation):
    _, _, exp = explanation
    with pytest.raises(ValueError, match=r"3 classes \[0, 1, 2\]; pass output="):
        exp.coefficients()
    np.testing.assert_array_equal(exp.coefficients(1), exp.coef[:, 4:8])


@pytest.fixture(scope="module")
def two_targets():
    """A regressor with two outputs: y and -y."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = X @ [1.0, -2.0, 0.5]
    model = FrozenEstimator(LinearRegression().fit(X, np.c_[y, -y]))
    lime = LimeExplainer(model, num_samples=300, random_state=0).fit(X)
    return lime.explain(X[:4])


def test_several_regression_outputs_need_an_output(two_targets, tmp_path):
    exp = two_targets
    assert exp.outputs.tolist() == [0, 1]
    for call in (
        lambda: exp.as_list(0),
        lambda: exp.output_index(0),
        lambda: exp.coefficients(),
    ):
        with pytest.raises(ValueError, match=r"2 regression outputs \[0, 1\]"):
            call()
    # Each output is explained on its own; the second mirrors the first.
    first, second = exp.as_list(0, output=0), exp.as_list(0, output=1)
    assert [d for d, _ in first] == [d for d, _ in second]
    np.testing.assert_allclose([w for _, w in first], [-w for _, w in second])
    # The HTML view shows every output when none is named.
    exp.save_html(tmp_path / "page.html", rows=[0])
    assert (tmp_path / "page.html").read_text(encoding="utf-8").count("<table") == 2


def test_to_frame_without_pandas_names_the_extra(explanation, monkeypatch):
    _, _, exp = explanation
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install "sklime\[pandas\]"'):
        exp.to_frame()


@pytest.fixture(scope="module")
def ranked():
    """Each row's two top classes of iris."""
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    lime = LimeExplainer(
        FrozenEstimator(model), labels=2, num_samples=500, random_state=0
    ).fit(X)
    rows = X.iloc[[0, 60, 120]]
    order = np.argsort(-model.predict_proba(rows), axis=1, kind="stable")
    return lime.explain(rows), order[:, :2]


def test_a_row_is_shown_for_its_own_classes(ranked):
    exp, order = ranked
    assert exp.outputs.tolist() == ["rank0", "rank1"]
    np.testing.assert_array_equal(exp.row_outputs, order)
    first, second = order[1]
    block = exp.coef[1].reshape(2, 4)
    # None is the row's predicted class: its first block.
    assert [w for _, w in exp.as_list(1)] == sorted(block[0], key=lambda w: -abs(w))
    assert exp.as_list(1, output=second) == exp.as_list(1, output="rank1")
    assert exp.output_index(1, first) == 0 and exp.output_index(1, second) == 1
    missing = ({0, 1, 2} - set(order[1].tolist())).pop()
    with pytest.raises(ValueError, match=rf"Row 1's class {missing} is not explained"):
        exp.as_list(1, output=missing)
    long = exp.to_frame()
    assert long.loc[long["row"] == 1, "output"].unique().tolist() == [first, second]
    # The batch views take a block's name.
    np.testing.assert_array_equal(exp.coefficients("rank1"), exp.coef[:, 4:])


def test_named_classes_without_the_predicted_one_need_an_output():
    X, y = load_iris(return_X_y=True)
    lime = LimeExplainer(
        LogisticRegression(max_iter=500), labels=[2, 1], num_samples=300, random_state=0
    ).fit(X, y)
    exp = lime.explain(X[[0, 120]])  # predicted: setosa (0), virginica (2)
    np.testing.assert_array_equal(exp.row_outputs, [[2, 1], [2, 1]])
    assert exp.as_list(1) == exp.as_list(1, output=2)
    with pytest.raises(ValueError, match=r"Row 0's predicted class 0 is not explained"):
        exp.as_list(0)
    with pytest.raises(
        ValueError, match=r"labels=\[label, \.\.\.\], labels='predicted'"
    ):
        exp.plot(0)


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :6]
    model = FrozenEstimator(LogisticRegression(max_iter=2000).fit(X, y))
    lime = LimeExplainer(model, num_samples=500, num_features=3, random_state=0)
    return X, model, lime.fit(X).explain(X[:4])


def test_binary_explanation_shows_either_class(binary, tmp_path):
    X, model, exp = binary
    assert exp.outputs.tolist() == [1]
    positive, negative = exp.as_list(0, output=1), exp.as_list(0, output=0)
    assert negative == [(d, -w) for d, w in positive]
    np.testing.assert_array_equal(exp.coefficients(0), -exp.coefficients(1))
    # The same as explaining the negative class itself.
    negative_only = LimeExplainer(
        model, labels=[0], num_samples=500, num_features=3, random_state=0
    ).fit(X)
    assert negative_only.explain(X[:4]).as_list(0) == negative
    exp.save_html(tmp_path / "page.html", rows=[0], output=0)
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    p0 = model.predict_proba(X[:1])[0, 0]
    assert f"output 0: model {p0:.4g}" in page
    # The explanation itself is unchanged: one block, the positive class.
    assert exp.as_list(0) == positive
    with pytest.raises(ValueError, match=r"Unknown output 0; the explained outputs"):
        exp.output_index(0, 0)


@pytest.mark.parametrize("exponent", [-1000, 1000])
def test_errors_follow_the_unit_of_the_model_output(exponent):
    # Scaling the model's output by a power of two scales every number of the
    # explanation exactly, however huge or tiny: no square overflows to an
    # infinite error or underflows to a zero one.
    X = np.random.default_rng(0).normal(size=(40, 3))

    def model(X):
        return X[:, 0] ** 2 + X[:, 1]

    unit = np.ldexp(1.0, exponent)
    params = {"num_samples": 256, "random_state": 0}
    reference = LimeExplainer(ModelFunction(model), **params).fit(X).explain(X[:5])
    scaled_model = ModelFunction(lambda X: unit * model(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        scaled = LimeExplainer(scaled_model, **params).fit(X).explain(X[:5])
    for name in ("coef", "standard_error", "mean_abs_coef", "mean_abs_coef_error"):
        np.testing.assert_array_equal(
            getattr(scaled, name), unit * getattr(reference, name), err_msg=name
        )
