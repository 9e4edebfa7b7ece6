"""Properties of the public API on random small mixed tables, settings and models.

Every case either raises a ValueError or TypeError with a message, or returns
finite output of the documented shape; input is never changed; a row's
explanation is the same whatever the other rows of the batch. The examples are
drawn by hypothesis with the fixed profile of ``conftest.py``.
"""

import warnings
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pytest
from _checks import assert_clear_error, call, check_warnings, snapshot
from sklearn.base import BaseEstimator, RegressorMixin, clone, is_classifier
from sklearn.compose import make_column_transformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from sklime import LimeExplainer, ModelFunction, submodular_pick
from sklime.metrics import (
    choose_width,
    effective_sample_size,
    explanation_stability,
    neighborhood_fidelity,
)

hypothesis = pytest.importorskip("hypothesis")
pd = pytest.importorskip("pandas")
st = hypothesis.strategies
given = hypothesis.given

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: Column kinds of the random tables.
KINDS = ("float", "integer", "string", "category", "bool", "constant")
#: Kinds a model must one-hot encode.
LABEL_KINDS = ("string", "category", "bool")
#: Kinds whose values can be fed to NumPy as floats.
NUMERIC_KINDS = ("float", "integer", "constant")
#: Share of the values of each non-constant column knocked out in tables
#: with missing values.
MISSING_SHARE = 0.3
#: Training rows among the rows to explain.
N_KNOWN = 3


# -- random tables ------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """A small random table: training rows, target and rows to explain.

    The rows to explain are a few training rows, a row far from the training
    data and (where the columns allow) a row with unseen categories. With
    ``missing``, every column but the constant ones misses some values (NaN,
    None in object and boolean columns), among them the first row's.
    """

    kinds: tuple
    n_train: int
    scale: float
    container: str
    declare_integers: bool
    n_classes: int
    seed: int
    missing: bool = False

    def build(self):
        rng = np.random.default_rng(self.seed)
        n_known = min(self.n_train, N_KNOWN)
        n = self.n_train + n_known + 2
        columns = [self._column(kind, rng, n) for kind in self.kinds]
        if self.missing:
            columns = [
                self._knock_out(c, k, rng)
                for c, k in zip(columns, self.kinds, strict=True)
            ]
        train = [c[: self.n_train] for c in columns]
        rows = [np.concatenate([c[:n_known], c[-2:]]) for c in columns]
        for j, kind in enumerate(self.kinds):
            if kind == "float":  # the second to last row is far away
                rows[j][-2] = 1e6 * self.scale
        X_train, X = self._container(train), self._container(rows)
        signal = sum(
            np.nan_to_num(np.asarray(c, dtype=float)) / self.scale
            for c, k in zip(train, self.kinds, strict=True)
            if k == "float"
        )
        y = rng.normal(size=self.n_train) + signal
        if self.n_classes:
            y = np.arange(self.n_train) % self.n_classes
        return X_train, y, X

    def _column(self, kind, rng, n):
        if kind == "float":
            return (rng.normal(size=n) + 3.0) * self.scale
        if kind == "integer":
            column = rng.integers(0, 3, size=n)
            column[-1] = 7  # unseen when declared categorical
            return column
        if kind == "string":
            column = rng.choice(["a", "b", "c"], size=n).astype(object)
            column[-1] = "unseen"
            return column
        if kind == "category":
            return pd.Categorical(rng.choice(["lo", "hi"], size=n), ["hi", "lo"])
        if kind == "bool":
            return rng.random(n) < 0.5
        return np.full(n, 2.5 * self.scale)

    @staticmethod
    def _knock_out(column, kind, rng):
        """The column with some values missing, the first row's among them."""
        if kind == "constant":
            return column
        gone = rng.random(len(column)) < MISSING_SHARE
        gone[0] = True
        if kind == "category":
            values = np.asarray(column, dtype=object)
            values[gone] = None
            return pd.Categorical(values, column.categories)
        marker = np.nan if kind in NUMERIC_KINDS else None
        column = column.astype(float if kind in NUMERIC_KINDS else object)
        column[gone] = marker
        return column

    def _container(self, columns):
        if self.container == "frame":
            return pd.DataFrame(
                {name: c for name, c in zip(self.names, columns, strict=True)}
            )
        if self.container == "array":
            return np.column_stack([np.asarray(c, dtype=float) for c in columns])
        out = np.empty((len(columns[0]), len(columns)), dtype=object)
        for j, column in enumerate(columns):
            out[:, j] = list(column)
        return out

    @property
    def names(self):
        return [f"{kind}{j}" for j, kind in enumerate(self.kinds)]

    @property
    def label_columns(self):
        """Columns the model one-hot encodes (names for frames, else positions)."""
        where = [j for j, kind in enumerate(self.kinds) if kind in LABEL_KINDS]
        if self.container == "frame":
            return [self.names[j] for j in where]
        return where

    @property
    def categorical_features(self):
        """The explainer's parameter: integer columns declared, or from dtype."""
        if not self.declare_integers or "integer" not in self.kinds:
            return "from_dtype"
        declared = ("integer",) + LABEL_KINDS
        return [j for j, kind in enumerate(self.kinds) if kind in declared]


@st.composite
def tables(draw, n_train=(1, 2, 3, 5, 12, 30), missing=False):
    kinds = tuple(draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4)))
    numeric = all(kind in NUMERIC_KINDS for kind in kinds)
    containers = ["frame"]
    if numeric:
        containers.append("array")
    if "category" not in kinds:
        containers.append("object")
    return Table(
        kinds=kinds,
        n_train=draw(st.sampled_from(n_train)),
        scale=draw(st.sampled_from([1.0, 1e-9, 1e9, 1e-150, 1e150])),
        container=draw(st.sampled_from(containers)),
        declare_integers=draw(st.booleans()),
        n_classes=draw(st.sampled_from([0, 2, 3])),
        seed=draw(st.integers(0, 2**16)),
        missing=missing,
    )


# -- models -----------------------------------------------------------------
class BrokenModel(RegressorMixin, BaseEstimator):
    """A fitted regressor that misbehaves once asked about more than 5 points.

    ``fit`` queries 5 training rows, so the failure shows up on perturbations.
    """

    def __init__(self, failure="raise", after=5):
        self.failure = failure
        self.after = after

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        n = X.shape[0]
        out = np.ones(n)
        if n <= self.after:
            return out
        if self.failure == "raise":
            raise RuntimeError("the model failed")
        if self.failure == "shape":
            return out[:-1]
        if self.failure == "columns":
            return np.ones((n, 2))
        out[self.after] = np.nan if self.failure == "nan" else np.inf
        return out


REGRESSORS = {
    "linear": LinearRegression,
    "tree": lambda: DecisionTreeRegressor(max_depth=3, random_state=0),
}
CLASSIFIERS = {
    "linear": LogisticRegression,
    "tree": lambda: DecisionTreeClassifier(max_depth=3, random_state=0),
    "prior": DummyClassifier,
}


@dataclass(frozen=True)
class Model:
    """How the explained model is made: frozen, unfitted, or sklime's default."""

    name: str
    how: str  # "frozen", "unfitted" or "default"

    def build(self, table, X_train, y):
        if self.how == "default":
            return None
        classifier = bool(table.n_classes)
        makers = CLASSIFIERS if classifier else REGRESSORS
        name = "linear" if table.scale > 1e30 else self.name  # trees use float32
        if classifier and len(np.unique(y)) < 2:
            name = "prior"  # a logistic regression needs two classes
        estimator = makers[name]()
        if table.missing and name == "linear":
            estimator = make_pipeline(
                SimpleImputer(keep_empty_features=True), estimator
            )
        if table.label_columns or table.container == "object":
            encoder = make_column_transformer(
                (
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    table.label_columns,
                ),
                remainder="passthrough",
            )
            estimator = make_pipeline(encoder, estimator)
        if self.how == "unfitted":
            return estimator
        return FrozenEstimator(estimator.fit(X_train, y))


models = st.builds(
    Model,
    name=st.sampled_from(["linear", "tree"]),
    how=st.sampled_from(["frozen", "frozen", "unfitted", "default"]),
)

#: LimeExplainer settings; kernel_width and alpha include extremes.
settings = st.fixed_dictionaries(
    {
        "sampling": st.sampled_from(["marginal", "local", "mask", "gaussian"]),
        "sampler": st.sampled_from(["sobol", "random"]),
        "discretizer": st.sampled_from([None, "quartile", "decile", "entropy"]),
        "num_features": st.sampled_from([None, 1, 2, 3, 5]),
        "feature_selection": st.sampled_from(
            ["auto", "none", "highest_weights", "forward_selection", "lasso_path"]
        ),
        "kernel_width": st.sampled_from([None, 1e-6, 0.3, 5.0, 1e6]),
        "alpha": st.sampled_from([1.0, 0.0, 1e-8, 100.0]),
        "num_samples": st.sampled_from([16, 33, 64, 200]),
        "random_state": st.integers(0, 1000),
    }
)


class PlainRegressor:
    """A model outside scikit-learn's estimators (no base class, no tags)."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        self.fitted = clone(self.estimator).fit(X, y)
        if hasattr(self.fitted, "classes_"):
            self.classes_ = self.fitted.classes_
        return self

    def predict(self, X):
        return self.fitted.predict(X)


class PlainClassifier(PlainRegressor):
    """A plain classifier: ``predict_proba`` and ``classes_``."""

    def predict_proba(self, X):
        return self.fitted.predict_proba(X)


@dataclass(frozen=True)
class ModelObject:
    """A model object a user brings, around the linear model of the table.

    "plain" is a plain object to fit, "plain_frozen" one already fitted,
    "function" a ModelFunction of the fitted model's output, "one_column" a
    ModelFunction returning one score per point (refused for three classes).
    """

    how: str

    def build(self, table, X_train, y):
        estimator = Model("linear", "unfitted").build(table, X_train, y)
        plain = (PlainClassifier if table.n_classes else PlainRegressor)(estimator)
        if self.how == "plain":
            return plain
        if self.how == "plain_frozen":
            return FrozenEstimator(plain.fit(X_train, y))
        fitted = estimator.fit(X_train, y)
        if not table.n_classes:
            return ModelFunction(fitted.predict)
        if self.how == "function":
            return ModelFunction(fitted.predict_proba, classes=fitted.classes_)
        return ModelFunction(
            lambda X: fitted.predict_proba(X)[:, -1], classes=fitted.classes_
        )


# -- helpers ------------------------------------------------------------------
def assert_unchanged(data, before):
    """``data`` equals its snapshot ``before``, values and dtypes."""
    if isinstance(data, pd.DataFrame):
        pd.testing.assert_frame_equal(data, before, check_exact=True)
    elif isinstance(data, np.ndarray) and data.dtype == object:  # NaN, None kept
        assert data.shape == before.shape and before.dtype == object
        pd.testing.assert_frame_equal(
            pd.DataFrame(data), pd.DataFrame(before), check_exact=True
        )
    else:
        np.testing.assert_array_equal(data, before, strict=True)


def rows_at(X, index):
    """Rows of an array or DataFrame at ``index``."""
    return X.iloc[index] if isinstance(X, pd.DataFrame) else X[index]


def fit_case(table, model, params, with_y=True):
    """Build a case and fit the explainer on it.

    Returns
    -------
    lime, X : the fitted explainer and the rows to explain, or None, None when
    the explainer refused the case with a clear error.
    """
    X_train, y, X = table.build()
    estimator = model.build(table, X_train, y)
    lime = LimeExplainer(
        estimator, categorical_features=table.categorical_features, **params
    )
    target = y if with_y or model.how != "frozen" else None
    before = snapshot((X_train, target))
    try:
        lime.fit(X_train, target)
    except Exception as exc:  # the property is about its type
        assert_clear_error(exc)
        return None, None
    finally:
        assert_unchanged(X_train, before[0])
        if target is not None:
            assert_unchanged(target, before[1])
    return lime, X


def classifies(model):
    """Whether a model is a classifier: by its tags, or else its ``classes_``."""
    if isinstance(model, FrozenEstimator):
        model = model.estimator
    if isinstance(model, BaseEstimator):
        return is_classifier(model)
    return hasattr(model, "classes_")


def expected_outputs(lime):
    """Number of coefficient blocks the model's kind calls for."""
    model = lime.estimator_
    if not classifies(model):
        return 1
    n_classes = len(model.classes_)
    return 1 if n_classes <= 2 else n_classes


def constant_features(X_train):
    """Columns with a single distinct training value (missing counts as one)."""
    frame = pd.DataFrame(X_train)
    return np.array(
        [frame.iloc[:, j].nunique(dropna=False) == 1 for j in range(frame.shape[1])]
    )


def model_output(lime, X):
    """The explained outputs of the model on ``X``, as the user computes them."""
    model = lime.estimator_
    if not classifies(model):
        return np.asarray(model.predict(X), dtype=float).reshape(len(X), -1)
    proba = np.asarray(model.predict_proba(X), dtype=float).reshape(len(X), -1)
    return proba[:, 1:] if proba.shape[1] == 2 else proba


# -- properties ---------------------------------------------------------------
@given(table=tables(), model=models, params=settings, with_y=st.booleans())
def test_transform_has_the_documented_shape_and_is_finite(table, model, params, with_y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lime, X = fit_case(table, model, params, with_y)
    check_warnings(caught)
    if lime is None:
        return
    before = snapshot(X)
    coef = call(lime.transform, X)
    assert_unchanged(X, before)
    if coef is None:
        return
    d = lime.n_features_in_
    assert len(lime.outputs_) == expected_outputs(lime)
    assert coef.shape == (len(X), len(lime.outputs_) * d)
    assert np.isfinite(coef).all(), coef
    assert lime.get_feature_names_out().shape == (coef.shape[1],)
    blocks = coef.reshape(len(X), -1, d)
    constant = constant_features(table.build()[0])
    assert (blocks[:, :, constant] == 0).all(), "a constant feature has a weight"


@given(table=tables(), model=models, params=settings)
def test_explain_fields_are_consistent_and_finite(table, model, params):
    lime, X = fit_case(table, model, params)
    if lime is None:
        return
    before = snapshot(X)
    explanation = call(lime.explain, X)
    assert_unchanged(X, before)
    if explanation is None:
        return
    n, d, k = len(X), lime.n_features_in_, len(lime.outputs_)
    np.testing.assert_array_equal(explanation.coef, call(lime.transform, X))
    for name, shape in [
        ("coef", (n, k * d)),
        ("standard_error", (n, k * d)),
        ("intercept", (n, k)),
        ("local_prediction", (n, k)),
        ("model_prediction", (n, k)),
        ("score", (n, k)),
        ("effective_sample_size", (n,)),
        ("selected", (n, k, d)),
    ]:
        assert getattr(explanation, name).shape == shape, name
    for name in ["coef", "intercept", "local_prediction", "model_prediction"]:
        assert np.isfinite(getattr(explanation, name)).all(), name
    assert np.isfinite(explanation.score).all()
    assert (explanation.score <= 1 + 1e-9).all()
    ess = explanation.effective_sample_size
    assert np.isfinite(ess).all() and (ess >= 1 - 1e-9).all()
    assert (ess <= lime.num_samples * (1 + 1e-9)).all()
    np.testing.assert_allclose(
        explanation.model_prediction, model_output(lime, X), rtol=1e-9, atol=1e-12
    )

    selected = explanation.selected
    coef = explanation.coef.reshape(n, k, d)
    error = explanation.standard_error.reshape(n, k, d)
    assert not np.isnan(error).any(), "a standard error is NaN"
    assert (error >= 0).all()
    assert (coef[~selected] == 0).all(), "a feature not selected has a weight"
    assert (error[~selected] == 0).all(), "a feature not selected has an error"
    # Without a discretizer, exactly the features that vary in training can
    # vary in the sample (a binned one may have a single populated bin).
    varying = ~constant_features(table.build()[0])
    wanted = lime.num_features
    if wanted is not None and lime.feature_selection != "none":
        assert (selected.sum(axis=2) <= wanted).all()
        if lime.discretizer is None and wanted <= varying.sum():
            assert (selected.sum(axis=2) == wanted).all(), "not num_features features"
    # A selected feature that varies, with residual variance left (in-sample
    # R^2 below 1), cannot be known exactly. Only the training rows: the
    # others may hold unseen categories, whose indicator never varies.
    residual = explanation.score < 1 - 1e-6
    suspicious = selected & varying & residual[:, :, None] & (error == 0)
    if lime.discretizer is None:
        seen = min(table.n_train, N_KNOWN)
        assert not suspicious[:seen].any(), "a selected feature has a zero error"

    assert len(explanation) == n
    for row in range(n):
        for output in explanation.outputs:
            pairs = explanation.as_list(row, output)
            index = explanation.output_index(row, output)
            assert len(pairs) == selected[row, index].sum()
            weights = np.abs([w for _, w in pairs])
            assert (np.diff(weights) <= 0).all()
            assert all(isinstance(label, str) and label for label, _ in pairs)
    long = explanation.to_frame()
    assert len(long) == selected.sum()
    assert np.isfinite(long["weight"].to_numpy(dtype=float)).all()
    wide = explanation.to_frame("wide")
    np.testing.assert_array_equal(wide.to_numpy(), explanation.coef)
    assert wide.columns.tolist() == lime.get_feature_names_out().tolist()


@pytest.mark.parametrize("how", ["plain", "plain_frozen", "function", "one_column"])
@hypothesis.settings(max_examples=15)
@given(table=tables(), params=settings)
def test_model_objects_of_every_kind_are_explained_or_refused(how, table, params):
    """Plain objects, frozen or not, and functions: explained like estimators.

    One score per point for three classes says nothing of which class it
    is: it must be refused, not explained as one of them.
    """
    model = ModelObject(how)
    X_train, y, _ = table.build()
    if model.how == "one_column" and table.n_classes and len(np.unique(y)) == 3:
        lime = LimeExplainer(
            model.build(table, X_train, y),
            categorical_features=table.categorical_features,
        )
        with pytest.raises(ValueError, match="returned 1 column for 3 classes"):
            lime.fit(X_train)
        return
    lime, X = fit_case(table, model, params)
    if lime is None:
        return
    explanation = call(lime.explain, X)
    if explanation is None:
        return
    n, d, k = len(X), lime.n_features_in_, len(lime.outputs_)
    assert k == expected_outputs(lime)
    assert explanation.coef.shape == (n, k * d)
    assert np.isfinite(explanation.coef).all()
    np.testing.assert_allclose(
        explanation.model_prediction, model_output(lime, X), rtol=1e-9, atol=1e-12
    )


def assert_same_rows(actual, expected, name):
    """Equal up to a few roundings: relative 1e-12 of the array's largest entry."""
    if expected.dtype == bool:
        np.testing.assert_array_equal(actual, expected, name)
        return
    atol = 1e-12 * np.abs(expected).max(initial=0.0)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=atol, err_msg=name)


@given(table=tables(), model=models, params=settings)
def test_a_row_gets_the_same_explanation_in_any_batch(table, model, params):
    # Bit for bit, in any order and in a smaller batch, when the model's own
    # predictions are reproducible to the bit, as a tree's are. A linear
    # model's predict is a BLAS product whose last bit can change with the
    # number of points in the call (or the memory alignment of its input):
    # it gets a tolerance of rounding.
    lime, X = fit_case(table, model, params)
    if lime is None:
        return
    full = call(lime.explain, X)
    if full is None:
        return
    exact = model.name == "tree"
    same = np.testing.assert_array_equal if exact else assert_same_rows
    reverse = lime.explain(rows_at(X, slice(None, None, -1)))
    subset = np.arange(len(X))[1::2]
    part = lime.explain(rows_at(X, subset))
    for name in ["coef", "standard_error", "intercept", "selected"]:
        value = getattr(full, name)
        same(getattr(reverse, name)[::-1], value, name)
        same(getattr(part, name), value[subset], name)
    same(lime.transform(rows_at(X, subset)), full.coef[subset], "coef")


@given(table=tables(n_train=(2, 5, 30)), model=models, params=settings)
def test_score_and_metrics_are_finite(table, model, params):
    lime, X = fit_case(table, model, params)
    if lime is None:
        return
    before = snapshot(X)
    score = call(lime.score, X)
    assert_unchanged(X, before)
    if score is None:
        return
    assert isinstance(score, float) and np.isfinite(score) and score <= 1
    assert neighborhood_fidelity(lime, X) == score
    # The rows were scored, so they can be explained.
    ess = effective_sample_size(lime, X)
    assert ess.shape == (len(X),) and np.isfinite(ess).all()
    top_k = min(2, lime.n_features_in_)
    stability = explanation_stability(lime, X, n_seeds=2, top_k=top_k, random_state=0)
    assert 0 <= stability.jaccard <= 1 and np.isfinite(stability.coef_spread)
    assert stability.row_jaccard.shape == stability.row_spread.shape == (len(X),)
    assert np.isfinite(stability.row_spread).all()
    assert_unchanged(X, before)


@given(
    table=tables(n_train=(3, 12)),
    model=models,
    params=settings,
    n_picks=st.integers(1, 4),
    sample_size=st.sampled_from([None, 1, 3]),
)
def test_submodular_pick_returns_distinct_rows(
    table, model, params, n_picks, sample_size
):
    lime, X = fit_case(table, model, params)
    if lime is None:
        return
    explanation = call(lime.explain, X)
    if explanation is None:
        return
    for source, n_rows in [(explanation, len(X)), (explanation.coef, len(X))]:
        picks = call(submodular_pick, source, n_picks)
        if picks is not None:
            assert n_picks <= n_rows
            assert picks.shape == (n_picks,) and len(set(picks.tolist())) == n_picks
            assert ((0 <= picks) & (picks < n_rows)).all()
    before = snapshot(X)
    picks = call(
        submodular_pick, lime, n_picks, X=X, sample_size=sample_size, random_state=0
    )
    assert_unchanged(X, before)
    if picks is not None:
        assert picks.shape == (n_picks,) and len(set(picks.tolist())) == n_picks
        assert ((0 <= picks) & (picks < len(X))).all()


@given(
    table=tables(n_train=(3, 12)),
    failure=st.sampled_from(["raise", "shape", "columns", "nan", "inf"]),
    after=st.sampled_from([0, 5]),
    params=settings,
)
def test_a_misbehaving_model_gives_a_clear_error(table, failure, after, params):
    # Two columns from the start is a valid two-output regressor.
    hypothesis.assume(not (failure == "columns" and after == 0))
    X_train, y, X = table.build()
    model = FrozenEstimator(BrokenModel(failure, after).fit(X_train))
    lime = LimeExplainer(
        model, categorical_features=table.categorical_features, **params
    )
    with pytest.raises((ValueError, TypeError)) as info:
        lime.fit(X_train, y)
        lime.transform(X)
    assert str(info.value).strip()


#: Settings where the surrogates are well determined (some ridge penalty, a
#: kernel that keeps samples), so that any exact algorithm gives one answer.
determined = st.fixed_dictionaries(
    {
        "sampler": st.sampled_from(["sobol", "random"]),
        "num_features": st.sampled_from([None, 1, 2, 5]),
        "feature_selection": st.sampled_from(
            ["auto", "none", "highest_weights", "forward_selection", "lasso_path"]
        ),
        "kernel_width": st.sampled_from([None, 5.0]),
        "alpha": st.sampled_from([1.0, 100.0]),
        "num_samples": st.sampled_from([64, 200]),
        "random_state": st.integers(0, 1000),
    }
)


@given(table=tables(), params=determined)
def test_wide_table_algorithms_agree_with_the_formed_matrices(table, params):
    # Past FORMED_MAX_FEATURES, marginal sampling of continuous features
    # selects from Gram columns computed on demand and solves by conjugate
    # gradients; the formed matrices must give the same surrogates.
    lime, X = fit_case(table, Model("tree", "frozen"), params)
    if lime is None:
        return
    expected = call(lime.transform, X)
    if expected is None:
        return
    with mock.patch("sklime._core._surrogate.FORMED_MAX_FEATURES", 0):
        # A new explainer: the prepared design is kept by the fitted one.
        lime, X = fit_case(table, Model("tree", "frozen"), params)
        wide = call(lime.transform, X)
    scale = np.abs(expected).max(initial=0.0)
    np.testing.assert_allclose(wide, expected, rtol=1e-7, atol=1e-7 * scale)


@given(
    seed=st.integers(0, 2**16),
    n_train=st.sampled_from([2, 5, 30, 200]),
    decimals=st.sampled_from([0, 1, 3]),
    scale=st.sampled_from([1e-300, 1e-9, 1.0, 1e9, 1e300]),
    shift=st.sampled_from([0.0, -3.0, 1e3]),
    n_classes=st.sampled_from([0, 2, 3]),
)
def test_entropy_bins_follow_a_rescaling_and_shift_of_the_data(
    seed, n_train, decimals, scale, shift, n_classes
):
    # Tied values (rounded to a few decimals) and any units: the training rows
    # fall in the same bins, and the edges move with the data.
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n_train, 2)), decimals)
    y = np.arange(n_train) % n_classes if n_classes else X[:, 0] - 2 * X[:, 1] ** 2
    moved = (X + shift) * scale
    rounding = 1e-12 * (abs(shift) + np.abs(X).max()) * scale

    def edges(data):
        model = FrozenEstimator(DummyRegressor().fit(data, y))
        lime = LimeExplainer(model, discretizer="entropy", num_samples=16)
        return lime.fit(data, y)._describer.edges

    for reference, got, column, moved_column in zip(
        edges(X), edges(moved), X.T, moved.T, strict=True
    ):
        np.testing.assert_array_equal(
            np.searchsorted(got, moved_column), np.searchsorted(reference, column)
        )
        np.testing.assert_allclose(
            got, (reference + shift) * scale, rtol=0, atol=rounding
        )


# -- tables with missing values ------------------------------------------------
# The same properties, on tables whose columns miss some values.


@given(table=tables(missing=True), model=models, params=settings, with_y=st.booleans())
def test_missing_values_give_the_documented_shape_and_finite_output(
    table, model, params, with_y
):
    inner = test_transform_has_the_documented_shape_and_is_finite.hypothesis
    inner.inner_test(table, model, params, with_y)


@given(table=tables(missing=True), model=models, params=settings)
def test_missing_values_give_consistent_finite_explanations(table, model, params):
    test_explain_fields_are_consistent_and_finite.hypothesis.inner_test(
        table, model, params
    )


@given(table=tables(missing=True), model=models, params=settings)
def test_a_row_with_missing_values_gets_the_same_explanation_in_any_batch(
    table, model, params
):
    test_a_row_gets_the_same_explanation_in_any_batch.hypothesis.inner_test(
        table, model, params
    )


@given(table=tables(n_train=(2, 5, 30), missing=True), model=models, params=settings)
def test_missing_values_give_finite_scores_and_metrics(table, model, params):
    test_score_and_metrics_are_finite.hypothesis.inner_test(table, model, params)


#: Settings of kernel_width="auto": few samples, so that the five widths it
#: scores stay cheap.
auto_settings = settings.map(
    lambda params: {
        **params,
        "kernel_width": "auto",
        "num_samples": min(params["num_samples"], 33),
    }
)


@hypothesis.settings(max_examples=8)
@given(table=tables(n_train=(1, 2, 3, 5, 12)), model=models, params=auto_settings)
def test_auto_width_is_one_of_its_scored_widths_and_explains_as_it(
    table, model, params
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        lime, X = fit_case(table, model, params)
    if lime is None:
        return
    scores = lime.kernel_width_scores_
    assert lime.kernel_width_ in scores["kernel_width"]
    for name in ("adherence", "stability", "fidelity"):
        assert scores[name].shape == (5,) and np.isfinite(scores[name]).all(), name
        assert (scores[name] <= 1 + 1e-9).all(), name
    assert ((scores["stability"] >= 0) & (scores["stability"] <= 1)).all()
    coef = call(lime.transform, X)
    if coef is None:
        return
    # The same random_state chooses the same width; the chosen width given
    # as a number explains to the bit as "auto" did, and drops the scores.
    X_train, y, _ = table.build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = clone(lime).fit(X_train, y)
        assert again.kernel_width_ == lime.kernel_width_
        np.testing.assert_array_equal(again.transform(X), coef)
        again.set_params(kernel_width=lime.kernel_width_).fit(X_train, y)
        assert not hasattr(again, "kernel_width_scores_")
        np.testing.assert_array_equal(again.transform(X), coef)


@hypothesis.settings(max_examples=12)
@given(
    table=tables(n_train=(1, 2, 5, 12)),
    model=models,
    params=settings,
    widths=st.lists(st.sampled_from([1e-3, 0.3, 0.3, 1.0, 5.0]), min_size=1),
)
def test_choose_width_picks_a_given_width_and_leaves_the_explainer(
    table, model, params, widths
):
    params = {**params, "num_samples": min(params["num_samples"], 33)}
    lime, X = fit_case(table, model, params)
    if lime is None:
        return
    state = dict(vars(lime))
    before = snapshot((X, widths))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            width, scores = choose_width(lime, X, widths, n_seeds=2)
        except Exception as exc:  # the property is about its type
            assert_clear_error(exc)
            return
    assert_unchanged(X, before[0])
    assert widths == before[1]
    assert vars(lime).keys() == state.keys()
    assert all(value is state[name] for name, value in vars(lime).items())
    assert width in widths
    np.testing.assert_array_equal(scores["kernel_width"], widths)
    for name in ("adherence", "stability", "fidelity"):
        assert scores[name].shape == (len(widths),), name
        assert np.isfinite(scores[name]).all(), name
        # A width given twice scores the same twice.
        for w in set(widths):
            same = scores[name][np.asarray(widths) == w]
            np.testing.assert_array_equal(same, same[0], err_msg=name)
