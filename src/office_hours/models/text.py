"""Tokenizer and vocabulary shared by the text answers (n-grams, neural LMs, GloVe).

One tokenizer and one :class:`Vocab` for every text model, so perplexities and
co-occurrence counts are computed on identical token streams::

    tokens = tokenize("I <br />loved it!")   # ['i', 'loved', 'it', '!']
    vocab = Vocab(tokens, min_freq=2)
    ids = vocab.encode(tokens)               # unknown words -> vocab.unk_index
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

UNK = "<unk>"
EOS = "<eos>"

# --8<-- [start:tokenize]
_TOKEN_RE = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


def tokenize(text: str) -> list[str]:
    """Lower-case, turn HTML line breaks into spaces, split into words and punctuation.

    A token is a run of letters, digits and apostrophes, or any other single
    non-space character.
    """
    return _TOKEN_RE.findall(text.lower().replace("<br />", " "))


# --8<-- [end:tokenize]


class Vocab:
    """A token <-> index mapping built from token counts.

    Args:
        tokens: an iterable of tokens, or a :class:`collections.Counter` of them.
        min_freq: tokens seen fewer times than this are left out (they encode as ``<unk>``).
        specials: tokens always in the vocabulary, first, in this order (counts 0 if unseen).
            The first special must be the unknown token ``<unk>``.

    Non-special tokens are ordered by decreasing count, ties broken alphabetically,
    so the vocabulary is deterministic.
    """

    def __init__(
        self,
        tokens: Iterable[str] | Counter[str],
        min_freq: int = 1,
        specials: Sequence[str] = (UNK, EOS),
    ) -> None:
        counter = tokens if isinstance(tokens, Counter) else Counter(tokens)
        if not specials or specials[0] != UNK:
            raise ValueError(f"the first special token must be {UNK!r}, got {specials!r}")
        self.min_freq = int(min_freq)
        self.specials: tuple[str, ...] = tuple(specials)
        kept = sorted(
            (t for t, c in counter.items() if c >= self.min_freq and t not in self.specials),
            key=lambda t: (-counter[t], t),
        )
        self.itos: list[str] = [*self.specials, *kept]
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}
        self.unk_index: int = self.stoi[UNK]
        # Training counts per vocabulary entry; <unk> gets the total of the dropped tokens.
        counts = np.array([counter.get(t, 0) for t in self.itos], dtype=np.int64)
        counts[self.unk_index] += sum(
            c for t, c in counter.items() if t not in self.stoi and t not in self.specials
        )
        self.counts: np.ndarray = counts

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, min_freq={self.min_freq})"

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Indices of ``tokens`` as int64; tokens outside the vocabulary map to ``<unk>``."""
        get, unk = self.stoi.get, self.unk_index
        return np.fromiter((get(t, unk) for t in tokens), dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens for the indices ``ids``."""
        return [self.itos[int(i)] for i in ids]


def review_tokens(texts: Iterable[str]) -> list[str]:
    """One token stream for many documents, with ``<eos>`` after each."""
    stream: list[str] = []
    for text in texts:
        stream.extend(tokenize(text))
        stream.append(EOS)
    return stream


def imdb_token_streams(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Train and validation token streams of the IMDB sample (``<eos>`` after each review).

    ``frame`` is :func:`office_hours.data.imdb_sample`'s DataFrame; reviews keep their
    order in the file, split by ``is_valid``.
    """
    is_valid = frame["is_valid"].to_numpy(dtype=bool)
    texts = frame["text"].astype(str)
    return review_tokens(texts[~is_valid]), review_tokens(texts[is_valid])


_WORD_RE = re.compile(r"[a-z0-9']+$")


def word_tokens(text: str) -> list[str]:
    """:func:`tokenize`, keeping only word tokens (letters, digits, apostrophes)."""
    return [t for t in tokenize(text) if _WORD_RE.match(t)]


def word_vocab(docs: Iterable[Sequence[str]], min_count: int = 5) -> Vocab:
    """The words of ``docs`` seen at least ``min_count`` times, most frequent first, after
    ``<unk>`` (GloVe's ``vocab_count -min-count``, gensim's ``min_count``); from the corpus
    alone, so any evaluation's out-of-vocabulary words stay out."""
    return Vocab(Counter(t for doc in docs for t in doc), min_freq=min_count, specials=(UNK,))


def imdb_lee_corpus() -> list[list[str]]:
    """The real-text corpus of the GloVe demo and benchmark: 1,300 documents, 308k words.

    The 1,000 IMDB sample reviews followed by the 300 stories of gensim's Lee news corpus
    (``lee_background.cor``, one story per line), each tokenized with
    :func:`word_tokens` (punctuation dropped). Pair it with :func:`word_vocab`.
    """
    from gensim.test.utils import datapath

    from office_hours.data import imdb_sample

    with open(datapath("lee_background.cor"), encoding="utf8") as fh:
        texts = [*imdb_sample().text, *fh]
    return [word_tokens(text) for text in texts]
