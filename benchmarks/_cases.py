"""The benchmark's models (cases) and explainer settings, for lime and sklime alike."""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import is_classifier
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_wine,
    make_classification,
    make_regression,
)
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklime import LimeExplainer

CASES = ("diabetes", "breast_cancer", "classification50")
SETTINGS = ("default", "continuous", "local", "mask")


class _Model:
    """What both explainers need of a case's fitted ``model``."""

    @property
    def classifier(self):
        return is_classifier(self.model)

    @property
    def predict(self):
        """The model output both explainers use (lime gets it on arrays)."""
        return self.model.predict_proba if self.classifier else self.model.predict


@dataclass
class Case(_Model):
    name: str
    label: str
    X: np.ndarray
    model: object

    @property
    def n_features(self):
        return self.X.shape[1]

    def rows(self, n):
        """``n`` rows to explain (the data repeated if it has fewer rows)."""
        return np.resize(self.X, (n, self.n_features))


def make_case(name, seed):
    if name == "diabetes":
        X, y = load_diabetes(return_X_y=True)
        model = RandomForestRegressor(n_estimators=100, random_state=seed)
        label = "diabetes / random forest"
    elif name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        label = "breast_cancer / scaler+logistic"
    elif name == "classification50":
        X, y = make_classification(
            n_samples=2000, n_features=50, n_informative=10, random_state=seed
        )
        model = HistGradientBoostingClassifier(random_state=seed)
        label = "make_classification 50 / HGB"
    else:
        raise ValueError(name)
    return Case(name, label, X, model.fit(X, y))


@dataclass
class Setting:
    name: str
    label: str
    sampling: str
    sklime_params: dict
    lime_init: dict | None = None
    lime_explain: dict = field(default_factory=dict)


def make_setting(name, n_features):
    if name == "default":
        return Setting(
            name,
            "(a) quartile bins, fwd sel 5",
            "marginal",
            dict(discretizer="quartile", num_features=5, feature_selection="auto"),
            dict(discretize_continuous=True, discretizer="quartile"),
            dict(num_features=5),
        )
    if name == "continuous":
        return Setting(
            name,
            "(b) continuous, no selection",
            "marginal",
            {},
            dict(discretize_continuous=False, feature_selection="none"),
            dict(num_features=n_features),
        )
    if name == "local":
        return Setting(
            name,
            "(c) local sampling",
            "local",
            dict(sampling="local"),
            dict(
                discretize_continuous=False,
                sample_around_instance=True,
                feature_selection="none",
            ),
            dict(num_features=n_features),
        )
    if name == "mask":
        return Setting(name, "(d) mask sampling", "mask", dict(sampling="mask"))
    raise ValueError(name)


def make_sklime(case, setting, num_samples, seed, **extra):
    params = dict(setting.sklime_params, **extra)
    est = LimeExplainer(
        FrozenEstimator(case.model),
        num_samples=num_samples,
        random_state=seed,
        **params,
    )
    return est.fit(case.X)


def many_rows_case(n_rows, num_samples, seed, **params):
    """The case of the scaling sections (memory, dask): ``Ridge`` on 10
    features of ``make_regression``, marginal sampling, and ``n_rows`` standard
    normal rows to explain. Returns the fitted explainer and the rows."""
    X, y = make_regression(n_samples=2000, n_features=10, random_state=seed)
    model = Ridge().fit(X, y)
    rows = np.random.default_rng(seed).standard_normal((n_rows, X.shape[1]))
    est = LimeExplainer(
        FrozenEstimator(model), num_samples=num_samples, random_state=seed, **params
    )
    return est.fit(X), rows


#: The cases of section ``onerow``: models as users fit them, explained with
#: every default left alone.
USER_CASES = ("cancer_forest", "wine_hgb", "diabetes_forest", "cancer_pipeline", "iris")


@dataclass
class UserCase(_Model):
    """A model fitted on a DataFrame, the data the explainers are fitted on,
    the rows to explain and the settings of both explainers.

    ``sklime_params`` are the parameters given to ``LimeExplainer`` beside
    ``FrozenEstimator(model)`` and ``random_state``; ``lime_init`` and
    ``lime_explain`` those of ``LimeTabularExplainer`` (beside the training
    data, ``mode`` and ``random_state``) and of ``explain_instance`` (beside
    the row and the model's function).
    """

    name: str
    label: str
    X_train: object
    X_rows: object
    model: object
    sklime_params: dict
    lime_init: dict
    lime_explain: dict


def make_user_case(name, seed):
    """One of :data:`USER_CASES`, fitted.

    Every case but ``iris`` pairs sklime's defaults (continuous features,
    marginal sampling, all features kept) with lime's equivalent, the
    ``continuous`` setting of the comparison: ``discretize_continuous=False,
    feature_selection="none"``, ``num_features`` = all features; both
    explainers are fitted on the whole data set and explain its rows. ``iris``
    is the row of lime's tabular tutorial: a random forest of 500 trees fitted
    on 80% of iris, lime's defaults (``discretize_continuous=True``, quartile
    bins) with ``explain_instance(num_features=2, top_labels=1)`` against
    ``LimeExplainer(discretizer="quartile", num_features=2)``, explaining the
    held-out rows.
    """
    if name == "iris":
        X, y = load_iris(return_X_y=True, as_frame=True)
        X_train, X_test, y_train, _ = train_test_split(
            X, y, train_size=0.8, random_state=seed
        )
        model = RandomForestClassifier(n_estimators=500, random_state=seed)
        return UserCase(
            name,
            "lime tutorial: iris, 500 trees, quartiles",
            X_train,
            X_test,
            model.fit(X_train, y_train),
            dict(discretizer="quartile", num_features=2),
            {},  # lime's defaults: discretize_continuous=True, quartile bins
            dict(num_features=2, top_labels=1),
        )
    if name == "cancer_forest":
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        model = RandomForestClassifier(n_estimators=100, random_state=seed)
        label = "breast cancer, forest of 100"
    elif name == "wine_hgb":
        X, y = load_wine(return_X_y=True, as_frame=True)
        model = HistGradientBoostingClassifier(random_state=seed)
        label = "wine (3 classes), HGB"
    elif name == "diabetes_forest":
        X, y = load_diabetes(return_X_y=True, as_frame=True)
        model = RandomForestRegressor(n_estimators=100, random_state=seed)
        label = "diabetes (regression), forest of 100"
    elif name == "cancer_pipeline":
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        label = "breast cancer, scaler+logistic"
    else:
        raise ValueError(name)
    lime = make_setting("continuous", X.shape[1])
    return UserCase(
        name, label, X, X, model.fit(X, y), {}, lime.lime_init, lime.lime_explain
    )
