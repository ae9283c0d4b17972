"""Oracle tests for office_hours.models.glove: each result against a direct, loop-by-loop computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from office_hours.models.glove import (
    GloVe,
    cooccurrence,
    cooccurrence_reference,
    encode_docs,
    evaluate_similarity,
    glove_loss,
    nearest,
    nonzero_cells,
    pair_cosines,
    ppmi,
    svd_ppmi,
    train_glove,
    weighting,
)


def test_cooccurrence_toy_sentence():
    stoi = {"a": 0, "b": 1, "c": 2}
    X = cooccurrence(encode_docs([["a", "b", "c"]], stoi), 3, window=2).toarray()
    assert X[0, 1] == 1.0  # a, b: distance 1
    assert X[0, 2] == 0.5  # a, c: distance 2 adds 1/2
    assert X[1, 2] == 1.0
    assert np.array_equal(X, X.T)
    assert np.all(np.diag(X) == 0)


def test_cooccurrence_window_limits_distance():
    stoi = {"a": 0, "b": 1, "c": 2}
    X = cooccurrence(encode_docs([["a", "b", "c"]], stoi), 3, window=1).toarray()
    assert X[0, 2] == 0.0 and X[0, 1] == 1.0


def test_cooccurrence_does_not_cross_documents_and_drops_unknown_words():
    stoi = {"a": 0, "b": 1}
    docs = encode_docs([["a", "zzz", "b"], ["b"], ["a"]], stoi)
    assert [d.tolist() for d in docs] == [[0, 1], [1], [0]]
    X = cooccurrence(docs, 2, window=10).toarray()
    # only the a-b pair inside the first document, at distance 1 once "zzz" is removed
    assert X.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_cooccurrence_matches_loop_on_random_corpus():
    rng = np.random.default_rng(0)
    docs = [rng.integers(0, 7, size=rng.integers(0, 30)) for _ in range(12)]
    X = cooccurrence(docs, 7, window=4)
    assert sp.issparse(X)
    assert (X != X.T).nnz == 0  # exactly symmetric, not just up to rounding
    np.testing.assert_allclose(X.toarray(), cooccurrence_reference(docs, 7, 4), rtol=0, atol=1e-12)


def test_cooccurrence_without_distance_weighting_counts_pairs():
    X = cooccurrence([np.array([0, 1, 0])], 2, window=2, distance_weighting=False).toarray()
    assert X.tolist() == [[2.0, 2.0], [2.0, 0.0]]
    reference = cooccurrence_reference([[0, 1, 0]], 2, window=2, distance_weighting=False)
    assert reference.tolist() == X.tolist()


def test_cooccurrence_reference_toy_sentence():
    # a b c, window 2: neighbours add 1, a-c (two apart) adds 1/2, in both directions
    assert cooccurrence_reference([[0, 1, 2]], 3, window=2).tolist() == [
        [0.0, 1.0, 0.5],
        [1.0, 0.0, 1.0],
        [0.5, 1.0, 0.0],
    ]


def test_weighting_values():
    x_max = 10.0
    f = weighting(torch.tensor([0.0, x_max / 2, x_max, 3 * x_max], dtype=torch.float64), x_max)
    assert f[0] == 0.0
    assert f[1].item() == pytest.approx(0.5**0.75, abs=1e-15)
    assert f[2] == 1.0 and f[3] == 1.0
    grid = weighting(torch.linspace(0, 20, 201, dtype=torch.float64), x_max)
    assert torch.all(grid[1:] >= grid[:-1])


def test_zero_cells_are_not_training_examples():
    # an explicitly stored zero at (0, 0) must be dropped too
    X = sp.csr_matrix(([0.0, 2.0, 0.5], ([0, 0, 1], [0, 1, 1])), shape=(2, 2))
    assert X.nnz == 3
    i, j, x = nonzero_cells(X)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (1, 1)]
    assert torch.all(x > 0)


def tiny_problem():
    rng = np.random.default_rng(1)
    dense = rng.exponential(3.0, size=(6, 6)) * (rng.random((6, 6)) < 0.5)
    dense = dense + dense.T
    model = GloVe(6, 3, seed=0).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.normal(0, 0.5, size=p.shape)))
    return sp.csr_matrix(dense), model


def loss_and_grad_loop(X, W, Wc, b, bc, x_max, alpha):
    """J and its hand-derived gradient, one non-zero cell at a time.

    d J / d w_i = sum_j 2 f(X_ij) diff_ij w~_j, and symmetrically for w~_j, b_i, b~_j.
    """
    J = 0.0
    gW, gWc, gb, gbc = (np.zeros_like(a) for a in (W, Wc, b, bc))
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            if X[i, j] == 0:
                continue
            f = min(X[i, j] / x_max, 1.0) ** alpha
            diff = W[i] @ Wc[j] + b[i, 0] + bc[j, 0] - math.log(X[i, j])
            J += f * diff**2
            gW[i] += 2 * f * diff * Wc[j]
            gWc[j] += 2 * f * diff * W[i]
            gb[i, 0] += 2 * f * diff
            gbc[j, 0] += 2 * f * diff
    return J, gW, gWc, gb, gbc


@pytest.mark.parametrize("all_cells", [False, True])
def test_loss_and_gradient_match_plain_loop(all_cells):
    X, model = tiny_problem()
    i, j, x = nonzero_cells(X, dtype=torch.float64)
    pred = model.forward_all(i, j) if all_cells else model(i, j)
    loss = glove_loss(pred, x, x_max=4.0, alpha=0.75)
    loss.backward()
    params = [model.w.weight, model.w_ctx.weight, model.b.weight, model.b_ctx.weight]
    J, *grads = loss_and_grad_loop(
        X.toarray(), *(p.detach().numpy() for p in params), x_max=4.0, alpha=0.75
    )
    assert loss.item() == pytest.approx(J, rel=1e-12)
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-10, atol=1e-12)


def test_vectors_are_the_sum_of_both_tables():
    model = GloVe(5, 2, seed=3)
    assert torch.equal(model.vectors(), model.w.weight.detach() + model.w_ctx.weight.detach())


def test_training_is_seeded_and_reduces_loss():
    rng = np.random.default_rng(0)
    docs = [rng.integers(0, 20, size=50) for _ in range(30)]
    X = cooccurrence(docs, 20, window=5)
    _, losses_a = train_glove(X, n_factors=5, num_epochs=40, x_max=10, seed=1)
    _, losses_b = train_glove(X, n_factors=5, num_epochs=40, x_max=10, seed=1)
    assert losses_a == losses_b
    assert losses_a[-1] < 0.2 * losses_a[0]
    _, losses_mb = train_glove(X, n_factors=5, num_epochs=5, x_max=10, batch_size=64, seed=1)
    assert losses_mb[-1] < losses_mb[0]


def test_ppmi_matches_dense_formula():
    rng = np.random.default_rng(2)
    dense = rng.poisson(1.0, size=(5, 5)).astype(float)
    dense = dense + dense.T
    total = dense.sum()
    p_row = dense.sum(1) / total
    ctx = dense.sum(0) ** 0.75
    p_ctx = ctx / ctx.sum()
    with np.errstate(divide="ignore"):
        expected = np.maximum(np.log(dense / total) - np.log(np.outer(p_row, p_ctx)), 0)
    np.testing.assert_allclose(ppmi(sp.csr_matrix(dense)).toarray(), expected, atol=1e-12)


def test_svd_ppmi_shape_and_determinism():
    rng = np.random.default_rng(3)
    X = cooccurrence([rng.integers(0, 30, size=200)], 30, window=5)
    a, b = svd_ppmi(X, n_factors=4), svd_ppmi(X, n_factors=4)
    assert a.shape == (30, 4)
    np.testing.assert_array_equal(a, b)


def test_evaluate_similarity_matches_gensim(tmp_path):
    from gensim.models import KeyedVectors

    words = ["tiger", "cat", "car", "automobile", "king", "queen"]
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(len(words), 8)).astype(np.float32)
    kv = KeyedVectors(8)
    kv.add_vectors(words, vectors)
    lines = [
        ("tiger", "cat", 7.35),
        ("car", "automobile", 8.9),
        ("king", "queen", 8.6),
        ("tiger", "car", 1.2),
        ("cat", "queen", 2.0),
        ("king", "unseen", 5.0),
    ]
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{a}\t{b}\t{s}\n" for a, b, s in lines))
    _, (rho, _), oov_pct = kv.evaluate_word_pairs(str(path))
    pairs = pd.DataFrame(lines, columns=["word1", "word2", "score"])
    result = evaluate_similarity(vectors, {w: k for k, w in enumerate(words)}, pairs)
    assert result["spearman"] == pytest.approx(rho, abs=1e-6)
    assert result["oov_rate"] == pytest.approx(oov_pct / 100)  # gensim reports a percentage
    assert result["n_pairs"] == 5
    cosines = pair_cosines(vectors, {w: k for k, w in enumerate(words)}, pairs)
    assert list(cosines.word2) == ["cat", "automobile", "queen", "car", "queen"]
    for row in cosines.itertuples():
        assert row.cosine == pytest.approx(float(kv.similarity(row.word1, row.word2)), abs=1e-6)


def test_nearest_excludes_the_word_itself():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    assert nearest(vectors, ["a", "b", "c"], "a", k=2) == ["b", "c"]
