"""Oracle tests for office_hours.models.glove: each result against a direct, loop-by-loop computation."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from office_hours.models import glove
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
    reference = cooccurrence_reference(docs, 7, 4)
    assert sp.issparse(reference)
    np.testing.assert_allclose(X.toarray(), reference.toarray(), rtol=0, atol=1e-12)


def test_cooccurrence_without_distance_weighting_counts_pairs():
    X = cooccurrence([np.array([0, 1, 0])], 2, window=2, distance_weighting=False).toarray()
    assert X.tolist() == [[2.0, 2.0], [2.0, 0.0]]
    reference = cooccurrence_reference([[0, 1, 0]], 2, window=2, distance_weighting=False)
    assert reference.toarray().tolist() == X.tolist()


def test_cooccurrence_reference_toy_sentence():
    # a b c, window 2: neighbours add 1, a-c (two apart) adds 1/2, in both directions
    assert cooccurrence_reference([[0, 1, 2]], 3, window=2).toarray().tolist() == [
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
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (1, 1)]
    assert np.all(x > 0)


def tiny_problem():
    rng = np.random.default_rng(1)
    dense = rng.exponential(3.0, size=(6, 6)) * (rng.random((6, 6)) < 0.5)
    dense = dense + dense.T
    model = GloVe(6, 3, rng=0)
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


def test_loss_and_gradient_match_plain_loop():
    X, model = tiny_problem()
    i, j, x = (torch.from_numpy(a) for a in nonzero_cells(X))
    loss = glove_loss(model(i, j), x, x_max=4.0, alpha=0.75)
    loss.backward()
    params = [model.w.weight, model.w_ctx.weight, model.b.weight, model.b_ctx.weight]
    J, *grads = loss_and_grad_loop(
        X.toarray(), *(p.detach().numpy() for p in params), x_max=4.0, alpha=0.75
    )
    assert loss.item() == pytest.approx(J, rel=1e-12)
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-10, atol=1e-12)


def test_initialisation_is_glove_c_uniform():
    model = GloVe(400, 25, rng=7)
    tables = [model.w.weight, model.w_ctx.weight, model.b.weight, model.b_ctx.weight]
    rng = np.random.default_rng(7)
    for table, width in zip(tables, (25, 25, 1, 1), strict=True):
        assert table.dtype == torch.float64
        np.testing.assert_array_equal(table.detach().numpy(), (rng.random((400, width)) - 0.5) / 25)
        assert table.abs().max() < 0.5 / 25


def test_vectors_are_the_sum_of_both_tables():
    model = GloVe(5, 2, rng=3)
    expected = (model.w.weight + model.w_ctx.weight).detach().numpy()
    np.testing.assert_array_equal(model.vectors(), expected)


def glove_c_transliteration(X, n_factors, num_epochs, lr, x_max, alpha, grad_clip, seed, shuffle):
    """stanfordnlp/GloVe src/glove.c, glove_thread, line by line in plain Python (lists, math).

    The cells are read off the dense matrix row by row; the initial tables and each epoch's
    permutation come from the same numpy generator draws as train_glove documents.
    Returns the four tables after each epoch, and the printed cost per epoch.
    """
    dense = X.toarray()
    cells = [(i, j, float(dense[i, j])) for i in range(dense.shape[0]) for j in range(dense.shape[1]) if dense[i, j] != 0]
    rng = np.random.default_rng(seed)
    V = dense.shape[0]
    W, Wc, b, bc = (((rng.random((V, width)) - 0.5) / n_factors).tolist() for width in (n_factors, n_factors, 1, 1))
    gW, gWc, gb, gbc = ([[1.0] * len(row) for row in table] for table in (W, Wc, b, bc))
    history, costs = [], []
    for _ in range(num_epochs):
        order = rng.permutation(len(cells)).tolist() if shuffle else range(len(cells))
        cost = 0.0
        for k in order:
            i, j, val = cells[k]
            diff = 0.0
            for c in range(n_factors):
                diff += W[i][c] * Wc[j][c]
            diff += b[i][0] + bc[j][0] - math.log(val)
            fdiff = diff if val > x_max else math.pow(val / x_max, alpha) * diff
            if math.isnan(diff) or math.isnan(fdiff) or math.isinf(diff) or math.isinf(fdiff):
                continue
            cost += 0.5 * fdiff * diff
            upd1, upd2 = [0.0] * n_factors, [0.0] * n_factors
            sum1 = sum2 = 0.0
            for c in range(n_factors):
                temp1 = min(max(fdiff * Wc[j][c], -grad_clip), grad_clip) * lr
                temp2 = min(max(fdiff * W[i][c], -grad_clip), grad_clip) * lr
                upd1[c] = temp1 / math.sqrt(gW[i][c])
                upd2[c] = temp2 / math.sqrt(gWc[j][c])
                sum1 += upd1[c]
                sum2 += upd2[c]
                gW[i][c] += temp1 * temp1
                gWc[j][c] += temp2 * temp2
            if math.isfinite(sum1) and math.isfinite(sum2):
                for c in range(n_factors):
                    W[i][c] -= upd1[c]
                    Wc[j][c] -= upd2[c]
            upd_b, upd_bc = fdiff / math.sqrt(gb[i][0]), fdiff / math.sqrt(gbc[j][0])
            b[i][0] -= upd_b if math.isfinite(upd_b) else 0.0
            bc[j][0] -= upd_bc if math.isfinite(upd_bc) else 0.0
            fdiff *= fdiff
            gb[i][0] += fdiff
            gbc[j][0] += fdiff
        history.append([np.array(t) for t in (W, Wc, b, bc)])
        costs.append(cost / len(cells))
    return history, costs


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize(("x_max", "grad_clip"), [(100.0, 100.0), (4.0, 0.002)])
def test_training_equals_glove_c_transliteration(shuffle, x_max, grad_clip):
    X, _ = tiny_problem()
    settings = dict(n_factors=3, lr=0.05, x_max=x_max, alpha=0.75, grad_clip=grad_clip, seed=5)
    history, costs = glove_c_transliteration(X, num_epochs=3, shuffle=shuffle, **settings)
    if grad_clip < 0.01:  # the clipped case must really clip, and x_max must cap some cells
        assert X.max() > x_max
    for epochs in (1, 2, 3):  # the parameters after each epoch, not just at the end
        model, model_costs = train_glove(X, num_epochs=epochs, shuffle=shuffle, **settings)
        tables = [t.weight.detach().numpy() for t in (model.w, model.w_ctx, model.b, model.b_ctx)]
        for table, expected in zip(tables, history[epochs - 1], strict=True):
            np.testing.assert_array_equal(table, expected)
        assert model_costs == costs[:epochs]


def test_clipping_changes_the_trajectory():
    X, _ = tiny_problem()
    settings = dict(n_factors=3, num_epochs=2, x_max=4.0, seed=5)
    clipped, _ = train_glove(X, grad_clip=0.002, **settings)
    unclipped, _ = train_glove(X, **settings)
    assert np.abs(clipped.vectors() - unclipped.vectors()).max() > 1e-6


def test_training_is_seeded_and_reduces_cost():
    rng = np.random.default_rng(0)
    docs = [rng.integers(0, 20, size=50) for _ in range(30)]
    X = cooccurrence(docs, 20, window=5)
    _, costs_a = train_glove(X, n_factors=5, num_epochs=30, x_max=10, seed=1)
    _, costs_b = train_glove(X, n_factors=5, num_epochs=30, x_max=10, seed=1)
    _, costs_c = train_glove(X, n_factors=5, num_epochs=30, x_max=10, seed=2)
    assert costs_a == costs_b and costs_a != costs_c
    assert costs_a[-1] < 0.2 * costs_a[0]


def test_numba_without_a_writable_cache_still_compiles(monkeypatch):
    from numba.core import caching

    def not_writable(locator):
        raise PermissionError(locator.get_cache_path())

    monkeypatch.setattr(caching._CacheLocator, "ensure_cache_path", not_writable)

    def add_one(a):
        return a + 1

    with pytest.raises(RuntimeError, match="no locator available"):
        glove.numba.njit(cache=True)(add_one)
    assert glove._compile(add_one)(1) == 2


def test_training_memory_grows_with_nnz_not_v_squared():
    """At V = 50,000 a dense V×V float64 array would take 20 GB; training must stay far below."""
    script = textwrap.dedent(
        """
        import resource
        import numpy as np
        import scipy.sparse as sp
        from office_hours.models.glove import train_glove

        train_glove(sp.csr_matrix(np.ones((2, 2))), n_factors=2, num_epochs=1)  # load the pass
        V, nnz = 50_000, 300_000
        rng = np.random.default_rng(0)
        X = sp.csr_matrix((rng.random(nnz) * 20 + 1, (rng.integers(0, V, nnz), rng.integers(0, V, nnz))), shape=(V, V))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        model, costs = train_glove(X, n_factors=10, num_epochs=1)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(X.shape[0], X.nnz, (after - before) * 1024)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    n_words, nnz, extra_bytes = map(int, out.stdout.split())
    assert n_words == 50_000 and nnz > 299_000
    bound = 256 * 2**20  # 256 MiB, about 1% of V² · 8 bytes
    assert extra_bytes < bound
    assert bound < n_words**2 * 8 / 50


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


def test_word_vocab_comes_from_the_corpus_alone():
    from office_hours.models.text import word_tokens, word_vocab

    docs = [word_tokens("The cat, the dog; the cat!"), ["dog", "tiger"]]
    assert docs[0] == ["the", "cat", "the", "dog", "the", "cat"]
    vocab = word_vocab(docs, min_count=2)
    assert vocab.itos == ["<unk>", "the", "cat", "dog"]  # by count, ties alphabetical
    assert "tiger" not in vocab
