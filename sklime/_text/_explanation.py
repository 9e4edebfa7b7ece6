"""Explanations of documents: words, their weights, and highlighted text."""

from html import escape
from numbers import Integral

import numpy as np

from .._compat import validate_params
from .._display._style import NEGATIVE, POSITIVE
from .._instance_explanation import InstanceExplanation


class TextExplanation(InstanceExplanation):
    """LIME explanations of a batch of documents.

    Returned by :meth:`LimeTextExplainer.explain`; not built directly. It
    behaves like :class:`Explanation` per document (:meth:`as_list`,
    :meth:`plot`, :meth:`to_frame`, :meth:`to_shap`, HTML), where the
    features are the document's own words, and adds :meth:`highlight_html`.
    The views over all documents (:meth:`plot_summary`, :meth:`plot_heatmap`)
    take the words of all the documents as columns, a word's weight in a
    document being 0 where the document lacks it.

    Attributes
    ----------
    coef : scipy.sparse.csr_matrix of shape (n_documents, n_outputs * n_words)
        Coefficients over the explainer's vocabulary; equal to
        ``LimeTextExplainer.transform``.
    word_coef : ndarray of shape (n_documents, n_outputs, max_words)
        Each document's coefficients, in the order of :attr:`words`, padded
        with zeros.
    standard_error : ndarray of shape (n_documents, n_outputs, max_words)
        Standard errors of ``word_coef`` over the draw of perturbations (see
        :class:`Explanation`), 0 for words not selected and for padding.
    selected : ndarray of shape (n_documents, n_outputs, max_words), dtype bool
        Words each surrogate uses.
    words : list of list of str
        The explained words (or word positions) of each document.
    intercept, local_prediction, model_prediction, score : ndarray of shape \
            (n_documents, n_outputs)
        As in :class:`Explanation`.
    effective_sample_size : ndarray of shape (n_documents,)
        Effective number of the document's perturbations that change it:
        ``(sum w)^2 / sum w^2`` of its kernel weights times the share of
        ``sum w`` on those perturbations, plus one for the document itself.
    n_samples_used : ndarray of shape (n_documents,), dtype int
        Perturbations each document's surrogate was fitted on: ``num_samples``,
        or with ``tol`` its last round's. None in an explanation file written
        before the counts were kept.
    outputs : ndarray of shape (n_outputs,)
        What each block explains.
    feature_names_out : ndarray of shape (n_outputs * n_words,)
        Names of the columns of :attr:`coef`.
    settings : dict
        The explainer's parameters (see :class:`Explanation`).
    sklime_version : str
        The version of sklime that made the explanation.

    Examples
    --------
    >>> from sklime import LimeTextExplainer
    >>> docs = ["good fun film", "bad dull film", "good film", "dull bad plot"]
    >>> lime = LimeTextExplainer(num_samples=500, random_state=0)
    >>> explanation = lime.fit(docs, [1, 0, 1, 0]).explain(["good plot"])
    >>> explanation.words[0], explanation.word_coef.shape
    (['good', 'plot'], (1, 1, 2))
    >>> weights = dict(explanation.as_list(0, output=1))
    >>> bool(weights["good"] > 0), bool(weights["plot"] < 0)
    (True, True)
    """

    def __init__(self, *, word_coef, documents, **common):
        super().__init__(instances=documents, **common)
        self.word_coef = word_coef
        self.words = [list(d.words) for d in documents]
        self._labels = self.words

    _COMPONENT_COLUMNS = ("feature", "occurrences")
    _COEFFICIENTS = ("coef", "word_coef")

    @property
    def _component_coef(self):
        return self.word_coef

    def _extra(self, row):
        """How many times each word occurs in document ``row``."""
        return self._rows[row].occurrences().tolist()

    def __repr__(self):
        return (
            f"TextExplanation(n_documents={len(self)}, "
            f"n_outputs={len(self.outputs)}, n_words={self.word_coef.shape[-1]})"
        )

    @validate_params(
        {"row": [Integral], "output": "no_validation"},
        prefer_skip_nested_validation=True,
    )
    def highlight_html(self, row, output=None):
        """Document ``row`` as HTML, each word colored by its weight.

        Red words push the output up, blue ones down (the colors of every
        sklime picture); the stronger the color, the larger the weight. The
        text is escaped (markup in the document is shown as text) and the
        HTML holds no script.

        Parameters
        ----------
        row : int
            Position of the document in the explained batch.
        output : label or None, default=None
            Output to show; None for the only one or, for a classifier, the
            document's predicted class.

        Returns
        -------
        html : str
        """
        row = self._position(row)
        view = self._holding(output)
        return view._picture(row, view._output_for_row(row, output))

    def _common_columns(self, k):
        """Every document's words, and their weights and errors in block ``k``.

        Columns are the distinct words in order of first appearance; a word
        at several positions (``bow=False``) gets their summed weight (the
        effect of removing them all) and summed errors (a bound).
        """
        index = {}
        columns = [[index.setdefault(w, len(index)) for w in ws] for ws in self.words]
        coef = np.zeros((len(self), len(index)))
        errors = np.zeros((len(self), len(index)))
        for row, cols in enumerate(columns):
            np.add.at(coef[row], cols, self.word_coef[row, k, : len(cols)])
            np.add.at(errors[row], cols, self.standard_error[row, k, : len(cols)])
        return np.array(list(index), dtype=object), coef, errors

    def _picture(self, row, k):
        """Document ``row`` with its words colored by their weights in block ``k``."""
        return highlighted_text(self._rows[row], self.word_coef[row, k])


def highlighted_text(document, weights):
    """HTML of ``document`` with each word occurrence colored by its weight.

    Parameters
    ----------
    document : Document
    weights : ndarray of shape (>= n_components,)
        Weight of each component (padding beyond is ignored).

    Returns
    -------
    html : str
    """
    weights = np.asarray(weights[: document.n_components], dtype=float)
    scale = np.abs(weights).max(initial=0.0) or 1.0
    parts, position = ['<p class="sklime-text">'], 0
    for start, end, c in zip(
        document.starts, document.ends, document.component, strict=True
    ):
        parts.append(escape(document.text[position:start]))
        word = escape(document.text[start:end])
        weight = weights[c]
        if weight == 0:
            parts.append(word)
        else:
            color = POSITIVE if weight > 0 else NEGATIVE
            # At most 60% opaque, so black text stays readable on the color.
            opacity = 0.1 + 0.5 * abs(weight) / scale
            parts.append(
                f'<span style="background:{color}{int(255 * opacity):02x}" '
                f'title="{weight:+.4g}">{word}</span>'
            )
        position = end
    parts.append(escape(document.text[position:]) + "</p>")
    return "".join(parts)
