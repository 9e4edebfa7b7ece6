"""The benchmark's models (cases) and explainer settings, for lime and sklime alike."""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import is_classifier
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    make_classification,
    make_regression,
)
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklime import LimeExplainer

CASES = ("diabetes", "breast_cancer", "classification50")
SETTINGS = ("default", "continuous", "local", "mask")


@dataclass
class Case:
    name: str
    label: str
    X: np.ndarray
    model: object

    @property
    def classifier(self):
        return is_classifier(self.model)

    @property
    def predict(self):
        """The model output both explainers use."""
        return self.model.predict_proba if self.classifier else self.model.predict

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
