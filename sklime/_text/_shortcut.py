"""A shortcut for scikit-learn text pipelines: perturbed documents as count rows.

When the model is a :class:`~sklearn.pipeline.Pipeline` whose first step is a
fitted :class:`~sklearn.feature_extraction.text.CountVectorizer`,
:class:`~sklearn.feature_extraction.text.TfidfVectorizer` or
:class:`~sklearn.feature_extraction.text.HashingVectorizer` of single words,
the vectorizer's output on a perturbed document is a sum over its kept word
occurrences (and the replacements of removed ones), followed by the
vectorizer's own binary, tf-idf and normalization steps. Building it as a
sparse product skips building and re-tokenising thousands of strings per
document; the rest of the pipeline then gets exactly what it would have got
from the strings.

A document takes the shortcut only where it is exact: every token the
vectorizer reads in the document must lie inside one of its words, and in
the document with all words removed, inside a replacement; and the text
between its words must hold no character that a token can contain, with at
least one character between any two words (else the text between words,
alone or joined to a word or a replacement once other words go, forms
tokens that per-word counts miss, such as ``ab2`` in ``a1b2`` without its
word ``1``, and the document goes through strings). Those checks cover
every partial removal only when a token is matched from the text it covers:
a vectorizer with its own tokenizer or preprocessor, or whose
``token_pattern`` looks around its match (lookarounds, back references,
anchors) or can match the empty string, goes through strings.
"""

import re
from collections import Counter
from functools import lru_cache

try:
    from re import _parser as _regex_parser
except ImportError:  # Python 3.10
    import sre_parse as _regex_parser

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted


class VectorizerShortcut:
    """Count rows of perturbed documents for a pipeline's leading vectorizer.

    Build it with :meth:`detect`.

    Attributes
    ----------
    tail : Pipeline
        The pipeline's steps after the vectorizer.
    dtype : dtype
        The vectorizer's count dtype.
    n_columns : int
        The vectorizer's number of output columns.
    """

    def __init__(self, vectorizer, counter, tail):
        self._vectorizer = vectorizer
        self._counter = counter
        self.tail = tail
        self.dtype = counter.dtype
        self.n_columns = counter.transform([""]).shape[1]
        self._preprocess = vectorizer.build_preprocessor()
        self._tokenize = vectorizer.build_tokenizer()
        self._masks = {}
        self._tfidf = None
        if isinstance(vectorizer, TfidfVectorizer):
            self._tfidf = TfidfTransformer(
                norm=vectorizer.norm,
                use_idf=vectorizer.use_idf,
                smooth_idf=vectorizer.smooth_idf,
                sublinear_tf=vectorizer.sublinear_tf,
            )
            if vectorizer.use_idf:
                self._tfidf.idf_ = vectorizer.idf_
            self._tfidf.n_features_in_ = len(vectorizer.vocabulary_)

    def __getstate__(self):
        # What the rest is built from: a pickle then holds no kept mask rows
        # (the same bytes before and after use) and no tokenizer functions,
        # which skops.io would have to be told to trust.
        return {
            "vectorizer": self._vectorizer,
            "counter": self._counter,
            "tail": self.tail,
        }

    def __setstate__(self, state):
        self.__init__(state["vectorizer"], state["counter"], state["tail"])

    @classmethod
    def detect(cls, model):
        """The shortcut for ``model``, or None when it does not apply.

        It applies to a pipeline (possibly frozen) of at least two steps whose
        first step is a fitted Count, Tfidf or Hashing vectorizer reading
        content with the "word" analyzer and single words (``ngram_range``
        ending at 1), tokenized by its ``token_pattern`` alone (see
        :func:`_context_free_tokens`). Word n-grams form new pairs when a word
        between them is removed, which per-word counts cannot reproduce; they
        go through strings.
        """
        if isinstance(model, FrozenEstimator):
            model = model.estimator
        if not isinstance(model, Pipeline) or len(model.steps) < 2:
            return None
        vectorizer = model.steps[0][1]
        kinds = (CountVectorizer, HashingVectorizer)
        if not isinstance(vectorizer, kinds) or not _single_words(vectorizer):
            return None
        if not _context_free_tokens(vectorizer):
            return None
        if isinstance(vectorizer, HashingVectorizer):
            if vectorizer.binary and vectorizer.alternate_sign:
                return None  # canceling signs leave entries the binary step keeps
            counter = HashingVectorizer(
                **{**vectorizer.get_params(), "norm": None, "binary": False}
            )
        else:
            try:
                check_is_fitted(vectorizer, "vocabulary_")
            except NotFittedError:
                return None  # the model raises a clear error on its first call
            params = {
                key: value
                for key, value in vectorizer.get_params().items()
                if key in CountVectorizer().get_params()
            }
            counter = CountVectorizer(
                **{**params, "vocabulary": vectorizer.vocabulary_, "binary": False}
            )
        return cls(vectorizer, counter, model[1:])

    def counts(self, documents):
        """The vectorizer's raw counts of whole documents (before its own steps)."""
        return self._counter.transform(documents)

    def word_counts(self, document, mask_string):
        """What each component of a document adds to the counts, or None.

        Returns
        -------
        counts : WordCounts or None
            The counts each component adds when kept, and those its
            replacement adds when removed (only with ``mask_string``); None
            when the document must go through strings.
        """
        occurrences = document.occurrences()
        if not self._words_are_separated(document):
            return None
        if not self._tokens_are_local(document, occurrences, mask_string):
            return None
        per_word = sp.csr_matrix(self._counter.transform(document.words))
        kept = sp.csr_matrix(per_word.multiply(occurrences[:, None]))
        replaced = None
        if mask_string is not None:
            mask = self._mask(mask_string)[0]
            replaced = sp.csr_matrix(sp.kron(occurrences[:, None], mask))
        return WordCounts.from_matrices(kept, replaced)

    def _words_are_separated(self, document):
        """Whether no token can reach into the text between words.

        Every character between words must be one that no token of the
        vectorizer can contain, and any two words must have such a character
        between them. The text between words then stays as it is whatever is
        removed, so a word (or its replacement) always has the same
        neighbours, and no token can join it to the text around it.
        """
        if (document.starts[1:] == document.ends[:-1]).any():
            return False
        return all(self._separates(char) for char in set(document.without_words(None)))

    def _separates(self, char):
        """Whether no token can contain ``char``, whatever text surrounds it.

        The vectorizer's preprocessing (lowercase, accents) must leave the
        character as it is, alone and in any text (so it is uncased), and
        no token may contain it.
        """
        return (
            char.lower() == char.upper()
            and self._preprocess(char) == char
            and not _in_tokens(self._vectorizer.token_pattern, char)
        )

    def _tokens_are_local(self, document, occurrences, mask_string):
        """Whether every token lies inside a word occurrence or its replacement.

        The vectorizer's tokens (before stop words and vocabulary, which act
        token by token) of the document must be those of its words, and the
        tokens of the document with every occurrence removed must be those of
        the replacements. Else the text between words forms tokens, alone or
        with a word or a replacement (such as ``x_y`` with the words ``x``
        and ``y``), which per-word counts miss.
        """
        tokens = self._tokens
        words = Counter()
        for word, n in zip(document.words, occurrences, strict=True):
            words.update({token: n * c for token, c in tokens(word).items()})
        if tokens(document.text) != words:
            return False
        removed = document.without_words(mask_string)
        n = int(occurrences.sum())
        replaced = Counter({t: n * c for t, c in self._mask(mask_string)[1].items()})
        return tokens(removed) == replaced

    def _mask(self, mask_string):
        """The replacement's count row and tokens, made once per mask string."""
        if mask_string not in self._masks:
            text = mask_string or ""
            row = sp.csr_matrix(self._counter.transform([text]))
            self._masks[mask_string] = (row, self._tokens(text))
        return self._masks[mask_string]

    def _tokens(self, text):
        """The vectorizer's tokens of ``text``, counted."""
        return Counter(self._tokenize(self._preprocess(text)))

    def finish(self, counts):
        """The vectorizer's output from count rows, as its own steps make it."""
        if self._vectorizer.binary:
            counts.data.fill(1)
        if self._tfidf is not None:
            return self._tfidf.transform(counts, copy=False)
        norm = getattr(self._vectorizer, "norm", None)
        if isinstance(self._vectorizer, HashingVectorizer) and norm is not None:
            return normalize(counts, norm=norm, copy=False)
        return counts


class WordCounts:
    """The counts a document's components add to its vectorized form.

    Attributes
    ----------
    columns : ndarray of shape (m,)
        The output columns the document can reach, sorted.
    kept, replaced : (ndarray, ndarray, ndarray)
        Entries ``(component, position in columns, count)`` added when the
        component is kept, and when it is removed (its replacement's tokens;
        empty without a replacement).
    """

    def __init__(self, columns, kept, replaced):
        self.columns = columns
        self.kept = kept
        self.replaced = replaced

    @classmethod
    def from_matrices(cls, kept, replaced):
        """From (n_components, n_columns) sparse matrices of counts."""
        kept = sp.coo_matrix(kept)
        replaced = sp.coo_matrix(kept.shape) if replaced is None else replaced
        replaced = sp.coo_matrix(replaced)
        columns = np.union1d(kept.col, replaced.col)
        return cls(
            columns,
            (kept.row, np.searchsorted(columns, kept.col), kept.data.astype(float)),
            (
                replaced.row,
                np.searchsorted(columns, replaced.col),
                replaced.data.astype(float),
            ),
        )

    def sparse_rows(self, keep):
        """Counts of perturbations ``keep`` (bool, (n, d)) as sorted CSR parts.

        Returns
        -------
        data, indices : ndarray
            Values and output columns of the non-zero counts, row by row,
            columns increasing.
        lengths : ndarray of shape (n,)
            Non-zero counts per row.
        """
        component, position, count = self.kept
        if len(self.replaced[0]) == 0 and len(np.unique(position)) == len(position):
            # One component per column, nothing replaced (the usual case):
            # the kept components are the non-zero counts.
            order = np.argsort(position)
            rows, at = np.nonzero(keep[:, component[order]])
            lengths = np.bincount(rows, minlength=len(keep))
            return count[order][at], self.columns[position[order][at]], lengths
        dense = np.zeros((keep.shape[0], len(self.columns)))
        for entries, present in ((self.kept, keep), (self.replaced, ~keep)):
            component, position, count = entries
            # Usually one component per column: one gather fills them all;
            # the few extra components of a column (words that differ only
            # in case, say) are added one by one.
            columns, first = np.unique(position, return_index=True)
            if len(columns) == dense.shape[1] and not dense.any():
                dense = present[:, component[first]] * count[first]
            else:
                dense[:, columns] += present[:, component[first]] * count[first]
            extra = np.ones(len(position), dtype=bool)
            extra[first] = False
            for j in np.flatnonzero(extra):
                dense[:, position[j]] += present[:, component[j]] * count[j]
        rows, at = np.nonzero(dense)
        lengths = np.bincount(rows, minlength=len(keep))
        return dense[rows, at], self.columns[at], lengths


def _single_words(vectorizer):
    """Whether the vectorizer reads content and counts single words."""
    return (
        vectorizer.input == "content"
        and vectorizer.analyzer == "word"
        and tuple(vectorizer.ngram_range)[1] == 1
    )


#: Pattern syntax whose match depends on the text around it: lookarounds,
#: back references, conditionals and anchors other than word boundaries
#: (``^`` right after ``[`` negates a class, and is allowed).
_CONTEXT_SYNTAX = re.compile(r"\(\?(?:[=!(]|<[=!]|P=)|\\[1-9ABZ]|(?<!\[)\^|\$")


def _context_free_tokens(vectorizer):
    r"""Whether the vectorizer's tokens are matched from the text they cover.

    Only then do removals far from a token leave it as it is, so that the
    checks on the whole document and on the document without its words
    cover every perturbation. A tokenizer or preprocessor of the user's
    could look anywhere, and so could a pattern with :data:`_CONTEXT_SYNTAX`
    (``(?<!\.)\.\.(?!\.)`` finds no token in ``a.b.c.d`` nor in ``...``,
    but one in ``a..c.d``). Word boundaries (``\b``, in the default pattern)
    are allowed: the text next to a word is kept when another word goes.
    """
    return (
        vectorizer.tokenizer is None
        and vectorizer.preprocessor is None
        and _CONTEXT_SYNTAX.search(vectorizer.token_pattern or "") is None
        and not _matches_empty(vectorizer.token_pattern)
    )


def _matches_empty(token_pattern):
    """Whether the pattern can match the empty string (or cannot be read).

    Empty tokens come one per position of the text that has no other
    token, so their count depends on the length of the text between words,
    not on the words kept.
    """
    parsed = _parse(token_pattern)
    return parsed is None or parsed.getwidth()[0] == 0


def _parse(token_pattern):
    """The parsed ``token_pattern``, or None when it is not a valid pattern."""
    try:
        return _regex_parser.parse(token_pattern or "")
    except re.error:
        return None  # the vectorizer raises its own error when used


@lru_cache(maxsize=4096)
def _in_tokens(token_pattern, char):
    r"""Whether ``char`` can be part of a match of ``token_pattern``.

    Read from the parsed pattern: a character can be in a match when one of
    the pattern's single-character items (a literal, a class, ``.``) accepts
    it, wherever the item is. The answer errs on the side of yes: under
    ``(?i)`` every cased character can, and so can any character for syntax
    this reading does not know, or for a pattern that is not valid.

    Examples
    --------
    >>> from sklime._text._shortcut import _in_tokens
    >>> [_in_tokens(r"ab\d", c) for c in "ab1 ,"]
    [True, True, True, False, False]
    """
    parsed = _parse(token_pattern)
    return parsed is None or _accepted(parsed, char, parsed.state.flags)


#: Character classes of a parsed pattern, as the escapes that match them.
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


#: Parsed items that match one character.
_SINGLE_CHARACTER = (
    _regex_parser.LITERAL,
    _regex_parser.NOT_LITERAL,
    _regex_parser.ANY,
    _regex_parser.IN,
)


def _accepted(items, char, flags):
    """Whether a single-character item among parsed ``items`` accepts ``char``."""
    for op, value in items:
        if op in _SINGLE_CHARACTER:
            cased = flags & re.IGNORECASE and char.lower() != char.upper()
            if cased or _item_accepts(op, value, char, flags):
                return True
        elif op is not _regex_parser.AT:  # anchors match no character
            parts = _parts(op, value, flags)
            if parts is None or any(_accepted(sub, char, f) for sub, f in parts):
                return True
    return False


def _parts(op, value, flags):
    """The sub-patterns of a group, repeat or branch, each with its flags.

    None for syntax not read here (the caller then assumes the worst).
    """
    p = _regex_parser
    if op is p.SUBPATTERN:
        _, add_flags, del_flags, sub = value
        return [(sub, (flags | add_flags) & ~del_flags)]
    if op in (p.MAX_REPEAT, p.MIN_REPEAT, getattr(p, "POSSESSIVE_REPEAT", None)):
        return [(value[2], flags)]
    if op is getattr(p, "ATOMIC_GROUP", None):
        return [(value, flags)]
    if op is p.BRANCH:
        return [(sub, flags) for sub in value[1]]
    return None


def _item_accepts(op, value, char, flags):
    """Whether one single-character item of a parsed pattern accepts ``char``."""
    p, code = _regex_parser, ord(char)
    if op is p.LITERAL:
        return code == value
    if op is p.NOT_LITERAL:
        return code != value
    if op is p.ANY:
        return True
    negate = bool(value) and value[0][0] is p.NEGATE
    accepted = False
    for kind, arg in value[1:] if negate else value:
        if kind is p.LITERAL:
            accepted = code == arg
        elif kind in (p.RANGE, getattr(p, "RANGE_UNI_IGNORE", None)):
            accepted = arg[0] <= code <= arg[1]
        elif kind is p.CATEGORY and str(arg) in _CATEGORIES:
            escape = _CATEGORIES[str(arg)]
            accepted = re.fullmatch(escape, char, flags & re.ASCII) is not None
        else:
            return True  # syntax not read here: assume the worst
        if accepted:
            break
    return accepted != negate


def shortcut_input(shortcut, keeps, counts):
    """The pipeline tail's input for several documents' perturbations.

    ``keeps`` holds each document's perturbations (its kept words) and
    ``counts`` its :class:`WordCounts`. The rows are assembled directly in
    CSR form, sorted and without zeros, as the vectorizer makes them.
    """
    parts = [c.sparse_rows(keep) for c, keep in zip(counts, keeps, strict=True)]
    data, indices, lengths = zip(*parts, strict=True)
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(lengths))])
    matrix = sp.csr_matrix(
        (
            np.concatenate(data).astype(shortcut.dtype, copy=False),
            np.concatenate(indices),
            indptr,
        ),
        shape=(len(indptr) - 1, shortcut.n_columns),
    )
    matrix.has_sorted_indices = True
    return shortcut.finish(matrix)
