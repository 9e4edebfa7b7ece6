"""Any model as an estimator: a function of a list of inputs to its outputs."""

import numpy as np
from sklearn.base import BaseEstimator

from ._compat import _fit_context

#: The error of a ModelFunction asked for classes it was not given.
_NO_CLASSES = (
    "This ModelFunction has no classes: it returns a regression output or "
    "scores. Pass classes=[...] for class probabilities."
)


class ModelFunction(BaseEstimator):
    """A plain function, used as a fitted model by the explainers.

    Text and image models often come from outside scikit-learn (a
    transformers pipeline, a spaCy or PyTorch model, a rule-based scorer).
    Wrap the function that scores a batch of inputs, and pass the wrapper as
    the explainer's ``estimator``: fitting it does nothing, so no target is
    needed. Like :class:`~sklearn.frozen.FrozenEstimator`, it is never copied:
    :func:`~sklearn.base.clone` returns the wrapper itself, so the explainers
    call your own function object (a model holding locks, or too large to
    copy, is used as it is).

    Parameters
    ----------
    function : callable
        ``function(inputs) -> outputs``: a list of str (documents) or an array
        of inputs in, one row of numbers per input out, such as class
        probabilities of shape (n_inputs, n_classes) or one score per input.
        Must be picklable to use ``n_jobs`` with process-based backends.
    classes : array-like or None, default=None
        Class labels of the output columns: the function returns class
        probabilities (``predict_proba``). None means the function returns
        a regression output or scores (``predict``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (only with ``classes``). Set without fitting, so
        that the wrapper also works inside
        :class:`~sklearn.frozen.FrozenEstimator`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklime import LimeTextExplainer, ModelFunction
    >>> def positive(docs):
    ...     p = np.array([0.9 if "good" in d.split() else 0.2 for d in docs])
    ...     return np.column_stack([1 - p, p])
    >>> model = ModelFunction(positive, classes=["neg", "pos"])
    >>> lime = LimeTextExplainer(model, num_samples=300, random_state=0)
    >>> explanation = lime.fit(["a good film", "a bad film"]).explain(["a good film"])
    >>> explanation.as_list(0)[0][0]
    'good'
    """

    _parameter_constraints: dict = {
        "function": [callable],
        "classes": ["array-like", None],
    }

    def __init__(self, function, *, classes=None):
        self.function = function
        self.classes = classes

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Do nothing: the function is the model.

        Parameters
        ----------
        X, y : ignored

        Returns
        -------
        self : object
        """
        del X, y
        return self

    def __sklearn_clone__(self):
        """The wrapper itself: the user's function is never copied."""
        return self

    @property
    def classes_(self):
        """The class labels, from ``classes`` (no fitting needed)."""
        if self.classes is None:
            raise AttributeError(_NO_CLASSES)
        return np.asarray(self.classes)

    def predict_proba(self, X):
        """The function's class probabilities (only with ``classes``)."""
        if self.classes is None:
            raise AttributeError(_NO_CLASSES)
        return self.function(X)

    def predict(self, X):
        """The function's output; with ``classes``, the most probable class."""
        out = self.function(X)
        if self.classes is None:
            return out
        return self.classes_[np.argmax(np.asarray(out), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier" if self.classes is not None else "regressor"
        tags.target_tags.required = False
        tags.requires_fit = False
        return tags
