"""Matplotlib figures of explanations (matplotlib is imported lazily)."""

import numpy as np

#: Colour of features that push the output up, and down.
POSITIVE, NEGATIVE = "#1a9850", "#d73027"
#: Diverging colour map of coefficient heatmaps (blue negative, red positive).
DIVERGING = "RdBu_r"


def _axes(ax, size):
    """The given Axes, or a new figure's."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _output_label(output):
    return "prediction" if output is None else f"output {output}"


def plot_row(explanation, row, output=None, *, top=10, ax=None):
    """Horizontal bar chart of one row's explanation.

    The public entry point, with the parameters, is
    :meth:`sklime.Explanation.plot`.
    """
    k = explanation.output_index(row, output)
    pairs = explanation.as_list(row, explanation.outputs[k])[:top][::-1]
    labels = [label for label, _ in pairs]
    weights = np.array([weight for _, weight in pairs])
    ax = _axes(ax, (6, 0.4 * len(pairs) + 1.2))
    ax.barh(
        np.arange(len(pairs)),
        weights,
        color=np.where(weights >= 0, POSITIVE, NEGATIVE),
        tick_label=labels,
    )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("local effect (surrogate coefficient)")
    ax.set_title(
        f"Row {row}, {_output_label(explanation.outputs[k])}: model "
        f"{explanation.model_prediction[row, k]:.3g}, surrogate "
        f"{explanation.local_prediction[row, k]:.3g}"
    )
    return ax


def plot_heatmap(explanation, output=None, *, ax=None):
    """Heatmap of the coefficients of many rows (rows x features).

    The public entry point, with the parameters, is
    :meth:`sklime.Explanation.plot_heatmap`.
    """
    coef = explanation.coefficients(output)
    n_rows, n_features = coef.shape
    ax = _axes(ax, (0.5 * n_features + 2.5, 0.25 * n_rows + 1.8))
    limit = np.abs(coef).max() or 1.0
    image = ax.imshow(
        coef,
        cmap=DIVERGING,
        vmin=-limit,
        vmax=limit,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(np.arange(n_features), explanation.feature_names, rotation=90)
    ax.set_ylabel("explained row")
    ax.figure.colorbar(image, ax=ax, label="coefficient")
    first = explanation.outputs[0] if output is None else output
    ax.set_title(f"Local coefficients, {_output_label(first)}")
    return ax


def plot_summary(explanation, output=None, *, top=20, ax=None):
    """Global summary: mean absolute coefficient of each feature over the rows.

    The public entry point, with the parameters, is
    :meth:`sklime.Explanation.plot_summary`.
    """
    importance = np.abs(explanation.coefficients(output)).mean(axis=0)
    order = np.argsort(-importance, kind="stable")[:top][::-1]
    ax = _axes(ax, (6, 0.4 * len(order) + 1.2))
    ax.barh(
        np.arange(len(order)),
        importance[order],
        color=POSITIVE,
        tick_label=[str(explanation.feature_names[j]) for j in order],
    )
    ax.set_xlabel("mean |coefficient| over explained rows")
    first = explanation.outputs[0] if output is None else output
    ax.set_title(f"Global importance, {_output_label(first)} ({len(explanation)} rows)")
    return ax
