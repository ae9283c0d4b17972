r"""Matrix factorisation for collaborative filtering: the lesson-5 model family.

The model predicts a rating as

$$\hat r_{ui} = \mu + b_u + b_i + p_u^\top q_i,$$

a global mean, a user bias, an item bias and a dot product of ``n_factors`` latent factors
(Koren, Bell & Volinsky 2009, "Adding biases"). Two ways to fit it live here:

* closed forms in NumPy: :func:`fit_biases` (alternating ridge solves for the biases) and
  :func:`als` (alternating least squares for the factors on the residuals), plus
  :func:`fold_in` for a new user's factors given fixed item factors, and :func:`svdpp_als`
  (biases, factors and SVD++'s implicit-feedback term all fitted by exact block solves);
* gradient descent in PyTorch: :class:`DotBias` (fastai 0.7's ``EmbeddingDotBias``, with an
  optional sigmoid output range) and :func:`train` (full-batch or mini-batch Adam, AdamW or SGD,
  optionally with fastai's one-cycle schedule).

Users and items are addressed by contiguous integer codes (``user_idx``, ``item_idx``) made by
:func:`encode`. Everything is vectorised: no Python loop runs once per rating or per entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
import torch
from torch import nn

ArrayLike = np.ndarray | torch.Tensor


def encode(ratings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index, pd.Index]:
    """Contiguous int64 codes for ``userId`` and ``movieId``.

    Returns ``user_idx, item_idx, users, items`` where ``users[user_idx[n]]`` is the userId of
    row ``n`` (likewise for items). Codes follow the sorted ids, so they are deterministic.
    """
    user_codes, users = pd.factorize(ratings["userId"], sort=True)
    item_codes, items = pd.factorize(ratings["movieId"], sort=True)
    return (
        user_codes.astype(np.int64),
        item_codes.astype(np.int64),
        pd.Index(users, name="userId"),
        pd.Index(items, name="movieId"),
    )


# --8<-- [start:biases]
@dataclass
class Biases:
    r"""Global mean plus per-user and per-item offsets: $\mu + b_u + b_i$."""

    mu: float
    b_u: np.ndarray
    b_i: np.ndarray

    def predict(self, user_idx: np.ndarray, item_idx: np.ndarray) -> np.ndarray:
        r"""$\mu + b_u + b_i$ for each (user, item) pair."""
        return self.mu + self.b_u[user_idx] + self.b_i[item_idx]


def fit_biases(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    r: np.ndarray,
    n_users: int,
    n_items: int,
    lam_u: float = 10.0,
    lam_i: float = 25.0,
    n_sweeps: int = 20,
) -> Biases:
    r"""Ridge-regularised biases by alternating closed-form solves.

    Minimises $\sum (r_{ui} - \mu - b_u - b_i)^2 + \lambda_u \sum b_u^2 + \lambda_i \sum b_i^2$
    with $\mu$ fixed at the mean rating. Given the user biases, each item bias has the closed
    form $b_i = \sum_{u \in R(i)} (r_{ui} - \mu - b_u) / (|R(i)| + \lambda_i)$, and vice versa.
    A user or item with no ratings keeps bias 0: the penalty alone pulls it to the prior.
    """
    r = np.asarray(r, dtype=np.float64)
    mu = float(r.mean())
    n_u = np.bincount(user_idx, minlength=n_users)
    n_i = np.bincount(item_idx, minlength=n_items)
    b_u = np.zeros(n_users)
    b_i = np.zeros(n_items)
    for _ in range(n_sweeps):
        b_i = np.bincount(item_idx, r - mu - b_u[user_idx], minlength=n_items) / (n_i + lam_i)
        b_u = np.bincount(user_idx, r - mu - b_i[item_idx], minlength=n_users) / (n_u + lam_u)
    return Biases(mu=mu, b_u=b_u, b_i=b_i)
# --8<-- [end:biases]


# --8<-- [start:als]
def _gram_rows(rated: sp.csr_matrix, F: np.ndarray) -> np.ndarray:
    r"""$F_S^\top F_S$ for each row's column set $S$: ``rated @ (F ⊗ F)``, shape (rows, k, k).

    One sparse product over the outer products of F's rows, in column chunks of about 64 MB
    of outer products when F is larger than that.
    """
    n_rows, k = rated.shape[0], F.shape[1]
    chunk = max(1, 8_000_000 // (k * k))

    def outer(block: np.ndarray) -> np.ndarray:
        return (block[:, :, None] * block[:, None, :]).reshape(len(block), k * k)

    if F.shape[0] <= chunk:
        return np.asarray(rated @ outer(F)).reshape(n_rows, k, k)
    gram = np.zeros((n_rows, k * k))
    rated_cols = rated.tocsc()  # cheap column slices
    for start in range(0, F.shape[0], chunk):
        gram += rated_cols[:, start : start + chunk] @ outer(F[start : start + chunk])
    return gram.reshape(n_rows, k, k)


def _ridge_rows(
    rated: sp.csr_matrix,
    weighted: sp.csr_matrix,
    F: np.ndarray,
    lam: float | np.ndarray,
    prior: np.ndarray | None = None,
) -> np.ndarray:
    r"""Solve every row's ridge problem at once.

    For each row (entity) $e$: $x_e = \arg\min_x \|y_S - F_S x\|^2 + (x - m_e)^\top \Lambda
    (x - m_e)$, that is $x_e = (F_S^\top F_S + \Lambda)^{-1} (F_S^\top y_S + \Lambda m_e)$, with
    $\Lambda = $ ``lam`` times the identity (or ``diag(lam)`` for a vector) and prior means
    $m_e$ = the rows of ``prior`` (zero when None).

    ``rated`` is the 0/1 matrix of which columns each row (entity) has, ``weighted`` holds the
    targets $y$ in the same pattern.
    """
    penalty = np.broadcast_to(np.asarray(lam, dtype=np.float64), (F.shape[1],))
    gram = _gram_rows(rated, F) + np.diag(penalty)
    rhs = weighted @ F
    if prior is not None:
        rhs = rhs + prior * penalty
    return np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]


@numba.njit(cache=True)
def _normal_product(
    indptr: np.ndarray, indices: np.ndarray, F: np.ndarray, V: np.ndarray, penalty: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    r"""$(F_S^\top F_S + \Lambda) v_e$ for every row $e$, one pass over the ratings."""
    n_rows, k = V.shape
    out = np.empty_like(V)
    for e in range(n_rows):
        for c in range(k):
            out[e, c] = penalty[c] * V[e, c]
        for p in range(indptr[e], indptr[e + 1]):
            j = indices[p]
            dot = 0.0
            for c in range(k):
                dot += F[j, c] * V[e, c]
            for c in range(k):
                out[e, c] += dot * F[j, c]
    return out


def _ridge_rows_cg(
    rated: sp.csr_matrix,
    weighted: sp.csr_matrix,
    F: np.ndarray,
    penalty: np.ndarray,
    prior: np.ndarray,
    start: np.ndarray,
    n_steps: int,
) -> np.ndarray:
    r"""The ridge problems of :func:`_ridge_rows` by ``n_steps`` conjugate-gradient steps each.

    Every row's system $(F_S^\top F_S + \Lambda) x = F_S^\top y_S + \Lambda m$ is solved from
    ``start`` without forming $F_S^\top F_S$: one step costs O(nnz · k) instead of the
    O(nnz · k²) of the Gram matrices (Takács, Pilászy & Tikk 2011 use it for ALS). Each step
    lowers every row's quadratic objective, and k steps would solve it exactly. The product
    with the normal matrices is one compiled pass over the ratings (numba, cached on disk).
    """
    F = np.ascontiguousarray(F, dtype=np.float64)
    penalty = np.ascontiguousarray(penalty, dtype=np.float64)

    def apply(V: np.ndarray) -> np.ndarray:
        return _normal_product(rated.indptr, rated.indices, F, V, penalty)

    x = np.array(start, dtype=np.float64)
    residual = weighted @ F + prior * penalty - apply(x)
    direction = residual.copy()
    norm = np.einsum("nk,nk->n", residual, residual)
    for _ in range(n_steps):
        product = apply(direction)
        curvature = np.einsum("nk,nk->n", direction, product)
        alpha = np.divide(norm, curvature, out=np.zeros_like(norm), where=curvature > 0)
        x += alpha[:, None] * direction
        residual -= alpha[:, None] * product
        new_norm = np.einsum("nk,nk->n", residual, residual)
        beta = np.divide(new_norm, norm, out=np.zeros_like(norm), where=norm > 0)
        direction = residual + beta[:, None] * direction
        norm = new_norm
    return x


def als(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    r: np.ndarray,
    n_users: int,
    n_items: int,
    n_factors: int = 32,
    lam: float = 5.0,
    n_sweeps: int = 6,
    seed: int = 0,
    biases: Biases | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Alternating least squares for P (users × k) and Q (items × k).

    Fits $p_u^\top q_i$ to the residuals $e_{ui} = r_{ui} - (\mu + b_u + b_i)$ (or to $r$ itself
    when ``biases`` is None), minimising
    $\sum (e_{ui} - p_u^\top q_i)^2 + \lambda(\|P\|_F^2 + \|Q\|_F^2)$.
    Each half-step is exact: with Q fixed every $p_u$ is a ridge regression on the items the user
    rated, solved for all users at once (batched normal equations), then the same for Q. Q starts
    at $\mathcal N(0, 0.1^2)$ (seeded); a sweep is one P solve then one Q solve. An entity with no
    ratings gets an exactly zero row.
    """
    r = np.asarray(r, dtype=np.float64)
    e = r - biases.predict(user_idx, item_idx) if biases is not None else r
    ones = np.ones_like(e)
    rated = sp.csr_matrix((ones, (user_idx, item_idx)), shape=(n_users, n_items))
    weighted = sp.csr_matrix((e, (user_idx, item_idx)), shape=(n_users, n_items))
    rated_t, weighted_t = rated.T.tocsr(), weighted.T.tocsr()
    rng = np.random.default_rng(seed)
    Q = rng.normal(0.0, 0.1, size=(n_items, n_factors))
    Q[np.bincount(item_idx, minlength=n_items) == 0] = 0.0
    P = np.zeros((n_users, n_factors))
    for _ in range(n_sweeps):
        P = _ridge_rows(rated, weighted, Q, lam)
        Q = _ridge_rows(rated_t, weighted_t, P, lam)
    return P, Q
# --8<-- [end:als]


# --8<-- [start:svdpp]
@dataclass
class SVDpp:
    r"""A fitted SVD++ model (Koren 2008): $\hat r_{ui} = \mu + b_u + b_i + q_i^\top (p_u + z_u)$.

    $z_u = |N(u)|^{-1/2} \sum_{j \in N(u)} y_j$ is the implicit-feedback part of the user's
    factors: $N(u)$ is the set of items the user rated in the training rows, whatever the
    ratings were. ``Z`` holds $z_u$ per user, so a user's whole factor vector is ``P + Z``.
    """

    mu: float
    b_u: np.ndarray
    b_i: np.ndarray
    P: np.ndarray
    Q: np.ndarray
    Y: np.ndarray
    Z: np.ndarray

    def predict(self, user_idx: np.ndarray, item_idx: np.ndarray) -> np.ndarray:
        r"""$\mu + b_u + b_i + q_i^\top (p_u + z_u)$ for each (user, item) pair."""
        users = self.P[user_idx] + self.Z[user_idx]
        dot = np.einsum("nk,nk->n", users, self.Q[item_idx])
        return self.mu + self.b_u[user_idx] + self.b_i[item_idx] + dot


class _ImplicitSolver:
    r"""$Y = \arg\min_Y \|X - N Y\|_F^2 + a \|Y\|_F^2 = (N^\top N + a I)^{-1} N^\top X$, exactly.

    ``N`` (users × items) and ``a`` are fixed for a whole fit, so the system is factorised once
    (Cholesky), on the smaller side of ``N``: with fewer users, by the push-through identity
    $Y = N^\top (N N^\top + a I)^{-1} X$. Memory is O(min(users, items)²).
    """

    def __init__(self, N: sp.csr_matrix, ratio: float) -> None:
        self.N = N
        self.by_users = N.shape[0] <= N.shape[1]
        gram = (N @ N.T) if self.by_users else (N.T @ N)
        kernel = gram.toarray() + ratio * np.eye(gram.shape[0])
        self.factor = scipy.linalg.cho_factor(kernel)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        if self.by_users:
            return self.N.T @ scipy.linalg.cho_solve(self.factor, X)
        return scipy.linalg.cho_solve(self.factor, self.N.T @ X)


def svdpp_als(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    r: np.ndarray,
    n_users: int,
    n_items: int,
    n_factors: int = 16,
    lam: float = 15.0,
    lam_b: float = 5.0,
    lam_y: float = 100.0,
    n_sweeps: int = 12,
    seed: int = 0,
    cg_steps: int | None = None,
) -> SVDpp:
    r"""SVD++ fitted by exact block coordinate descent (alternating least squares).

    Minimises SVD++'s objective

    $$\sum (r_{ui} - \mu - b_u - b_i - q_i^\top (p_u + z_u))^2
      + \lambda (\|P\|^2 + \|Q\|^2) + \lambda_b (\|b_u\|^2 + \|b_i\|^2) + \lambda_y \|Y\|^2$$

    with $\mu$ the mean rating and $z_u = |N(u)|^{-1/2} \sum_{j \in N(u)} y_j$. Written in
    $x_u = p_u + z_u$, every block has a closed form, and a sweep solves three in turn:

    1. $(x_u, b_u)$ for every user: a ridge regression on the items rated, features $(q_i, 1)$,
       whose penalty pulls $x_u$ towards $z_u$ (not 0) and $b_u$ towards 0;
    2. $Y$: $\min_Y \lambda \sum_u \|x_u - z_u\|^2 + \lambda_y \|Y\|^2$, one linear system
       (:class:`_ImplicitSolver`);
    3. $(q_i, b_i)$ for every item: a ridge regression on its raters' $(x_u, 1)$.

    Each step minimises the objective exactly over its block, so it never increases. With
    ``cg_steps`` the two ridge blocks instead take that many conjugate-gradient steps from
    their current values (:func:`_ridge_rows_cg`): far cheaper for large k, still never
    increasing the objective, and with enough sweeps the same fixed point. Biases
    start at :func:`fit_biases` (both penalties ``lam_b``), Q at $\mathcal N(0, 0.1^2)$ (seeded),
    Y at 0. An entity with no training ratings keeps all-zero factors, implicit part and bias.
    """
    r = np.asarray(r, dtype=np.float64)
    biases = fit_biases(user_idx, item_idx, r, n_users, n_items, lam_b, lam_b)
    mu, b_u, b_i = biases.mu, biases.b_u, biases.b_i
    # The rating pattern is fixed: build both sparse layouts once, then only swap their data.
    position = np.arange(len(r), dtype=np.float64)
    by_user = sp.csr_matrix((position, (user_idx, item_idx)), shape=(n_users, n_items))
    by_item = by_user.T.tocsr()
    order_u, order_i = by_user.data.astype(np.int64), by_item.data.astype(np.int64)
    rated = sp.csr_matrix((np.ones(len(r)), by_user.indices, by_user.indptr), by_user.shape)
    rated_t = sp.csr_matrix((np.ones(len(r)), by_item.indices, by_item.indptr), by_item.shape)
    n_u = np.diff(rated.indptr).astype(np.float64)
    implicit = _ImplicitSolver(sp.diags(1.0 / np.sqrt(np.maximum(n_u, 1.0))) @ rated,
                               lam_y / lam)
    rng = np.random.default_rng(seed)
    Q = rng.normal(0.0, 0.1, size=(n_items, n_factors))
    Q[np.bincount(item_idx, minlength=n_items) == 0] = 0.0
    Y = np.zeros((n_items, n_factors))
    Z = np.zeros((n_users, n_factors))
    X = np.zeros((n_users, n_factors))
    penalty = np.r_[np.full(n_factors, lam), lam_b]
    def solve(rated: sp.csr_matrix, target: sp.csr_matrix, F: np.ndarray, prior: np.ndarray,
              current: np.ndarray) -> np.ndarray:
        if cg_steps is None:
            return _ridge_rows(rated, target, F, penalty, prior)
        return _ridge_rows_cg(rated, target, F, penalty, prior, current, cg_steps)

    for _ in range(n_sweeps):
        target = sp.csr_matrix(((r - mu - b_i[item_idx])[order_u], rated.indices, rated.indptr),
                               rated.shape)
        solved = solve(rated, target, np.c_[Q, np.ones(n_items)], np.c_[Z, np.zeros(n_users)],
                       np.c_[X, b_u])
        X, b_u = solved[:, :n_factors], solved[:, n_factors]
        Y = implicit(X)
        Z = implicit.N @ Y
        target = sp.csr_matrix(((r - mu - b_u[user_idx])[order_i], rated_t.indices,
                                rated_t.indptr), rated_t.shape)
        solved = solve(rated_t, target, np.c_[X, np.ones(n_users)],
                       np.zeros((n_items, n_factors + 1)), np.c_[Q, b_i])
        Q, b_i = solved[:, :n_factors], solved[:, n_factors]
    return SVDpp(mu=mu, b_u=b_u, b_i=b_i, P=X - Z, Q=Q, Y=Y, Z=Z)
# --8<-- [end:svdpp]


# --8<-- [start:fold_in]
def fold_in(Q: np.ndarray, item_idx: np.ndarray, residual: np.ndarray, lam: float) -> np.ndarray:
    r"""A new user's factors from their ratings, item factors fixed.

    $p_u = (Q_S^\top Q_S + \lambda I)^{-1} Q_S^\top e_S$ where $S$ are the items the user rated
    and $e_S$ their residuals after the biases. With no ratings this is the zero vector.
    """
    Q_S = Q[np.asarray(item_idx, dtype=np.int64)]
    k = Q.shape[1]
    return np.linalg.solve(Q_S.T @ Q_S + lam * np.eye(k), Q_S.T @ np.asarray(residual, float))
# --8<-- [end:fold_in]


def predict(
    biases: Biases | None,
    P: np.ndarray,
    Q: np.ndarray,
    user_idx: np.ndarray,
    item_idx: np.ndarray,
) -> np.ndarray:
    r"""$\mu + b_u + b_i + p_u^\top q_i$ (without the bias part when ``biases`` is None)."""
    dot = np.einsum("nk,nk->n", P[user_idx], Q[item_idx])
    return dot if biases is None else biases.predict(user_idx, item_idx) + dot


# --8<-- [start:dotbias]
class DotBias(nn.Module):
    r"""Lesson 5's ``EmbeddingDotBias``: factors and biases as embeddings, a dot product on top.

    ``forward(user_idx, item_idx)`` returns $\mu + b_u + b_i + p_u \cdot q_i$, or with
    ``y_range=(lo, hi)`` fastai 0.7's squashed form
    $\sigma(\mu + p_u \cdot q_i + b_u + b_i)(hi - lo) + lo$ (fastai 0.7 has no $\mu$: keep
    the default ``mu=0`` to match it). $\mu$ is a fixed float, not a parameter. Weights start
    uniform in ``[-init, init]``.
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        n_factors: int,
        y_range: tuple[float, float] | None = None,
        mu: float = 0.0,
        init: float = 0.05,
    ) -> None:
        super().__init__()
        self.u = nn.Embedding(n_users, n_factors)
        self.i = nn.Embedding(n_items, n_factors)
        self.ub = nn.Embedding(n_users, 1)
        self.ib = nn.Embedding(n_items, 1)
        for emb in (self.u, self.i, self.ub, self.ib):
            nn.init.uniform_(emb.weight, -init, init)
        self.mu = float(mu)
        self.y_range = y_range

    def forward(self, user_idx: torch.Tensor, item_idx: torch.Tensor) -> torch.Tensor:
        p = self.u.weight.index_select(0, user_idx)
        q = self.i.weight.index_select(0, item_idx)
        b_u = self.ub.weight.index_select(0, user_idx)[:, 0]
        b_i = self.ib.weight.index_select(0, item_idx)[:, 0]
        res = (p * q).sum(1) + b_u + b_i + self.mu
        if self.y_range is None:
            return res
        lo, hi = self.y_range
        return torch.sigmoid(res) * (hi - lo) + lo
# --8<-- [end:dotbias]


def _as_tensor(x: ArrayLike, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.to(dtype)
    array = np.asarray(x)
    if not array.flags.writeable:  # pandas 3 hands out read-only views; torch warns on those
        array = array.copy()
    return torch.as_tensor(array, dtype=dtype)


def one_cycle_schedule(
    opt: torch.optim.Optimizer, lr: float, total_steps: int
) -> torch.optim.lr_scheduler.OneCycleLR:
    """fastai's ``fit_one_cycle`` defaults as a torch ``OneCycleLR`` (call ``step()`` per batch).

    fastai: ``div=25``, ``div_final=1e5``, ``pct_start=0.25``, momentum (0.95, 0.85, 0.95),
    cosine both ways. torch's ``final_div_factor`` divides the starting rate, hence 1e5 / 25.
    Momentum (SGD's, or Adam's beta1) cycles only if the optimizer has one.
    """
    defaults = opt.defaults
    has_momentum = "betas" in defaults or defaults.get("momentum", 0) > 0
    return torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=total_steps, pct_start=0.25, div_factor=25.0,
        final_div_factor=1e5 / 25.0, cycle_momentum=has_momentum, base_momentum=0.85,
        max_momentum=0.95,
    )


def _zero_untrained_rows(model: nn.Module, users: torch.Tensor, items: torch.Tensor) -> None:
    """Zero the embedding rows (factors and bias) of every user and item absent from the rows."""
    for index, tables in ((users, ("u", "ub")), (items, ("i", "ib"))):
        for name in tables:
            weight = getattr(model, name).weight
            absent = torch.ones(len(weight), dtype=torch.bool)
            absent[index] = False
            with torch.no_grad():
                weight[absent] = 0.0


def train(
    model: nn.Module,
    user_idx: ArrayLike,
    item_idx: ArrayLike,
    r: ArrayLike,
    optimizer: Literal["adam", "adamw", "sgd", "fastai"] = "adam",
    lr: float = 1e-2,
    wd: float = 0.0,
    num_epochs: int = 10,
    batch_size: int | None = None,
    seed: int = 0,
    one_cycle: bool = False,
    zero_untrained: bool = False,
) -> list[float]:
    """Minimise the mean squared error of ``model`` on the ratings; return each epoch's mean loss.

    ``optimizer``: ``"adam"`` is torch Adam with ``weight_decay=wd`` (an L2 term coupled into
    the gradient, which is what fastai 0.7 passes by default), ``"adamw"`` decouples the decay,
    ``"fastai"`` is AdamW with fastai's defaults (betas (0.9, 0.99), eps 1e-5), ``"sgd"`` is
    plain SGD with ``weight_decay=wd``. ``batch_size=None`` trains full-batch (one step per
    epoch); otherwise rows are shuffled each epoch (seeded) into batches.

    ``one_cycle=True`` follows fastai's ``fit_one_cycle`` defaults with torch's ``OneCycleLR``:
    the learning rate rises from ``lr``/25 to ``lr`` over the first 25% of the steps and falls
    to ``lr``/1e5 (cosine both ways), momentum (beta1) moving from 0.95 to 0.85 and back.

    ``zero_untrained=True`` (a :class:`DotBias`) sets the factors and biases of every user
    and item absent from these rows to zero before training. They get no gradient, and weight
    decay of a zero is zero, so they stay exactly zero: such an entity is predicted from
    $\\mu$ and the other side alone. Otherwise they keep their random start (minus any decay).
    """
    torch.manual_seed(seed)
    dtype = next(model.parameters()).dtype
    users = _as_tensor(user_idx, torch.int64)
    items = _as_tensor(item_idx, torch.int64)
    target = _as_tensor(r, dtype)
    if zero_untrained:
        _zero_untrained_rows(model, users, items)
    params = list(model.parameters())
    if optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(params, lr=lr, weight_decay=wd)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    elif optimizer == "fastai":
        opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), eps=1e-5, weight_decay=wd)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, weight_decay=wd)
    else:
        raise ValueError(
            f"unknown optimizer {optimizer!r}: use 'adam', 'adamw', 'fastai' or 'sgd'"
        )
    n = len(target)
    steps_per_epoch = 1 if batch_size is None or batch_size >= n else -(-n // batch_size)
    total_steps = num_epochs * steps_per_epoch
    scheduler = one_cycle_schedule(opt, lr, total_steps) if one_cycle else None
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(num_epochs):
        if steps_per_epoch == 1:
            batches = [slice(None)]
        else:
            order = torch.randperm(n, generator=gen)
            batches = list(order.split(batch_size))
        total = 0.0
        for b in batches:
            opt.zero_grad()
            loss = torch.mean((model(users[b], items[b]) - target[b]) ** 2)
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item() * len(target[b])
        losses.append(total / n)
    return losses


def rmse(pred: ArrayLike, r: ArrayLike) -> float:
    """Root mean squared error between predictions and ratings."""
    pred_np = pred.detach().cpu().numpy() if isinstance(pred, torch.Tensor) else np.asarray(pred)
    r_np = r.detach().cpu().numpy() if isinstance(r, torch.Tensor) else np.asarray(r)
    return float(np.sqrt(np.mean((pred_np.astype(np.float64) - r_np) ** 2)))
