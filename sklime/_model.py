"""The black box: resolving, fitting and querying the explained model."""

from collections import Counter

import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._adapter import ModelFunction
from ._compat import _num_samples
from ._core._threads import model_threads


def fit_black_box(estimator, X, y, seed, default, explainer, fit_note):
    """Return the fitted model to explain.

    ``None`` becomes ``default(y)`` fitted on ``(X, y)``; a
    :class:`~sklearn.frozen.FrozenEstimator` or a
    :class:`sklime.ModelFunction` is used as it is (never copied); any other
    estimator is cloned (an object outside scikit-learn is deep-copied), its
    unset nested ``random_state`` parameters are seeded from ``seed``, and it
    is fitted (without ``y`` only when its tags say it needs none). An error
    of the model's own ``fit`` is raised again with what was being fitted and
    how to fix it, the original as its ``__cause__``.

    Parameters
    ----------
    estimator : estimator or None
    X : array-like of shape (n_samples, ...)
    y : array-like of shape (n_samples,) or None
    seed : int
    default : callable
        ``default(y)`` returns the unfitted default model for the target.
    explainer : str
        Name of the explainer, for error messages.
    fit_note : tuple of str
        What the model is fitted on and how to fix a failing fit, for the
        error of a model whose ``fit`` raises.

    Returns
    -------
    model : fitted estimator
    """
    if isinstance(estimator, FrozenEstimator):
        return estimator
    if isinstance(estimator, ModelFunction):
        return estimator.fit(X, y)
    if y is None and needs_target(estimator):
        raise ValueError(_missing_y_message(estimator, explainer))
    model = None if estimator is None else _unfitted_copy(estimator, explainer)
    try:
        if model is None:
            model = default(y)
        _seed_random_states(model, seed)
        model.fit(X, y)  # a home-made fit may not return self
    except Exception as exc:
        raise _kind_of(exc)(
            _fit_error_message(estimator, exc, _num_samples(X), explainer, fit_note)
        ) from exc
    return model


def _unfitted_copy(estimator, explainer):
    """A copy of ``estimator`` to fit: its clone, or a deep copy of a plain object."""
    try:
        return clone(estimator, safe=False)
    except Exception as exc:
        raise _kind_of(exc)(
            f"{explainer} could not copy the estimator {estimator!r} to fit it "
            f"({type(exc).__name__}: {exc}); {explainer} fits a copy and leaves "
            "yours as it is. Fit the model yourself and pass "
            "FrozenEstimator(model), or wrap its prediction function: "
            "ModelFunction(model.predict) for a regressor, "
            "ModelFunction(model.predict_proba, classes=model.classes_) for a "
            "classifier."
        ) from exc


def _seed_random_states(model, seed):
    """Seed the unset ``random_state`` parameters of ``model`` and its parts."""
    if not hasattr(model, "get_params"):
        return
    rng = np.random.RandomState(seed)
    unset = {
        key: int(rng.randint(np.iinfo(np.int32).max))
        for key, value in sorted(model.get_params(deep=True).items())
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    if unset:
        model.set_params(**unset)


def _kind_of(exc):
    """The error type that wraps ``exc``: TypeError for a TypeError, else ValueError.

    A wrapped ValueError (or a subclass) stays a ValueError, so that an
    ``except ValueError`` around the explainer's ``fit`` still catches it.
    """
    if isinstance(exc, TypeError) and not isinstance(exc, ValueError):
        return TypeError
    return ValueError


def _fit_error_message(estimator, exc, n_samples, explainer, fit_note):
    """The error for a model whose own ``fit`` raised ``exc``."""
    data, fix = fit_note
    what = "the default model" if estimator is None else f"the estimator {estimator!r}"
    return (
        f"{explainer} could not fit its model: fitting {what} on the {n_samples} "
        f"{data} raised {type(exc).__name__}: {str(exc).rstrip('.')}. {fix}"
    )


def needs_target(estimator):
    """Whether fitting an explainer with ``estimator`` needs ``y``.

    The default model and any estimator that needs a target to fit do; a
    :class:`~sklearn.frozen.FrozenEstimator` (already fitted) and a
    :class:`sklime.ModelFunction` do not.
    """
    if estimator is None:
        return True
    if isinstance(estimator, FrozenEstimator):
        return False
    tags = _tags(estimator)
    return tags is None or tags.target_tags.required


def takes_missing_values(estimator):
    """Whether ``estimator`` says it takes NaN (scikit-learn's ``allow_nan`` tag).

    The default forest does; an object without tags is taken to, since a
    model that cannot take NaN fails in its own call, and that error is
    reported.
    """
    tags = None if estimator is None else _tags(estimator)
    return tags is None or tags.input_tags.allow_nan


def _tags(model):
    """The scikit-learn tags of ``model``, or None for an object without them.

    A :class:`~sklearn.frozen.FrozenEstimator` is looked through, so that a
    frozen plain object (one that does not derive from
    :class:`~sklearn.base.BaseEstimator`) has no tags either.
    """
    while isinstance(model, FrozenEstimator):
        model = model.estimator
    if not hasattr(model, "__sklearn_tags__"):
        return None
    try:
        return get_tags(model)
    except AttributeError:  # mixins without BaseEstimator
        return None


def model_is_classifier(model):
    """Whether ``model`` is a classifier, by its tags or else its ``classes_``.

    An object outside scikit-learn's tags machinery is a classifier when it
    has ``classes_`` (the labels of its ``predict_proba`` columns).
    """
    tags = _tags(model)
    if tags is None:
        return hasattr(model, "classes_")
    return tags.estimator_type == "classifier"


def is_class_target(y):
    """Whether ``y`` holds class labels rather than a regression target.

    Integer-valued floats (such as ``load_diabetes``'s target) are a
    regression target, although ``type_of_target`` calls them multiclass.
    """
    target = type_of_target(y)
    is_float = np.asarray(y).dtype.kind == "f"
    return target == "binary" or (target == "multiclass" and not is_float)


def default_estimator(y, categorical):
    """A random forest classifier for class labels, else a regressor.

    With categorical columns, the forest follows a one-hot encoder of them
    that ignores categories unseen in fit (perturbations keep such a row's
    own value); the other columns pass through.
    """
    if is_class_target(y):
        forest = RandomForestClassifier()
    else:
        forest = RandomForestRegressor()
    if not np.any(categorical):
        return forest
    encoder = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                np.flatnonzero(categorical).tolist(),
            )
        ],
        remainder="passthrough",
    )
    return Pipeline([("encode", encoder), ("forest", forest)])


def _missing_y_message(estimator, explainer):
    """The error for fit without y, saying what to pass instead."""
    head = (
        f"This {explainer} estimator requires y to be passed, but the target y is None"
    )
    if estimator is None:
        return (
            f"{head}: without an estimator, {explainer} fits a default model "
            "on (X, y). Pass y, or pass your fitted model as "
            "estimator=FrozenEstimator(model)."
        )
    if _tags(estimator) is None:
        return (
            f"{head}: {explainer} fits the estimator {estimator!r} on (X, y). "
            "Pass y, or, if the model is already fitted, explain it as it is: "
            f"{explainer}(FrozenEstimator(model)) with "
            "`from sklearn.frozen import FrozenEstimator`."
        )
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return f"{head}: y is needed to fit the unfitted estimator {estimator!r}."
    return (
        f"{head}. The estimator {estimator!r} is already fitted, but {explainer} "
        "clones and refits its estimator. To explain the fitted model as it is, "
        f"wrap it: {explainer}(FrozenEstimator(model)) with "
        "`from sklearn.frozen import FrozenEstimator`."
    )


def is_ensemble(model):
    """Whether ``model`` (or the last step it wraps) is a fitted ensemble.

    An ensemble has fitted members (``estimators_``: random forests,
    bagging, boosting, voting, stacking) and every call to it calls each of
    them, often through joblib, so that each call has a cost of its own,
    whatever the number of points.
    :class:`~sklearn.frozen.FrozenEstimator` and
    :class:`~sklearn.pipeline.Pipeline` are looked through.

    Parameters
    ----------
    model : object

    Returns
    -------
    bool
    """
    while isinstance(model, (FrozenEstimator, Pipeline)):
        model = model.estimator if isinstance(model, FrozenEstimator) else model[-1]
    return hasattr(model, "estimators_")


def _check_distinct(classes):
    """Refuse class labels that repeat: each labels one output column."""
    counts = Counter(classes.tolist())
    repeated = [label for label, count in counts.items() if count > 1]
    if repeated:
        raise ValueError(
            f"The estimator's classes_ {classes.tolist()} repeat "
            f"{repeated}; each class labels one column of its "
            "output. Pass each class once, in the order of the columns (for a "
            "ModelFunction, classes=[...])."
        )


class BlackBox:
    """Calls the model's response method and checks what comes back.

    Parameters
    ----------
    model : fitted estimator
    response_method : {"auto", "predict", "predict_proba", "decision_function"}
        "auto" is ``predict_proba`` for classifiers (``decision_function`` when
        they have no ``predict_proba``) and ``predict`` otherwise.
    probe : ndarray or DataFrame
        A few training rows, queried once to learn the output's width.
    input_note : str
        What the explainer sends the model, said when the model raises.

    Attributes
    ----------
    method : str
        The response method used.
    outputs : ndarray of shape (n_outputs,)
        What each explained output column is: the positive class of a binary
        classifier, each class of a multiclass one, ``None`` for a single
        regression target, output indices for multi-output regression.
    ensemble : bool
        Whether the model is an ensemble (see :func:`is_ensemble`): each of
        its calls costs a call of every member, so it gets few large calls.
    """

    def __init__(self, model, response_method, probe, input_note):
        self.model = model
        self.ensemble = is_ensemble(model)
        self.input_note = input_note
        self.classifier = model_is_classifier(model)
        self.method = self._resolve(response_method)
        self._width = None
        out = self._call(probe)
        self._width = out.shape[1]
        self._columns, self.outputs = self._output_columns(out.shape[1])

    def _resolve(self, response_method):
        if response_method in ("auto", "predict_proba"):
            self._check_labeled_proba()
        if response_method == "auto":
            if not self.classifier:
                response_method = "predict"
            elif hasattr(self.model, "predict_proba"):
                response_method = "predict_proba"
            else:
                response_method = "decision_function"
        if self.classifier and response_method == "predict":
            raise ValueError(
                "response_method='predict' returns class labels, which a linear "
                "surrogate cannot explain. Use 'predict_proba' or "
                "'decision_function' for classifiers."
            )
        if not hasattr(self.model, response_method):
            raise ValueError(
                f"The estimator {self.model!r} has no {response_method} method. "
                "Choose another response_method."
            )
        return response_method

    def _check_labeled_proba(self):
        """Refuse probabilities of an object that does not name its classes."""
        if self.classifier or _tags(self.model) is not None:
            return
        if hasattr(self.model, "predict_proba"):
            raise ValueError(
                f"The estimator {self.model!r} has predict_proba but no "
                "classes_, so the class of each probability column is unknown. "
                "Set its classes_ attribute in fit (the labels of the columns, in "
                "order), or wrap the function: ModelFunction(model.predict_proba, "
                "classes=[...]) with `from sklime import ModelFunction`."
            )

    def _output_columns(self, width):
        """Columns of the raw output to explain and what they stand for."""
        if not self.classifier:
            names = [None] if width == 1 else list(range(width))
            return slice(None), np.asarray(names, dtype=object)
        classes = np.asarray(self.model.classes_)
        _check_distinct(classes)
        if width == 1 and len(classes) <= 2:  # binary decision_function
            return slice(None), classes[-1:]
        if width != len(classes):
            raise ValueError(
                f"The estimator's {self.method} returned {width} "
                f"column{'s' if width != 1 else ''} for {len(classes)} classes; "
                "it must return one column per class."
            )
        if width == 2:  # binary: one block, the positive class
            return slice(1, 2), classes[1:]
        return slice(None), classes

    def __call__(self, X):
        """Model output on ``X`` as an array of shape (n_points, n_outputs)."""
        return self._call(X)[:, self._columns]

    def _call(self, X):
        n_points = _num_samples(X)
        try:
            with model_threads():
                out = getattr(self.model, self.method)(X)
        except Exception as exc:
            raise ValueError(
                f"The estimator's {self.method} raised {type(exc).__name__} on "
                f"{n_points} inputs (perturbations of the explained instances, or "
                f"the instances themselves): {exc}. {self.input_note}"
            ) from exc
        try:
            out = np.asarray(out, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"The estimator's {self.method} returned non-numeric output "
                f"({exc}); choose a response_method that returns numbers."
            ) from exc
        if out.ndim == 1:
            out = out[:, None]
        expected = (n_points, self._width or (out.shape[1] if out.ndim == 2 else -1))
        if out.shape != expected:
            raise ValueError(
                f"The estimator's {self.method} returned an array of shape "
                f"{out.shape} for {n_points} points; expected {expected}. "
                "The model must return one row (of a fixed width) per point."
            )
        # A finite sum proves every value finite; only otherwise look closer.
        with np.errstate(over="ignore", invalid="ignore"):
            finite_sum = np.isfinite(out.sum())
        if not finite_sum and not np.isfinite(out).all():
            raise ValueError(
                f"The estimator's {self.method} returned NaN or infinite values; "
                "LIME needs finite model outputs."
            )
        return out
