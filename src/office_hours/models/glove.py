"""GloVe (Pennington, Socher & Manning 2014) as an embedding-dot-bias model, plus baselines.

The pipeline, small enough to read in one go::

    docs = encode_docs(token_lists, vocab.stoi)     # ids per document, out-of-vocabulary dropped
    X = cooccurrence(docs, len(vocab), window=10)   # sparse, symmetric, pairs d apart add 1/d
    model, losses = train_glove(X, n_factors=50, num_epochs=100, x_max=10)
    vectors = model.vectors()                       # W + W~, the vectors GloVe ships
    evaluate_similarity(vectors, vocab.stoi, load_similarity("wordsim353")  # office_hours.data)

:func:`cooccurrence` follows ``stanfordnlp/GloVe`` ``src/cooccur.c`` (symmetric window, 1/d
weights, out-of-vocabulary words removed before windowing, no window across a line start,
here a document start). :class:`GloVe` is two embedding tables and two bias tables; its loss
is eq. (8) of the paper with the weighting function of eq. (9). :func:`svd_ppmi` is the
count-based baseline of Levy, Goldberg & Dagan (2015).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from scipy.sparse.linalg import svds
from scipy.stats import spearmanr
from torch import nn


def encode_docs(docs: Iterable[Sequence[str]], stoi: Mapping[str, int]) -> list[np.ndarray]:
    """Each document's tokens as vocabulary ids, with out-of-vocabulary tokens removed.

    Dropping (rather than mapping to ``<unk>``) is what ``cooccur.c`` does: an unknown word
    neither gets co-occurrences nor counts towards the distance between its neighbours.
    """
    return [np.fromiter((stoi[t] for t in doc if t in stoi), dtype=np.int64) for doc in docs]


# --8<-- [start:cooccurrence]
def cooccurrence(
    docs: Sequence[np.ndarray],
    n_words: int,
    window: int = 10,
    distance_weighting: bool = True,
) -> sp.csr_matrix:
    """Symmetric word–context co-occurrence matrix X (sparse CSR, float64).

    Every pair of tokens ``d <= window`` positions apart in the same document adds
    ``1/d`` (or 1 without distance weighting) to ``X[a, b]`` and to ``X[b, a]``.
    One vectorised pass per offset d, never a loop over tokens.
    """
    ids = np.concatenate([np.asarray(doc, dtype=np.int64) for doc in docs] or [np.zeros(0, int)])
    doc_of = np.repeat(np.arange(len(docs)), [len(doc) for doc in docs])
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        same_doc = doc_of[:-d] == doc_of[d:]  # the window never crosses a document start
        rows.append(ids[:-d][same_doc])  # the word d positions to the left ...
        cols.append(ids[d:][same_doc])  # ... and the word itself
        vals.append(np.full(same_doc.sum(), 1.0 / d if distance_weighting else 1.0))
    left_context = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_words, n_words),
    ).tocsr()  # sums duplicate (row, col) entries
    return (left_context + left_context.T).tocsr()  # symmetric context: both directions


# --8<-- [end:cooccurrence]


def cooccurrence_reference(
    docs: Iterable[Sequence[int]],
    n_words: int,
    window: int = 10,
    distance_weighting: bool = True,
) -> np.ndarray:
    """Reference implementation of :func:`cooccurrence`: ``cooccur.c``'s plain loop, dense.

    Each token looks back at most ``window`` tokens within its own document and adds
    ``1/d`` (or 1) for the word ``d`` positions to its left, in both directions. Slow
    (a Python loop per token pair) and O(V²) memory: for tests and demos on small inputs.
    """
    X = np.zeros((n_words, n_words))
    for doc in docs:
        for pos, w2 in enumerate(doc):
            for k in range(max(0, pos - window), pos):
                w1 = doc[k]
                weight = 1.0 / (pos - k) if distance_weighting else 1.0
                X[w1, w2] += weight
                X[w2, w1] += weight
    return X


# --8<-- [start:model]
class GloVe(nn.Module):
    """Two embedding tables and two bias tables: the prediction for a pair (i, j) is
    ``w_i · w~_j + b_i + b~_j``, fitted to ``log X_ij``."""

    def __init__(self, n_words: int, n_factors: int, seed: int = 0) -> None:
        super().__init__()
        self.w = nn.Embedding(n_words, n_factors)  # word vectors W
        self.w_ctx = nn.Embedding(n_words, n_factors)  # context vectors W~
        self.b = nn.Embedding(n_words, 1)
        self.b_ctx = nn.Embedding(n_words, 1)
        gen = torch.Generator().manual_seed(seed)
        for table in (self.w, self.w_ctx, self.b, self.b_ctx):  # as glove.c: U(-0.5, 0.5) / d
            init = (torch.rand(table.weight.shape, generator=gen) - 0.5) / n_factors
            with torch.no_grad():
                table.weight.copy_(init)

    def forward(self, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        dot = (self.w(i) * self.w_ctx(j)).sum(dim=1)
        return dot + self.b(i).squeeze(1) + self.b_ctx(j).squeeze(1)

    def forward_all(self, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        """Same predictions as ``forward``, read off one V×V product W W~ᵀ.

        For a full batch on a small vocabulary one matrix product (V² d work, fast BLAS)
        beats gathering a pair of rows per non-zero cell (nnz d work, memory-bound);
        for the paper's 400k-word vocabulary only the per-cell ``forward`` is feasible.
        """
        n_words = self.w.weight.shape[0]
        dot = (self.w.weight @ self.w_ctx.weight.T).reshape(-1).take(i * n_words + j)
        return dot + self.b.weight[i, 0] + self.b_ctx.weight[j, 0]

    def vectors(self) -> torch.Tensor:
        """W + W~, the vectors the paper (and ``glove.c`` with ``-model 2``) reports."""
        return (self.w.weight + self.w_ctx.weight).detach()


def weighting(x: torch.Tensor, x_max: float = 100.0, alpha: float = 0.75) -> torch.Tensor:
    """f(x) = (x / x_max)^alpha, capped at 1 (eq. 9); f(0) = 0."""
    return torch.clamp(x / x_max, max=1.0) ** alpha


def glove_loss(
    pred: torch.Tensor, x: torch.Tensor, x_max: float = 100.0, alpha: float = 0.75
) -> torch.Tensor:
    """J = sum over non-zero cells of f(X_ij) (pred_ij - log X_ij)^2 (eq. 8),
    with pred_ij = w_i·w~_j + b_i + b~_j from the model."""
    return (weighting(x, x_max, alpha) * (pred - torch.log(x)) ** 2).sum()


# --8<-- [end:model]


def nonzero_cells(
    X: sp.spmatrix, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The training examples: (i, j, X_ij) for every non-zero cell; zero cells are left out
    because log 0 is undefined (and f(0) = 0 would give them no weight anyway)."""
    coo = sp.coo_matrix(X)
    coo.eliminate_zeros()
    return (
        torch.from_numpy(coo.row.astype(np.int64)),
        torch.from_numpy(coo.col.astype(np.int64)),
        torch.from_numpy(coo.data).to(dtype),
    )


# --8<-- [start:train]
def train_glove(
    X: sp.spmatrix,
    n_factors: int = 50,
    num_epochs: int = 100,
    lr: float = 0.05,
    x_max: float = 100.0,
    alpha: float = 0.75,
    batch_size: int | None = None,
    seed: int = 0,
) -> tuple[GloVe, list[float]]:
    """Fit GloVe to the non-zero cells of X with AdaGrad (the paper's optimiser, lr 0.05).

    ``batch_size=None`` is full-batch: one step per epoch over every non-zero cell.
    Returns the model and J after each epoch (summed over the epoch's batches).
    """
    i, j, x = nonzero_cells(X)
    model = GloVe(X.shape[0], n_factors, seed=seed)
    # glove.c starts its squared-gradient sums at 1.0, not 0
    opt = torch.optim.Adagrad(model.parameters(), lr=lr, initial_accumulator_value=1.0)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(num_epochs):
        order = torch.randperm(len(x), generator=gen) if batch_size else torch.arange(len(x))
        total = 0.0
        for batch in torch.split(order, batch_size or len(x)):
            # full batch: every cell from one matrix product; else one row pair per cell
            pred = model.forward_all(i, j) if batch_size is None else model(i[batch], j[batch])
            loss = glove_loss(pred, x[batch], x_max, alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(total)
    return model, losses


# --8<-- [end:train]


# --8<-- [start:svd_ppmi]
def ppmi(X: sp.spmatrix, cds: float = 0.75) -> sp.csr_matrix:
    """Positive PMI of a co-occurrence matrix, max(0, log P(i,j) / (P(i) P_cds(j))).

    ``cds`` is context-distribution smoothing (context counts raised to 0.75), as in
    Levy, Goldberg & Dagan (2015); 1.0 gives plain PPMI.
    """
    coo = sp.coo_matrix(X, dtype=np.float64)
    total = coo.sum()
    row_p = np.asarray(coo.sum(axis=1)).ravel() / total
    col_counts = np.asarray(coo.sum(axis=0)).ravel() ** cds
    col_p = col_counts / col_counts.sum()
    pmi = np.log(coo.data / total) - np.log(row_p[coo.row]) - np.log(col_p[coo.col])
    keep = pmi > 0
    return sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=X.shape)


def svd_ppmi(X: sp.spmatrix, n_factors: int = 50, cds: float = 0.75, seed: int = 0) -> np.ndarray:
    """Word vectors U·sqrt(S) from a truncated SVD of PPMI(X) (``scipy.sparse.linalg.svds``)."""
    M = ppmi(X, cds)
    v0 = np.random.default_rng(seed).standard_normal(min(M.shape))
    U, S, _ = svds(M, k=n_factors, v0=v0)
    order = np.argsort(S)[::-1]
    return U[:, order] * np.sqrt(S[order])


# --8<-- [end:svd_ppmi]


def pair_cosines(
    vectors: np.ndarray | torch.Tensor, stoi: Mapping[str, int], pairs: pd.DataFrame
) -> pd.DataFrame:
    """The pairs whose two words are both in ``stoi``, with a ``cosine`` column added:
    the cosine similarity of their vectors. The other pairs are left out."""
    vectors = np.asarray(vectors, dtype=np.float64)
    known = pairs["word1"].isin(stoi.keys()) & pairs["word2"].isin(stoi.keys())
    inside = pairs[known].copy()
    a = vectors[[stoi[w] for w in inside["word1"]]]
    b = vectors[[stoi[w] for w in inside["word2"]]]
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12
    inside["cosine"] = (a * b).sum(1) / norms
    return inside


def evaluate_similarity(
    vectors: np.ndarray | torch.Tensor, stoi: Mapping[str, int], pairs: pd.DataFrame
) -> dict[str, float]:
    """Spearman correlation between cosine similarities and human scores.

    Pairs with a word outside ``stoi`` are skipped (as gensim's ``evaluate_word_pairs``
    does) and counted in ``oov_rate``, the fraction of pairs skipped. The per-pair
    cosines are :func:`pair_cosines`.
    """
    inside = pair_cosines(vectors, stoi, pairs)
    rho = (
        float(spearmanr(inside["cosine"], inside["score"]).statistic)
        if len(inside) > 2
        else float("nan")
    )
    return {"spearman": rho, "n_pairs": len(inside), "oov_rate": 1 - len(inside) / len(pairs)}


def nearest(
    vectors: np.ndarray | torch.Tensor, itos: Sequence[str], word: str, k: int = 5
) -> list[str]:
    """The ``k`` words with the highest cosine similarity to ``word`` (excluding itself)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)
    idx = list(itos).index(word)
    sims = unit @ unit[idx]
    sims[idx] = -np.inf
    return [itos[t] for t in np.argsort(-sims)[:k]]
