"""GloVe (Pennington, Socher & Manning 2014) trained as `stanfordnlp/GloVe` does, plus baselines.

The pipeline, small enough to read in one go::

    docs = encode_docs(token_lists, vocab.stoi)     # ids per document, out-of-vocabulary dropped
    X = cooccurrence(docs, len(vocab), window=15)   # sparse, symmetric, pairs d apart add 1/d
    model, costs = train_glove(X, n_factors=50, num_epochs=15, x_max=10)
    vectors = model.vectors()                       # W + W~, the vectors GloVe ships
    evaluate_similarity(vectors, vocab.stoi, load_similarity("wordsim353"))  # office_hours.data

:func:`cooccurrence` follows ``src/cooccur.c`` (symmetric window, 1/d weights, out-of-vocabulary
words removed before windowing, no window across a line start, here a document start).
:class:`GloVe` is two embedding tables and two bias tables; its loss is eq. (8) of the paper
with the weighting function of eq. (9). :func:`train_glove` is ``src/glove.c``'s training loop:
an epoch visits every non-zero cell of X once, in a fresh random order, and makes one AdaGrad
update of the two vectors and the two biases the cell touches. :func:`svd_ppmi` is the
count-based baseline of Levy, Goldberg & Dagan (2015). Nothing here builds a dense V×V array:
memory is O(nnz(X) + V·d).

Why numba. The update is sequential by definition (each cell sees the parameters the previous
cell left), so it cannot be batched into array operations without changing the algorithm,
and the same loop in plain Python runs about 10⁴ cells per second at d = 50, while one pass
over a small corpus has millions of cells. ``numba.njit`` compiles the plain loop, written
once in Python and readable line by line next to ``glove.c``, to machine code running about
10⁶ cells per second on one thread (``benchmarks/bench_glove.py`` measures it), with no C
extension to build or ship; numba is a maintained NumPy-ecosystem compiler. The compiled code
is cached on disk (``cache=True``), so only the first call on a machine pays the compile;
where no cache directory is writable, the loop is compiled in memory on every run instead.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import numba
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
) -> sp.csr_matrix:
    """Reference implementation of :func:`cooccurrence`: ``cooccur.c``'s plain loop.

    Each token looks back at most ``window`` tokens within its own document and adds
    ``1/d`` (or 1) for the word ``d`` positions to its left, in both directions. Slow
    (a Python loop per token pair): for tests and demos on small inputs.
    """
    counts: defaultdict[tuple[int, int], float] = defaultdict(float)
    for doc in docs:
        for pos, w2 in enumerate(doc):
            for k in range(max(0, pos - window), pos):
                w1 = doc[k]
                weight = 1.0 / (pos - k) if distance_weighting else 1.0
                counts[int(w1), int(w2)] += weight
                counts[int(w2), int(w1)] += weight
    cells = np.array(list(counts), dtype=np.int64).reshape(-1, 2)
    values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    return sp.csr_matrix((values, (cells[:, 0], cells[:, 1])), shape=(n_words, n_words))


# --8<-- [start:model]
class GloVe(nn.Module):
    """Two embedding tables and two bias tables: the prediction for a pair (i, j) is
    ``w_i · w~_j + b_i + b~_j``, fitted to ``log X_ij``.

    As in ``glove.c``, every weight and bias starts uniform in (-0.5, 0.5) / n_factors, in
    float64; they are drawn from ``rng`` table by table, in the order W, W~, b, b~.
    """

    def __init__(self, n_words: int, n_factors: int, rng: np.random.Generator | int = 0) -> None:
        super().__init__()
        rng = np.random.default_rng(rng)

        def table(width: int) -> nn.Embedding:
            init = (rng.random((n_words, width)) - 0.5) / n_factors
            return nn.Embedding.from_pretrained(torch.from_numpy(init), freeze=False)

        self.w = table(n_factors)  # word vectors W
        self.w_ctx = table(n_factors)  # context vectors W~
        self.b = table(1)
        self.b_ctx = table(1)

    def forward(self, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        dot = (self.w(i) * self.w_ctx(j)).sum(dim=1)
        return dot + self.b(i).squeeze(1) + self.b_ctx(j).squeeze(1)

    def vectors(self) -> np.ndarray:
        """W + W~, the vectors the paper (and ``glove.c`` with ``-model 2``) reports."""
        return (self.w.weight + self.w_ctx.weight).detach().numpy()


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


def nonzero_cells(X: sp.spmatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The training examples: (i, j, X_ij) for every non-zero cell, in row-major order; zero
    cells are left out because log 0 is undefined (and f(0) = 0 gives them no weight)."""
    coo = sp.coo_matrix(X)
    coo.sum_duplicates()
    coo.eliminate_zeros()
    return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.float64)


# no GIL held while it runs (other threads can work meanwhile); numpy's float semantics
_JIT_OPTIONS = {"nogil": True, "error_model": "numpy"}


def _compile(function: Callable) -> Callable:
    """``numba.njit`` with its on-disk cache, or without it where no cache directory is
    writable (numba then refuses ``cache=True`` with "no locator available")."""
    try:
        return numba.njit(cache=True, **_JIT_OPTIONS)(function)
    except RuntimeError:
        return numba.njit(**_JIT_OPTIONS)(function)


# --8<-- [start:train]
def _adagrad_pass(
    W: np.ndarray, W_ctx: np.ndarray, b: np.ndarray, b_ctx: np.ndarray,
    gradsq_W: np.ndarray, gradsq_W_ctx: np.ndarray, gradsq_b: np.ndarray, gradsq_b_ctx: np.ndarray,
    rows: np.ndarray, cols: np.ndarray, x: np.ndarray, order: np.ndarray,
    lr: float, x_max: float, alpha: float, grad_clip: float,
) -> float:  # fmt: skip
    """One pass of ``glove.c``'s ``glove_thread`` over the cells ``order``, in that order.

    Updates the tables and the squared-gradient sums in place; returns the summed cost
    ½ f(X_ij) diff², each term taken just before its cell's update.
    """
    n_factors = W.shape[1]
    step_w, step_w_ctx = np.empty(n_factors), np.empty(n_factors)
    cost = 0.0
    for k in order:
        i, j, x_ij = rows[k], cols[k], x[k]
        w, w_ctx, gradsq_w, gradsq_w_ctx = W[i], W_ctx[j], gradsq_W[i], gradsq_W_ctx[j]  # views
        diff = 0.0
        for c in range(n_factors):
            diff += w[c] * w_ctx[c]
        diff += b[i, 0] + b_ctx[j, 0] - math.log(x_ij)
        fdiff = diff if x_ij > x_max else (x_ij / x_max) ** alpha * diff
        if not (math.isfinite(diff) and math.isfinite(fdiff)):
            continue
        cost += 0.5 * fdiff * diff
        # vectors: the gradient, clipped to ±grad_clip, times lr, over the root of the running
        # sum of those squares; applied only if every step is finite
        sum_w, sum_w_ctx = 0.0, 0.0
        for c in range(n_factors):
            grad_w = min(max(fdiff * w_ctx[c], -grad_clip), grad_clip) * lr
            grad_w_ctx = min(max(fdiff * w[c], -grad_clip), grad_clip) * lr
            step_w[c] = grad_w / math.sqrt(gradsq_w[c])
            step_w_ctx[c] = grad_w_ctx / math.sqrt(gradsq_w_ctx[c])
            sum_w += step_w[c]
            sum_w_ctx += step_w_ctx[c]
            gradsq_w[c] += grad_w * grad_w
            gradsq_w_ctx[c] += grad_w_ctx * grad_w_ctx
        if math.isfinite(sum_w) and math.isfinite(sum_w_ctx):
            for c in range(n_factors):
                w[c] -= step_w[c]
                w_ctx[c] -= step_w_ctx[c]
        # biases: glove.c neither clips their gradient nor multiplies it by lr, and skips
        # a non-finite update (check_nan)
        update_b = fdiff / math.sqrt(gradsq_b[i, 0])
        update_b_ctx = fdiff / math.sqrt(gradsq_b_ctx[j, 0])
        if math.isfinite(update_b):
            b[i, 0] -= update_b
        if math.isfinite(update_b_ctx):
            b_ctx[j, 0] -= update_b_ctx
        gradsq_b[i, 0] += fdiff * fdiff
        gradsq_b_ctx[j, 0] += fdiff * fdiff
    return cost


_compiled_pass = _compile(_adagrad_pass)


def train_glove(
    X: sp.spmatrix,
    n_factors: int = 50,
    num_epochs: int = 25,
    lr: float = 0.05,
    x_max: float = 100.0,
    alpha: float = 0.75,
    grad_clip: float = 100.0,
    seed: int = 0,
    shuffle: bool = True,
    on_epoch: Callable[[int, GloVe], None] | None = None,
) -> tuple[GloVe, list[float]]:
    """Fit GloVe to the non-zero cells of X as ``glove.c`` does, on one thread.

    Each epoch visits every non-zero cell once, in a fresh random order (``shuffle=False``:
    in row-major order every time), and makes one AdaGrad update of w_i, w~_j, b_i and b~_j.
    The defaults are ``glove.c``'s (the paper's lr, x_max and alpha; 25 iterations).
    ``seed`` seeds one ``numpy`` generator that draws the initial tables (:class:`GloVe`)
    and then each epoch's permutation. Returns the model and, per epoch, the cost
    ``glove.c`` prints: the mean over the epoch's cells of ½ f(X_ij) diff².
    ``on_epoch(epoch, model)``, if given, is called after each epoch (1, 2, ...), e.g. to
    evaluate the vectors at several budgets in one run.
    """
    rows, cols, x = nonzero_cells(X)
    rng = np.random.default_rng(seed)
    model = GloVe(X.shape[0], n_factors, rng)
    tables = [t.weight.detach().numpy() for t in (model.w, model.w_ctx, model.b, model.b_ctx)]
    gradsq = [np.ones_like(t) for t in tables]  # glove.c starts the sums at 1, not 0
    settings = (float(lr), float(x_max), float(alpha), float(grad_clip))  # one compiled signature
    costs = []
    for epoch in range(1, num_epochs + 1):
        order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
        cost = _compiled_pass(*tables, *gradsq, rows, cols, x, order, *settings)
        costs.append(cost / max(len(x), 1))
        if on_epoch is not None:
            on_epoch(epoch, model)
    return model, costs


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
    """Word vectors U·sqrt(S) from a truncated SVD of PPMI(X) (``scipy.sparse.linalg.svds``,
    PROPACK solver: the same vectors as ARPACK's, several times faster here)."""
    U, S, _ = svds(ppmi(X, cds), k=n_factors, solver="propack", random_state=seed)
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
