"""The kernel-width tuning curve: adherence and stability against the width.

A display like those of ``sklime._display``, kept beside the search it reads
(``from_search`` knows lime's scorers and refit rule).
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._display._style import AS_GIVEN, NEUTRAL, new_axes
from ._tuning import (
    _candidate_widths,
    _FreshFidelityScorer,
    _OptiLimeRefit,
    _StabilityScorer,
    _width_key,
)

#: How each score is drawn: its legend label and line style.
_CURVES = {
    "adherence": ("adherence", {"marker": "o", "linestyle": "-"}),
    "stability": ("stability", {"marker": "s", "linestyle": "--"}),
    "fidelity": ("fidelity (score)", {"linestyle": ":", "color": NEUTRAL}),
}
#: Scores below this (an R^2 far worse than the mean's) leave the axes.
_LOWEST_SHOWN = -0.25


class KernelWidthDisplay:
    """Adherence, stability and fidelity of the explanations against the width.

    The picture of the kernel-width search that
    :func:`~sklime.metrics.lime_scorers` scores and
    :func:`~sklime.metrics.optilime_refit` decides: one line per score
    against ``kernel_width`` (logarithmic axis), the adherence threshold
    the refit rule applies as a horizontal line and the chosen width as a
    vertical one. The adherence falls as the kernel widens, the stability
    rises; the rule chooses the widest width whose adherence stays above
    the threshold. The lines hold the exact mean test scores; the score
    axis spans -0.25 to 1 in every picture, and lower scores (the fidelity
    of narrow kernels, often) run off its bottom.

    Build it with :meth:`from_search`; the constructor takes plain arrays,
    such as the scores of :func:`~sklime.metrics.choose_width`:
    ``KernelWidthDisplay(**scores, chosen_width=width).plot()``.

    Parameters
    ----------
    kernel_width : array-like of shape (n_widths,)
        The candidate widths, in any order (they are drawn in increasing
        order).
    adherence : array-like of shape (n_widths,)
        Mean adherence of each width.
    stability : array-like of shape (n_widths,)
        Mean stability of each width.
    fidelity : array-like of shape (n_widths,) or None, default=None
        Mean fidelity (:meth:`LimeExplainer.score`) of each width; None
        draws no fidelity line.
    min_adherence : float or None, default=None
        The adherence threshold of the refit rule; None draws no threshold.
    chosen_width : float or None, default=None
        The width the search chose; None marks none.
    title : str or None, default=None
        Title of the axes.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the curves.
    figure_ : matplotlib Figure
        Figure holding the curves.
    lines_ : dict of matplotlib Line2D
        The curve of each score drawn, by its name: ``"adherence"``,
        ``"stability"`` and, when given, ``"fidelity"``.
    threshold_line_ : matplotlib Line2D or None
        The horizontal line at ``min_adherence``; None without it.
    chosen_line_ : matplotlib Line2D or None
        The vertical line at ``chosen_width``; None without it.

    See Also
    --------
    sklime.metrics.lime_scorers : The scores drawn.
    sklime.metrics.optilime_refit : The rule that chooses the width.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklime import KernelWidthDisplay, LimeExplainer
    >>> from sklime.metrics import lime_scorers, optilime_refit
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = FrozenEstimator(LinearRegression().fit(X, y))
    >>> lime = LimeExplainer(model, sampling="gaussian", num_samples=128)
    >>> search = GridSearchCV(
    ...     lime,
    ...     {"kernel_width": [0.5, 1.0, 2.0]},
    ...     scoring=lime_scorers(),
    ...     refit=optilime_refit(min_adherence=0.9),
    ...     cv=2,
    ... ).fit(X[:10])
    >>> display = KernelWidthDisplay.from_search(search)
    >>> sorted(display.lines_), display.chosen_line_.get_xdata()[0]
    (['adherence', 'fidelity', 'stability'], 2.0)
    """

    def __init__(
        self,
        kernel_width,
        adherence,
        stability,
        *,
        fidelity=None,
        min_adherence=None,
        chosen_width=None,
        title=None,
    ):
        self.kernel_width = kernel_width
        self.adherence = adherence
        self.stability = stability
        self.fidelity = fidelity
        self.min_adherence = min_adherence
        self.chosen_width = chosen_width
        self.title = title

    def plot(self, ax=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure (constrained layout).

        Returns
        -------
        display : KernelWidthDisplay
            The display, holding the drawn artists.
        """
        widths = np.asarray(self.kernel_width, dtype=float)
        curves = self._curves(len(widths))
        ax = new_axes(ax, (6, 3.6), "KernelWidthDisplay.plot")
        order = np.argsort(widths, kind="stable")
        self.lines_ = {}
        for name, values in curves.items():
            label, style = _CURVES[name]
            (self.lines_[name],) = ax.plot(
                widths[order], values[order], markersize=3, label=label, **style
            )
        self.threshold_line_ = self.chosen_line_ = None
        if self.min_adherence is not None:
            self.threshold_line_ = ax.axhline(
                self.min_adherence,
                color="black",
                linewidth=0.8,
                label=f"min_adherence {self.min_adherence:g}",
            )
        if self.chosen_width is not None:
            self.chosen_line_ = ax.axvline(
                self.chosen_width,
                color="tab:red",
                linewidth=1,
                label=f"chosen width {self.chosen_width:g}",
            )
        ax.set(
            xscale="log",
            xlabel="kernel_width",
            ylabel="mean test score (higher: better)",
        )
        # The same limits in every picture, so that pictures side by side agree.
        ax.set_ylim(_LOWEST_SHOWN - 0.05, 1.05)
        ax.legend(loc="best", fontsize="small")
        if self.title is not None:
            ax.set_title(self.title, **AS_GIVEN)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    def _curves(self, n_widths):
        """The scores to draw by name, each checked to have one value per width."""
        curves = {
            "adherence": self.adherence,
            "stability": self.stability,
            "fidelity": self.fidelity,
        }
        curves = {
            name: np.asarray(values, dtype=float).ravel()
            for name, values in curves.items()
            if values is not None
        }
        for name, values in curves.items():
            if len(values) != n_widths:
                raise ValueError(
                    f"KernelWidthDisplay needs one {name} score per kernel width: "
                    f"got {len(values)} for {n_widths} widths."
                )
        return curves

    @classmethod
    def from_search(cls, search, *, min_adherence=None, ax=None):
        """Draw the scores of a fitted kernel-width search.

        The search is a fitted ``GridSearchCV`` or ``RandomizedSearchCV``
        over a :class:`~sklime.LimeExplainer` whose candidates differ in
        ``kernel_width`` alone, scored with
        :func:`~sklime.metrics.lime_scorers`. The lines are its
        ``cv_results_["mean_test_<score>"]``; the fidelity line is drawn
        when the scoring has lime's ``"fidelity"`` scorer. The chosen width
        is its ``best_params_`` (none without a refit).

        Parameters
        ----------
        search : GridSearchCV or RandomizedSearchCV
            A fitted search whose ``param_grid`` (``param_distributions``)
            varies ``kernel_width`` (or ``<step>__kernel_width``) alone.
        min_adherence : float or None, default=None
            The adherence threshold to draw. None reads it from the search's
            ``refit`` when that is :func:`~sklime.metrics.optilime_refit`
            (and draws none otherwise).
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a new figure.

        Returns
        -------
        display : KernelWidthDisplay

        Raises
        ------
        ValueError
            If the search did not vary ``kernel_width``, varied other
            parameters too, or tried a width twice; if its scoring is not
            :func:`~sklime.metrics.lime_scorers`; if ``min_adherence`` is
            not the threshold of the search's ``optilime_refit``.
        sklearn.exceptions.NotFittedError
            If the search is not fitted.
        """
        check_is_fitted(search, "cv_results_")
        cv_results = search.cv_results_
        key = _searched_width(cv_results)
        widths = _candidate_widths(
            cv_results, len(cv_results["params"]), "KernelWidthDisplay"
        )
        _check_distinct(widths)
        rule = search.refit if isinstance(search.refit, _OptiLimeRefit) else None
        scores = _lime_scores(search.scoring, cv_results, rule)
        chosen = None
        if hasattr(search, "best_params_"):
            chosen = float(search.best_params_[key.removeprefix("param_")])
        display = cls(
            widths,
            **scores,
            min_adherence=_threshold(rule, min_adherence),
            chosen_width=chosen,
        )
        return display.plot(ax=ax)


def _searched_width(cv_results):
    """The ``cv_results_`` column of the width, the only parameter searched."""
    key = _width_key(cv_results, "KernelWidthDisplay")
    searched = [name for name in cv_results if name.startswith("param_")]
    if key is None:
        raise ValueError(
            "KernelWidthDisplay draws scores against kernel_width, but the search "
            f"did not vary it (it searched {searched}). Search over "
            "{'kernel_width': [...]} of a LimeExplainer."
        )
    others = [name for name in searched if name != key]
    if others:
        raise ValueError(
            "KernelWidthDisplay draws one curve against kernel_width, but the "
            f"search also varied {others}, whose candidates would mix in it. Search "
            "over kernel_width alone, or build KernelWidthDisplay from the "
            "cv_results_ of the candidates you want to compare."
        )
    return key


def _check_distinct(widths):
    """Each width is one point of the curve: a width tried twice is ambiguous."""
    values, counts = np.unique(widths, return_counts=True)
    if (counts > 1).any():
        raise ValueError(
            f"KernelWidthDisplay draws one score per kernel width, but the search "
            f"tried kernel_width={values[counts > 1][0]:g} several times (a "
            "repeated grid value, or the rounds of a successive halving search). "
            "Search over distinct widths in one round."
        )


def _lime_scores(scoring, cv_results, rule):
    """Mean test adherence, stability and fidelity (or None) of the candidates.

    The adherence and stability are the scorers the refit ``rule`` reads
    (an ``optilime_refit``, or None for the default keys). Each must be the
    scorer of ``lime_scorers``, so that a line labeled "adherence" is
    lime's adherence.
    """
    names = ("adherence", "stability")
    if rule is not None:
        names = (rule.adherence, rule.stability)
    scorers = scoring if isinstance(scoring, dict) else {}
    for name, kind in zip(names, ("adherence", "stability"), strict=True):
        if not _is_lime_scorer(scorers.get(name), kind):
            raise ValueError(
                f"KernelWidthDisplay draws the scores of lime_scorers, but the "
                f"search's scoring has no lime {kind} scorer under {name!r} "
                f"(scoring={scoring!r}). Fit the search with "
                "scoring=sklime.metrics.lime_scorers()."
            )
    adherence, stability = names
    has_fidelity = _is_lime_scorer(scorers.get("fidelity"), "fidelity")
    return {
        "adherence": cv_results[f"mean_test_{adherence}"],
        "stability": cv_results[f"mean_test_{stability}"],
        "fidelity": cv_results["mean_test_fidelity"] if has_fidelity else None,
    }


def _is_lime_scorer(scorer, kind):
    """Whether ``scorer`` is the ``kind`` scorer of ``lime_scorers``."""
    if kind == "stability":
        return isinstance(scorer, _StabilityScorer)
    own_kernel = kind == "adherence"
    return isinstance(scorer, _FreshFidelityScorer) and scorer.own_kernel == own_kernel


def _threshold(rule, min_adherence):
    """The threshold to draw: the refit rule's, or the one asked for."""
    if rule is None:
        return min_adherence
    if min_adherence is not None and min_adherence != rule.min_adherence:
        raise ValueError(
            f"The search chose its width with optilime_refit(min_adherence="
            f"{rule.min_adherence}); drawing min_adherence={min_adherence} would "
            "show a threshold the choice did not use. Pass min_adherence=None to "
            "draw the search's, or refit the search with the threshold you want."
        )
    return rule.min_adherence
