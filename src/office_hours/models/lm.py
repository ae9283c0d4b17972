"""Small recurrent language models (word- or character-level) that train in seconds on a CPU.

A model reads a token stream and predicts the next token. Training uses truncated
backpropagation through time over ``batch_size`` parallel slices of the training stream
(the hidden state is carried from one window to the next and detached), Adam and
gradient clipping. :class:`NeuralLM` wraps a trained network with the same
``log_prob(token_ids)`` interface as the n-gram models, so
:func:`office_hours.models.ngram.perplexity` scores both on the same stream.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


# --8<-- [start:model]
class RNNLM(nn.Module):
    """Embedding → LSTM/GRU → linear decoder over the vocabulary.

    With ``tie_weights=True`` the decoder's weight matrix *is* the embedding matrix (one
    shared parameter, Press & Wolf 2017; Inan et al. 2017): the logit of word ``w`` is
    ``h · E[w] + b[w]``. It needs ``emb_size == hidden_size``, saves ``V × emb_size``
    parameters and lets every output gradient train the input embeddings too.
    """

    def __init__(
        self,
        vocab_size: int,
        emb_size: int = 64,
        hidden_size: int = 128,
        cell: str = "lstm",
        tie_weights: bool = False,
    ) -> None:
        super().__init__()
        if tie_weights and emb_size != hidden_size:
            raise ValueError(
                f"tied weights need emb_size == hidden_size, got {emb_size} and {hidden_size}"
            )
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.embedding = nn.Embedding(vocab_size, emb_size)
        self.rnn = rnn(emb_size, hidden_size, batch_first=True)
        self.decoder = nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            self.decoder.weight = self.embedding.weight

    def forward(
        self, x: torch.Tensor, state: object | None = None
    ) -> tuple[torch.Tensor, object]:
        """Logits (batch, time, V) for inputs x (batch, time), and the new state."""
        out, state = self.rnn(self.embedding(x), state)
        return self.decoder(out), state

    @torch.no_grad()
    def init_unigram(self, counts: np.ndarray) -> RNNLM:
        """Start from the add-one unigram model: decoder bias = log frequency, small weights.

        Training then begins at unigram perplexity instead of V, which saves many steps.
        With tied weights the shrunk decoder weight is also the embedding.
        """
        counts_t = torch.as_tensor(counts, dtype=torch.float64)
        freq = (counts_t + 1) / (counts_t.sum() + len(counts_t))
        self.decoder.bias.copy_(freq.log())
        self.decoder.weight.mul_(0.1)
        return self


# --8<-- [end:model]


def _detach(state: object) -> object:
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()  # type: ignore[union-attr]


def batchify(token_ids: np.ndarray, batch_size: int) -> torch.Tensor:
    """Cut a stream into ``batch_size`` contiguous rows (the tail that does not fit is dropped)."""
    n = len(token_ids) // batch_size
    return torch.as_tensor(np.asarray(token_ids[: n * batch_size], dtype=np.int64)).view(
        batch_size, n
    )


@dataclass
class TrainLog:
    """What :func:`train_lm` did: steps, epochs (passes over the stream), losses, seconds."""

    steps: int = 0
    epochs: float = 0.0
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)


# --8<-- [start:train]
def train_lm(
    model: RNNLM,
    token_ids: np.ndarray,
    *,
    num_steps: int = 300,
    batch_size: int = 64,
    bptt: int = 32,
    lr: float = 3e-3,
    clip: float = 1.0,
    seed: int = 0,
) -> TrainLog:
    """Truncated BPTT with Adam for ``num_steps`` steps of a one-cycle learning-rate schedule."""
    torch.manual_seed(seed)
    data = batchify(token_ids, batch_size)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=num_steps)
    log, state, pos, tokens_seen = TrainLog(), None, 0, 0
    start = time.perf_counter()
    model.train()
    for _ in range(num_steps):
        if pos + bptt + 1 > data.shape[1]:  # wrap around: a new pass over the stream
            pos, state = 0, None
        x, y = data[:, pos : pos + bptt], data[:, pos + 1 : pos + bptt + 1]
        logits, state = model(x, state)
        state = _detach(state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        sched.step()
        log.losses.append(loss.item())
        pos += bptt
        tokens_seen += y.numel()
        log.steps += 1
    log.seconds = time.perf_counter() - start
    log.epochs = tokens_seen / len(token_ids)
    return log


# --8<-- [end:train]


class StreamScores(NamedTuple):
    """What :meth:`NeuralLM.score` returns for a stream of N tokens."""

    log_p: np.ndarray  #: (N,) float64 natural-log probability of each actual token
    correct: np.ndarray  #: (N,) bool, whether the most probable next token was the actual one
    loss: float  #: mean F.cross_entropy over the N tokens (nats per token)


class NeuralLM:
    """A trained :class:`RNNLM` with the n-gram models' ``log_prob(token_ids)`` interface.

    The stream is cut into ``n_slices`` contiguous slices scored in parallel, each read
    from its start with ``start_token`` as the first input, so every token of the stream
    gets a log-probability given only the tokens before it in its slice.
    """

    def __init__(self, model: RNNLM, start_token: int, n_slices: int = 16) -> None:
        self.model, self.start_token, self.n_slices = model, start_token, n_slices

    @torch.no_grad()
    def score(self, token_ids: np.ndarray, chunk: int = 128) -> StreamScores:
        """Score every token of a stream given the tokens before it in its slice.

        Returns the per-token log-probability (float64) and whether the argmax was right, in
        stream order, and the mean of torch's ``F.cross_entropy`` over the same tokens (the
        training loss, evaluated chunk by chunk as sums and divided by the token count).
        """
        ids = torch.as_tensor(np.asarray(token_ids, dtype=np.int64))
        n_slices = max(1, min(self.n_slices, len(ids)))
        bounds = np.linspace(0, len(ids), n_slices + 1).astype(int)
        width = int(np.diff(bounds).max())
        x = torch.full((n_slices, width), self.start_token, dtype=torch.int64)
        y = torch.full((n_slices, width), -1, dtype=torch.int64)
        for s, (a, b) in enumerate(itertools.pairwise(bounds)):
            y[s, : b - a] = ids[a:b]
            x[s, 1 : b - a] = ids[a : b - 1]
        log_p = torch.zeros(n_slices, width, dtype=torch.float64)
        correct = torch.zeros(n_slices, width, dtype=torch.bool)
        loss_sum = 0.0
        self.model.eval()
        state = None
        for t in range(0, width, chunk):  # time chunks keep the (slices, time, V) logits small
            out, state = self.model(x[:, t : t + chunk], state)
            y_chunk = y[:, t : t + chunk]
            loss_sum += F.cross_entropy(
                out.reshape(-1, out.shape[-1]), y_chunk.reshape(-1), ignore_index=-1,
                reduction="sum",
            ).item()
            target = y_chunk.clamp(min=0)
            lp = F.log_softmax(out, dim=-1).gather(2, target[..., None]).squeeze(2)
            log_p[:, t : t + chunk] = lp.double()  # summed in float64 by the caller
            correct[:, t : t + chunk] = out.argmax(-1) == target
        mask = y >= 0  # padding at the end of shorter slices is dropped, not scored
        return StreamScores(log_p[mask].numpy(), correct[mask].numpy(), loss_sum / len(ids))

    def log_prob(self, token_ids: np.ndarray) -> np.ndarray:
        return self.score(token_ids).log_p
