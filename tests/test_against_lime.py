"""sklime's LimeExplainer agrees with lime's LimeTabularExplainer.

Both packages are run on the same model, rows and settings, and their
surrogates are compared as random quantities: each package is run with
``N_SEEDS`` seeds, and the difference of the two means is judged against its
standard error. sklime shares its noise across rows (common random numbers);
with independent draws (``sampler="random"``) each of its explanations should
be distributed as lime's, so means and spreads must agree. Its default
sampler, a scrambled Sobol sequence, must give the same means and may give a
smaller spread.

The statistical tolerance
-------------------------
Each run gives, per row and output, the coefficients and the intercept (one
more column) and the weighted R^2 of the surrogate. For each such quantity,
``v`` is the variance of one run under independent draws, pooled over lime's
and sklime's independent runs (``2 * N_SEEDS - 2 = 10`` degrees of freedom),
and ``se = sqrt((v + v_sk) / N_SEEDS)`` the standard error of the difference
of the means, where ``v_sk`` is ``v`` for sklime's independent runs and the
runs' own variance for its default sampler. We assert

* ``|mean_sklime - mean_lime| <= Z_MAX * se + REL_FLOOR * scale`` for every
  quantity, where ``scale`` is the largest absolute lime coefficient of that
  row and output (1 for R^2). ``Z_MAX = 5.5``: with 40-60 quantities per
  case, a t statistic with 10 degrees of freedom exceeds 5.5 with
  probability ~3e-4 each. The floor of 1 % of the row's largest coefficient
  guards against a spread underestimated by chance from six seeds
  (near-zero coefficients can have a tiny spread) and absorbs lime's
  inclusion of the explained row as one extra sample. Over 16 sets of seeds
  (FIRST_SEED = 0, 100, ..., 500, 1000, ..., 1900: 176 case runs, each
  compared for both samplers) the largest ``|z|`` was 5.9 (values above 3.8
  came about twice per set of seeds, over all cases, features and signs,
  about as often as a t distribution predicts; re-running such a case with
  48 seeds gave a largest ``|z|`` of 2.4), and the largest ratio of
  difference to tolerance was 0.85;
* the mean of the squared z statistics over the coefficients and intercepts
  of a case is at most ``MEAN_Z2_MAX = 4`` (about 1.25 expected, at most 3.0
  observed): a small bias shared by many coefficients fails this even when
  no single coefficient is off by ``Z_MAX`` standard errors;
* the root-mean-square spread over seeds of sklime's coefficients is within
  a factor ``SPREAD_RATIO_MAX = 2`` of lime's for independent draws (0.77-1.39
  observed), and at most that factor for the default sampler (the Sobol
  sampler: 0.09-0.67).

``test_tolerance_detects_a_wrong_kernel_width`` checks that the criterion is
not vacuous: sklime with a kernel twice too wide (continuous; ratio to the
tolerance 1.4-2.6, mean squared z 20-43 over the 16 sets of seeds) or three
times too wide (local; 1.0-2.2 and 7-18) fails it.

Rows and data
-------------
lime adds the explained row itself to its samples with kernel weight 1. For a
row far from the training mean (marginal sampling) that single sample has a
large leverage and visibly moves lime's coefficients (for row 0 of
``load_breast_cancer`` with all 30 features, by up to 20 standard errors; with
that sample removed lime agrees with sklime). We therefore explain "typical"
rows: rows whose squared training z-score norm is below the median.

The continuous ``sex`` column of ``load_diabetes`` is dropped from the
"regression" problem: it takes two values, so its lowest quartile bin has
equal lower and upper bounds, and for such a bin lime's undiscretizer returns
the standardized bound (0.0) instead of the value
(``BaseDiscretizer.get_undiscretize_values``): lime queries the model at
``sex=0``, a value that never occurs, where sklime uses the value itself. The
"categorical" problem keeps it, coded 0/1 and declared categorical.

Cases
-----
Coefficients, intercepts and R^2: lime ``discretize_continuous=False`` vs
sklime's defaults (marginal sampling, no discretizer); lime's default quartile
discretizer vs ``discretizer="quartile"``; lime ``sample_around_instance=True``
vs ``sampling="local"``; each on a regression (diabetes, gradient boosting), a
binary (breast cancer, logistic regression: lime's label 1 is sklime's single
block) and a multiclass problem (iris: lime's labels 0, 1, 2 are sklime's
blocks), plus a categorical feature in the first two modes, and the binary
problem's negative class in those modes (lime's ``labels=(0,)``, sklime's
``labels=[0]``). Feature selection:
the set of ``num_features=3`` features kept per row.
"""

from functools import cache
from typing import NamedTuple

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklime import LimeExplainer

lime_tabular = pytest.importorskip("lime.lime_tabular")

N_SEEDS = 6
#: Seeds are FIRST_SEED, FIRST_SEED + 1, ... (change it to re-check the
#: tolerances on fresh random numbers).
FIRST_SEED = 0
NUM_SAMPLES = 6_000
N_ROWS = 4
Z_MAX = 5.5
REL_FLOOR = 0.01
MEAN_Z2_MAX = 4.0
SPREAD_RATIO_MAX = 2.0
#: sklime's parameters for independent noise draws, as lime's. sklime's
#: default sampler is quasi-random (a scrambled Sobol sequence), whose
#: explanations have lime's means but a smaller spread.
INDEPENDENT = {"sampler": "random"}

# lime's constructor arguments and the equivalent sklime parameters.
MODES = {
    "continuous": ({"discretize_continuous": False}, {}),
    "quartile": ({"discretizer": "quartile"}, {"discretizer": "quartile"}),
    "local": (
        {"discretize_continuous": False, "sample_around_instance": True},
        {"sampling": "local"},
    ),
}


def _seeds(n):
    return range(FIRST_SEED, FIRST_SEED + n)


def _typical_rows(X, n_rows):
    """``n_rows`` rows, evenly spread over those with a below-median z-norm."""
    q = (((X - X.mean(axis=0)) / X.std(axis=0)) ** 2).sum(axis=1)
    typical = np.flatnonzero(q < np.median(q))
    return X[typical[np.linspace(0, len(typical) - 1, n_rows).astype(int)]]


class Problem(NamedTuple):
    X: np.ndarray
    model: object
    mode: str  # lime's mode
    labels: tuple  # lime's labels, in the order of sklime's output blocks
    rows: np.ndarray  # rows to explain
    categorical: list  # indices of categorical (integer-coded) features
    sklime_labels: object = "all"  # sklime's labels parameter


@cache
def _problem(name):
    """Training data, fitted model and rows to explain of a named problem."""
    categorical, sklime_labels = [], "all"
    if name in ("regression", "categorical"):
        X, y = load_diabetes(return_X_y=True)
        if name == "regression":
            X = np.delete(X, 1, axis=1)  # "sex": see the module docstring
        else:
            X[:, 1] = X[:, 1] > 0  # "sex" coded 0/1 as lime requires
            categorical = [1]
        model = GradientBoostingRegressor(n_estimators=50, random_state=0)
        labels = (1,)  # lime stores a regression explanation under label 1
    elif name in ("binary", "binary_negative"):
        X, y = load_breast_cancer(return_X_y=True)
        X = X[:, :10]  # the ten "mean ..." features keep lime fast
        model = make_pipeline(StandardScaler(), LogisticRegression())
        labels = (1,)  # sklime's single block is the positive class
        if name == "binary_negative":  # sklime's labels=[0] is lime's labels=(0,)
            labels = sklime_labels = (0,)
    else:
        X, y = load_iris(return_X_y=True)
        model = make_pipeline(StandardScaler(), LogisticRegression())
        labels = (0, 1, 2)  # sklime's blocks, in classes_ order
    model.fit(X, y)
    mode = "regression" if name in ("regression", "categorical") else "classification"
    rows = _typical_rows(X, N_ROWS)
    return Problem(X, model, mode, labels, rows, categorical, sklime_labels)


def _lime_explainer(problem, seed, **lime_kwargs):
    return lime_tabular.LimeTabularExplainer(
        problem.X,
        mode=problem.mode,
        categorical_features=problem.categorical,
        random_state=seed,
        **lime_kwargs,
    )


def _sklime_explainer(problem, seed, **sklime_kwargs):
    return LimeExplainer(
        FrozenEstimator(problem.model),
        # None, not []: sklime takes an empty list for a list of column names
        # and rejects it for an ndarray.
        categorical_features=problem.categorical or None,
        labels=problem.sklime_labels,
        random_state=seed,
        **sklime_kwargs,
    ).fit(problem.X)


def _lime_run(name, lime_kwargs, seed):
    """One lime run on a problem's rows.

    Returns
    -------
    coef : ndarray of shape (n_rows, n_outputs, n_features + 1)
        Coefficients, then the intercept in the last column.
    score : ndarray of shape (n_rows,)
        Weighted R^2 of the surrogate of the last output (lime keeps only
        that one).
    """
    problem = _problem(name)
    # All features are kept; "none" skips the selection lime would run first
    # (its "auto" is a forward selection of all features up to six).
    explainer = _lime_explainer(problem, seed, feature_selection="none", **lime_kwargs)
    model = problem.model
    predict = model.predict if problem.mode == "regression" else model.predict_proba
    n_rows, n_features = len(problem.rows), problem.X.shape[1]
    coef = np.zeros((n_rows, len(problem.labels), n_features + 1))
    score = np.zeros(n_rows)
    for i, row in enumerate(problem.rows):
        exp = explainer.explain_instance(
            row,
            predict,
            labels=problem.labels,
            num_features=n_features,
            num_samples=NUM_SAMPLES,
        )
        for k, label in enumerate(problem.labels):
            for j, weight in exp.local_exp[label]:
                coef[i, k, j] = weight
            coef[i, k, -1] = exp.intercept[label]
        score[i] = exp.score
    return coef, score


def _sklime_run(name, sklime_kwargs, seed):
    """One sklime run, shaped as :func:`_lime_run`'s."""
    problem = _problem(name)
    explainer = _sklime_explainer(
        problem, seed, num_samples=NUM_SAMPLES, **sklime_kwargs
    )
    exp = explainer.explain(problem.rows)
    n_rows, n_outputs = len(problem.rows), len(problem.labels)
    coef = exp.coef.reshape(n_rows, n_outputs, problem.X.shape[1])
    intercept = np.reshape(exp.intercept, (n_rows, n_outputs, 1))
    return np.concatenate([coef, intercept], axis=-1), exp.score[:, -1]


def _stack(runs):
    coef, score = zip(*runs, strict=True)
    return np.stack(coef), np.stack(score)


@cache
def _lime_runs(problem, mode):
    """lime's coefficients and scores over seeds: arrays with a leading seed axis."""
    lime_kwargs = MODES[mode][0]
    return _stack(_lime_run(problem, lime_kwargs, s) for s in _seeds(N_SEEDS))


def _sklime_runs(problem, sklime_kwargs):
    """sklime's coefficients and scores over seeds, as :func:`_lime_runs`."""
    return _sklime_runs_cached(problem, tuple(sorted(sklime_kwargs.items())))


@cache
def _sklime_runs_cached(problem, sklime_items):
    sklime_kwargs = dict(sklime_items)
    return _stack(_sklime_run(problem, sklime_kwargs, s) for s in _seeds(N_SEEDS))


def _pooled_var(lime_runs, sklime_runs):
    """Variance over seeds of one run, pooled over two sets of independent runs."""
    return (lime_runs.var(axis=0, ddof=1) + sklime_runs.var(axis=0, ddof=1)) / 2


def _compare(lime_runs, sklime_runs, scale, lime_var, sklime_var):
    """Statistics of the comparison described in the module docstring.

    Parameters
    ----------
    lime_runs, sklime_runs : ndarray of shape (n_seeds, ...)
    scale : ndarray broadcastable to ``lime_runs.shape[1:]``
        Size of the compared quantities, for the tolerance's floor.
    lime_var, sklime_var : ndarray of shape ``lime_runs.shape[1:]``
        Estimated variance of one run of each package.

    Returns
    -------
    excess : ndarray
        ``|mean difference| / tolerance`` per quantity (agreement: <= 1).
    mean_z2 : float
        Mean squared z statistic over all quantities.
    """
    se = np.sqrt((lime_var + sklime_var) / len(lime_runs))
    diff = np.abs(sklime_runs.mean(axis=0) - lime_runs.mean(axis=0))
    excess = diff / (Z_MAX * se + REL_FLOOR * scale)
    z = diff / np.maximum(se, np.finfo(float).tiny)
    return excess, float(np.mean(z**2))


def _spread_ratio(lime_runs, sklime_runs):
    """RMS spread over seeds of sklime's values divided by lime's."""
    sk_var = sklime_runs.var(axis=0, ddof=1).mean()
    return float(np.sqrt(sk_var / lime_runs.var(axis=0, ddof=1).mean()))


def _coef_scale(lime_coef_runs):
    """Largest absolute lime coefficient (intercept excluded) per row and output."""
    return np.abs(lime_coef_runs.mean(axis=0)[..., :-1]).max(axis=-1, keepdims=True)


def _assert_means_agree(lime_runs, sklime_runs, scale, lime_var, sklime_var, what):
    excess, mean_z2 = _compare(lime_runs, sklime_runs, scale, lime_var, sklime_var)
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    assert excess.max() <= 1.0, (
        f"{what} at {worst}: sklime {sklime_runs.mean(axis=0)[worst]:.4g} vs lime "
        f"{lime_runs.mean(axis=0)[worst]:.4g}, {excess.max():.2f} times the tolerance"
    )
    assert mean_z2 <= MEAN_Z2_MAX, f"{what}: mean squared z statistic {mean_z2:.2f}"


COEFFICIENT_CASES = [
    (problem, mode)
    for problem in ("regression", "binary", "multiclass")
    for mode in ("continuous", "quartile", "local")
] + [
    # An integer-coded categorical feature next to continuous ones. Not with
    # local sampling: lime redraws categories from their training frequencies
    # there, sklime keeps the row's category with probability 1/2 (see the
    # user guide's differences from lime), which coincides only for a balanced
    # binary feature.
    ("categorical", "continuous"),
    ("categorical", "quartile"),
    # A binary model's negative class, the mirror of its positive class.
    ("binary_negative", "continuous"),
    ("binary_negative", "quartile"),
]


@pytest.mark.parametrize("problem, mode", COEFFICIENT_CASES)
def test_coefficients_agree_with_lime(problem, mode):
    """Continuous (marginal), quartile and local sampling give lime's surrogates.

    Coefficients and intercepts (one more column, with the coefficients'
    floor) and the weighted R^2 of the last output (absolute floor
    ``REL_FLOOR``) pass the criteria of the module docstring, first with
    sklime drawing independent noise as lime does (same means and spreads),
    then with sklime's default sampler (same means, spread at most lime's
    times ``SPREAD_RATIO_MAX``).
    """
    lime_coef, lime_score = _lime_runs(problem, mode)
    scale = _coef_scale(lime_coef)
    # Guard against a vacuous comparison: the explanations are not all zero.
    assert scale.min() > 0
    ind_coef, ind_score = _sklime_runs(problem, {**MODES[mode][1], **INDEPENDENT})
    # Variance of one run under independent draws, pooled over lime and sklime.
    coef_var = _pooled_var(lime_coef, ind_coef)
    score_var = _pooled_var(lime_score, ind_score)

    _assert_means_agree(lime_coef, ind_coef, scale, coef_var, coef_var, "coef")
    _assert_means_agree(lime_score, ind_score, 1.0, score_var, score_var, "R^2")
    # The spread of the coefficients only: an intercept's spread grows with
    # the row's distance from the sampling center and would dominate the RMS.
    spread_ratio = _spread_ratio(lime_coef[..., :-1], ind_coef[..., :-1])
    assert 1 / SPREAD_RATIO_MAX <= spread_ratio <= SPREAD_RATIO_MAX, (
        f"sklime's spread over seeds is {spread_ratio:.2f} times lime's"
    )

    if not INDEPENDENT:
        return  # sklime's default already draws independent noise
    coef, score = _sklime_runs(problem, MODES[mode][1])
    own_var = coef.var(axis=0, ddof=1)
    _assert_means_agree(lime_coef, coef, scale, coef_var, own_var, "default coef")
    own_var = score.var(axis=0, ddof=1)
    _assert_means_agree(lime_score, score, 1.0, score_var, own_var, "default R^2")
    spread_ratio = _spread_ratio(lime_coef[..., :-1], coef[..., :-1])
    assert spread_ratio <= SPREAD_RATIO_MAX, (
        f"sklime's default spread over seeds is {spread_ratio:.2f} times lime's"
    )


def test_binary_block_is_the_positive_class():
    """sklime's single binary block matches lime's label 1, not label 0."""
    problem = _problem("binary")
    explainer = _sklime_explainer(problem, 0, num_samples=NUM_SAMPLES)
    assert explainer.outputs_.tolist() == [problem.model.classes_[1]]
    lime_coef = _lime_runs("binary", "continuous")[0][..., :-1]
    sk_coef = _sklime_runs("binary", INDEPENDENT)[0][..., :-1]
    # lime's label 0 is the mirror image of label 1 (probabilities sum to one).
    mirror = -lime_coef
    var = _pooled_var(mirror, sk_coef)
    scale = np.abs(lime_coef.mean(axis=0)).max(axis=-1, keepdims=True)
    excess, _ = _compare(mirror, sk_coef, scale, var, var)
    assert excess.max() > 1.0


@pytest.mark.parametrize("mode, factor", [("continuous", 2), ("local", 3)])
def test_tolerance_detects_a_wrong_kernel_width(mode, factor):
    """The criterion has power: a kernel ``factor`` times too wide fails it.

    Local sampling is less sensitive to the width (every sample is already
    near the row), hence the larger factor. Not in quartile mode: there the
    design is made of independent indicators and the coefficients of this
    nearly additive model barely depend on the kernel width, so a wrong width
    would not be visible in any comparison.
    """
    n_features = _problem("regression").X.shape[1]
    width = factor * 0.75 * np.sqrt(n_features)
    wrong = {**MODES[mode][1], "kernel_width": width, **INDEPENDENT}
    lime_coef = _lime_runs("regression", mode)[0]
    sk_coef = _sklime_runs("regression", wrong)[0]
    var = _pooled_var(lime_coef, sk_coef)
    excess, mean_z2 = _compare(lime_coef, sk_coef, _coef_scale(lime_coef), var, var)
    assert excess.max() > 1.0 or mean_z2 > MEAN_Z2_MAX


# Feature selection: the set of ``num_features`` features kept per row.
SELECTION_SAMPLES = 10_000
SELECTION_ROWS = 6
K_SELECTED = 3
LIME_SELECTION_SEEDS = 4
#: sklime is cheap, and its seeds move all rows' selections together (shared
#: noise), so it gets more seeds than lime to steady the agreement fraction.
SKLIME_SELECTION_SEEDS = 8
#: Minimum fraction of (row, lime seed, sklime seed) triples whose selected
#: sets are equal. With three features the top set is clear for most of these
#: rows: over 48 lime and 96 sklime seeds (independent draws, quartile, forward
#: selection, eight rows) both kept the same set on half of the rows, and on
#: the others lime's modal set with frequencies 0.73-0.83 (lime) and 0.60-0.81
#: (sklime), differences within sampling error. Over six sets of seeds the
#: agreement was 1.0 in continuous mode and, in quartile mode, 0.84-0.90 with
#: independent draws and 0.91-1.0 with the (less noisy) Sobol sampler. K=5 is
#: too noisy (lime agrees with itself on about half of the rows only).
MIN_AGREEMENT = 0.7
#: Minimum fraction, on each row, of sklime seeds keeping a set lime also kept
#: on that row (lowest observed: 0.5, on rows where lime hesitates).
MIN_ROW_AGREEMENT = 0.25


def _lime_sets(lime_kwargs, method, seed):
    """lime's selected feature sets of the regression problem's rows."""
    problem = _problem("regression")
    explainer = _lime_explainer(problem, seed, feature_selection=method, **lime_kwargs)
    rows = _typical_rows(problem.X, SELECTION_ROWS)
    sets = []
    for row in rows:
        exp = explainer.explain_instance(
            row,
            problem.model.predict,
            num_features=K_SELECTED,
            num_samples=SELECTION_SAMPLES,
        )
        sets.append(frozenset(int(j) for j, _ in exp.local_exp[1]))
    return sets


def _sklime_sets(sklime_kwargs, method, seed):
    """sklime's selected feature sets of the regression problem's rows."""
    problem = _problem("regression")
    explainer = _sklime_explainer(
        problem,
        seed,
        num_samples=SELECTION_SAMPLES,
        num_features=K_SELECTED,
        feature_selection=method,
        **sklime_kwargs,
    )
    rows = _typical_rows(problem.X, SELECTION_ROWS)
    selected = explainer.explain(rows).selected[:, 0]
    return [frozenset(np.flatnonzero(mask).tolist()) for mask in selected]


@pytest.mark.parametrize(
    "mode, method",
    [
        ("continuous", "highest_weights"),
        ("quartile", "forward_selection"),
        ("quartile", "highest_weights"),
        ("quartile", "lasso_path"),
    ],
)
def test_selected_features_agree_with_lime(mode, method):
    """num_features=3 keeps lime's feature set for most rows.

    In continuous mode forward selection and the lasso path pick the same
    three globally dominant features for every row, a weak test; highest
    weights ranks by ``|coef * zscore(x)|`` and so differs between rows. In
    quartile mode all three methods give row-dependent sets.
    """
    lime_kwargs, sklime_kwargs = MODES[mode]
    lime = [_lime_sets(lime_kwargs, method, s) for s in _seeds(LIME_SELECTION_SEEDS)]
    sk = [
        _sklime_sets(sklime_kwargs, method, s) for s in _seeds(SKLIME_SELECTION_SEEDS)
    ]
    assert all(len(s) == K_SELECTED for sets in sk for s in sets)
    cross = np.mean([a[i] == b[i] for a in lime for b in sk for i in range(len(a))])
    assert cross >= MIN_AGREEMENT, f"sklime agrees with lime on {cross:.0%}"
    # Row by row, so that one systematically wrong row cannot hide in the
    # average: sklime keeps one of the sets lime kept in enough of its seeds.
    for i in range(len(lime[0])):
        seen = {runs[i] for runs in lime}
        row_agreement = np.mean([runs[i] in seen for runs in sk])
        assert row_agreement >= MIN_ROW_AGREEMENT, (
            f"row {i}: sklime keeps one of lime's sets {sorted(map(sorted, seen))} "
            f"in {row_agreement:.0%} of its seeds"
        )


# Claims about lime made in the user guide's "Differences from lime".


def _own_row_change(explainer, model, row):
    """Relative change of lime's coefficients when its own-row sample is dropped.

    Rebuilds lime's surrogate (``feature_selection="none"``) from its own
    perturbations of ``row``; also returns the coefficients with the row, to
    be checked against ``explain_instance``.
    """
    data, inverse = explainer._LimeTabularExplainer__data_inverse(row, 5000)
    scaled = (data - explainer.scaler.mean_) / explainer.scaler.scale_
    weights = explainer.base.kernel_fn(np.linalg.norm(scaled - scaled[0], axis=1))
    target = model.predict_proba(inverse)[:, 1]
    with_row = Ridge(alpha=1).fit(scaled, target, sample_weight=weights).coef_
    without = Ridge(alpha=1).fit(scaled[1:], target[1:], sample_weight=weights[1:])
    change = np.linalg.norm(with_row - without.coef_) / np.linalg.norm(without.coef_)
    return change, with_row


def test_lime_own_row_sample_moves_an_outlying_row_at_5000_samples():
    """lime's own-row sample is not only a small-sample effect.

    For row 0 of ``load_breast_cancer`` (far from the training mean) dropping
    it changes lime's coefficient vector by more than 10% at 5000 samples;
    for a typical row by less than 1%.
    """
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X, y)
    typical = _typical_rows(X, 1)[0]

    def lime():
        return lime_tabular.LimeTabularExplainer(
            X,
            discretize_continuous=False,
            feature_selection="none",
            random_state=0,
        )

    change, with_row = _own_row_change(lime(), model, X[0])
    # The rebuilt surrogate is lime's own (same seed, same draws).
    exp = lime().explain_instance(
        X[0],
        model.predict_proba,
        num_features=X.shape[1],
        num_samples=5000,
    )
    lime_coef = np.zeros(X.shape[1])
    for j, weight in exp.local_exp[1]:
        lime_coef[j] = weight
    np.testing.assert_allclose(lime_coef, with_row, rtol=1e-6, atol=1e-12)
    assert change > 0.1
    assert _own_row_change(lime(), model, typical)[0] < 0.01


def test_lime_ignores_sample_around_instance_when_discretizing():
    """With bins, lime's samples do not depend on ``sample_around_instance``."""
    X, _ = load_iris(return_X_y=True)
    samples = [
        lime_tabular.LimeTabularExplainer(
            X, sample_around_instance=around, random_state=0
        )._LimeTabularExplainer__data_inverse(X[0], 500)[1]
        for around in (False, True)
    ]
    np.testing.assert_array_equal(*samples)
