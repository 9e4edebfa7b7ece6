"""A small, self-contained HTML view of explanations (no scripts)."""

from html import escape

from ._style import NEGATIVE, NEUTRAL, POSITIVE

_STYLE = (
    "<style>"
    ".sklime{font-family:sans-serif;font-size:13px;border-collapse:collapse}"
    ".sklime td,.sklime th{padding:2px 8px;text-align:left}"
    ".sklime .bar{display:inline-block;height:10px}"
    ".sklime-head{font-weight:bold}"
    ".sklime-row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}"
    "</style>"
)


def explanation_html(explanation, rows=None, output=None, *, top=10):
    """HTML of rows' explanations: the model's predictions, pictures, tables.

    Each row shows the model's predictions (as lime's notebook view shows
    its class probabilities), then its pictures and its tables side by
    side. Tabular rows have no picture; documents and images are shown as
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
        parts.append('<div class="sklime-row">' + _predictions(explanation, row))
        parts.extend(explanation._picture(row, k) for k in shown)
        parts.extend(_row_table(explanation, row, k, top) for k in shown)
        parts.append("</div>")
    return "".join(parts)


def _predictions(explanation, row):
    """The model's prediction of each output at ``row``, with bars for probabilities."""
    values = explanation.model_prediction[row]
    probabilities = explanation._classifier and ((0 <= values) & (values <= 1)).all()
    heading = "Prediction probabilities" if probabilities else "Model prediction"
    lines = [f'<div class="sklime"><div class="sklime-head">{heading}</div>']
    for name, value in zip(explanation.outputs.tolist(), values, strict=True):
        label = "prediction" if name is None else escape(str(name))
        bar = (
            f'<span class="bar" style="width:{int(round(100 * value))}px;'
            f'background:{NEUTRAL}"></span> '
            if probabilities
            else ""
        )
        lines.append(f"<div>{label} {bar}{value:.3g}</div>")
    lines.append("</div>")
    return "".join(lines)


def _row_table(explanation, row, k, top):
    output = explanation._output_name(row, k)
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
        color = POSITIVE if weight >= 0 else NEGATIVE
        lines.append(
            f"<tr><td>{escape(label)}</td><td>{weight:+.4g}</td>"
            f'<td><span class="bar" style="width:{width}px;background:{color}">'
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
