"""GloVe (office_hours.models.glove) against gensim's word2vec and an SVD of PPMI, on one corpus.

Data (fixed, documented; ``office_hours.models.text.imdb_lee_corpus``, shared with the demo
``how-glove-is-trained``): the 1,000 IMDB sample reviews plus gensim's Lee news corpus
(``lee_background.cor``), both tokenized with ``office_hours.models.text.tokenize`` (words only),
one document per review or story, about 308k tokens. Vocabulary: the 1,000 most frequent
words plus every WordSim-353 / SimLex-999 word seen at least 5 times (about 1,550 words);
other tokens are dropped from the stream, as GloVe's ``-max-vocab`` does. Every method sees
this same token stream.

- GloVe: co-occurrences with a window of 10 and 1/d weights; d = 50, x_max = 10, AdaGrad
  lr 0.05, 100 full-batch steps (one V×V matrix product per step). Throughput is
  non-zeros per second, nnz × steps / seconds. A second row times the per-cell path
  (two embedding rows gathered per cell, batches of 65,536) for 2 epochs.
- word2vec: gensim ``Word2Vec`` skip-gram with negative sampling, d = 50, window 10,
  5 epochs, ``workers=1``, seed 0. Throughput is corpus words × epochs / seconds.
- SVD of PPMI: the same X, context smoothing 0.75, truncated SVD with k = 50.

Quality is Spearman's ρ between cosine similarity and the human ratings of WordSim-353 and
SimLex-999 (pairs with an out-of-vocabulary word skipped; about half of them). Timings are
single runs with one thread on a shared machine.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from office_hours.data import load_similarity
from office_hours.models.glove import (
    cooccurrence,
    encode_docs,
    evaluate_similarity,
    svd_ppmi,
    train_glove,
)
from office_hours.models.text import Vocab, imdb_lee_corpus

BENCHMARK = "IMDB + Lee (308k tokens), window 10, d=50"
N_FACTORS, WINDOW, TOP_WORDS, MIN_COUNT = 50, 10, 1000, 5


def _quality(vectors: np.ndarray, stoi: dict[str, int]) -> dict[str, float]:
    return {
        name: evaluate_similarity(vectors, stoi, load_similarity(name))["spearman"]
        for name in ("wordsim353", "simlex999")
    }


def _rows(implementation: str, seconds: float, speed: tuple[str, float], quality: dict) -> list:
    rows = [{"implementation": implementation, "metric": speed[0], "value": speed[1]}]
    rows += [
        {"implementation": implementation, "metric": f"{name} Spearman", "value": rho}
        for name, rho in quality.items()
    ]
    return [{"benchmark": BENCHMARK, **r, "seconds": seconds} for r in rows]


def read_corpus(path: Path) -> list[list[str]]:
    """One document a line, lowercase tokens separated by whitespace; blank lines skipped."""
    docs = [line.split() for line in path.read_text(encoding="utf8").splitlines()]
    docs = [d for d in docs if d]
    if not docs:
        raise ValueError(f"{path}: no documents (one document a line, tokens space-separated)")
    return docs


def _corpus(corpus_file: Path | None) -> tuple[list[list[str]], Vocab]:
    """The default corpus and vocabulary, or a file's with its own ``TOP_WORDS`` most frequent
    words seen at least ``MIN_COUNT`` times (the vocabulary comes from the file alone)."""
    if corpus_file is None:
        return imdb_lee_corpus(top_words=TOP_WORDS, min_count=MIN_COUNT)
    docs = read_corpus(corpus_file)
    counts = Counter(t for doc in docs for t in doc)
    frequent = Vocab(counts, min_freq=MIN_COUNT, specials=("<unk>",)).itos[1 : TOP_WORDS + 1]
    return docs, Vocab(Counter({t: counts[t] for t in frequent}), specials=("<unk>",))


def scaling_rows() -> list[dict]:
    """GloVe's cost at 1×, 2×, 4× the corpus: written with the GloVe rewrite; none yet."""
    return []


def run(corpus_file: Path | None = None) -> list[dict]:
    from gensim.models import Word2Vec

    torch.set_num_threads(1)
    docs, vocab = _corpus(corpus_file)
    ids = encode_docs(docs, vocab.stoi)
    n_tokens = int(sum(len(d) for d in ids))
    rows = []

    start = time.perf_counter()
    X = cooccurrence(ids, len(vocab), window=WINDOW)
    seconds = time.perf_counter() - start
    rows.append(
        {"benchmark": BENCHMARK, "implementation": "office_hours cooccurrence",
         "metric": "tokens/s", "value": n_tokens / seconds, "seconds": seconds}
    )

    num_epochs = 100
    start = time.perf_counter()
    model, _ = train_glove(X, n_factors=N_FACTORS, num_epochs=num_epochs, x_max=10.0, seed=0)
    seconds = time.perf_counter() - start
    rows += _rows(
        "office_hours GloVe (full batch, AdaGrad)",
        seconds,
        ("non-zeros/s", X.nnz * num_epochs / seconds),
        _quality(model.vectors().numpy(), vocab.stoi),
    )

    start = time.perf_counter()
    train_glove(X, n_factors=N_FACTORS, num_epochs=2, x_max=10.0, batch_size=65536, seed=0)
    seconds = time.perf_counter() - start
    rows.append(
        {"benchmark": BENCHMARK, "implementation": "office_hours GloVe (per-cell, batch 65536)",
         "metric": "non-zeros/s", "value": X.nnz * 2 / seconds, "seconds": seconds}
    )

    sentences = [vocab.decode(doc) for doc in ids]
    epochs = 5
    start = time.perf_counter()
    w2v = Word2Vec(
        sentences, vector_size=N_FACTORS, window=WINDOW, min_count=1, sg=1, workers=1,
        seed=0, epochs=epochs,
    )
    seconds = time.perf_counter() - start
    rows += _rows(
        "gensim Word2Vec (skip-gram, 5 epochs)",
        seconds,
        ("words/s", n_tokens * epochs / seconds),
        _quality(w2v.wv.vectors, w2v.wv.key_to_index),
    )

    start = time.perf_counter()
    vectors = svd_ppmi(X, n_factors=N_FACTORS)
    seconds = time.perf_counter() - start
    rows += _rows(
        "office_hours SVD of PPMI (scipy svds)",
        seconds,
        ("non-zeros/s", X.nnz / seconds),
        _quality(vectors, vocab.stoi),
    )

    random_vectors = np.random.default_rng(0).standard_normal((len(vocab), N_FACTORS))
    rows += [
        {"benchmark": BENCHMARK, "implementation": "random vectors (seed 0)",
         "metric": f"{name} Spearman", "value": rho, "seconds": 0.0}
        for name, rho in _quality(random_vectors, vocab.stoi).items()
    ]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
