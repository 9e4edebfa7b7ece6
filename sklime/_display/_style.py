"""What every picture of sklime shares: its colors, its text, its axes.

One color convention holds in bar charts, heatmaps, highlighted text and
image overlays alike: the diverging, color-blind-safe map ``"RdBu_r"``, red
where a weight pushes the output up and blue where it pushes it down. Bars
and highlighted words take the map's two ends; heatmap cells and image
overlays take the map at the weight's share of the largest absolute weight
shown, so the largest positive weight has the same red everywhere.
matplotlib is imported lazily: the HTML of tables and documents needs only
the colors' hex codes.
"""

from .._optional import import_optional

#: Diverging color map of signed weights: blue pushes down, red pushes up.
DIVERGING = "RdBu_r"
#: Colors of weights that push the output up, and down: the map's ends.
POSITIVE, NEGATIVE = "#67001f", "#053061"
#: Color of magnitudes, which have no sign (global importance).
NEUTRAL = "#4d4d4d"
#: Text properties that draw a label as given: "$" starts no mathtext, no LaTeX.
AS_GIVEN = {"parse_math": False, "usetex": False}


def require_matplotlib(feature):
    """matplotlib.pyplot, or an error naming the extra ``feature`` needs."""
    return import_optional("matplotlib.pyplot", "plots", feature)


def new_axes(ax, size, feature):
    """The given Axes, or a new figure's (``feature`` names the caller).

    A new figure uses constrained layout, so titles, tick labels and
    colorbars fit inside it.
    """
    if ax is not None:
        return ax
    _, ax = require_matplotlib(feature).subplots(figsize=size, layout="constrained")
    return ax


def output_label(output):
    """How a title names an output: "prediction" for a single regression target."""
    return "prediction" if output is None else f"output {output}"
