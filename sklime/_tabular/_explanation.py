"""The batch explanation object returned by ``LimeExplainer.explain``."""

from numbers import Integral

import numpy as np

from .._compat import validate_params
from .._dataframe import is_missing_scalar
from .._explanation_base import BaseExplanation
from .._shap import contribution_errors, shap_explanation
from ._sampling import BINNED, CATEGORICAL
from ._schemes import scheme_of


def format_number(value):
    """A short, readable number: two decimals where they say enough."""
    value = float(value)
    if value == 0 or 0.01 <= abs(value) < 1e5:
        return f"{value:.2f}"
    return f"{value:.3g}"


class FeatureDescriber:
    """Readable descriptions of what each coefficient of a row stands for.

    Parameters
    ----------
    names : array-like of str
        Feature names.
    kind : ndarray of shape (n_features,)
        Representation of each feature (see ``sklime._tabular._sampling``).
    edges : list
        Inner bin edges of binned features (None elsewhere).
    sampling : str
        Sampling scheme; under "mask" a z-scored feature's coefficient is the
        effect of keeping the row's value, so its description shows the value.
    categories : list or None, default=None
        Training categories of categorical features (None elsewhere). Float
        categories are shown with the fewest significant digits (at least 3)
        that tell the column's categories apart, e.g. ``sex=-0.0446``.
    """

    def __init__(self, names, kind, edges, sampling, categories=None):
        self.names = [str(name) for name in names]
        self.kind = np.asarray(kind)
        self.edges = edges
        self.sampling = sampling
        self.digits = [
            _distinguishing_digits(c) for c in categories or [None] * len(self.names)
        ]

    def __call__(self, raw_row):
        """Descriptions of one row's features, e.g. ``0.03 < bmi <= 0.06``.

        A missing value (None, NaN, NA) is described as ``age is missing``.

        Parameters
        ----------
        raw_row : array-like of shape (n_features,)
            The row's values as given.

        Returns
        -------
        descriptions : list of str
        """
        return [
            self._describe(j, value)
            for j, value in enumerate(np.asarray(raw_row, dtype=object))
        ]

    def _describe(self, j, value):
        name = self.names[j]
        if is_missing_scalar(value):
            return f"{name} is missing"
        if self.kind[j] == CATEGORICAL:
            digits = self.digits[j]
            if digits is not None and isinstance(value, float | np.floating):
                return f"{name}={value:.{digits}g}"
            return f"{name}={value}"
        if self.kind[j] == BINNED:
            return _bin_label(name, self.edges[j], float(value))
        if scheme_of(self.sampling).describes_values:
            return f"{name}={format_number(value)}"
        return name


def _distinguishing_digits(categories, least=3):
    """Fewest significant digits (at least ``least``) telling float categories apart.

    None for categories that are not floats, which print as they are.
    """
    if categories is None or np.asarray(categories).dtype.kind != "f":
        return None
    for digits in range(least, 17):
        if len({f"{c:.{digits}g}" for c in categories}) == len(categories):
            return digits
    return 17


def _bin_label(name, edges, value):
    """lime's label of the bin holding ``value``, e.g. ``0.03 < bmi <= 0.06``.

    Edges are shown with two decimals (lime's format) when that tells them
    apart and they are below 1e5 in size, else with three significant digits.
    """
    if len(edges) == 0:
        return f"{name} (one bin)"
    shown = [f"{e:.2f}" for e in edges]
    small = any(e != 0 and abs(e) < 0.005 for e in edges)
    if len(set(shown)) < len(shown) or small or np.abs(edges).max() >= 1e5:
        shown = [f"{e:.3g}" for e in edges]
    b = int(np.searchsorted(edges, value))
    if b == 0:
        return f"{name} <= {shown[0]}"
    if b == len(edges):
        return f"{name} > {shown[-1]}"
    return f"{shown[b - 1]} < {name} <= {shown[b]}"


class Explanation(BaseExplanation):
    """LIME explanations of a batch of rows.

    Returned by :meth:`LimeExplainer.explain`; not built directly.

    Attributes
    ----------
    coef : ndarray of shape (n_rows, n_outputs * n_features)
        Local coefficients, one block of ``n_features`` columns per output;
        equal to ``LimeExplainer.transform``.
    standard_error : ndarray of shape (n_rows, n_outputs * n_features)
        Standard error of each coefficient over the draw of perturbations
        (heteroscedasticity-consistent sandwich estimate of the weighted ridge
        fit; 0 for features not selected; infinite
        where the data do not determine the coefficient: too few effective
        samples, or a representation that does not vary over the weighted
        perturbations). A coefficient within about two standard errors of
        zero is indistinguishable from sampling noise. They match the spread
        over seeds under both samplers: under the default Sobol sampler they
        come from the spread between its independently scrambled replicates
        (see the user guide's measurements). Feature selection is taken as
        given.
    intercept : ndarray of shape (n_rows, n_outputs)
        Intercept of each surrogate.
    local_prediction : ndarray of shape (n_rows, n_outputs)
        The surrogate's prediction at the row:
        ``intercept + sum(coef * representation)`` per output.
    model_prediction : ndarray of shape (n_rows, n_outputs)
        The model's prediction at the row.
    score : ndarray of shape (n_rows, n_outputs)
        In-sample weighted R^2 of each surrogate on its perturbations (lime's
        ``score``; it rewards narrow kernels, so do not tune on it).
    effective_sample_size : ndarray of shape (n_rows,)
        ``(sum w)^2 / sum w^2`` of each row's kernel weights.
    n_samples_used : ndarray of shape (n_rows,), dtype int
        Perturbations each row's surrogate was fitted on: the explainer's
        ``num_samples_``, or with ``tol`` its last round's. None in an
        explanation file written before the counts were kept.
    selected : ndarray of shape (n_rows, n_outputs, n_features), dtype bool
        Features each surrogate uses.
    representation : ndarray of shape (n_rows, n_features)
        Each row's own interpretable representation, what its coefficients
        multiply: the z-score of a continuous feature (without discretizer,
        under every sampling but "mask"), else 1 (the row's own bin, category
        or, under mask sampling, value).
    mean_abs_coef : ndarray of shape (n_outputs * n_features,)
        Mean absolute coefficient over the explained rows, a global
        importance of each coefficient column.
    mean_abs_coef_error : ndarray of shape (n_outputs * n_features,)
        Standard error of ``mean_abs_coef`` over the draw of perturbations.
        All rows share the same perturbation noise, so their Monte Carlo
        errors are correlated and do not average out over rows: this error
        accounts for that correlation (under either sampler, like
        ``standard_error``), where ``standard_error / sqrt(n_rows)`` would be
        several times too small. Like ``standard_error`` it takes the feature
        selection as given: with ``num_features``, a feature selected in some
        draws and not in others varies more than this error says.
    feature_names : ndarray of shape (n_features,)
        Names of the explained features.
    outputs : ndarray of shape (n_outputs,)
        What each block explains: the positive class of a binary classifier,
        each class of a multiclass one, None for a single regression target,
        ``0, 1, ...`` for the targets of a multi-output regressor; when the
        explainer's ``labels`` chose the classes, the named classes or
        ``"rank0", "rank1", ...`` (each row's classes by decreasing score).
    feature_names_out : ndarray of shape (n_outputs * n_features,)
        Names of the columns of ``coef``.
    row_outputs : ndarray of shape (n_rows, n_outputs) or None
        The class each block explains for each row when the explainer's
        ``labels`` chose the classes (for ``"predicted"`` or an int, each
        row's classes by decreasing model score), else None (block ``k``
        explains ``outputs[k]`` for every row).
    settings : dict
        The explainer's parameters when it explained the rows (its
        ``get_params(deep=False)``): numbers, strings, booleans and None as
        they are, other values such as the model by their ``repr``.
    sklime_version : str
        The version of sklime that made the explanation.

    See Also
    --------
    sklime.LimeExplainer.explain : Builds it.
    sklime.load_explanation : Reads an explanation written by :meth:`save`.
    sklime.submodular_pick : A few representative rows of an explanation.
    Explanation.to_shap : The explanations as a ``shap.Explanation``.

    Notes
    -----
    Methods that take a ``row`` index the explained batch like a Python list:
    an int or numpy integer, negative positions counting from the end; a
    position out of range raises an IndexError. ``output=None`` means the
    only output or, for one row of a classifier, its predicted class; with
    several regression outputs, and in the methods over all rows
    (:meth:`coefficients`, :meth:`plot_heatmap`, :meth:`plot_summary`) with
    several outputs of any kind, name the output. When the explainer's
    ``labels`` chose the classes, a row's methods take its classes (an
    entry of :attr:`row_outputs`), or a block's name (``"rank0"``), and the
    methods over all rows take the block's name.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklime import LimeExplainer
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> lime = LimeExplainer(LogisticRegression(max_iter=500), num_features=2,
    ...                      discretizer="quartile", random_state=0).fit(X, y)
    >>> explanation = lime.explain(X.iloc[:2])
    >>> explanation.coef.shape, explanation.outputs.tolist()
    ((2, 12), [0, 1, 2])
    >>> label, weight = explanation.as_list(0)[0]  # the largest effect first
    >>> label
    'petal length (cm) <= 1.60'
    >>> explanation.to_frame().columns[:4].tolist()
    ['row', 'output', 'feature', 'feature_value']
    >>> explanation.to_frame("wide").shape
    (2, 12)

    Only each row's predicted class, whose class ``row_outputs`` gives:

    >>> top = lime.set_params(labels="predicted").fit(X, y).explain(X.iloc[:2])
    >>> top.coef.shape, top.outputs.tolist(), top.row_outputs.tolist()
    ((2, 4), ['rank0'], [[0], [0]])
    """

    #: The long table's columns of a feature (see :meth:`to_frame`).
    _COMPONENT_COLUMNS = ("feature", "feature_value", "description")

    def __init__(
        self,
        *,
        representation,
        mean_abs_coef,
        mean_abs_coef_error,
        feature_names,
        describer,
        **common,
    ):
        """Keep the batch's arrays, and what its features are.

        ``common`` holds the arguments of :class:`BaseExplanation`.
        """
        super().__init__(**common)
        self.representation = representation
        self.mean_abs_coef = mean_abs_coef
        self.mean_abs_coef_error = mean_abs_coef_error
        self.feature_names = feature_names
        self._describer = describer

    def __repr__(self):
        return (
            f"Explanation(n_rows={len(self)}, n_outputs={len(self.outputs)}, "
            f"n_features={len(self.feature_names)})"
        )

    @validate_params(
        {"row": [Integral, None], "output": "no_validation", "residual": ["boolean"]},
        prefer_skip_nested_validation=True,
    )
    def to_shap(self, row=None, output=None, *, residual=False):
        """The explanations as a ``shap.Explanation``, for shap's plots.

        A feature's contribution is its coefficient times the row's own
        interpretable value (:attr:`representation`): times its z-score for a
        continuous feature, times 1 for "in the row's bin or category" (and
        under mask sampling). The contributions and the intercept (the base
        value) add up to the surrogate's prediction at the row,
        :attr:`local_prediction`; features a surrogate does not use
        contribute 0. So the end of ``shap.plots.waterfall`` is the
        surrogate's prediction, not the model's, and its start is the
        surrogate's intercept (shap labels it ``E[f(X)]``, but it is the
        surrogate's output at a z-score of 0 and outside the row's bins and
        categories, not the model's average). ``residual=True`` adds the
        difference to the model's prediction as a feature of its own. Needs
        shap: ``pip install "sklime[shap]"``.

        Parameters
        ----------
        row : int or None, default=None
            Position of the row in the explained batch (negative positions
            count from the end); None gives every row.
        output : label or None, default=None
            An entry of :attr:`outputs`; None gives every output (a last axis
            of outputs when there are several, as shap lays out a
            multiclass model's values).
        residual : bool, default=False
            Add a feature named "residual" holding ``model_prediction -
            local_prediction``, so that the contributions add up to the
            model's prediction. Its standard error is NaN (not estimated).

        Returns
        -------
        shap_values : shap.Explanation
            ``values`` of shape (n_rows, n_features), with an output axis
            last when several outputs are given and no row axis for one
            ``row``; ``base_values`` the intercepts; ``data`` the rows'
            values as given; ``feature_names`` :attr:`feature_names`.
            ``error_std`` holds the contributions' standard errors and
            ``lower_bounds`` and ``upper_bounds`` the contributions minus and
            plus two of them, which ``shap.plots.waterfall`` draws as error
            bars.

        Examples
        --------
        >>> from sklearn.datasets import load_diabetes
        >>> from sklearn.linear_model import Ridge
        >>> from sklime import LimeExplainer
        >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
        >>> lime = LimeExplainer(Ridge(), num_samples=2000, random_state=0)
        >>> explanation = lime.fit(X, y).explain(X.iloc[:5])
        >>> shap_values = explanation.to_shap()
        >>> shap_values.shape
        (5, 10)
        >>> one = explanation.to_shap(0)
        >>> total = one.base_values + one.values.sum()
        >>> bool(abs(total - explanation.local_prediction[0, 0]) < 1e-10)
        True
        """
        rows = list(range(len(self))) if row is None else [self._position(row)]
        blocks = self._blocks(output)
        shape = (len(self), len(self.outputs), len(self.feature_names))
        representation = self.representation[rows][:, None]
        errors = self.standard_error.reshape(shape)[rows][:, blocks]
        return shap_explanation(
            "Explanation.to_shap",
            contributions=self.coef.reshape(shape)[rows][:, blocks] * representation,
            errors=contribution_errors(errors, representation),
            explanation=self,
            rows=rows,
            blocks=blocks,
            data=self._rows[rows],
            names=[str(name) for name in self.feature_names],
            residual=residual,
            single=row is not None,
        )

    def _weights(self, row, k):
        """The coefficients of ``row`` in block ``k``, one per feature."""
        return self._block(self.coef, k)[row]

    def _errors(self, row, k):
        """The standard errors of ``row`` in block ``k``, one per feature."""
        return self._block(self.standard_error, k)[row]

    def _common_columns(self, k):
        """Labels, coefficients and standard errors of block ``k``, all rows."""
        return (
            self.feature_names,
            self._block(self.coef, k),
            self._block(self.standard_error, k),
        )

    def _importance(self, k):
        """Labels, mean |coef| and its error in block ``k``; the error is exact."""
        return (
            self.feature_names,
            self._block(self.mean_abs_coef[None], k)[0],
            self._block(self.mean_abs_coef_error[None], k)[0],
            False,
        )

    def _labels_of(self, row):
        """What each coefficient of ``row`` stands for."""
        return self._describer(self._rows[row])

    def _component_fields(self, row):
        """Each feature's name, value and description in ``row``."""
        values = self._rows[row]
        return self.feature_names, values, self._describer(values)

    def _picture(self, row, k):
        """HTML shown before the tables of ``row``: none for tabular rows."""
        return ""
