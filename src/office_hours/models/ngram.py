"""N-gram language models with smoothing, stored sparsely, scored vectorised.

Token streams are int64 arrays of vocabulary indices (see :mod:`office_hours.models.text`).
Counts for each context length live in a ``scipy.sparse`` CSR matrix with one row per
context seen in training (rows found by binary search over packed int64 context keys)
and one column per vocabulary entry: never a dense V×V array.

Every model has ``log_prob(token_ids)``: the natural-log probability of each token of a
stream given the up to ``order - 1`` tokens before it (the first tokens of the stream
use the shorter context they have, as NLTK does). :func:`perplexity` turns those into
perplexity with a float64 sum (:mod:`office_hours.models.perplexity`).

:class:`KneserNey` is interpolated Kneser–Ney as in Chen & Goodman (1999) and as
``nltk.lm.KneserNeyInterpolated`` computes it (same default discount 0.1, no uniform
floor under the unigram continuation distribution unless asked for).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

Tokens = np.ndarray | Sequence[np.ndarray]


def _pack(windows: list[np.ndarray], vocab_size: int) -> np.ndarray:
    """One int64 key per row of a window of token columns: ((a·V + b)·V + c)…"""
    key = np.zeros_like(windows[0]) if windows else np.zeros(0, dtype=np.int64)
    for column in windows:
        key = key * vocab_size + column
    return key


def _ngram_keys(token_ids: np.ndarray, n: int, vocab_size: int) -> np.ndarray:
    """Packed keys of every n-gram of the stream (length ``len - n + 1``)."""
    m = len(token_ids) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    return _pack([token_ids[i : i + m] for i in range(n)], vocab_size)


def _sequence_ngram_keys(token_ids: Tokens, n: int, vocab_size: int) -> np.ndarray:
    """Packed keys of every n-gram of one stream, or of each sequence of a list of them
    (n-grams never cross from one sequence into the next)."""
    if isinstance(token_ids, np.ndarray) or not len(token_ids) or np.isscalar(token_ids[0]):
        return _ngram_keys(np.asarray(token_ids, dtype=np.int64), n, vocab_size)
    lengths = np.array([len(s) for s in token_ids], dtype=np.int64)
    stream = np.concatenate([np.asarray(s, dtype=np.int64) for s in token_ids])
    keys = _ngram_keys(stream, n, vocab_size)
    # A window starting at i lies inside one sequence iff i + n - 1 < the sequence's end.
    ends = np.repeat(np.cumsum(lengths), lengths)[: len(keys)]
    return keys[np.arange(len(keys)) + n <= ends]


def pad_sequences(
    sequences: Sequence[np.ndarray], order: int, bos: int, eos: int
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """NLTK's ``pad_both_ends(sequence, n=order)`` for each sequence, and its scoring events.

    Returns the padded sequences (``order - 1`` ``bos`` before, as many ``eos`` after), their
    concatenation, and the positions of that stream NLTK's protocol scores (every n-gram of
    each padded sequence scores its last token: all positions but each sequence's first
    ``order - 1``). Those positions' contexts lie inside their own sequence, so
    ``model.log_prob(stream)[positions]`` gives exactly those events' log-probabilities (a
    position left out, an ``bos`` after the previous sequence's ``eos``, may have probability 0).
    """
    pad = order - 1
    padded = [np.r_[[bos] * pad, np.asarray(s, dtype=np.int64), [eos] * pad].astype(np.int64)
              for s in sequences]
    lengths = np.array([len(s) for s in padded], dtype=np.int64)
    stream = np.concatenate(padded) if padded else np.zeros(0, dtype=np.int64)
    offset_in_sequence = np.arange(len(stream)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return padded, stream, np.flatnonzero(offset_in_sequence >= pad)


def _context_keys(token_ids: np.ndarray, k: int, vocab_size: int) -> np.ndarray:
    """Packed keys of the k tokens before each position i >= k."""
    n = len(token_ids)
    return _pack([token_ids[i : n - k + i] for i in range(k)], vocab_size)


class _Level:
    """Counts c(h, w) for all contexts h of one length: a CSR matrix and its row keys."""

    def __init__(
        self, keys: np.ndarray, counts: np.ndarray, vocab_size: int, context_length: int
    ) -> None:
        """``keys`` are sorted unique packed (h, w) keys with their ``counts``."""
        self.vocab_size = vocab_size
        self.context_length = context_length
        self.keys = keys
        self.counts = counts.astype(np.float64)
        contexts, words = np.divmod(keys, vocab_size)
        # Keys are sorted, so contexts are sorted: each new context starts a CSR row.
        starts = np.flatnonzero(np.r_[True, contexts[1:] != contexts[:-1]]) if len(keys) else []
        self.context_keys = contexts[starts]
        indptr = np.r_[starts, len(keys)].astype(np.int64)
        self.matrix = sp.csr_matrix(
            (self.counts, words, indptr), shape=(len(self.context_keys), vocab_size)
        )
        self.totals = np.add.reduceat(self.counts, starts) if len(keys) else np.zeros(0)
        self.types = np.diff(indptr).astype(np.float64)

    def rows(self, context_keys: np.ndarray) -> np.ndarray:
        """Row of each context key, or -1 where the context was never seen."""
        if len(self.context_keys) == 0:
            return np.full(len(context_keys), -1, dtype=np.int64)
        pos = np.searchsorted(self.context_keys, context_keys)
        pos = np.minimum(pos, len(self.context_keys) - 1)
        return np.where(self.context_keys[pos] == context_keys, pos, -1)

    def lookup(self, context_keys: np.ndarray, words: np.ndarray) -> np.ndarray:
        """c(h, w) for each packed context key and word (0 where never seen)."""
        if len(self.keys) == 0:
            return np.zeros(len(words))
        keys = context_keys * self.vocab_size + words
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, self.counts[pos], 0.0)


def _level_from_keys(ngram_keys: np.ndarray, vocab_size: int, context_length: int) -> _Level:
    keys, counts = np.unique(ngram_keys, return_counts=True)
    return _Level(keys, counts, vocab_size, context_length)


class _NGramModel:
    """Shared fitting/scoring frame: one :class:`_Level` per context length 0..order-1."""

    order: int
    vocab_size: int
    levels: list[_Level]

    def _check(self, order: int, vocab_size: int) -> None:
        if order < 1:
            raise ValueError(f"order must be >= 1, got {order}")
        if vocab_size ** order >= 2**63:
            raise ValueError(f"V**order = {vocab_size}**{order} does not fit an int64 key")
        self.order, self.vocab_size = order, vocab_size

    def _contexts(
        self, token_ids: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, _Level]]:
        """For k = 1..order-1: positions i >= k, their k-token context keys and rows, the level."""
        token_ids = np.asarray(token_ids, dtype=np.int64)
        out = []
        for k in range(1, self.order):
            keys = _context_keys(token_ids, k, self.vocab_size)
            level = self.levels[k]
            out.append((np.arange(k, len(token_ids)), keys, level.rows(keys), level))
        return out

    def _distribution_rows(self, context: np.ndarray) -> list[np.ndarray]:
        """Rows for each suffix of a batch of contexts (shape (m, k)), shortest first."""
        context = np.atleast_2d(np.asarray(context, dtype=np.int64))
        k_max = min(context.shape[1], self.order - 1)
        return [
            self.levels[k].rows(_pack(list(context[:, -k:].T), self.vocab_size))
            for k in range(1, k_max + 1)
        ]

    def distribution(self, context: np.ndarray) -> np.ndarray:
        """P(w | context) over the vocabulary: shape (V,) for one context, (m, V) for a batch."""
        raise NotImplementedError

    def predict(self, token_ids: np.ndarray, positions: np.ndarray, chunk: int = 256) -> np.ndarray:
        """Most probable next token at each of ``positions`` of a stream (argmax of P(w|h))."""
        token_ids = np.asarray(token_ids, dtype=np.int64)
        k = self.order - 1
        out = np.empty(len(positions), dtype=np.int64)
        for start in range(0, len(positions), chunk):
            pos = np.asarray(positions[start : start + chunk])
            if k == 0:
                ctx = np.zeros((len(pos), 0), dtype=np.int64)
            else:
                if pos.min() < k:
                    raise ValueError(f"positions must be >= order - 1 = {k}")
                ctx = np.stack([token_ids[pos - k + j] for j in range(k)], axis=1)
            out[start : start + len(pos)] = self.distribution(ctx).reshape(len(pos), -1).argmax(1)
        return out


class AddK(_NGramModel):
    """Add-k (Lidstone; Laplace for k = 1) n-gram model: P(w|h) = (c(h w) + k) / (c(h ·) + k V).

    c(h ·) is the number of times h was followed by a token in training (as in NLTK's
    ``Lidstone``); an unseen context gives the uniform 1/V.
    """

    def __init__(self, order: int, vocab_size: int, k: float = 1.0) -> None:
        self._check(order, vocab_size)
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        self.k = float(k)

    def fit(self, token_ids: Tokens) -> AddK:
        """Count n-grams of one stream, or of each sequence of a list (none across sequences)."""
        self.levels = [
            _level_from_keys(_sequence_ngram_keys(token_ids, j + 1, self.vocab_size),
                             self.vocab_size, j)
            for j in range(self.order)
        ]
        return self

    def _smooth(self, counts: np.ndarray, totals: np.ndarray) -> np.ndarray:
        return (counts + self.k) / (totals + self.k * self.vocab_size)

    def log_prob(self, token_ids: np.ndarray) -> np.ndarray:
        token_ids = np.asarray(token_ids, dtype=np.int64)
        uni = self.levels[0]
        p = self._smooth(np.asarray(uni.matrix[0].toarray()).ravel(), uni.totals[0])[token_ids]
        # Each position uses its longest context: overwrite with higher orders where they exist.
        for positions, keys, rows, level in self._contexts(token_ids):
            totals = np.where(rows >= 0, level.totals[np.maximum(rows, 0)], 0.0)
            p[positions] = self._smooth(level.lookup(keys, token_ids[positions]), totals)
        return np.log(p)

    def distribution(self, context: np.ndarray) -> np.ndarray:
        context = np.atleast_2d(np.asarray(context, dtype=np.int64))
        k = min(context.shape[1], self.order - 1)
        level = self.levels[k]
        rows = self._distribution_rows(context)[-1] if k else np.zeros(len(context), np.int64)
        counts = np.zeros((len(context), self.vocab_size))
        ok = rows >= 0
        counts[ok] = level.matrix[rows[ok]].toarray()
        totals = np.where(ok, level.totals[np.maximum(rows, 0)], 0.0)
        return self._smooth(counts, totals[:, None]).squeeze()


# --8<-- [start:kneser-ney]
class KneserNey(_NGramModel):
    """Interpolated Kneser–Ney smoothing (Chen & Goodman 1999; NLTK's ``KneserNeyInterpolated``).

    For the longest context the counts are raw n-gram counts c(h w); for shorter contexts
    they are continuation counts N1+(• h w), the number of distinct tokens seen before
    h w. At every level, with d the discount and N1+(h •) the number of distinct
    followers of h at that level,

        P(w | h) = (max(c(h w) - d, 0) + d · N1+(h •) · P(w | h')) / c(h ·),

    h' being h without its first token; a context with c(h ·) = 0 passes P(w | h') on
    unchanged. The recursion ends in the continuation unigram N1+(• w) / N1+(• •) or,
    with ``uniform_floor=True``, in that distribution discounted by d and interpolated
    with the uniform 1/V (Jurafsky & Martin, SLP3 eq. 3.35), so no token has probability 0.

    One deliberate difference from NLTK: at the continuation levels NLTK takes N1+(h •) from
    raw counts, we take it from the continuation counts, so every distribution sums to 1.
    The two differ only for a context some of whose raw followers never occur with a token
    before the context: in one stream, a context equal to the stream's first token (when that
    first n-gram occurs once); in padded sentences, the start-of-sentence pad, which is
    followed by itself but never preceded by anything. ``nltk_compatible=True`` takes
    N1+(h •) from raw counts as NLTK does (those distributions then sum to more than 1); a
    context with raw followers but no continuation counts, where NLTK raises
    ZeroDivisionError, passes the lower order on unchanged.
    """

    def __init__(
        self,
        order: int,
        vocab_size: int,
        discount: float = 0.1,
        uniform_floor: bool = False,
        nltk_compatible: bool = False,
    ) -> None:
        self._check(order, vocab_size)
        if not 0 <= discount <= 1:
            raise ValueError(f"discount must be in [0, 1], got {discount}")
        self.discount = float(discount)
        self.uniform_floor = uniform_floor
        self.nltk_compatible = nltk_compatible

    def fit(self, token_ids: Tokens) -> KneserNey:
        """Fit on one stream, or on each sequence of a list (no n-gram spans two sequences)."""
        vocab_size, n = self.vocab_size, self.order
        # Distinct j-grams for j = 1..n (index j - 1); the n-gram level keeps raw counts.
        ngrams = [_sequence_ngram_keys(token_ids, j, vocab_size) for j in range(1, n + 1)]
        levels: list[_Level] = [None] * n  # type: ignore[list-item]
        levels[n - 1] = _level_from_keys(ngrams[n - 1], vocab_size, n - 1)
        for k in range(n - 2, -1, -1):
            # Continuation counts of (k+1)-grams: distinct left extensions among (k+2)-gram types.
            types = np.unique(ngrams[k + 1])
            levels[k] = _level_from_keys(types % vocab_size ** (k + 1), vocab_size, k)
            if self.nltk_compatible and k > 0:
                # N1+(h •) from the raw (k+1)-gram types, as NLTK counts it.
                contexts, followers = np.unique(np.unique(ngrams[k]) // vocab_size,
                                                return_counts=True)
                rows = np.searchsorted(contexts, levels[k].context_keys)
                levels[k].types = followers[rows].astype(np.float64)
        if n == 1:  # a unigram "KN" is the (optionally floored) relative frequency
            levels[0] = _level_from_keys(ngrams[0], vocab_size, 0)
        self.levels = levels
        return self

    def _unigram(self) -> np.ndarray:
        level, d = self.levels[0], self.discount
        counts = np.asarray(level.matrix[0].toarray(), dtype=np.float64).ravel()
        if not self.uniform_floor:
            return counts / level.totals[0]
        return (np.maximum(counts - d, 0) + d * level.types[0] / self.vocab_size) / level.totals[0]

    def _interpolate(
        self, level: _Level, rows: np.ndarray, counts: np.ndarray, lower: np.ndarray
    ) -> np.ndarray:
        r = np.maximum(rows, 0)
        totals = np.where(rows >= 0, level.totals[r], 0.0)
        types = np.where(rows >= 0, level.types[r], 0.0)
        if lower.ndim == 2:
            totals, types = totals[:, None], types[:, None]
        seen = totals > 0
        mixed = (np.maximum(counts - self.discount, 0) + self.discount * types * lower) / np.where(
            seen, totals, 1.0
        )
        return np.where(seen, mixed, lower)

    def log_prob(self, token_ids: np.ndarray) -> np.ndarray:
        token_ids = np.asarray(token_ids, dtype=np.int64)
        p = self._unigram()[token_ids]
        for positions, keys, rows, level in self._contexts(token_ids):
            counts = level.lookup(keys, token_ids[positions])
            p[positions] = self._interpolate(level, rows, counts, p[positions])
        return np.log(p)

    def distribution(self, context: np.ndarray) -> np.ndarray:
        context = np.atleast_2d(np.asarray(context, dtype=np.int64))
        p = np.tile(self._unigram(), (len(context), 1))
        for k, rows in enumerate(self._distribution_rows(context), start=1):
            level = self.levels[k]
            counts = np.zeros_like(p)
            ok = rows >= 0
            counts[ok] = level.matrix[rows[ok]].toarray()
            p = self._interpolate(level, rows, counts, p)
        return p.squeeze()


# --8<-- [end:kneser-ney]


class Uniform:
    """The uniform model over V types: every token has probability 1/V, so PPL = V."""

    def __init__(self, vocab_size: int) -> None:
        self.vocab_size = vocab_size

    def log_prob(self, token_ids: np.ndarray) -> np.ndarray:
        return np.full(len(token_ids), -math.log(self.vocab_size), dtype=np.float64)

    def distribution(self, context: np.ndarray) -> np.ndarray:
        m = np.atleast_2d(np.asarray(context)).shape[0]
        return np.full((m, self.vocab_size), 1.0 / self.vocab_size).squeeze()
