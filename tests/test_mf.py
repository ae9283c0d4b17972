"""Oracle tests for office_hours.models.mf: every fit against a direct computation on a tiny matrix."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from office_hours.models import mf

# A 4-user × 6-item matrix with 11 ratings; item 5 and user 3 have none.
USER_IDX = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 0])
ITEM_IDX = np.array([0, 1, 2, 0, 3, 4, 1, 2, 3, 4, 4])
R = np.array([5.0, 3.0, 4.0, 4.0, 1.0, 2.0, 2.5, 3.5, 1.5, 2.0, 4.5])
N_USERS, N_ITEMS = 4, 6


def ridge_lstsq(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin ||X w - y||² + lam ||w||², by least squares on the augmented system."""
    k = X.shape[1]
    X_aug = np.vstack([X, np.sqrt(lam) * np.eye(k)])
    y_aug = np.concatenate([y, np.zeros(k)])
    return np.linalg.lstsq(X_aug, y_aug, rcond=None)[0]


def test_encode_maps_back_to_ids():
    ratings = pd.DataFrame({"userId": [7, 3, 7, 9], "movieId": [50, 10, 10, 20], "rating": 1.0})
    user_idx, item_idx, users, items = mf.encode(ratings)
    assert user_idx.dtype == np.int64 and item_idx.dtype == np.int64
    assert list(users[user_idx]) == [7, 3, 7, 9]
    assert list(items[item_idx]) == [50, 10, 10, 20]
    assert list(users) == [3, 7, 9]  # sorted, contiguous codes


def test_fit_biases_matches_dense_ridge_solve():
    lam_u, lam_i = 2.0, 3.0
    fitted = mf.fit_biases(USER_IDX, ITEM_IDX, R, N_USERS, N_ITEMS, lam_u, lam_i, n_sweeps=2000)
    # One column per user bias and per item bias; the penalty differs per block.
    X = np.zeros((len(R), N_USERS + N_ITEMS))
    X[np.arange(len(R)), USER_IDX] = 1.0
    X[np.arange(len(R)), N_USERS + ITEM_IDX] = 1.0
    penalty = np.diag([lam_u] * N_USERS + [lam_i] * N_ITEMS)
    b = np.linalg.solve(X.T @ X + penalty, X.T @ (R - R.mean()))
    assert fitted.mu == pytest.approx(R.mean())
    np.testing.assert_allclose(fitted.b_u, b[:N_USERS], atol=1e-10)
    np.testing.assert_allclose(fitted.b_i, b[N_USERS:], atol=1e-10)
    assert fitted.b_u[3] == 0.0 and fitted.b_i[5] == 0.0  # unrated: exactly the prior


def test_als_half_steps_are_ridge_solutions():
    lam = 0.7
    biases = mf.fit_biases(USER_IDX, ITEM_IDX, R, N_USERS, N_ITEMS)
    e = R - biases.predict(USER_IDX, ITEM_IDX)
    P, Q = mf.als(USER_IDX, ITEM_IDX, R, N_USERS, N_ITEMS, n_factors=2, lam=lam, n_sweeps=3,
                  biases=biases)
    # The last half-step solved Q given P: each q_i is a ridge regression on its raters' p_u.
    for i in range(N_ITEMS):
        rows = np.equal(ITEM_IDX, i)
        np.testing.assert_allclose(Q[i], ridge_lstsq(P[USER_IDX[rows]], e[rows], lam), atol=1e-12)
    # A P half-step given this Q, against the same oracle per user.
    rated = np.zeros((N_USERS, N_ITEMS))
    weighted = np.zeros((N_USERS, N_ITEMS))
    np.add.at(rated, (USER_IDX, ITEM_IDX), 1.0)
    np.add.at(weighted, (USER_IDX, ITEM_IDX), e)
    P_next = mf._ridge_rows(sp.csr_matrix(rated), sp.csr_matrix(weighted), Q, lam)
    for u in range(N_USERS):
        rows = np.equal(USER_IDX, u)
        np.testing.assert_allclose(P_next[u], ridge_lstsq(Q[ITEM_IDX[rows]], e[rows], lam),
                                   atol=1e-12)


def test_unrated_entities_get_exactly_zero_rows():
    P, Q = mf.als(USER_IDX, ITEM_IDX, R, N_USERS, N_ITEMS, n_factors=3, lam=1.0, n_sweeps=4)
    assert np.all(P[3] == 0.0)
    assert np.all(Q[5] == 0.0)
    assert np.all(mf.fold_in(Q, np.array([], dtype=np.int64), np.array([]), lam=1.0) == 0.0)


def test_fold_in_matches_normal_equations():
    rng = np.random.default_rng(0)
    Q = rng.normal(size=(N_ITEMS, 3))
    items, residual, lam = np.array([0, 2, 3, 5]), np.array([0.5, -1.0, 0.25, 2.0]), 0.3
    expected = ridge_lstsq(Q[items], residual, lam)
    np.testing.assert_allclose(mf.fold_in(Q, items, residual, lam), expected, atol=1e-12)


def test_predictions_unchanged_by_rotation_of_factors():
    biases = mf.fit_biases(USER_IDX, ITEM_IDX, R, N_USERS, N_ITEMS)
    P, Q = mf.als(USER_IDX, ITEM_IDX, R, N_USERS, N_ITEMS, n_factors=3, lam=0.5, biases=biases)
    rot, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))
    before = mf.predict(biases, P, Q, USER_IDX, ITEM_IDX)
    after = mf.predict(biases, P @ rot, Q @ rot, USER_IDX, ITEM_IDX)
    np.testing.assert_allclose(after, before, atol=1e-12)


def direct_dotbias(W: dict[str, np.ndarray], mu: float, y_range):
    """Loss and gradients of DotBias's mean squared error, written as explicit loops."""
    n = len(R)
    grads = {name: np.zeros_like(w) for name, w in W.items()}
    loss = 0.0
    for u, i, r in zip(USER_IDX, ITEM_IDX, R, strict=True):
        x = sum(W["u"][u, f] * W["i"][i, f] for f in range(W["u"].shape[1]))
        x += W["ub"][u, 0] + W["ib"][i, 0] + mu
        if y_range is None:
            pred, dpred_dx = x, 1.0
        else:
            lo, hi = y_range
            s = 1.0 / (1.0 + np.exp(-x))
            pred, dpred_dx = s * (hi - lo) + lo, s * (1 - s) * (hi - lo)
        loss += (pred - r) ** 2 / n
        g = 2.0 * (pred - r) / n * dpred_dx
        grads["u"][u] += g * W["i"][i]
        grads["i"][i] += g * W["u"][u]
        grads["ub"][u, 0] += g
        grads["ib"][i, 0] += g
    return loss, grads


@pytest.mark.parametrize("y_range", [None, (0.0, 5.5)])
def test_dotbias_loss_and_gradient_match_direct_loops(y_range):
    torch.manual_seed(0)
    model = mf.DotBias(N_USERS, N_ITEMS, n_factors=3, y_range=y_range, mu=0.4, init=0.5).double()
    users, items = torch.as_tensor(USER_IDX), torch.as_tensor(ITEM_IDX)
    loss = torch.mean((model(users, items) - torch.as_tensor(R)) ** 2)
    loss.backward()
    W = {name: getattr(model, name).weight.detach().numpy() for name in ("u", "i", "ub", "ib")}
    expected_loss, expected_grads = direct_dotbias(W, 0.4, y_range)
    assert loss.item() == pytest.approx(expected_loss, abs=1e-12)
    for name, g in expected_grads.items():
        np.testing.assert_allclose(getattr(model, name).weight.grad.numpy(), g, atol=1e-12)


def test_train_sgd_step_is_gradient_plus_weight_decay():
    torch.manual_seed(0)
    model = mf.DotBias(N_USERS, N_ITEMS, n_factors=2, mu=3.0, init=0.5).double()
    names = ("u", "i", "ub", "ib")
    W = {name: getattr(model, name).weight.detach().numpy().copy() for name in names}
    lr, wd = 0.1, 0.01
    losses = mf.train(model, USER_IDX, ITEM_IDX, R, optimizer="sgd", lr=lr, wd=wd, num_epochs=1)
    expected_loss, grads = direct_dotbias(W, 3.0, None)
    assert losses == [pytest.approx(expected_loss, abs=1e-12)]
    for name, w in W.items():
        stepped = w - lr * (grads[name] + wd * w)
        np.testing.assert_allclose(getattr(model, name).weight.detach().numpy(), stepped,
                                   atol=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
@pytest.mark.parametrize("batch_size", [None, 4])
def test_train_reduces_the_loss(optimizer, batch_size):
    torch.manual_seed(0)
    model = mf.DotBias(N_USERS, N_ITEMS, n_factors=2, mu=float(R.mean())).double()
    lr = 0.05 if optimizer != "sgd" else 0.2
    losses = mf.train(model, USER_IDX, ITEM_IDX, R, optimizer=optimizer, lr=lr, wd=1e-3,
                      num_epochs=50, batch_size=batch_size)
    assert losses[-1] < 0.5 * losses[0]


def test_train_rejects_unknown_optimizer():
    model = mf.DotBias(N_USERS, N_ITEMS, n_factors=2)
    with pytest.raises(ValueError, match="unknown optimizer"):
        mf.train(model, USER_IDX, ITEM_IDX, R, optimizer="rmsprop")  # type: ignore[arg-type]


def test_rmse_accepts_numpy_and_torch():
    assert mf.rmse(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == pytest.approx(1.0)
    assert mf.rmse(torch.tensor([1.0, 3.0]), torch.tensor([2.0, 2.0])) == pytest.approx(1.0)
