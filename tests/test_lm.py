"""The recurrent LM: cross-entropy perplexity against counting, stream scoring, training."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F

from office_hours.models.lm import RNNLM, NeuralLM, batchify, train_lm
from office_hours.models.ngram import AddK
from office_hours.models.perplexity import cross_entropy_ppl, perplexity, perplexity_from_log_probs


@pytest.fixture(autouse=True)
def _one_thread():
    torch.manual_seed(0)
    torch.set_num_threads(1)


def test_zero_logits_give_perplexity_v():
    logits = torch.zeros(50, 37, dtype=torch.float64)
    targets = torch.randint(0, 37, (50,))
    assert cross_entropy_ppl(logits, targets) == pytest.approx(37, rel=1e-12)


def test_cross_entropy_ppl_equals_manual_counting():
    logits = torch.randn(200, 11, dtype=torch.float64)
    targets = torch.randint(0, 11, (200,))
    probs = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(axis=1, keepdims=True)
    manual = np.prod(probs[np.arange(200), targets.numpy()]) ** (-1 / 200)
    assert cross_entropy_ppl(logits, targets) == pytest.approx(manual, rel=1e-12)
    bits = -np.mean(np.log2(probs[np.arange(200), targets.numpy()]))
    assert cross_entropy_ppl(logits, targets) == pytest.approx(2**bits, rel=1e-12)


def test_batchify_rows_are_contiguous():
    data = batchify(np.arange(23), 4)
    assert data.shape == (4, 5)
    assert data[1].tolist() == [5, 6, 7, 8, 9]


def test_stream_scoring_matches_a_plain_forward_pass():
    model = RNNLM(9, emb_size=4, hidden_size=8, cell="gru")
    ids = np.array([3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 8])
    lm = NeuralLM(model, start_token=0, n_slices=1)
    x = torch.as_tensor(np.concatenate([[0], ids[:-1]]))[None, :]
    with torch.no_grad():
        log_p = F.log_softmax(model(x)[0][0].double(), dim=-1)
    expected = log_p[torch.arange(len(ids)), torch.as_tensor(ids)].numpy()
    np.testing.assert_allclose(lm.log_prob(ids), expected, rtol=1e-6)
    # Time chunks carry the state: chunk size does not change the result.
    np.testing.assert_allclose(lm.score(ids, chunk=3)[0], expected, rtol=1e-6)
    # Several slices: every token scored once, and perplexity is computed from them.
    many = NeuralLM(model, start_token=0, n_slices=3).log_prob(ids)
    assert many.shape == ids.shape and many.dtype == np.float64


def test_mean_cross_entropy_is_log_perplexity_with_padding():
    model = RNNLM(9, emb_size=4, hidden_size=8, cell="gru")
    ids = np.array([3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 8])
    # 3 slices of 3, 4, 4 tokens: the first is padded, and padding must not enter the loss.
    scores = NeuralLM(model, start_token=0, n_slices=3).score(ids, chunk=2)
    assert scores.log_p.shape == scores.correct.shape == ids.shape
    assert np.exp(scores.loss) == pytest.approx(perplexity_from_log_probs(scores.log_p), rel=1e-6)
    # Oracle for one slice: F.cross_entropy of a plain forward pass.
    x = torch.as_tensor(np.concatenate([[0], ids[:-1]]))[None, :]
    with torch.no_grad():
        expected = F.cross_entropy(model(x)[0][0], torch.as_tensor(ids)).item()
    one = NeuralLM(model, start_token=0, n_slices=1).score(ids, chunk=4)
    assert one.loss == pytest.approx(expected, rel=1e-6)
    assert one.correct.mean() == pytest.approx(
        (model(x)[0][0].argmax(-1).numpy() == ids).mean()
    )


def test_unigram_init_is_the_add_one_unigram_model():
    counts = np.array([5, 0, 3, 12, 1])
    model = RNNLM(5, emb_size=3, hidden_size=4).init_unigram(counts)
    with torch.no_grad():
        model.decoder.weight.zero_()
    ids = np.array([0, 3, 3, 2, 4, 1, 0])
    train = np.repeat(np.arange(5), counts)
    expected = perplexity(AddK(1, 5, k=1).fit(train), ids)
    assert perplexity(NeuralLM(model, start_token=0), ids) == pytest.approx(expected, rel=1e-6)


def test_training_learns_a_deterministic_sequence():
    ids = np.tile(np.arange(6), 400)  # 0 1 2 3 4 5 0 1 ...: the next token is certain
    model = RNNLM(6, emb_size=8, hidden_size=16, cell="lstm")
    before = perplexity(NeuralLM(model, start_token=5, n_slices=1), ids[:120])
    log = train_lm(model, ids, num_steps=80, batch_size=8, bptt=16, lr=2e-2)
    after = perplexity(NeuralLM(model, start_token=5, n_slices=1), ids[:120])
    assert log.steps == 80 and log.epochs > 0
    assert before > 4 and after < 1.2


def test_tied_weights_share_one_parameter():
    tied = RNNLM(9, emb_size=6, hidden_size=6, cell="gru", tie_weights=True)
    untied = RNNLM(9, emb_size=6, hidden_size=6, cell="gru")
    assert tied.decoder.weight is tied.embedding.weight
    n_tied = sum(p.numel() for p in tied.parameters())  # shared parameter counted once
    n_untied = sum(p.numel() for p in untied.parameters())
    assert n_untied - n_tied == 9 * 6
    with pytest.raises(ValueError, match="emb_size == hidden_size"):
        RNNLM(9, emb_size=4, hidden_size=6, tie_weights=True)


def test_tied_logits_and_gradient_against_an_untied_copy():
    tied = RNNLM(9, emb_size=5, hidden_size=5, cell="gru", tie_weights=True)
    untied = RNNLM(9, emb_size=5, hidden_size=5, cell="gru")
    untied.load_state_dict(tied.state_dict())  # decoder.weight gets a copy of the embedding
    assert untied.decoder.weight is not untied.embedding.weight
    x = torch.tensor([[1, 4, 0, 8, 2, 2, 7]])
    y = torch.tensor([[4, 0, 8, 2, 2, 7, 3]])
    logits, _ = tied(x)
    # Oracle: the logit of word w is the GRU output dotted with w's embedding, plus its bias.
    hidden, _ = tied.rnn(tied.embedding(x))
    expected = hidden @ tied.embedding.weight.T + tied.decoder.bias
    torch.testing.assert_close(logits, expected)
    torch.testing.assert_close(untied(x)[0], logits)
    for model in (tied, untied):
        F.cross_entropy(model(x)[0].reshape(-1, 9), y.reshape(-1)).backward()
    # The shared matrix gets the sum of its gradients as embedding and as decoder.
    torch.testing.assert_close(
        tied.embedding.weight.grad,
        untied.embedding.weight.grad + untied.decoder.weight.grad,
    )


def test_tied_training_learns_a_deterministic_sequence():
    ids = np.tile(np.arange(6), 400)
    model = RNNLM(6, emb_size=16, hidden_size=16, cell="gru", tie_weights=True)
    model.init_unigram(np.bincount(ids, minlength=6))
    train_lm(model, ids, num_steps=80, batch_size=8, bptt=16, lr=2e-2)
    assert model.decoder.weight is model.embedding.weight
    assert perplexity(NeuralLM(model, start_token=5, n_slices=1), ids[:120]) < 1.2
