"""GloVe (office_hours.models.glove) against word2vec skip-gram (gensim) and an SVD of PPMI.

Corpus (default): ``office_hours.models.text.imdb_lee_corpus``, the 1,000 IMDB sample reviews
plus gensim's 300 Lee news stories, about 308k words, shared with the demo
``how-glove-is-trained``; or ``--corpus FILE``, one document a line, lowercase tokens separated
by spaces. Vocabulary: the corpus's words seen at least 5 times (``word_vocab``; nothing is
added for the evaluation), other tokens dropped from the stream as ``glove``'s ``vocab_count
-min-count 5`` does. Every method sees this same token stream and vocabulary.

Each method at its authors' settings for a small corpus, with equal passes:

- GloVe: window 10 with 1/d weights (the paper, §4.2; ``stanfordnlp/GloVe``'s ``demo.sh`` uses
  15 on text8), d = 50, x_max = 10 (``demo.sh``), lr 0.05, alpha 3/4 (``glove.c``), 5 iterations.
- word2vec: skip-gram with negative sampling (gensim ``Word2Vec(sg=1)``), d = 50, window 10
  ("for skip-gram usually around 10", ``tmikolov/word2vec`` ``ProjectHome.md``), 5 negative
  samples and subsampling 1e-3 (``word2vec.c``'s ``demo-word.sh``), 5 epochs (gensim's
  default): the same number of passes over the data as GloVe's iterations. ``workers=1``.
- SVD of PPMI (Levy, Goldberg & Dagan 2015): GloVe's X, context-distribution smoothing 0.75,
  no shift, U·sqrt(S) with k = 50 (their recommended eigenvalue weighting 0.5).

Longer budgets (seed 0): is the ordering an artefact of 5 passes? GloVe trained for 50
iterations (the paper's, §4.2), scored after 15 (``demo.sh``'s ``MAX_ITER``), 25 (``glove.c``'s
``num_iter``) and 50, with ``glove.c``'s cost at each; word2vec at 15 epochs.

Quality: Spearman's ρ between cosine similarity and the human ratings of WordSim-353 and
SimLex-999, on the pairs whose two words are in the vocabulary (their number is a row), as
the mean and sample standard deviation over 5 seeds (GloVe, word2vec) and over 50 seeds of
random Gaussian vectors (the level that carries no information). Speed: GloVe's cell updates
per second and word2vec's words per second, CPU time of one thread.

``scaling_rows()``: the cost of GloVe as the corpus grows. The pool is the default corpus plus
Tiny Shakespeare's words (``office_hours.data.tiny_shakespeare``, one document per speech),
documents in a fixed random order; rows at 1×, 2× and 4× tokens (a quarter, a half and all of
it), each in a fresh process: tokens, vocabulary, nnz(X), seconds to count X and to train
(5 epochs), the process's peak RSS (interpreter and libraries included), and the peak of the
memory allocated while counting and training (``tracemalloc``, which sees numpy's arrays).
Counting makes one vectorised pass per distance over the tokens and then sums duplicate pairs
by sorting: its time grows with the tokens, a little faster than linearly. Training makes 5
updates per non-zero cell: its time grows with nnz, a little faster than linearly as V and
cache misses grow. nnz grows more slowly than the tokens (repeated pairs add to existing
cells; the paper, §3.2, models nnz ∝ |C|^0.8), here only slightly more slowly. The allocated
memory grows about linearly with the tokens: counting briefly holds every in-window pair of
tokens before summing them (O(tokens × window)), which is the peak; training holds the cells
(O(nnz)) and the tables (O(V·d)). No V×V array is built anywhere.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from office_hours.data import load_similarity, tiny_shakespeare
from office_hours.models.glove import (
    GloVe,
    cooccurrence,
    encode_docs,
    evaluate_similarity,
    svd_ppmi,
    train_glove,
)
from office_hours.models.text import imdb_lee_corpus, word_tokens, word_vocab

N_FACTORS, MIN_COUNT, EPOCHS = 50, 5, 5
LONGER_GLOVE, LONGER_WORD2VEC = (15, 25, 50), 15  # seed 0 only
GLOVE = {"window": 10, "x_max": 10.0}  # paper's window, demo.sh's x_max; lr, alpha: glove.c's
WORD2VEC = {"sg": 1, "window": 10, "negative": 5, "sample": 1e-3}
SEEDS, RANDOM_SEEDS = range(5), range(50)
SIMILARITY = {"WordSim-353": "wordsim353", "SimLex-999": "simlex999"}


def read_corpus(corpus_file: Path) -> list[list[str]]:
    """One document a line, lowercase tokens separated by spaces; blank lines are skipped."""
    with open(corpus_file, encoding="utf8") as fh:
        docs = [line.split() for line in fh if line.strip()]
    if not docs:
        raise ValueError(f"{corpus_file}: no documents (one document a line, tokens separated "
                         "by spaces)")
    return docs


def similarity(vectors: np.ndarray, stoi: dict[str, int]) -> dict[str, dict[str, float]]:
    """:func:`evaluate_similarity` on each benchmark."""
    return {
        name: evaluate_similarity(vectors, stoi, load_similarity(key))
        for name, key in SIMILARITY.items()
    }


def run(corpus_file: Path | None = None) -> list[dict]:
    """GloVe, word2vec and SVD-PPMI on one corpus: quality, pairs scored, speed."""
    from gensim.models import Word2Vec

    docs = read_corpus(corpus_file) if corpus_file else imdb_lee_corpus()
    vocab = word_vocab(docs, MIN_COUNT)
    ids = encode_docs(docs, vocab.stoi)
    n_tokens = int(sum(len(d) for d in ids))
    corpus = corpus_file.name if corpus_file else "IMDB + Lee"
    benchmark = f"{corpus}: {n_tokens:,} tokens, V={len(vocab):,}, d={N_FACTORS}"
    rows: list[dict] = []

    def add(implementation: str, metric: str, value: float, seconds: float) -> None:
        rows.append({"benchmark": benchmark, "implementation": implementation,
                     "metric": metric, "value": value, "seconds": seconds})  # fmt: skip

    def add_seeds(implementation: str, runs: list[dict], seconds: float) -> None:
        """Mean and sample sd over the seeds of each benchmark's ρ."""
        for name in SIMILARITY:
            rhos = np.array([r[name]["spearman"] for r in runs])
            add(implementation, f"{name} ρ, mean of {len(runs)} seeds", rhos.mean(), seconds)
            add(implementation, f"{name} ρ, sd of {len(runs)} seeds", rhos.std(ddof=1), seconds)

    start = time.process_time()
    X = cooccurrence(ids, len(vocab), window=GLOVE["window"])
    add("office_hours cooccurrence", "non-zero cells", X.nnz, time.process_time() - start)

    glove_runs, glove_seconds = [], []
    for seed in SEEDS:
        start = time.process_time()
        model, costs = train_glove(X, N_FACTORS, EPOCHS, x_max=GLOVE["x_max"], seed=seed)
        glove_seconds.append(time.process_time() - start)
        glove_runs.append(similarity(model.vectors(), vocab.stoi))
    def glove_name(epochs: int) -> str:
        return f"office_hours GloVe ({epochs} epochs, window {GLOVE['window']}, x_max 10)"

    glove = glove_name(EPOCHS)
    add_seeds(glove, glove_runs, float(np.mean(glove_seconds)))
    fastest = min(glove_seconds)
    add(glove, "cell updates/s (one thread)", X.nnz * EPOCHS / fastest, fastest)
    add(glove, f"glove.c's cost after {EPOCHS} epochs (last seed)", costs[-1], glove_seconds[-1])
    for name, result in glove_runs[0].items():
        add("(evaluation)", f"{name} pairs scored", result["n_pairs"], 0.0)

    sentences = [vocab.decode(doc) for doc in ids]
    w2v_runs, w2v_seconds = [], []
    for seed in SEEDS:
        start = time.process_time()
        w2v = Word2Vec(sentences, vector_size=N_FACTORS, min_count=1, workers=1, seed=seed,
                       epochs=EPOCHS, **WORD2VEC)  # fmt: skip
        w2v_seconds.append(time.process_time() - start)
        w2v_runs.append(similarity(w2v.wv.vectors, w2v.wv.key_to_index))
    def word2vec_name(epochs: int) -> str:
        return f"gensim Word2Vec (skip-gram, {epochs} epochs, window 10, 5 negatives)"

    word2vec = word2vec_name(EPOCHS)
    add_seeds(word2vec, w2v_runs, float(np.mean(w2v_seconds)))
    fastest = min(w2v_seconds)
    add(word2vec, "words/s (one thread)", n_tokens * EPOCHS / fastest, fastest)

    # longer budgets, seed 0: one GloVe run scored along the way, one longer word2vec run
    start = time.process_time()

    def score_longer(epoch: int, model: GloVe) -> None:
        if epoch in LONGER_GLOVE:
            seconds = time.process_time() - start
            for name, result in similarity(model.vectors(), vocab.stoi).items():
                add(glove_name(epoch), f"{name} ρ, seed 0", result["spearman"], seconds)

    _, costs = train_glove(X, N_FACTORS, max(LONGER_GLOVE), x_max=GLOVE["x_max"], seed=0,
                           on_epoch=score_longer)  # fmt: skip
    for epoch in LONGER_GLOVE:
        metric = f"glove.c's cost after {epoch} epochs, seed 0"
        add(glove_name(epoch), metric, costs[epoch - 1], 0.0)
    start = time.process_time()
    w2v = Word2Vec(sentences, vector_size=N_FACTORS, min_count=1, workers=1, seed=0,
                   epochs=LONGER_WORD2VEC, **WORD2VEC)  # fmt: skip
    seconds = time.process_time() - start
    for name, result in similarity(w2v.wv.vectors, w2v.wv.key_to_index).items():
        add(word2vec_name(LONGER_WORD2VEC), f"{name} ρ, seed 0", result["spearman"], seconds)

    start = time.process_time()
    vectors = svd_ppmi(X, n_factors=N_FACTORS)
    seconds = time.process_time() - start
    for name, result in similarity(vectors, vocab.stoi).items():
        add("office_hours SVD of PPMI (same X, cds 0.75)", f"{name} ρ", result["spearman"], seconds)

    shape = (len(vocab), N_FACTORS)
    random_runs = [
        similarity(np.random.default_rng(seed).standard_normal(shape), vocab.stoi)
        for seed in RANDOM_SEEDS
    ]
    add_seeds("random Gaussian vectors", random_runs, 0.0)
    return rows


def scaling_pool() -> list[list[str]]:
    """IMDB + Lee plus Tiny Shakespeare's words (one document per speech), in a fixed
    random order."""
    pool = [*imdb_lee_corpus(), *map(word_tokens, tiny_shakespeare().split("\n\n"))]
    return [pool[k] for k in np.random.default_rng(0).permutation(len(pool))]


def _peak_rss_mib() -> float:
    """This process's peak resident set, from Linux's VmHWM: ru_maxrss would carry over the
    parent's peak across fork + exec (3.8 GB after the MF benchmark in one `nox -s bench`)."""
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(peak.split()[1]) / 1024


def scaling_row(scale: int) -> dict:
    """GloVe's cost on the first ``scale``/4 of the pool's tokens (run in a fresh process)."""
    pool = scaling_pool()
    cumulative = np.cumsum([len(doc) for doc in pool])
    docs = pool[: int(np.searchsorted(cumulative, cumulative[-1] * scale / 4)) + 1]
    vocab = word_vocab(docs, MIN_COUNT)
    ids = encode_docs(docs, vocab.stoi)
    tracemalloc.start()
    start = time.process_time()
    X = cooccurrence(ids, len(vocab), window=GLOVE["window"])
    count_seconds = time.process_time() - start
    start = time.process_time()
    train_glove(X, N_FACTORS, EPOCHS, x_max=GLOVE["x_max"])
    train_seconds = time.process_time() - start
    allocated = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "tokens": int(sum(map(len, ids))), "vocab": len(vocab), "nnz": X.nnz,
        "count_seconds": count_seconds, "train_seconds": train_seconds,
        "peak_rss_mib": _peak_rss_mib(),
        "allocated_mib": allocated / 2**20,
    }  # fmt: skip


def scaling_rows() -> list[dict]:
    """Rows at 1×, 2× and 4× the corpus: tokens, V, nnz, time to count and train, memory."""
    train_glove(cooccurrence([np.array([0, 1])], 2), 2, 1)  # compile (or load) before timing
    rows = []
    for scale in (1, 2, 4):
        command = [sys.executable, __file__, "--scaling-row", str(scale)]
        r = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        pool = f"IMDB + Lee + Tiny Shakespeare, window {GLOVE['window']}, d={N_FACTORS}"
        benchmark = f"GloVe cost at {scale}× ({pool})"
        for metric, value, seconds in [
            ("tokens", r["tokens"], 0.0),
            ("vocabulary", r["vocab"], 0.0),
            ("non-zero cells", r["nnz"], 0.0),
            ("count X: tokens/s", r["tokens"] / r["count_seconds"], r["count_seconds"]),
            (f"train {EPOCHS} epochs: cell updates/s", r["nnz"] * EPOCHS / r["train_seconds"],
             r["train_seconds"]),
            ("peak RSS of the process (MiB)", r["peak_rss_mib"], 0.0),
            ("peak allocated, count + train (MiB)", r["allocated_mib"],
             r["count_seconds"] + r["train_seconds"]),
        ]:  # fmt: skip
            rows.append({"benchmark": benchmark, "implementation": "office_hours GloVe",
                         "metric": metric, "value": value, "seconds": seconds})  # fmt: skip
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="one document a line, tokens split by spaces")
    parser.add_argument("--scaling", action="store_true", help="also the 1×, 2×, 4× rows")
    parser.add_argument("--scaling-row", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scaling_row:
        print(json.dumps(scaling_row(args.scaling_row)))
    else:
        for row in [*run(args.corpus), *(scaling_rows() if args.scaling else [])]:
            print(row)
