"""What the three explainers share: parameters, the model, seeds, classes, tags."""

import copy

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length

from ._constraints import ESTIMATOR_CONSTRAINT, SURROGATE_CONSTRAINTS
from ._labels import choose_labels
from ._model import BlackBox, fit_black_box, needs_target

#: Training instances queried in ``fit`` to learn the shape of the model's output.
PROBE_SIZE = 5


class LimeBase(TransformerMixin, BaseEstimator):
    """Base of the explainers of tables, documents and images.

    A subclass keeps its own ``__init__`` (with every parameter named), its
    docstring and the constraints of its own parameters, merged with these
    as ``{**LimeBase._parameter_constraints, ...}``. In ``fit`` it draws its
    seeds with :meth:`_draw_seeds`, fits the model with :meth:`_fit_model`
    and learns its outputs with :meth:`_learn_outputs`. It sets:

    - ``_SEEDS``: the names of the integer seeds drawn from
      ``random_state``, in the order they are drawn ("noise" among them);
    - ``_FIT_NOTE``: what the model is fitted on and how to fix a failing
      fit, for the error of a model whose ``fit`` raises;
    - ``_INPUT_NOTE``: what the explainer sends the model, for the error of
      a model that raises on it.
    """

    _parameter_constraints: dict = {
        "estimator": ESTIMATOR_CONSTRAINT,
        **SURROGATE_CONSTRAINTS,
    }

    _SEEDS = ("noise", "model")

    def _draw_seeds(self):
        """Turn ``random_state`` into the integer seeds ``fit`` uses.

        ``random_state`` is checked once and gives one seed per name of
        ``_SEEDS``, in that order; the perturbation noise's is kept as
        ``_noise_seed``.

        Returns
        -------
        seeds : dict of int
            Each seed by its name in ``_SEEDS``.
        """
        values = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=len(self._SEEDS)
        )
        seeds = {
            name: int(value) for name, value in zip(self._SEEDS, values, strict=True)
        }
        self._noise_seed = seeds["noise"]
        return seeds

    def _reseeded(self, seed):
        """A copy explaining with the perturbation noise of ``seed``.

        The statistics, model and every other fitted value are this
        explainer's; only the seed of the noise differs (the values cached
        for a noise are keyed by its seed).
        """
        reseeded = copy.copy(self)
        reseeded._noise_seed = int(seed)
        return reseeded

    def _fit_model(self, X, y, seed, default):
        """Fit (or take as it is) the model to explain, as ``estimator_``.

        See :func:`~sklime._model.fit_black_box`; ``default(y)`` is the
        model made when ``estimator`` is None.
        """
        self.estimator_ = fit_black_box(
            self.estimator, X, y, seed, default, type(self).__name__, self._FIT_NOTE
        )

    def _learn_outputs(self, probe):
        """Query the model on ``probe``; set ``_black_box`` and the explained classes.

        ``probe`` holds a few training instances as the model takes them;
        ``labels`` then chooses the classes explained (``_label_choice``
        and ``outputs_``).
        """
        self._black_box = BlackBox(
            self.estimator_, self.response_method, probe, self._INPUT_NOTE
        )
        choose_labels(self)

    def _names_out(self, names):
        """Names of the coefficient columns: one block of ``names`` per output.

        ``names`` says what each column of a block stands for (a feature,
        word or pixel). A single output's columns are ``coef_<name>``, unless
        ``labels`` chose the classes; else ``coef_<output>_<name>``, in the
        order of ``outputs_``.
        """
        if len(self.outputs_) == 1 and self._label_choice is None:
            return np.asarray([f"coef_{name}" for name in names], dtype=object)
        return np.asarray(
            [f"coef_{out}_{name}" for out in self.outputs_ for name in names],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = needs_target(self.estimator)
        return tags


def check_target_length(X, y):
    """Raise a clear error when y does not have one entry per row of X."""
    if y is None:
        return
    try:
        check_consistent_length(X, y)
    except ValueError as exc:
        raise ValueError(
            f"y must have one entry per row of X ({exc}). Pass the target of the "
            "rows in X, or no y when explaining a FrozenEstimator."
        ) from exc
