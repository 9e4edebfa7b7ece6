"""A small, self-contained HTML view of explanations (no scripts)."""

from html import escape

from ._display._style import NEGATIVE, POSITIVE

_STYLE = (
    "<style>"
    ".sklime{font-family:sans-serif;font-size:13px;border-collapse:collapse}"
    ".sklime td,.sklime th{padding:2px 8px;text-align:left}"
    ".sklime .bar{display:inline-block;height:10px}"
    "</style>"
)


def explanation_html(explanation, rows=None, output=None, *, top=10):
    """HTML of rows' explanations: each row's pictures, then its tables.

    Tabular rows have no picture; documents and images are shown first as
    themselves (see ``_picture``). The tables have inline bars, and every
    feature name, description and class label is escaped, so values that
    contain markup are shown as text. The style is given once.

    Parameters
    ----------
    explanation : Explanation
    rows : sequence of int or None, default=None
        Positions of the rows to show, already checked; None shows the first
        five.
    output : label or None, default=None
        Output to show; None as in :meth:`Explanation.save_html`.
    top : int, default=10
        Features per row, by decreasing absolute weight.

    Returns
    -------
    html : str
    """
    rows = range(min(len(explanation), 5)) if rows is None else rows
    parts = [_STYLE]
    for row in rows:
        shown = explanation._outputs_shown(row, output)
        parts.extend(explanation._picture(row, k) for k in shown)
        parts.extend(_row_table(explanation, row, k, top) for k in shown)
    return "".join(parts)


def _row_table(explanation, row, k, top):
    output = explanation.outputs[k]
    pairs = explanation._pairs(row, k)[:top]
    scale = max((abs(w) for _, w in pairs), default=1.0) or 1.0
    caption = (
        f"Row {row}"
        + ("" if output is None else f", output {escape(str(output))}")
        + f": model {explanation.model_prediction[row, k]:.4g}, "
        f"surrogate {explanation.local_prediction[row, k]:.4g}, "
        f"fit R\N{SUPERSCRIPT TWO} {explanation.score[row, k]:.2f}"
    )
    lines = [
        f'<table class="sklime"><caption>{caption}</caption>',
        "<tr><th>feature</th><th>weight</th><th></th></tr>",
    ]
    for label, weight in pairs:
        width = int(round(100 * abs(weight) / scale))
        colour = POSITIVE if weight >= 0 else NEGATIVE
        lines.append(
            f"<tr><td>{escape(label)}</td><td>{weight:+.4g}</td>"
            f'<td><span class="bar" style="width:{width}px;background:{colour}">'
            "</span></td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


def write_page(path, body):
    """Write ``body`` as a standalone HTML page to ``path``."""
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>sklime explanations</title></head><body>{body}</body></html>"
    )
    # Lone surrogates (undecodable bytes) have no UTF-8: written as \udcff.
    with open(path, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(page)
