"""Rating prediction on MovieLens ml-latest-small: office_hours.models.mf against scikit-surprise.

Split (fixed, documented): the 100,836 rating rows of ml-latest-small are permuted with
``numpy.random.default_rng(0).permutation(n)``; the first ``n // 10`` = 10,083 rows are the test
set, the remaining 90,753 the training set. Users or movies that appear only in the test set get
no bias and no factors (they are predicted from what is known, as surprise does).

Hyper-parameters were chosen on a validation split carved from the training rows only
(``default_rng(1).permutation`` of the training rows, first 10% held out), never on the test
set: a grid over bias penalties (λ_u, λ_i) ∈ {(5, 5), (10, 10), (3, 10)}, n_factors ∈ {8, 16, 24},
λ ∈ {12, 15, 18} and n_sweeps ∈ {3, 6, 10}. The best validation RMSE was 0.8432 (k=24, 10 sweeps,
4 s); we took the fastest setting within 0.002 of it: (λ_u, λ_i) = (5, 5), n_factors=16, λ=15,
6 sweeps (validation RMSE 0.8451, about 1 s). ``tune()`` reruns that search.

Rows: test RMSE (predictions clipped to the rating range [0.5, 5], as surprise does) and the
fit time in seconds (fitting only: our integer encoding and surprise's ``build_full_trainset``
are both left out). Timings are single runs on a shared machine: treat them as rough.
"""

from __future__ import annotations

import time

import numpy as np

from office_hours.data import movielens
from office_hours.models import mf

BENCHMARK = "MovieLens small, 90/10 rating split (seed 0)"
BEST = {"lam_u": 5.0, "lam_i": 5.0, "n_factors": 16, "lam": 15.0, "n_sweeps": 6}


def split(n: int, seed: int = 0, frac: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test): a seeded permutation, the first ``n * frac`` rows are test."""
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(n * frac)
    return perm[n_test:], perm[:n_test]


def fit_predict(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    r: np.ndarray,
    fit_rows: np.ndarray,
    eval_rows: np.ndarray,
    n_users: int,
    n_items: int,
    lam_u: float,
    lam_i: float,
    n_factors: int,
    lam: float,
    n_sweeps: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fit biases (+ ALS if n_factors > 0); return (bias-only, full) predictions and fit seconds."""
    u, i, y = user_idx[fit_rows], item_idx[fit_rows], r[fit_rows]
    start = time.perf_counter()
    biases = mf.fit_biases(u, i, y, n_users, n_items, lam_u, lam_i)
    P, Q = mf.als(u, i, y, n_users, n_items, n_factors, lam, n_sweeps, seed=0, biases=biases)
    seconds = time.perf_counter() - start
    ue, ie = user_idx[eval_rows], item_idx[eval_rows]
    bias_only = np.clip(biases.predict(ue, ie), 0.5, 5.0)
    full = np.clip(mf.predict(biases, P, Q, ue, ie), 0.5, 5.0)
    return bias_only, full, seconds


def tune() -> list[tuple[float, dict]]:
    """The validation search behind ``BEST`` (training rows only); sorted by validation RMSE."""
    ratings = movielens().ratings
    user_idx, item_idx, users, items = mf.encode(ratings)
    r = ratings["rating"].to_numpy()
    train_rows, _ = split(len(r))
    val_perm = np.random.default_rng(1).permutation(train_rows)
    n_val = len(train_rows) // 10
    val_rows, fit_rows = val_perm[:n_val], val_perm[n_val:]
    results = []
    for lam_u, lam_i in [(5.0, 5.0), (10.0, 10.0), (3.0, 10.0)]:
        for n_factors in (8, 16, 24):
            for lam in (12.0, 15.0, 18.0):
                for n_sweeps in (3, 6, 10):
                    cfg = {"lam_u": lam_u, "lam_i": lam_i, "n_factors": n_factors, "lam": lam,
                           "n_sweeps": n_sweeps}
                    _, pred, _ = fit_predict(user_idx, item_idx, r, fit_rows, val_rows,
                                             len(users), len(items), **cfg)
                    results.append((mf.rmse(pred, r[val_rows]), cfg))
    return sorted(results, key=lambda x: x[0])


def run() -> list[dict]:
    """Test RMSE and fit time: our biases and biases+ALS, surprise BaselineOnly and SVD."""
    from surprise import SVD, BaselineOnly, Dataset, Reader

    ratings = movielens().ratings
    user_idx, item_idx, users, items = mf.encode(ratings)
    r = ratings["rating"].to_numpy()
    train_rows, test_rows = split(len(r))
    rows = []

    def row(implementation: str, value: float, seconds: float) -> dict:
        return {"benchmark": BENCHMARK, "implementation": implementation,
                "metric": "test RMSE", "value": float(value), "seconds": float(seconds)}

    bias_only, full, seconds = fit_predict(user_idx, item_idx, r, train_rows, test_rows,
                                           len(users), len(items), **BEST)
    start = time.perf_counter()
    mf.fit_biases(user_idx[train_rows], item_idx[train_rows], r[train_rows], len(users),
                  len(items), BEST["lam_u"], BEST["lam_i"])
    bias_seconds = time.perf_counter() - start
    rows.append(row("office_hours.models.mf biases (closed form)", mf.rmse(bias_only, r[test_rows]),
                    bias_seconds))
    rows.append(row(f"office_hours.models.mf biases + ALS (k={BEST['n_factors']}, "
                    f"λ={BEST['lam']:g}, {BEST['n_sweeps']} sweeps)",
                    mf.rmse(full, r[test_rows]), seconds))

    train = ratings.iloc[train_rows][["userId", "movieId", "rating"]]
    test = ratings.iloc[test_rows]
    trainset = Dataset.load_from_df(train, Reader(rating_scale=(0.5, 5.0))).build_full_trainset()
    for name, algo in [("surprise BaselineOnly() (defaults)", BaselineOnly(verbose=False)),
                       ("surprise SVD() (defaults, random_state=0)", SVD(random_state=0))]:
        start = time.perf_counter()
        algo.fit(trainset)
        seconds = time.perf_counter() - start
        pred = np.array([algo.predict(u, i).est
                         for u, i in zip(test["userId"], test["movieId"], strict=True)])
        rows.append(row(name, mf.rmse(pred, test["rating"].to_numpy()), seconds))
    return rows


if __name__ == "__main__":
    import pandas as pd

    print(pd.DataFrame(run()).drop(columns="benchmark").to_string(index=False))
