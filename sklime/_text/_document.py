"""Documents, their words, and lime's word-removal perturbations, batched.

A document's interpretable components are its distinct words (``bow=True``)
or its word positions (``bow=False``). The first perturbation is the document
itself; every other one removes some of them: how many is uniform on
``1 .. d - 1`` (lime's is uniform on ``1 .. d``, which also removes every
component) and which is uniform given how many, as in lime. The
randomness comes from one :class:`TextNoise` shared by every document
(common random numbers): a document's perturbations depend only on
the noise and its own number of components, never on the other documents of
the batch. The noise is independent numbers, or scrambled Sobol points in
independent replicates (``sampler="sobol"``).
"""

import re
from dataclasses import dataclass, replace

import numpy as np

from .._core import _components
from .._core._components import BlockUniforms, HeldDraws
from .._core._masks import KernelWeights, SobolBlocks, above_order_statistic
from .._dataframe import column_names, is_dataframe

#: Encoding error handler that round-trips lone surrogates.
_KEEP = "surrogatepass"


@dataclass
class Document:
    """A document cut into words.

    Attributes
    ----------
    text : str
        The document.
    starts, ends : ndarray of shape (n_occurrences,)
        Character spans of the word occurrences, in order.
    component : ndarray of shape (n_occurrences,)
        The component each occurrence belongs to.
    words : list of str
        The word of each component: distinct words in order of first
        occurrence (bag of words), or one per occurrence.
    """

    text: str
    starts: np.ndarray
    ends: np.ndarray
    component: np.ndarray
    words: list

    @classmethod
    def parse(cls, text, pattern, bow):
        """Cut ``text`` into the matches of ``pattern`` (a compiled regex)."""
        spans = [m.span() for m in word_matches(text, pattern)]
        starts = np.array([s for s, _ in spans], dtype=np.intp)
        ends = np.array([e for _, e in spans], dtype=np.intp)
        occurrences = [text[s:e] for s, e in spans]
        if not bow:
            return cls(text, starts, ends, np.arange(len(spans)), occurrences)
        index = {}
        component = np.array(
            [index.setdefault(word, len(index)) for word in occurrences], dtype=np.intp
        )
        return cls(text, starts, ends, component, list(index))

    @property
    def n_components(self):
        return len(self.words)

    def occurrences(self):
        """How many times each component occurs."""
        return np.bincount(self.component, minlength=self.n_components)

    def _gaps(self):
        """Starts and ends of the text before, between and after the words."""
        return np.r_[0, self.ends], np.r_[self.starts, len(self.text)]

    def without_words(self, mask_string):
        """The text with every occurrence removed (or replaced by ``mask_string``)."""
        gaps = [self.text[a:b] for a, b in zip(*self._gaps(), strict=True)]
        return (mask_string or "").join(gaps)

    def perturbed_texts(self, keep, mask_string):
        """The texts of the perturbations ``keep`` (bool, (n_samples, d)).

        A removed occurrence is deleted, or replaced by ``mask_string`` when
        it is not None; the text between words stays.
        """
        if len(self.starts) == 0:
            return [self.text] * len(keep)
        # One byte per character when every character has a code below 256.
        narrow = all(ord(c) < 256 for c in self.text + (mask_string or ""))
        encoding, dtype = ("latin-1", np.uint8) if narrow else ("utf-32-le", np.uint32)
        # Lone surrogates (undecodable bytes read with errors="surrogateescape")
        # are characters of the text like any other.
        codes = np.frombuffer(self.text.encode(encoding, _KEEP), dtype=dtype)
        mask = np.frombuffer((mask_string or "").encode(encoding, _KEEP), dtype=dtype)
        # One strip of characters: each word, then its replacement, with the
        # text between words; a perturbation keeps either the word or the
        # replacement of each occurrence.
        n = len(self.starts)
        gaps_start, gaps_end = self._gaps()
        pieces = []
        for occurrence in range(n):
            pieces += [
                codes[gaps_start[occurrence] : gaps_end[occurrence]],
                codes[self.starts[occurrence] : self.ends[occurrence]],
                mask,
            ]
        pieces.append(codes[gaps_start[n] :])
        # Per piece: its owner (-1 for text between words) and whether it is
        # a replacement; then per character.
        lengths = np.r_[
            np.column_stack(
                [
                    gaps_end[:n] - gaps_start[:n],
                    self.ends - self.starts,
                    np.full(n, len(mask)),
                ]
            ).ravel(),
            gaps_end[n] - gaps_start[n],
        ].astype(np.intp)
        occurrence = np.arange(n)
        owner = np.r_[
            np.column_stack([np.full(n, -1), occurrence, occurrence]).ravel(), -1
        ]
        replaced = np.r_[np.tile([False, False, True], n), False]
        strip = np.concatenate(pieces).astype(dtype)
        owner, is_mask = np.repeat(owner, lengths), np.repeat(replaced, lengths)
        kept = keep[:, self.component[np.maximum(owner, 0)]]
        chosen = np.where(owner < 0, True, kept != is_mask)
        flat = np.broadcast_to(strip, chosen.shape)[chosen]
        text = flat.tobytes().decode(encoding, _KEEP)
        bounds = np.concatenate([[0], np.cumsum(chosen.sum(axis=1))])
        return [text[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


@dataclass
class TextNoise(KernelWeights):
    """Random numbers shared by every document of a batch.

    Attributes
    ----------
    count : ndarray of shape (n_samples,)
        Uniform draws choosing how many components each perturbation removes.
    priority : BlockUniforms or SobolBlocks
        Uniform draws of shape (n_samples, width) choosing which: the ones
        with the lowest priorities.
    replicates : ndarray or None, default=None
        Start of each independent replicate of quasi-random draws (see
        :class:`~sklime._core._masks.SobolBlocks`), None for independent ones.
    long : TextNoise or None, default=None
        The independent draws of documents of at least
        ``WIDE_MIN_COMPONENTS`` words, when the others are quasi-random;
        None when they are the same.
    """

    count: np.ndarray
    priority: np.ndarray
    replicates: np.ndarray | None = None
    long: "TextNoise | None" = None

    @classmethod
    def draw(cls, num_samples, width, seed, sampler="random"):
        """Noise for documents of up to ``width`` components.

        Column ``j`` of the priorities comes from a generator (or Sobol
        sequence) of its own block of columns, so it is the same whatever
        ``width`` a batch needs. ``sampler="sobol"`` draws the count and the
        priorities of documents of fewer than ``WIDE_MIN_COMPONENTS`` words
        from scrambled Sobol sequences, the count as the first dimension.
        """
        count = np.random.default_rng([seed, 0]).random(num_samples)
        noise = cls(count, BlockUniforms(num_samples, width, [seed, 1]))
        if sampler == "random":
            return noise
        points = SobolBlocks(num_samples, width, [seed, 3], lead=1)
        return cls(points.lead[:, 0], points, points.replicates, noise)

    def narrow(self, width):
        """The noise of documents of up to ``width`` components."""
        long = None if self.long is None else self.long.narrow(width)
        return TextNoise(self.count, self.priority.narrow(width), self.replicates, long)

    def held(self, width):
        """The same noise, with the priorities of ``width`` components drawn once.

        For documents of fewer than ``WIDE_MIN_COMPONENTS`` words, up to
        ``width``; see :class:`~sklime._core._components.HeldDraws`.
        """
        return replace(self, priority=HeldDraws(self.priority, width))

    def keep(self, d):
        """Which of ``d`` components each perturbation keeps, (n_samples, d).

        The first perturbation is the document itself, as in lime; each
        other one removes ``k`` components, the ``k`` of lowest priority,
        with ``k`` uniform on ``1 .. d-1``: unlike lime's ``k``, uniform on
        ``1 .. d``, it never removes all of them. Without the first, a
        document of two components would always keep exactly one, which
        cannot tell their effects from the intercept. A single component is
        removed in about half of the perturbations (lime removes it in every
        one but the first).
        """
        if d == 0:
            return np.ones((len(self.count), 0), dtype=bool)
        # The wide path's threshold as the plan sees it.
        if self.long is not None and d >= _components.WIDE_MIN_COMPONENTS:
            return self.long.keep(d)
        if d == 1:
            keep = (self.count >= 0.5)[:, None]
        else:
            removed = 1 + np.floor(self.count * (d - 1)).astype(np.intp)
            keep = np.empty((len(self.count), d), dtype=bool)
            for rows, priority in self.priority.row_blocks(d):
                keep[rows] = above_order_statistic(priority, removed[rows])
        keep[0] = True
        return keep


def removed_words_law(d):
    """Probabilities of removing ``k = 0 .. d`` of ``d >= 1`` words, as ``keep``.

    Uniform on ``1 .. d - 1``; a single word is removed with probability 1/2.

    Examples
    --------
    >>> from sklime._text._document import removed_words_law
    >>> removed_words_law(3).tolist()
    [0.0, 0.5, 0.5, 0.0]
    """
    if d == 1:
        return np.array([0.5, 0.5])
    law = np.zeros(d + 1)
    law[1:d] = 1.0 / (d - 1)
    return law


def check_documents(X):
    """The documents of ``X`` as a list of str, or a clear error.

    ``X`` is what a scikit-learn text pipeline takes: a 1-D list, array or
    Series of strings, or a DataFrame of one column of them.
    """
    if isinstance(X, str):
        raise TypeError(
            "X must be a sequence of documents, not a single string. Wrap the "
            "document in a list: [text]."
        )
    if is_dataframe(X):
        if X.shape[1] != 1:
            raise ValueError(
                f"A DataFrame of documents must have one column; got {X.shape[1]} "
                f"columns {list(column_names(X))[:5]}. Select the text column."
            )
        X = X[column_names(X)[0]]
    if hasattr(X, "to_list"):  # pandas or polars Series
        X = X.to_list()
    array = np.asarray(X, dtype=object) if not isinstance(X, list) else None
    if array is not None and array.ndim != 1:
        raise ValueError(
            f"X must be 1-D, one document per entry; got an array of shape "
            f"{array.shape}. Pass a list or a 1-D array of strings."
        )
    documents = list(X) if array is None else array.tolist()
    if not documents:
        raise ValueError("X has no document; pass at least one string.")
    for position, document in enumerate(documents):
        if not isinstance(document, str):
            raise TypeError(
                f"Document {position} is {type(document).__name__} {document!r}, "
                "not a string. Pass text only (convert or drop missing values)."
            )
    return documents


def word_matches(text, pattern):
    """The non-empty matches of ``pattern`` in ``text``: its word occurrences.

    A pattern that can match the empty string (such as ``r"\\w*"``) matches
    it between words; such matches are not words.
    """
    return (m for m in pattern.finditer(text) if m.end() > m.start())


def compile_pattern(token_pattern):
    """The compiled word pattern, or a clear error."""
    try:
        return re.compile(token_pattern)
    except re.error as exc:
        raise ValueError(
            f"token_pattern={token_pattern!r} is not a valid regular expression "
            f"({exc}). Pass a pattern that matches one word, such as r'\\w+'."
        ) from exc
