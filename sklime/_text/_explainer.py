"""LimeTextExplainer: LIME for documents, as a scikit-learn transformer."""

from functools import partial
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.utils.validation import check_is_fitted

from .._base import PROBE_SIZE, LimeBase, check_target_length
from .._compat import Interval, StrOptions, _fit_context
from .._core import _engine
from .._core._components import InstancePlan
from .._core._masks import KernelMasks
from .._core._wide import WIDE_MIN_COMPONENTS
from .._instance_explanation import common_fields
from .._model import BlackBox, is_class_target
from .._tabular._explainer import _check_instance_memory, _check_plan_memory
from ._document import (
    Document,
    TextNoise,
    check_documents,
    compile_pattern,
    removed_words_law,
    word_matches,
)
from ._explanation import TextExplanation
from ._shortcut import VectorizerShortcut, shortcut_input

#: lime's replacement of a removed word position (``bow=False``).
_POSITION_MASK = "UNKWORDZ"
#: What the explainer sends the model, said when the model raises.
_TEXT_INPUT = (
    "LimeTextExplainer queries the model with a list of str: copies of the "
    "documents with some words removed (or replaced by mask_string); check that "
    "the model accepts such a list, or wrap a function with sklime.ModelFunction."
)


class LimeTextExplainer(LimeBase):
    """Explain a text model's predictions with LIME, word by word, in batches.

    For each document, LIME removes random sets of its words, queries the
    model on the perturbed documents, weights them by lime's kernel of the
    cosine distance to the document, and fits a weighted ridge regression (the
    surrogate) of the model's output on which words were kept. ``transform``
    returns the surrogates' word coefficients as a sparse matrix over the
    vocabulary learned in ``fit``.

    The perturbation noise is drawn once from ``random_state`` and shared by
    all documents, so a document's explanation does not depend on the other
    documents, their order, chunking or ``n_jobs``.

    Parameters
    ----------
    estimator : estimator or None, default=None
        The text model: it takes a list of str. It is cloned and fitted on
        ``(X, y)`` in ``fit``; wrap an already fitted model in
        :class:`~sklearn.frozen.FrozenEstimator` to explain it as it is, and a
        plain function in :class:`sklime.ModelFunction`. None fits
        ``TfidfVectorizer`` followed by ``LogisticRegression`` (class labels)
        or ``Ridge`` (a continuous target). A pipeline whose first step is a
        word ``CountVectorizer``, ``TfidfVectorizer`` or ``HashingVectorizer``
        of single words is queried directly with the perturbed documents'
        counts (the same numbers, without building the strings).

    num_samples : int, default=5000
        Perturbed documents per explained document (lime's default); with
        ``tol``, the most a document gets.

    tol : float or None, default=None
        Draw each document's perturbations in rounds of 1024, 2048, 4096, ...
        up to ``num_samples`` and stop when its explanation is settled, as
        :class:`LimeExplainer`'s ``tol`` does (words are its features);
        :attr:`TextExplanation.n_samples_used` reports the rounds. None draws
        ``num_samples`` for every document.

    kernel_width : float, default=25.0
        Width of the kernel ``exp(-d**2 / (2 * kernel_width**2))`` on the
        cosine distance times 100 (lime's).

    sampling : {"lime", "sobol", "kernel"}, default="lime"
        How the perturbations are drawn. "lime": each removes ``k`` words,
        ``k`` uniform on ``1 .. d - 1`` of the document's ``d`` (lime's
        ``1 .. d`` also removes every word), the removed set uniform given
        ``k``, and each weighs the kernel of its distance. "sobol": the same
        law and weights, with ``k`` and the removed set drawn from 8
        independently scrambled Sobol sequences instead of independent
        numbers (documents of fewer than 512 words; longer ones as in
        "lime"): the counts are stratified, and the coefficients vary less
        across ``random_state`` for the same ``num_samples``; standard
        errors come from the spread between the sequences. "kernel": ``k`` is
        drawn from that law times the kernel's weight of ``k`` (stratified,
        so the counts follow it closely), the set as in "lime", and every
        perturbation weighs the same, the kernel's mean under lime's law.
        Both estimate the same surrogate (the same weighted moments in
        expectation); "kernel" gives the far perturbations, where the model
        tends to be least linear, more weight in the fit, and on tf-idf
        models it is no more stable across ``random_state`` than "lime". In
        both the first perturbation is the document itself.

    token_pattern : str, default=r"\\w+"
        Regular expression of a word (lime's words: runs of letters and
        digits). Words are case-sensitive, as in lime.

    bow : bool, default=True
        True explains distinct words (removing a word removes all its
        occurrences); False explains word positions (each occurrence is
        removed alone, replaced by ``mask_string``).

    mask_string : str or None, default=None
        What replaces a removed occurrence. None deletes it with
        ``bow=True`` and writes ``"UNKWORDZ"`` with ``bow=False`` (lime's).

    num_features : int or None, default=None
        Number of words each surrogate keeps (all of the document's when it
        has fewer); None keeps all.

    feature_selection : {"auto", "none", "highest_weights", \
            "forward_selection", "lasso_path"}, default="auto"
        How ``num_features`` words are chosen, with lime's meanings.

    alpha : float, default=1.0
        Ridge penalty of the surrogate (lime uses 1).

    response_method : {"auto", "predict_proba", "decision_function", \
            "predict"}, default="auto"
        Model output to explain; "auto" is ``predict_proba`` for classifiers
        and ``predict`` for regressors.

    labels : "all", "predicted", int or array-like, default="all"
        Classes explained, as :class:`LimeExplainer`'s ``labels``: every
        class, each document's predicted class, its top ``k`` classes, or a list
        of named classes. Only their surrogates are fitted.

    random_state : int, RandomState instance or None, default=None
        Controls the perturbations and the nested ``random_state`` of the
        cloned estimator. Pass an int for reproducible output across multiple
        function calls.

    n_jobs : int or None, default=None
        Number of jobs to run in parallel over chunks of documents (not 0).
        ``None`` means 1 unless in a :obj:`joblib.parallel_backend` context.

    verbose : int, default=0
        Progress of long transforms (see :class:`LimeExplainer`).

    Attributes
    ----------
    estimator_ : estimator
        The fitted model that is explained.

    vocabulary_ : dict
        Column of each word of the training documents in the blocks of
        :meth:`transform`, words sorted.

    outputs_ : ndarray
        What each block of coefficients explains (see :class:`LimeExplainer`).

    See Also
    --------
    sklime.LimeExplainer : The same for tables.

    Notes
    -----
    A coefficient is the effect on the model's output of keeping the word
    (all its occurrences with ``bow=True``) rather than removing it. Words
    the training documents do not contain are explained by :meth:`explain`
    but have no column in :meth:`transform`'s matrix. With ``bow=False`` a
    word's column holds the sum of the coefficients of its positions.

    Examples
    --------
    >>> from sklime import LimeTextExplainer
    >>> docs = ["good fun film", "bad dull film", "good film", "dull bad plot"]
    >>> lime = LimeTextExplainer(num_samples=500, random_state=0).fit(
    ...     docs, [1, 0, 1, 0])
    >>> lime.transform(["good plot"]).shape
    (1, 6)
    >>> lime.get_feature_names_out()[:2].tolist()
    ['coef_bad', 'coef_dull']
    """

    _parameter_constraints: dict = {
        **LimeBase._parameter_constraints,
        "num_samples": [Interval(Integral, 2, None, closed="left")],
        "kernel_width": [Interval(Real, 0, None, closed="neither")],
        "sampling": [StrOptions({"kernel", "lime", "sobol"})],
        "token_pattern": [str],
        "bow": ["boolean"],
        "mask_string": [str, None],
    }

    _FIT_NOTE = (
        "training documents",
        "The default model is a TfidfVectorizer (which keeps only words of two "
        "or more characters) then, for class labels, a LogisticRegression (y "
        "needs two or more classes), else a Ridge. Pass documents and y the "
        "model accepts, an estimator that accepts them, or your fitted model "
        "as FrozenEstimator(model).",
    )
    _INPUT_NOTE = _TEXT_INPUT

    def __init__(
        self,
        estimator=None,
        *,
        num_samples=5000,
        tol=None,
        kernel_width=25.0,
        sampling="lime",
        token_pattern=r"\w+",
        bow=True,
        mask_string=None,
        num_features=None,
        feature_selection="auto",
        alpha=1.0,
        response_method="auto",
        labels="all",
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.num_samples = num_samples
        self.tol = tol
        self.kernel_width = kernel_width
        self.sampling = sampling
        self.token_pattern = token_pattern
        self.bow = bow
        self.mask_string = mask_string
        self.num_features = num_features
        self.feature_selection = feature_selection
        self.alpha = alpha
        self.response_method = response_method
        self.labels = labels
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Learn the vocabulary of explained words; fit the model.

        Parameters
        ----------
        X : list, array or Series of str of shape (n_documents,)
            Training documents (a one-column DataFrame also works).
        y : array-like of shape (n_documents,), default=None
            Target, needed to fit the estimator (not for a
            :class:`~sklearn.frozen.FrozenEstimator`).

        Returns
        -------
        self : object
            The fitted explainer.
        """
        documents = check_documents(X)
        pattern = compile_pattern(self.token_pattern)
        check_target_length(documents, y)
        _check_instance_memory(self)
        words = sorted({m.group() for d in documents for m in word_matches(d, pattern)})
        self.vocabulary_ = {word: j for j, word in enumerate(words)}
        probe = documents[:PROBE_SIZE]
        self._fit_model(documents, y, self._draw_seeds()["model"], _default_text_model)
        self._learn_outputs(probe)
        self._shortcut = VectorizerShortcut.detect(self.estimator_)
        if self._shortcut is not None:
            self._tail_box = BlackBox(
                self._shortcut.tail,
                self._black_box.method,
                self._shortcut.finish(sp.csr_matrix(self._shortcut.counts(probe))),
                _TEXT_INPUT,
            )
        return self

    def transform(self, X):
        """Word coefficients of each document's explanation.

        Parameters
        ----------
        X : list, array or Series of str of shape (n_documents,)
            Documents to explain.

        Returns
        -------
        coef : scipy.sparse.csr_matrix of shape (n_documents, n_outputs * n_words)
            One block of ``len(vocabulary_)`` columns per output (class), in
            the order of :attr:`outputs_`; see :meth:`get_feature_names_out`.
            Words of a document that ``fit`` did not see are left out.
        """
        check_is_fitted(self)
        documents, results = self._explain(X, with_errors=False)
        return self._vocabulary_matrix(documents, results.coef)

    def explain(self, X):
        """Explain documents: word coefficients, predictions and fit quality.

        Parameters
        ----------
        X : list, array or Series of str of shape (n_documents,)
            Documents to explain.

        Returns
        -------
        explanation : TextExplanation
            ``explanation.coef`` equals ``transform(X)``.
        """
        check_is_fitted(self)
        documents, results = self._explain(X, with_errors=True)
        return TextExplanation(
            coef=self._vocabulary_matrix(documents, results.coef),
            word_coef=results.coef,
            documents=documents,
            **common_fields(self, results),
        )

    def _explain(self, X, *, with_errors):
        """The parsed documents of X and the engine's per-document results."""
        pattern = compile_pattern(self.token_pattern)
        documents = [Document.parse(t, pattern, self.bow) for t in check_documents(X)]
        plan = _TextPlan(self, documents)
        _check_plan_memory(plan, with_errors, "split the document into shorter ones")
        if self.tol is not None:
            plan_at = partial(_TextPlan, self, documents)
            plan = _engine.Rounds(plan_at, self.num_samples, self.tol)
        return documents, _engine.explain(plan, with_errors=with_errors)

    def _vocabulary_matrix(self, documents, coef):
        """Scatter per-document word coefficients into vocabulary columns."""
        n_words, n_outputs = len(self.vocabulary_), len(self.outputs_)
        blocks = np.arange(n_outputs)[:, None] * n_words
        rows, cols, data = [], [], []
        for i, document in enumerate(documents):
            known = [c for c, w in enumerate(document.words) if w in self.vocabulary_]
            columns = [self.vocabulary_[document.words[c]] for c in known]
            data.append(coef[i][:, known].ravel())
            cols.append((blocks + columns).ravel())
            rows.append(np.full(n_outputs * len(known), i))
        matrix = sp.csr_matrix(
            (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(documents), n_outputs * n_words),
        )
        matrix.sum_duplicates()
        matrix.eliminate_zeros()  # unselected words, and positions that cancel
        return matrix

    def get_feature_names_out(self, input_features=None):
        """Names of the coefficient columns of :meth:`transform`.

        Parameters
        ----------
        input_features : None
            Ignored; the columns are the words of :attr:`vocabulary_`.

        Returns
        -------
        feature_names_out : ndarray of str
            ``coef_<word>`` for a single output, else
            ``coef_<output>_<word>`` in the order of :attr:`outputs_` (always
            so with ``labels``).
        """
        del input_features
        check_is_fitted(self)
        return self._names_out(sorted(self.vocabulary_, key=self.vocabulary_.get))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def _default_text_model(y):
    """Tf-idf and logistic regression for class labels, else ridge regression."""
    final = LogisticRegression(max_iter=1000) if is_class_target(y) else Ridge()
    return make_pipeline(TfidfVectorizer(), final)


class _TextPlan(InstancePlan):
    """What the engine needs to explain a batch of documents.

    See :class:`sklime._core._engine.Plan`.
    """

    #: lime's text distances are cosine distances times 100.
    DISTANCE_SCALE = 100.0
    NOUN = "document"

    def __init__(self, explainer, documents, num_samples=None):
        super().__init__(explainer, [d.n_components for d in documents], num_samples)
        self.documents = documents
        self.mask_string = explainer.mask_string
        if self.mask_string is None and not explainer.bow:
            self.mask_string = _POSITION_MASK
        self.shortcut = explainer._shortcut
        self.tail_box = getattr(explainer, "_tail_box", None)
        width = int(self.sizes.max(initial=0))
        seed = explainer._noise_seed
        if explainer.sampling in ("lime", "sobol"):
            sampler = "random" if explainer.sampling == "lime" else "sobol"
            self.noise = TextNoise.draw(self.num_samples, width, seed, sampler)
        else:
            self.noise = KernelMasks.draw(
                self.num_samples,
                width,
                seed,
                removed_words_law,
                self.DISTANCE_SCALE,
                self.kernel_width,
            )
        self._chars = max((len(d.text) for d in documents), default=0)

    def _input_floats(self):
        """Perturbed strings or count rows per document, in float64 values.

        Up to 4 bytes per character, and Python's overhead per string.
        """
        return self.num_samples * ((4 * self._chars + 64) // 8)

    def _keep_only(self, items, width):
        """Keep the documents at ``items``, and the noise of ``width`` words."""
        self.documents = [self.documents[i] for i in items]
        self.noise = self.noise.narrow(width)

    def _predict(self):
        """The model's output on the documents."""
        return self.box([document.text for document in self.documents])

    def _outputs(self, keeps, prediction):
        """The model's output on every perturbation, (n, num_samples, n_outputs).

        ``keeps`` holds each document's kept words. Documents without words
        are not perturbed: their output is their prediction. The others go
        through the vectorizer shortcut where it is exact, else through
        strings; one model call for each, except for documents of at least
        ``WIDE_MIN_COMPONENTS`` words (see :meth:`_long_outputs`).
        """
        s = self.num_samples
        output = np.repeat(prediction[:, None, :], s, axis=1)
        fast, fast_counts, slow = [], [], []
        for i, document in enumerate(self.documents):
            if document.n_components == 0:
                continue
            counts = None
            if self.shortcut is not None:
                counts = self.shortcut.word_counts(document, self.mask_string)
            if document.n_components >= WIDE_MIN_COMPONENTS:
                output[i] = self._long_outputs(document, keeps[i], counts)
            elif counts is None:
                slow.append(i)
            else:
                fast.append(i)
                fast_counts.append(counts)
        if fast:
            model_input = shortcut_input(
                self.shortcut, [keeps[i] for i in fast], fast_counts
            )
            output[fast] = self.tail_box(model_input).reshape(len(fast), s, -1)
        if slow:
            texts = [
                text
                for i in slow
                for text in self.documents[i].perturbed_texts(
                    keeps[i], self.mask_string
                )
            ]
            output[slow] = self.box(texts).reshape(len(slow), s, -1)
        return output

    def _long_outputs(self, document, keep, counts):
        """The model's output on a long document's perturbations, (s, n_outputs).

        The perturbations go to the model in blocks of about
        ``_LONG_QUERY_CHARS`` characters, a number of perturbations set by
        the document alone: their strings (or count rows, with ``counts``)
        are never all built at once.
        """
        step = max(1, _LONG_QUERY_CHARS // (len(document.text) + 1))
        parts = []
        for start in range(0, len(keep), step):
            rows = keep[start : start + step]
            if counts is None:
                texts = document.perturbed_texts(rows, self.mask_string)
                parts.append(self.box(texts))
            else:
                model_input = shortcut_input(self.shortcut, [rows], [counts])
                parts.append(self.tail_box(model_input))
        return np.concatenate(parts).reshape(len(keep), -1)


#: Characters of perturbed text per model call for a long document.
_LONG_QUERY_CHARS = 2**20
