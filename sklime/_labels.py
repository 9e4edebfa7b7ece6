"""Which classes the explanations explain: all, each row's top ones, or named ones.

With many classes, explaining every class of every row costs memory and time
nobody wants. ``labels`` (lime's name) chooses: ``"all"`` (one block per
class, the positive class alone for a binary classifier), ``"predicted"`` or
an int ``k`` (each row's ``k`` highest-scored classes, ranked: the row's
block ``r`` is its class of rank ``r``), or a list of class labels (the same
classes for every row). Only the chosen classes' surrogates are fitted.

A binary classifier's model output is its positive class ``p`` (or the
decision function ``d``); the negative class's output is ``1 - p`` (or
``-d``), whose ridge surrogate on the same design has exactly the negated
coefficients and the complemented intercept, with the same features
selected: it is derived from the positive class's output, not from another
model call.
"""

from numbers import Integral

import numpy as np


def choose_labels(explainer):
    """Set a fitted explainer's ``_label_choice`` and ``outputs_``.

    ``_label_choice`` is the :class:`LabelChoice` of its ``labels``, or None
    for ``"all"`` (every output of ``_black_box``); ``outputs_`` says what
    each block of coefficients explains.
    """
    labels, box = explainer.labels, explainer._black_box
    if isinstance(labels, str) and labels == "all":
        explainer._label_choice, explainer.outputs_ = None, box.outputs
        return
    explainer._label_choice = LabelChoice(labels, box)
    explainer.outputs_ = explainer._label_choice.outputs


def explanation_fields(explainer, results):
    """What an explanation needs to know of the explained classes.

    Parameters
    ----------
    explainer : estimator
        A fitted explainer.
    results : Results
        The engine's results, with ``class_index`` and ``predicted_index``
        when the explainer's ``labels`` chose the classes.

    Returns
    -------
    fields : dict
        ``row_outputs`` (each row's classes) and ``predicted`` (each row's
        predicted class), None for every output; ``mirror``, for a binary
        classifier's explanation of its positive class, the negative class
        (an array of one label) and what the two classes' outputs sum to.
    """
    choice, box = explainer._label_choice, explainer._black_box
    if choice is not None:
        return {
            "row_outputs": choice.classes[results.class_index],
            "predicted": choice.classes[results.predicted_index],
            "mirror": None,
        }
    mirror = None
    if box.classifier and len(box.model.classes_) == 2 and len(box.outputs) == 1:
        mirror = (np.asarray(box.model.classes_)[:1], _complement(box))
    return {"row_outputs": None, "predicted": None, "mirror": mirror}


def _complement(box):
    """What a binary model's two class outputs sum to: 1 (``p``) or 0 (``d``)."""
    return 1.0 if box.method == "predict_proba" else 0.0


class LabelChoice:
    """The classes explained, fixed or ranked per row by the model's output.

    Parameters
    ----------
    labels : "predicted", int or array-like
        Each row's top class, its ``k`` top classes, or the named classes.
    box : BlackBox
        The explained model (a classifier).

    Attributes
    ----------
    ranked : bool
        Each row's blocks are its classes by decreasing model output.
    outputs : ndarray of shape (n_blocks,)
        What each block explains: ``"rank0", "rank1", ...`` when ranked,
        else the named classes (the model's own labels).
    classes : ndarray of shape (n_classes,)
        The model's classes.
    """

    def __init__(self, labels, box):
        if not box.classifier:
            raise ValueError(
                f"labels={labels!r} chooses among classes, but the explained model "
                f"is a regressor (its outputs: {box.outputs.tolist()}). Use "
                "labels='all'."
            )
        self.classes = np.asarray(box.model.classes_)
        n_classes = len(self.classes)
        # A binary model's one output column is its positive class.
        self._binary = n_classes == 2 and len(box.outputs) == 1
        self._complement = _complement(box)
        self._n_model = len(box.outputs)
        if isinstance(labels, bool):
            raise ValueError(
                f"labels={labels} is not a choice of classes: pass an int k for "
                "each row's top k classes, 'predicted', a list of classes, or "
                "'all'."
            )
        self.ranked = isinstance(labels, str | Integral)
        if self.ranked:
            k = 1 if isinstance(labels, str) else int(labels)
            if k > n_classes:
                raise ValueError(
                    f"labels={labels} asks for each row's top {k} classes, but the "
                    f"model has {n_classes} classes {self.classes.tolist()}. Use "
                    f"labels <= {n_classes}, or labels='all'."
                )
            self.outputs = np.asarray([f"rank{r}" for r in range(k)], dtype=object)
            self._index = None
        else:
            self._index = _class_positions(labels, self.classes)
            self.outputs = self.classes[self._index]

    def class_index(self, prediction):
        """Position among :attr:`classes` of the class of each row's blocks.

        Parameters
        ----------
        prediction : ndarray of shape (n, n_model_outputs) or None
            The model's output at the rows (needed when ranked).

        Returns
        -------
        index : ndarray of shape (n or 1, n_blocks), dtype int
            One row shared by every row for named classes.
        """
        if not self.ranked:
            return self._index[None]
        order = np.argsort(-self.scores(prediction), axis=1, kind="stable")
        return order[:, : len(self.outputs)]

    def predicted(self, prediction):
        """Position among :attr:`classes` of each row's predicted class, shape (n,)."""
        return np.argmax(self.scores(prediction), axis=1)

    def scores(self, prediction):
        """The model's output for every class, shape (n, n_classes)."""
        if self._binary:
            return np.concatenate([self._complement - prediction, prediction], axis=1)
        return prediction

    def fitted(self, index):
        """Model output columns whose surrogates give the classes ``index``.

        A binary model's negative class is the mirror of its one output
        column; other classes are their own columns. A single column of a
        model with several is fitted beside a copy of itself: numpy sums one
        column in another order than several, and a class's numbers must be
        those it has among every class.

        Parameters
        ----------
        index : ndarray of shape (n or 1, k), dtype int
            Each row's classes (see :meth:`class_index`).

        Returns
        -------
        columns : ndarray of shape (n or 1, m), dtype int
            The model output columns to fit surrogates of.
        block_of : ndarray of shape (k,), dtype int
            Position among ``columns`` of each block's surrogate.
        negated : ndarray of shape (n or 1, k), dtype bool
            Blocks that are the mirror of their surrogate (see
            :meth:`mirror`).
        """
        k = index.shape[1]
        columns, negated = self.columns(index)
        if self._binary:
            return columns[:, :1], np.zeros(k, dtype=np.intp), negated
        if k == 1 and self._n_model > 1:
            return np.repeat(columns, 2, axis=1), np.zeros(1, dtype=np.intp), negated
        return columns, np.arange(k), negated

    def mirror(self, values, negated, *, constant):
        """``values`` with the ``negated`` blocks mirrored.

        Parameters
        ----------
        values : ndarray of shape (n, k, ...)
            Per-block results: coefficients (``constant=False``: negated) or
            intercepts and predictions (``constant=True``: ``c - value``,
            ``c`` the sum of a binary model's two class outputs).
        negated : ndarray of shape (n or 1, k), dtype bool

        Returns
        -------
        mirrored : ndarray of the shape of ``values``
        """
        offset = self._complement if constant else 0.0
        flip = negated.reshape(*negated.shape, *[1] * (values.ndim - 2))
        return np.where(flip, offset - values, values)

    def columns(self, index):
        """Model output columns of classes ``index``, and which are negated.

        Returns
        -------
        columns : ndarray of the shape of ``index``, dtype int
        negated : ndarray of the shape of ``index``, dtype bool
            The negative class of a binary model: its output is the
            complement of column 0 (``1 - p``, or ``-d``).
        """
        if self._binary:
            return np.zeros_like(index), index == 0
        return index, np.zeros(index.shape, dtype=bool)

    def take(self, values, index):
        """The classes ``index`` of each row of the model's outputs ``values``.

        Parameters
        ----------
        values : ndarray of shape (n or 1, ..., n_model_outputs)
        index : ndarray of shape (n or 1, n_blocks), dtype int

        Returns
        -------
        taken : ndarray of shape (n, ..., n_blocks)
        """
        columns, negated = self.columns(index)
        taken = gather_columns(values, columns)
        return np.where(_along(negated, taken), self._complement - taken, taken)


def gather_columns(values, columns):
    """``values[i, ..., columns[i]]`` for every row ``i`` (either may be shared).

    Parameters
    ----------
    values : ndarray of shape (n or 1, ..., n_columns)
    columns : ndarray of shape (n or 1, k), dtype int

    Returns
    -------
    gathered : ndarray of shape (n, ..., k)
    """
    return np.take_along_axis(values, _along(columns, values), axis=-1)


def _along(per_row, values):
    """``per_row`` (n or 1, k) with axes inserted to align with ``values``."""
    return per_row.reshape(per_row.shape[0], *[1] * (values.ndim - 2), -1)


def _class_positions(labels, classes):
    """Positions of the named ``labels`` among the model's ``classes``."""
    named = list(np.asarray(labels, dtype=object).reshape(-1))
    known = classes.tolist()
    unknown = [label for label in named if label not in known]
    if not named or unknown:
        problem = "names no class" if not named else f"names unknown classes {unknown}"
        raise ValueError(
            f"labels={named} {problem}; the model's classes are {known}. Pass "
            "some of them, 'predicted' (each row's predicted class), an int k "
            "(each row's top k classes) or 'all'."
        )
    repeated = sorted({str(label) for label in named if named.count(label) > 1})
    if repeated:
        raise ValueError(
            f"labels={named} repeats the classes {repeated}; name each class once."
        )
    return np.asarray([known.index(label) for label in named], dtype=np.intp)
