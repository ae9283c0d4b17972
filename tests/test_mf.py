"""Oracle tests for office_hours.models.mf: every fit against a direct computation on a tiny matrix."""

import itertools
import math

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


def svdpp_objective(fit, lam, lam_b, lam_y):
    """SVD++'s regularised squared error, written directly with explicit loops (float64 torch)."""
    t = {name: torch.tensor(getattr(fit, name), requires_grad=True)
         for name in ("b_u", "b_i", "P", "Q", "Y")}
    loss = torch.zeros((), dtype=torch.float64)
    for u, i, r in zip(USER_IDX, ITEM_IDX, R, strict=True):
        rated = sorted(set(ITEM_IDX[np.equal(USER_IDX, u)]))
        z = sum(t["Y"][j] for j in rated) / np.sqrt(len(rated))
        pred = fit.mu + t["b_u"][u] + t["b_i"][i] + t["Q"][i] @ (t["P"][u] + z)
        loss = loss + (r - pred) ** 2
    loss = loss + lam * ((t["P"] ** 2).sum() + (t["Q"] ** 2).sum())
    loss = loss + lam_b * ((t["b_u"] ** 2).sum() + (t["b_i"] ** 2).sum())
    loss = loss + lam_y * (t["Y"] ** 2).sum()
    loss.backward()
    return loss.item(), {name: v.grad.numpy() for name, v in t.items()}


@pytest.mark.parametrize("cg_steps", [None, 1, 2])
def test_svdpp_als_reaches_a_stationary_point_of_the_svdpp_objective(cg_steps):
    lam, lam_b, lam_y = 0.5, 0.3, 0.8
    losses = []
    for n_sweeps in (1, 2, 5, 20, 300, 1000):
        fit = mf.svdpp_als(USER_IDX, ITEM_IDX, R, N_USERS, N_ITEMS, n_factors=2, lam=lam,
                           lam_b=lam_b, lam_y=lam_y, n_sweeps=n_sweeps, cg_steps=cg_steps)
        losses.append(svdpp_objective(fit, lam, lam_b, lam_y)[0])
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(losses))  # descent
    _, grads = svdpp_objective(fit, lam, lam_b, lam_y)
    for name, g in grads.items():
        np.testing.assert_allclose(g, 0.0, atol=1e-8, err_msg=name)
    # The stored implicit part is |N(u)|^-1/2 Σ y_j, and predict adds up the formula.
    for u in range(N_USERS):
        rated = sorted(set(ITEM_IDX[np.equal(USER_IDX, u)]))
        expected = fit.Y[rated].sum(0) / np.sqrt(len(rated)) if rated else np.zeros(2)
        np.testing.assert_allclose(fit.Z[u], expected, atol=1e-12)
    direct = [fit.mu + fit.b_u[u] + fit.b_i[i] + fit.Q[i] @ (fit.P[u] + fit.Z[u])
              for u, i in zip(USER_IDX, ITEM_IDX, strict=True)]
    np.testing.assert_allclose(fit.predict(USER_IDX, ITEM_IDX), direct, atol=1e-12)
    # User 3 and item 5 have no ratings: everything about them is exactly zero.
    assert fit.b_u[3] == 0 and fit.b_i[5] == 0
    assert not fit.P[3].any() and not fit.Z[3].any() and not fit.Q[5].any() and not fit.Y[5].any()


@pytest.mark.parametrize("shape", [(3, 7), (7, 3)])
def test_implicit_solve_is_the_ridge_solution_on_either_side(shape):
    rng = np.random.default_rng(2)
    N = sp.csr_matrix(rng.random(shape) * (rng.random(shape) < 0.5))
    X = rng.normal(size=(shape[0], 2))
    expected = np.stack([ridge_lstsq(N.toarray(), X[:, j], 0.4) for j in range(2)], axis=1)
    np.testing.assert_allclose(mf._ImplicitSolver(N, 0.4)(X), expected, atol=1e-12)


def test_ridge_rows_with_prior_and_per_column_penalty():
    rng = np.random.default_rng(3)
    F = rng.normal(size=(N_ITEMS, 3))
    penalty = np.array([0.5, 1.0, 2.0])
    prior = rng.normal(size=(N_USERS, 3))
    rated = sp.csr_matrix((np.ones_like(R), (USER_IDX, ITEM_IDX)), shape=(N_USERS, N_ITEMS))
    weighted = sp.csr_matrix((R, (USER_IDX, ITEM_IDX)), shape=(N_USERS, N_ITEMS))
    got = mf._ridge_rows(rated, weighted, F, penalty, prior)
    for u in range(N_USERS):
        rows = np.equal(USER_IDX, u)
        # argmin ||y - F x||² + Σ pen_j (x_j - m_j)²: least squares on an augmented system.
        A = np.vstack([F[ITEM_IDX[rows]], np.diag(np.sqrt(penalty))])
        b = np.concatenate([R[rows], np.sqrt(penalty) * prior[u]])
        np.testing.assert_allclose(got[u], np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-12)


def test_ridge_rows_cg_lowers_each_objective_and_is_exact_after_k_steps():
    rng = np.random.default_rng(4)
    F = rng.normal(size=(N_ITEMS, 3))
    penalty, prior = np.array([0.5, 1.0, 2.0]), rng.normal(size=(N_USERS, 3))
    rated = sp.csr_matrix((np.ones_like(R), (USER_IDX, ITEM_IDX)), shape=(N_USERS, N_ITEMS))
    weighted = sp.csr_matrix((R, (USER_IDX, ITEM_IDX)), shape=(N_USERS, N_ITEMS))
    start = rng.normal(size=(N_USERS, 3))

    def objective(x):
        out = []
        for u in range(N_USERS):
            rows = np.equal(USER_IDX, u)
            fit = ((R[rows] - F[ITEM_IDX[rows]] @ x[u]) ** 2).sum()
            out.append(fit + (penalty * (x[u] - prior[u]) ** 2).sum())
        return np.array(out)

    previous = objective(start)
    for steps in (1, 2):
        now = objective(mf._ridge_rows_cg(rated, weighted, F, penalty, prior, start, steps))
        assert (now <= previous + 1e-12).all()
        previous = now
    exact = mf._ridge_rows(rated, weighted, F, penalty, prior)
    np.testing.assert_allclose(mf._ridge_rows_cg(rated, weighted, F, penalty, prior, start, 3),
                               exact, atol=1e-10)


def fastai_combined_cos(pct, start, middle, end):
    """fastai's combined_cos(pct, start, middle, end), transliterated (SchedCos twice)."""
    def cos(s, e, pos):
        return s + (1 + math.cos(math.pi * (1 - pos))) * (e - s) / 2

    return lambda p: cos(start, middle, p / pct) if p < pct else cos(middle, end, (p - pct) / (1 - pct))


def test_one_cycle_schedule_follows_fastai_fit_one_cycle():
    weight = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.AdamW([weight], lr=1.0, betas=(0.9, 0.99))
    steps, lr = 500, 5e-3
    scheduler = mf.one_cycle_schedule(opt, lr, steps)
    lr_f = fastai_combined_cos(0.25, lr / 25, lr, lr / 1e5)
    mom_f = fastai_combined_cos(0.25, 0.95, 0.85, 0.95)
    for step in range(steps):
        group = opt.param_groups[0]
        assert abs(group["lr"] - lr_f(step / steps)) < 0.01 * lr  # torch counts steps from 0
        assert abs(group["betas"][0] - mom_f(step / steps)) < 2e-3
        opt.step()
        scheduler.step()


def test_train_one_cycle_sgd_equals_hand_loop_with_the_schedule():
    torch.manual_seed(0)
    model = mf.DotBias(N_USERS, N_ITEMS, n_factors=2, mu=3.0, init=0.5).double()
    names = ("u", "i", "ub", "ib")
    W = {name: getattr(model, name).weight.detach().numpy().copy() for name in names}
    steps, lr = 40, 2.0
    mf.train(model, USER_IDX, ITEM_IDX, R, optimizer="sgd", lr=lr, num_epochs=steps,
             one_cycle=True)
    # The learning rates the schedule gives, read off a stand-alone optimizer.
    probe = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    schedule = mf.one_cycle_schedule(probe, lr, steps)
    for _ in range(steps):
        step_lr = probe.param_groups[0]["lr"]
        _, grads = direct_dotbias(W, 3.0, None)
        W = {name: w - step_lr * grads[name] for name, w in W.items()}
        probe.step()
        schedule.step()
    for name in names:
        np.testing.assert_allclose(getattr(model, name).weight.detach().numpy(), W[name],
                                   atol=1e-10)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "fastai"])
def test_zero_untrained_holds_absent_rows_at_exactly_zero(optimizer):
    torch.manual_seed(0)
    model = mf.DotBias(N_USERS, N_ITEMS, n_factors=2, mu=3.0).double()
    mf.train(model, USER_IDX, ITEM_IDX, R, optimizer=optimizer, lr=0.05, wd=0.1, num_epochs=20,
             batch_size=4, one_cycle=True, zero_untrained=True)
    for name, absent in (("u", 3), ("ub", 3), ("i", 5), ("ib", 5)):
        assert not getattr(model, name).weight[absent].any()
    assert model.u.weight[0].abs().sum() > 0  # trained rows did move off zero
    # Without the option the absent rows keep their random start (decayed, never zeroed).
    torch.manual_seed(0)
    plain = mf.DotBias(N_USERS, N_ITEMS, n_factors=2, mu=3.0).double()
    mf.train(plain, USER_IDX, ITEM_IDX, R, optimizer=optimizer, lr=0.05, wd=0.1, num_epochs=20,
             batch_size=4)
    assert plain.u.weight[3].abs().min() > 0
