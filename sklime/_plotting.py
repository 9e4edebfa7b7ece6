"""Matplotlib figures of explanations (matplotlib is imported lazily)."""

import numpy as np

from ._optional import import_optional

#: Colour of features that push the output up, and down.
POSITIVE, NEGATIVE = "#1a9850", "#d73027"
#: Diverging colour map of coefficient heatmaps (blue negative, red positive).
DIVERGING = "RdBu_r"
#: Text properties that draw a label as given: "$" starts no mathtext, no LaTeX.
AS_GIVEN = {"parse_math": False, "usetex": False}


def _axes(ax, size, feature):
    """The given Axes, or a new figure's (``feature`` names the caller)."""
    if ax is not None:
        return ax
    plt = import_optional("matplotlib.pyplot", "plots", feature)
    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _output_label(output):
    return "prediction" if output is None else f"output {output}"


def plot_row(explanation, row, k, *, top=10, ax=None):
    """Horizontal bar chart of one row's explanation, output block ``k``.

    The public entry point, with the parameters, is
    :meth:`sklime.Explanation.plot`.
    """
    pairs = explanation._pairs(row, k)[:top][::-1]
    labels = [label for label, _ in pairs]
    weights = np.array([weight for _, weight in pairs])
    ax = _axes(ax, (6, 0.4 * len(pairs) + 1.2), "Explanation.plot")
    ax.barh(
        np.arange(len(pairs)),
        weights,
        color=np.where(weights >= 0, POSITIVE, NEGATIVE),
    )
    ax.set_yticks(np.arange(len(pairs)), labels, **AS_GIVEN)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("local effect (surrogate coefficient)")
    ax.set_title(
        f"Row {row}, {_output_label(explanation._output_name(row, k))}: model "
        f"{explanation.model_prediction[row, k]:.3g}, surrogate "
        f"{explanation.local_prediction[row, k]:.3g}",
        **AS_GIVEN,
    )
    return ax


def plot_heatmap(explanation, k, *, ax=None):
    """Heatmap of the coefficients of many rows (rows x features), block ``k``.

    The public entry point, with the parameters, is
    :meth:`sklime.Explanation.plot_heatmap`.
    """
    coef = explanation._block(explanation.coef, k)
    n_rows, n_features = coef.shape
    size = (0.5 * n_features + 2.5, 0.25 * n_rows + 1.8)
    ax = _axes(ax, size, "Explanation.plot_heatmap")
    limit = np.abs(coef).max() or 1.0
    image = ax.imshow(
        coef,
        cmap=DIVERGING,
        vmin=-limit,
        vmax=limit,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(
        np.arange(n_features), explanation.feature_names, rotation=90, **AS_GIVEN
    )
    ax.set_ylabel("explained row")
    ax.figure.colorbar(image, ax=ax, label="coefficient")
    ax.set_title(
        f"Local coefficients, {_output_label(explanation.outputs[k])}", **AS_GIVEN
    )
    return ax


def plot_summary(explanation, k, *, top=20, ax=None):
    """Global summary: mean absolute coefficient of each feature, block ``k``.

    The public entry point, with the parameters, is
    :meth:`sklime.Explanation.plot_summary`.
    """
    importance = explanation._block(explanation.mean_abs_coef[None], k)[0]
    error = explanation._block(explanation.mean_abs_coef_error[None], k)[0]
    order = np.argsort(-importance, kind="stable")[:top][::-1]
    ax = _axes(ax, (6, 0.4 * len(order) + 1.2), "Explanation.plot_summary")
    shown = error[order]
    known = np.isfinite(shown)
    # An undetermined error (infinite) must not look like an exact value.
    ax.barh(
        np.arange(len(order)),
        importance[order],
        xerr=2 * np.where(known, shown, 0.0),
        color=np.where(known, POSITIVE, "lightgray"),
        ecolor="black",
    )
    ax.set_yticks(
        np.arange(len(order)),
        [
            str(explanation.feature_names[j]) + ("" if ok else " (error unknown)")
            for j, ok in zip(order, known, strict=True)
        ],
        **AS_GIVEN,
    )
    ax.set_xlabel("mean |coefficient| over rows (± 2 standard errors)")
    label = _output_label(explanation.outputs[k])
    ax.set_title(f"Global importance, {label} ({len(explanation)} rows)", **AS_GIVEN)
    return ax
