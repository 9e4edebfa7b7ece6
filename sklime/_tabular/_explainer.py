"""``LimeExplainer``: LIME for tabular data as a scikit-learn transformer."""

import os
import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._base import PROBE_SIZE, LimeBase, check_target_length
from .._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_feature_names_in,
    _fit_context,
    _safe_indexing,
    validate_data,
)
from .._core import _engine
from .._core._cache import BoundedCache
from .._core._kernels import default_kernel_width
from .._core._surrogate import mean_abs_coefficients
from .._core._wide import WIDE_MIN_COMPONENTS
from .._dataframe import column_names, is_dataframe, is_pandas_series
from .._explanation_base import explainer_settings
from .._labels import explanation_fields
from .._model import default_estimator, takes_missing_values
from ._discretize import fit_bin_edges
from ._explanation import Explanation, FeatureDescriber
from ._plan import evaluation_plan, explanation_plan
from ._sampling import FeatureSpace
from ._schema import TableSchema, check_table
from ._schemes import scheme_of

#: Float64 arrays of shape (num_samples, n_features) shared by every row: the
#: four blocks of noise uniforms and the perturbed points.
_SHARED_ARRAYS = 5

#: What the explainer sends the model, said when the model raises.
_TABLE_INPUT = (
    "LimeExplainer queries the model with data shaped like the X given to fit "
    "(the model's own columns, by name, with X's dtypes); check that the model "
    "accepts such data."
)

#: Kernel widths ``kernel_width="auto"`` compares, as fractions of lime's
#: default width ``0.75 * sqrt(n_features)``.
_AUTO_WIDTH_FRACTIONS = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 1)

#: Training rows ``kernel_width="auto"`` scores the widths on.
_AUTO_WIDTH_ROWS = 10

#: Adherence ``kernel_width="auto"`` asks of a width (OptiLIME's threshold).
_AUTO_MIN_ADHERENCE = 0.9

#: Perturbation seeds the stability of ``kernel_width="auto"`` compares.
_AUTO_STABILITY_SEEDS = 3

#: Fewest rows of a batch whose explanations are compared for being the same.
_SAME_MIN_ROWS = 5

#: Most rows (the first ones) of a batch compared for being the same.
_SAME_MAX_ROWS = 50

#: Median correlation of two rows' coefficients above which a batch's
#: explanations count as the same for every row.
_SAME_CORRELATION = 0.99

#: Median in-sample R^2 from which surrogates describe the model exactly
#: enough for the same explanation of every row to be the right one.
_SAME_EXACT_FIT = 0.99


class LimeExplainer(LimeBase):
    """Explain a model's predictions with LIME, many rows at once.

    For each row, LIME draws perturbations, queries the model on them, weights
    them by a kernel of their distance to the row in an interpretable
    representation, and fits a weighted ridge regression (the surrogate) of the
    model's output on that representation. ``transform`` returns the
    surrogates' coefficients, one row per explained row.

    The perturbation noise is drawn once from ``random_state`` and shared by
    all rows, so a row's explanation does not depend on the other rows, their
    order, chunking or ``n_jobs``, and each explanation is distributed as
    lime's (which draws a fresh sample per row).

    Parameters
    ----------
    estimator : estimator or None, default=None
        The model to explain. It is cloned and fitted on ``(X, y)`` in ``fit``.
        Wrap an already fitted model in :class:`~sklearn.frozen.FrozenEstimator`
        to explain it as it is (then ``y`` is not needed), and a prediction
        function in :class:`sklime.ModelFunction` (such as
        ``ModelFunction(rf.predict_proba, classes=rf.classes_)``). Objects
        outside scikit-learn work too: one with ``classes_`` is a classifier.
        A model fitted on a DataFrame is always queried by column name, in its
        own column order, so fit the explainer on a DataFrame holding the
        model's columns.
        None fits a random forest (a classifier when ``y`` holds class labels,
        else a regressor); when some columns are categorical, it is a pipeline
        that one-hot encodes them first
        (``OneHotEncoder(handle_unknown="ignore")``, the other columns passed
        through), so string columns work out of the box.

    num_samples : int or "auto", default="auto"
        Perturbations per explained row. "auto" means, under
        ``sampling="marginal"``, the largest power of two up to 65536
        (``2**16``) with ``num_samples * n_features <= 2**22`` (65536 for up
        to 64 features, 32768 up to 128, and so on, so that the perturbations
        shared by every row take at most about 170 MB), but never fewer than
        8192; under the other samplings, 8192. Powers of two are where the
        Sobol sequence is balanced (lime uses 5000). Marginal perturbations
        do not depend on the row: the model is queried on them once per
        fitted explainer (by the first :meth:`transform`, :meth:`explain` or
        :meth:`score`, then kept), whatever the number of rows and calls, so
        more of them cost the model's time once and arithmetic per row
        (each row's distances, weights and weighted moments grow with it).
        With the default the top-5 features of a row agree between seeds 99%
        of the time on ``load_diabetes`` and 98% on ``load_breast_cancer``
        with random forests (lime: 79% and 88%). With ``tol``, the most
        perturbations a row gets.

    tol : float or None, default=None
        Draw each row's perturbations in rounds and stop when its explanation
        is settled: rounds of 1024, 2048, 4096, ... perturbations (exactly
        those a fixed ``num_samples`` of that size draws, so a row's
        explanation is the fixed-size one at its last round) up to
        ``num_samples``. With ``num_features=K`` (fewer than the features), a
        row is settled when the gap between its K-th and (K+1)-th largest
        absolute coefficients (of the surrogate on all features) exceeds 3
        standard errors of the gap; otherwise when every coefficient's
        standard error is at most ``tol`` times the row's largest absolute
        coefficient (for each explained output). A row's rounds depend on the
        row and the seed alone, not on the batch;
        :attr:`Explanation.n_samples_used` reports them. None draws
        ``num_samples`` for every row.

    kernel_width : float, "auto" or None, default=None
        Width of the kernel; None means ``0.75 * sqrt(n_features_in_)`` (lime's).
        Under ``sampling="gaussian"`` it is the standard deviation of the
        perturbations, in units of each feature's training standard deviation.
        "auto" chooses it in :meth:`fit` by OptiLIME's rule (that of
        :func:`sklime.metrics.optilime_refit` with ``min_adherence=0.9``) on 10
        training rows drawn with ``random_state``: among ``w / 16, w / 8,
        w / 4, w / 2`` and ``w``, with ``w`` lime's default, the widest whose
        surrogates adhere to the model (an adherence of at least 0.9), else
        the most adherent, with a warning; see :meth:`fit` for its cost.
        Under marginal sampling narrow widths leave few effective samples,
        so "auto" finds local widths mostly with ``sampling="gaussian"``.
        :func:`sklime.metrics.optilime_refit` tunes it over any grid.

    kernel : callable or None, default=None
        ``kernel(distances, width) -> weights``; None means lime's
        ``exp(-d**2 / (2 * width**2))``. Must be picklable to use ``n_jobs``.

    fidelity_width : float or None, default=None
        Width of the fixed evaluation neighborhood of :meth:`score` (the
        exponential kernel on distances of fresh perturbations); None means
        ``0.75 * sqrt(n_features_in_)``. It does not follow ``kernel_width``, so
        that :meth:`score` cannot be won by shrinking the kernel.

    sampling : {"marginal", "local", "mask", "gaussian"}, default="marginal"
        How perturbations are drawn:

        - "marginal" (lime's): each feature independently from its training
          distribution (normal with the training mean and standard deviation,
          a bin then a value in it, or a category by frequency);
        - "local": centered on the row, continuous features moved by
          ``std * N(0, 1)``, categorical features kept or (with probability
          1/2) replaced by another category;
        - "mask" (the binary scheme of the LIME article): each feature kept
          with probability 1/2, else replaced by a marginal draw (another bin
          or category for grouped features);
        - "gaussian" (GLIME): drawn from the kernel's own distribution and
          weighted uniformly, continuous features moved by
          ``kernel_width * std * N(0, 1)``, categorical features kept with
          probability ``1 / (1 + exp(-1 / (2 * kernel_width**2)))``. For
          narrow kernels that is the population local sampling's weights
          select, but no draw is wasted far from the row, so narrow kernels
          stay stable. Needs the default ``kernel``.

    sampler : {"sobol", "random"}, default="sobol"
        Source of the perturbation noise: a scrambled Sobol sequence
        (quasi-Monte Carlo; explanations vary much less between seeds for the
        same ``num_samples``) or independent pseudo-random draws (lime's).
        Either way each perturbation is distributed as lime's.

    discretizer : {"quartile", "decile", "entropy"}, estimator or None, \
            default=None
        How continuous features are binned. None keeps them continuous (lime's
        ``discretize_continuous=False``); "quartile" is lime's default; "entropy"
        needs ``y``; an object like :class:`~sklearn.preprocessing.KBinsDiscretizer`
        is fitted on the continuous columns and its ``bin_edges_`` used.

    categorical_features : "from_dtype", array-like or None, default="from_dtype"
        Categorical columns: "from_dtype" takes string, object, category and
        bool columns (pandas or polars); or indices, names (DataFrame input) or
        a boolean mask (for integer-coded categories); None means none.

    categorical_max_distinct : int or None, default=None
        Also treat as categorical every numeric column that holds only
        integer values, with at most this many distinct values in the
        training data (LIME tutorials use 10 for integer-coded categories).
        Columns with non-integer values stay continuous whatever their number
        of distinct values; name them in ``categorical_features``. None adds
        no column.

    num_features : int or None, default=None
        Number of features each surrogate keeps: exactly that many, or all
        features that vary in the training data when fewer do (a constant
        feature is never selected). None keeps all (as does
        ``feature_selection="none"``).

    feature_selection : {"auto", "none", "highest_weights", \
            "forward_selection", "lasso_path"}, default="auto"
        How ``num_features`` features are chosen, with lime's meanings: "auto"
        is forward selection up to 6 features, else highest weights.

    alpha : float, default=1.0
        Ridge penalty of the surrogate (lime uses 1). Under
        ``sampling="gaussian"`` it applies per kernel width (the design's
        spread): the penalty on the design is ``alpha * kernel_width**2``.

    response_method : {"auto", "predict_proba", "decision_function", \
            "predict"}, default="auto"
        Model output to explain; "auto" is ``predict_proba`` for classifiers
        and ``predict`` for regressors.

    labels : "all", "predicted", int or array-like, default="all"
        Classes explained (lime's ``labels`` and ``top_labels``); only their
        surrogates are fitted, which saves time and memory with many
        classes:

        - "all": one block of coefficients per class (for a binary
          classifier one block, the positive class);
        - "predicted": one block, each row's predicted class (the one the
          model scores highest at the row);
        - an int ``k``: ``k`` blocks, each row's ``k`` highest-scored classes
          by decreasing score (block ``r`` is the row's class of rank ``r``);
        - a list of class labels: one block per named class, the same for
          every row (``[0]`` explains a binary classifier's negative class).

        "predicted" and ``k`` query the model on the rows themselves;
        :meth:`explain` reports each row's classes
        (:attr:`Explanation.row_outputs`). Classifiers only.

    random_state : int, RandomState instance or None, default=None
        Pseudo-random number generator to control the perturbations, the
        default discretizer's trees and the nested ``random_state`` of the
        cloned estimator. Pass an int for reproducible output across multiple
        function calls. See scikit-learn's glossary entry for ``random_state``.

    n_jobs : int or None, default=None
        Number of jobs to run in parallel over chunks of rows (not 0).
        ``None`` means 1 unless in a :obj:`joblib.parallel_backend` context.
        ``-1`` means using all processors. See scikit-learn's glossary entry for
        ``n_jobs``.

    verbose : int, default=0
        Progress of long transforms, per chunk of rows (rows done, rate, time
        left): 0 is silent; otherwise a ``tqdm`` bar when tqdm is installed,
        else INFO messages on the ``"sklime"`` logger.

    Attributes
    ----------
    estimator_ : estimator
        The fitted model that is explained.

    num_samples_ : int
        Number of perturbations per row in use: ``num_samples``, or what
        "auto" stands for.

    kernel_width_ : float
        Kernel width in use.

    kernel_width_scores_ : dict of ndarray
        The widths ``kernel_width="auto"`` compared (``"kernel_width"``), and
        each one's mean adherence (``"adherence"``, the pooled weighted R^2
        of the surrogates on fresh perturbations of their own kernel) and
        top-5 stability over 3 seeds (``"stability"``, as
        :func:`sklime.metrics.explanation_stability` measures it) on the
        sampled rows. Defined only when ``kernel_width="auto"``.

    outputs_ : ndarray
        What each block of coefficients explains: the positive class of a
        binary classifier, each class of a multiclass one, None for a single
        regression target; with ``labels``, the named classes, or
        ``"rank0", "rank1", ...`` for each row's top classes.

    categorical_ : ndarray of shape (`n_features_in_`,), dtype bool
        Which features are treated as categorical.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    sklime.Explanation : The batch explanation returned by :meth:`explain`.

    Notes
    -----
    sklime's own arithmetic runs on one BLAS thread (its many small matrix
    products are slower on several, and their last bits would depend on the
    number of threads); parallelism comes from ``n_jobs``, and every call of
    the model runs with the BLAS threads the caller had (up to the number of
    processors the process may use). The caller's settings are the same
    after each call.

    What a coefficient means depends on the representation: for a continuous
    feature without discretizer, the change of the model's output per training
    standard deviation; for a binned or categorical feature (and any feature
    under mask sampling), the effect of having the row's bin, category or
    value. A feature constant in the training data gets a zero coefficient.

    Missing values (NaN, None, ``pd.NA``, polars null) are a state of a
    feature, learned in ``fit`` with their frequency (the other statistics
    come from the observed values): marginal sampling draws them, so the
    model gets them as in production, and the other samplings keep a row's
    missing value or replace it by an observed draw. Where a row's feature is
    missing, its coefficient is the effect of being missing (described as
    ``"age is missing"``); for an observed continuous value it stays a slope,
    missing perturbations counted at the training mean. A continuous column
    without missing values in ``fit`` refuses them in :meth:`transform`.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from sklime import LimeExplainer
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> lime = LimeExplainer(Ridge(), num_samples=2000, random_state=0).fit(X, y)
    >>> lime.transform(X.iloc[:3]).shape
    (3, 10)
    >>> lime.get_feature_names_out()[:3].tolist()
    ['coef_age', 'coef_sex', 'coef_bmi']
    """

    _parameter_constraints: dict = {
        **LimeBase._parameter_constraints,
        "num_samples": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "kernel_width": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
            None,
        ],
        "kernel": [callable, None],
        "fidelity_width": [Interval(Real, 0, None, closed="neither"), None],
        "sampling": [StrOptions({"marginal", "local", "mask", "gaussian"})],
        "sampler": [StrOptions({"sobol", "random"})],
        "discretizer": [
            StrOptions({"quartile", "decile", "entropy"}),
            HasMethods(["fit"]),
            None,
        ],
        "categorical_features": [StrOptions({"from_dtype"}), "array-like", None],
        "categorical_max_distinct": [Interval(Integral, 1, None, closed="left"), None],
    }

    _SEEDS = ("noise", "bins", "model", "evaluation", "width")
    _FIT_NOTE = (
        "training rows (X and y as given to fit)",
        "Pass X and y the model accepts (encode string columns in a pipeline "
        "with the model; the default random forest needs y without NaN), or "
        "pass your fitted model as FrozenEstimator(model).",
    )
    _INPUT_NOTE = _TABLE_INPUT

    def __init__(
        self,
        estimator=None,
        *,
        num_samples="auto",
        tol=None,
        kernel_width=None,
        kernel=None,
        fidelity_width=None,
        sampling="marginal",
        sampler="sobol",
        discretizer=None,
        categorical_features="from_dtype",
        categorical_max_distinct=None,
        num_features=None,
        feature_selection="auto",
        alpha=1.0,
        response_method="auto",
        labels="all",
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.num_samples = num_samples
        self.tol = tol
        self.kernel_width = kernel_width
        self.kernel = kernel
        self.fidelity_width = fidelity_width
        self.sampling = sampling
        self.sampler = sampler
        self.discretizer = discretizer
        self.categorical_features = categorical_features
        self.categorical_max_distinct = categorical_max_distinct
        self.num_features = num_features
        self.feature_selection = feature_selection
        self.alpha = alpha
        self.response_method = response_method
        self.labels = labels
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Learn feature statistics, bins and categories; fit the model.

        What it costs: the statistics (one pass over ``X``, and the
        discretizer's fit), the model's own fit (none for a
        :class:`~sklearn.frozen.FrozenEstimator`) and one model call on a few
        training rows. The perturbations shared by every row, and under
        marginal sampling the model's outputs on them, are made by the first
        :meth:`transform`, :meth:`explain` or :meth:`score` call (one model
        call on ``num_samples_`` points) and kept for the next calls, within
        scikit-learn's ``working_memory`` (what does not fit is made again at
        each call, with the same numbers). A pickled explainer holds none of
        them: they are made again after loading.

        ``kernel_width="auto"`` costs more: at each of its five widths it
        fits the surrogates of 10 training rows, scores them on fresh
        perturbations and explains the rows with three more seeds. Under
        marginal sampling the model is queried on a few batches of
        ``num_samples_`` perturbations, which every width shares; under the
        other samplings on five batches per row and width (250 in all). With
        a random forest of 100 trees on ``load_diabetes`` (10 features) that
        took 6 seconds under marginal sampling and 15 to 34 under gaussian
        sampling, and 45 seconds with an RBF ``SVR`` under gaussian sampling
        (on two cores shared with other work).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data: the perturbation statistics come from it. It may
            hold missing values (NaN, None, ``pd.NA``, polars null), not
            infinite ones.
        y : array-like of shape (n_samples,), default=None
            Target, needed to fit the estimator (not for a
            :class:`~sklearn.frozen.FrozenEstimator`) and by
            ``discretizer="entropy"``.

        Returns
        -------
        self : object
            The fitted explainer.
        """
        X = self._validate(X, reset=True)
        self._scheme = scheme_of(self.sampling)
        self.num_samples_ = (
            self._scheme.auto_num_samples(self.n_features_in_)
            if self.num_samples == "auto"
            else self.num_samples
        )
        self._check_sizes()
        self._check_memory()
        check_target_length(X, y)
        self._scheme.check(self.kernel, self.kernel_width)
        seeds = self._draw_seeds()
        self._schema = TableSchema(
            X, self.categorical_features, self.categorical_max_distinct
        )
        self.categorical_ = self._schema.categorical.copy()
        rows = self._schema.encode(X)
        edges = self._bin_edges(rows, y, seeds["bins"])
        self._space = FeatureSpace(
            rows.values, self.categorical_, self._schema.frequencies, edges
        )
        self._fit_model(
            X,
            y,
            seeds["model"],
            partial(default_estimator, categorical=self.categorical_),
        )
        self._schema.adapt_to(self.estimator_)
        self._learn_outputs(self._schema.rows_input(rows.take(slice(0, PROBE_SIZE))))
        self._cache = BoundedCache(get_config()["working_memory"] * 2**20)
        self._evaluation_seed = seeds["evaluation"]
        default_width = default_kernel_width(self.n_features_in_)
        self.kernel_width_ = float(
            default_width if self.kernel_width in (None, "auto") else self.kernel_width
        )
        self._fidelity_width = float(
            default_width if self.fidelity_width is None else self.fidelity_width
        )
        self._describer = FeatureDescriber(
            self._schema.names,
            self._space.kind,
            edges or [],
            self.sampling,
            self._schema.categories,
        )
        self.__dict__.pop("kernel_width_scores_", None)
        if self.kernel_width == "auto":
            self._choose_width(X, seeds["width"])
        return self

    def _choose_width(self, X, seed):
        """Set ``kernel_width_`` by OptiLIME's rule on a sample of training rows.

        Each width of ``_AUTO_WIDTH_FRACTIONS`` (times lime's default) is
        scored on up to ``_AUTO_WIDTH_ROWS`` rows of ``X`` drawn with
        ``seed`` by :func:`sklime.metrics.choose_width` (adherence on fresh
        perturbations of each width's own kernel, top-5 stability over
        ``_AUTO_STABILITY_SEEDS`` seeds): the widest width whose adherence
        reaches ``_AUTO_MIN_ADHERENCE``, else the most adherent, with a
        warning. The scores go to ``kernel_width_scores_``.
        """
        from ..metrics._choose_width import choose_width

        random = check_random_state(seed)
        n_rows = min(_AUTO_WIDTH_ROWS, X.shape[0])
        sample = _safe_indexing(X, np.sort(random.permutation(X.shape[0])[:n_rows]))
        widths = self.kernel_width_ * np.asarray(_AUTO_WIDTH_FRACTIONS)
        with warnings.catch_warnings():
            # The candidates' own warnings (too few effective samples) are
            # what their scores measure, and the rule's speak of a grid the
            # user did not give; the chosen width warns again where it is used.
            warnings.simplefilter("ignore", UserWarning)
            width, scores = choose_width(
                self,
                sample,
                widths,
                min_adherence=_AUTO_MIN_ADHERENCE,
                n_seeds=_AUTO_STABILITY_SEEDS,
                random_state=int(random.randint(np.iinfo(np.int32).max)),
            )
        self.kernel_width_, self.kernel_width_scores_ = width, scores
        if not (scores.adherence >= _AUTO_MIN_ADHERENCE).any():
            _warn_no_adherent_width(scores, int(np.argmax(widths == width)))

    def _validate(self, X, *, reset):
        """Check X's shape and column names; keep DataFrames as they are."""
        check_table(X)
        if is_dataframe(X):
            _check_unique_names(X)
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] < 1:
                raise ValueError(
                    f"Found array with 0 sample(s) (shape={X.shape}) while a "
                    "minimum of 1 is required."
                )
            return X
        return validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)

    def _check_sizes(self):
        """Parameters that must fit the number of features."""
        n_features = self.n_features_in_
        if self.num_features is not None and self.num_features > n_features:
            raise ValueError(
                f"num_features={self.num_features} is larger than the number of "
                f"features: X has {n_features} feature(s). Use num_features <= "
                f"{n_features}, or None to keep all features."
            )
        if self.num_samples_ < n_features + 2:
            raise ValueError(
                f"num_samples={self.num_samples_} is too small to fit a surrogate "
                f"with {n_features} coefficients and an intercept. Use "
                f"num_samples >= {n_features + 2} (thousands give stable "
                "explanations)."
            )

    def _check_memory(self):
        """Refuse a num_samples whose shared perturbations cannot fit in memory."""
        available = _physical_memory()
        per_sample = self.n_features_in_ * _SHARED_ARRAYS * 8
        needed = self.num_samples_ * per_sample
        if available is None or needed <= available:
            return
        raise ValueError(
            f"num_samples={self.num_samples_} needs about {needed / 2**30:.1f} GiB "
            "for the perturbation arrays shared by every row "
            f"({self.num_samples_} samples x {self.n_features_in_} features x "
            f"{_SHARED_ARRAYS} float64 arrays), more than this machine's "
            f"{available / 2**30:.1f} GiB of memory. Use a smaller num_samples "
            f"(at most {available // per_sample}; a few thousand give stable "
            "explanations)."
        )

    def _bin_edges(self, rows, y, seed):
        """Bin edges of the continuous features, or None without discretizer."""
        if self.discretizer is None:
            return None
        continuous = np.flatnonzero(~self.categorical_)
        edges = [None] * self.n_features_in_
        if continuous.size:
            fitted = fit_bin_edges(
                self.discretizer, rows.values[:, continuous], y, seed
            )
            for j, feature_edges in zip(continuous, fitted, strict=True):
                edges[j] = feature_edges
        return edges

    def transform(self, X):
        """Local coefficients of each row's explanation.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
            Rows to explain.

        Returns
        -------
        coef : ndarray of shape (n_rows, n_outputs * n_features)
            One block of ``n_features`` coefficients per output (class), in
            the order of :attr:`outputs_`; see :meth:`get_feature_names_out`.
            With ``labels="predicted"`` or an int ``k``, a row's block ``r``
            explains its class of rank ``r``: the ``r``-th column of
            ``np.argsort(-scores, kind="stable")``, where ``scores`` are the
            model's outputs at the row (both classes' for a binary model:
            ``1 - p`` and ``p``, or ``-d`` and ``d``);
            :attr:`Explanation.row_outputs` holds them.

        Notes
        -----
        The model is not queried on the rows themselves (:meth:`explain`
        reports its predictions there), unless ``labels`` ranks their
        classes; under marginal sampling it is not queried on perturbations
        after the first call.
        """
        rows = self._rows(X)
        surrogates = _engine.explain(explanation_plan(self, rows))
        coef = surrogates.coef.reshape(len(rows), -1)
        _warn_same_explanations(
            coef, surrogates.score, self.kernel_width_, stacklevel=4
        )
        return coef

    def explain(self, X):
        """Explain rows: coefficients, intercepts, predictions and fit quality.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features), or a row
            Rows to explain. A single row, as lime's ``explain_instance``
            takes it, is explained as a batch of one: a 1-D array or list of
            ``n_features`` values, or a pandas Series such as ``X.iloc[3]``,
            whose index names the features (matched to ``feature_names_in_``
            as a DataFrame's columns are). :meth:`transform` takes 2-D data
            only.

        Returns
        -------
        explanation : Explanation
            ``explanation.coef`` equals ``transform(X)`` (of the batch of one,
            for a single row).
        """
        rows = self._rows(_one_row_as_table(X))
        plan = explanation_plan(self, rows, with_prediction=True)
        merged = _engine.explain(plan, with_errors=True)
        n_rows = len(rows)
        _warn_same_explanations(
            merged.coef.reshape(n_rows, -1),
            merged.score,
            self.kernel_width_,
            stacklevel=3,
        )
        mean_abs, mean_abs_error = mean_abs_coefficients(
            merged.coef, merged.standard_error, merged.abs_influence
        )
        return Explanation(
            coef=merged.coef.reshape(n_rows, -1),
            standard_error=merged.standard_error.reshape(n_rows, -1),
            intercept=merged.intercept,
            local_prediction=merged.local_prediction,
            model_prediction=merged.model_prediction,
            score=merged.score,
            effective_sample_size=merged.effective_sample_size,
            n_samples_used=merged.n_samples_used,
            selected=merged.selected,
            representation=self._scheme.representation(self._space, rows),
            mean_abs_coef=mean_abs.reshape(-1),
            mean_abs_coef_error=mean_abs_error.reshape(-1),
            feature_names=self._schema.names.copy(),
            outputs=self.outputs_,
            feature_names_out=self.get_feature_names_out(),
            rows=rows.raw,
            describer=self._describer,
            classifier=self._black_box.classifier,
            **explanation_fields(self, merged),
            settings=explainer_settings(self),
        )

    def score(self, X, y=None):
        """Local fidelity of the explanations in a fixed neighborhood.

        Each row's surrogate predicts the model on fresh perturbations drawn
        by the same scheme (from a seed fixed in ``fit``, the same for every
        ``kernel_width``), weighted by the exponential kernel of width
        ``fidelity_width``, which does not follow ``kernel_width`` (under
        ``sampling="gaussian"`` they are drawn from that kernel and weighted
        uniformly). The score pools the weighted squared errors over rows into
        an R^2: ``1 - sum(w (f - g)^2) / sum(w (f - mean_w f)^2)``.

        It answers "how well do the explanations describe the model in the
        neighborhood of width ``fidelity_width``?". It cannot be won by
        shrinking the kernel (lime's in-sample score can), but tuning
        ``kernel_width`` on it finds the width that best fits that fixed
        neighborhood, which is close to ``fidelity_width`` itself whatever
        the model: it does not find the scale at which the model is locally
        linear. For that, tune with :func:`sklime.metrics.lime_scorers` and
        :func:`sklime.metrics.optilime_refit`.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
            Rows whose explanations are scored.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            Higher is better; 1 is a perfect local fit, 0 no better than each
            row's weighted mean.
        """
        del y
        return self._fresh_fidelity(X, own_kernel=False)

    def _rows(self, X):
        """The rows of ``X`` to explain, checked and encoded."""
        check_is_fitted(self)
        return self._schema.encode(self._validate(X, reset=False))

    def _surrogates(self, X):
        """The surrogates of the rows of ``X``: the engine's results."""
        return _engine.explain(explanation_plan(self, self._rows(X)))

    def _fresh_fidelity(self, X, *, own_kernel, surrogates=None):
        """Pooled weighted R^2 of the surrogates on fresh perturbations.

        The evaluation points come from the seed fixed in ``fit``; they are
        drawn and weighted with the explainer's own kernel and width when
        ``own_kernel``, else with the exponential kernel of width
        ``_fidelity_width``. ``surrogates`` are those of the rows of ``X``
        (:meth:`_surrogates`), or None to fit them.
        """
        rows = self._rows(X)
        if surrogates is None:
            surrogates = _engine.explain(explanation_plan(self, rows))
        plan = evaluation_plan(self, rows, surrogates, own_kernel=own_kernel)
        fidelity = _engine.evaluate(plan)
        # Rows' sums were divided by their squared scale; pool on a common one.
        relative = (fidelity.scale / fidelity.scale.max()) ** 2
        sse = (relative[:, None] * fidelity.sse).sum()
        sst = (relative[:, None] * fidelity.sst).sum()
        if sst <= 0:
            return float(sse <= 0)
        return float(1.0 - sse / sst)

    def get_feature_names_out(self, input_features=None):
        """Names of the coefficient columns of :meth:`transform`.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; must match ``feature_names_in_`` if both are
            given. None uses ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str
            ``coef_<feature>`` for a single output, else
            ``coef_<output>_<feature>`` in the order of :attr:`outputs_`
            (always so with ``labels``: ``coef_rank0_<feature>`` for each
            row's top class).
        """
        check_is_fitted(self)
        return self._names_out(_check_feature_names_in(self, input_features))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        # Missing values are explained; the default forest takes them too.
        tags.input_tags.allow_nan = takes_missing_values(self.estimator)
        return tags


def _warn_no_adherent_width(scores, best):
    """Warn that no width of ``kernel_width="auto"`` adheres to the model."""
    warnings.warn(
        f"kernel_width='auto' found no kernel width whose surrogates reach an "
        f"adherence of {_AUTO_MIN_ADHERENCE} on the sampled training rows (the "
        f"best is {scores['adherence'][best]:.3f}, at kernel_width="
        f"{scores['kernel_width'][best]:.3g}, which it uses; kernel_width_scores_ "
        "holds every width's scores). The model is not that close to linear at "
        "any of these scales (piecewise constant models such as tree ensembles "
        "never are). To trade adherence for locality yourself, tune kernel_width "
        "with sklime.metrics.lime_scorers and optilime_refit(min_adherence=...).",
        UserWarning,
        stacklevel=5,
    )


def _median_correlation(coef):
    """Median Pearson correlation between rows of ``coef``, or None.

    Rows whose coefficients are all equal (a constant model's zeros) have no
    correlation and are left out, and rows with the very same coefficients
    (a row explained twice) count once; None when fewer than
    ``_SAME_MIN_ROWS`` rows remain. Each row is divided by its largest
    absolute coefficient first, so that the squares of a model's huge or
    tiny outputs neither overflow nor underflow.
    """
    if len(coef) < _SAME_MIN_ROWS:  # one row per call: nothing to compare
        return None
    coef = np.unique(coef, axis=0)
    largest = np.abs(coef).max(axis=1, keepdims=True, initial=0.0)
    scaled = coef / np.where(largest > 0, largest, 1.0)
    centered = scaled - scaled.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centered, axis=1)
    varied = norms > 0
    if varied.sum() < _SAME_MIN_ROWS:
        return None
    unit = centered[varied] / norms[varied, None]
    upper = np.triu_indices(len(unit), 1)
    return float(np.median((unit @ unit.T)[upper]))


def _warn_same_explanations(coef, score, kernel_width, *, stacklevel):
    """Warn when the first rows of a batch all get nearly the same explanation.

    ``coef`` holds one row's coefficients per row, ``score`` the in-sample
    R^2 of its surrogates. Up to ``_SAME_MAX_ROWS`` rows are compared, so
    that the check costs little and depends only on them. Surrogates that
    fit the model exactly (a model linear at the kernel's scale) explain
    every row alike because the model is alike everywhere: no warning.
    ``stacklevel`` points the warning at the caller of the public method.
    """
    median = _median_correlation(coef[:_SAME_MAX_ROWS])
    if median is None or median <= _SAME_CORRELATION:
        return
    if np.median(score[:_SAME_MAX_ROWS]) >= _SAME_EXACT_FIT:
        return
    warnings.warn(
        f"The explanations are nearly the same for every row (median "
        f"correlation {median:.3f} between two rows' coefficients): the kernel "
        f"(kernel_width={kernel_width:.3g}) covers the whole data set, so each "
        "surrogate is the model's global linear fit rather than a description "
        "of the row's neighborhood. To explain each row locally, use a "
        "smaller kernel_width, kernel_width='auto', discretizer='quartile' or "
        "sampling='gaussian'.",
        UserWarning,
        stacklevel=stacklevel,
    )


def _one_row_as_table(X):
    """A single row (a 1-D array or list, or a pandas Series) as a table of one.

    A Series becomes a one-row DataFrame whose columns are its index, each
    column with the dtype its values infer (a Series of mixed values holds
    objects); anything else is returned as it is.
    """
    if is_pandas_series(X):
        return X.to_frame().T.infer_objects()
    if isinstance(X, np.ndarray) and X.ndim == 1:
        return X.reshape(1, -1)
    if isinstance(X, list | tuple) and X and all(np.ndim(v) == 0 for v in X):
        return [X]
    return X


#: Float64 values per perturbation of an instance with a single component
#: (the noise, kept indicator, design, weights, distances and the model's
#: output with its copies): the least a document or an image needs.
_INSTANCE_SAMPLE_FLOATS = 10


def _check_instance_memory(explainer):
    """Refuse a num_samples whose perturbations of one instance cannot fit in memory.

    ``explainer`` is a text or image explainer: even an instance with a single
    component holds ``_INSTANCE_SAMPLE_FLOATS`` values per perturbation.
    """
    available = _physical_memory()
    per_sample = 8 * _INSTANCE_SAMPLE_FLOATS
    needed = explainer.num_samples * per_sample
    if available is None or needed <= available:
        return
    raise ValueError(
        f"num_samples={explainer.num_samples} needs about {needed / 2**30:.1f} GiB "
        "for the perturbations of a single instance with one component "
        f"({explainer.num_samples} samples x {_INSTANCE_SAMPLE_FLOATS} float64 "
        f"values), more than this machine's {available / 2**30:.1f} GiB of "
        f"memory. Use a smaller num_samples (at most {available // per_sample}; "
        "a few thousand give stable explanations)."
    )


def _check_plan_memory(plan, with_errors, fix):
    """Refuse a batch whose largest instance cannot be explained in memory.

    ``plan`` is a text or image plan (see
    ``sklime._core._components``): an instance of ``d``
    components needs its surrogate's ``d x d`` moments besides its
    perturbations (from ``WIDE_MIN_COMPONENTS`` components on, a system of
    the smaller of ``d`` and ``num_samples`` squared), more than the machine
    holds for the largest photos cut into thousands of superpixels or the
    longest documents. ``fix`` says how to give it fewer components.
    """
    available = _physical_memory()
    size = int(plan.sizes.max(initial=0))
    needed = 8 * plan.chunk_floats(size, with_errors)
    if available is None or needed <= available:
        return
    side = size if size < WIDE_MIN_COMPONENTS else min(size, plan.num_samples)
    raise ValueError(
        f"Explaining an instance with {size} components needs about "
        f"{needed / 2**30:.1f} GiB (its surrogate's {side} x {side} moments and "
        f"num_samples={plan.num_samples} perturbations), more than this "
        f"machine's {available / 2**30:.1f} GiB of memory. Give it fewer "
        f"components: {fix}."
    )


def _physical_memory():
    """The machine's physical memory in bytes, or None where it is unknown."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _check_unique_names(X):
    """Refuse a frame whose column names repeat: columns are matched by name."""
    names = [str(name) for name in column_names(X)]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"X has repeated column names {repeated}; columns are matched to the "
            "model by name, so give every column a distinct name."
        )
