"""Perplexity: exp of the mean negative log-probability per held-out token.

Shared by every language model of the course: the n-gram models
(:mod:`office_hours.models.ngram`) and the neural ones (:mod:`office_hours.models.lm`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    import torch


class LanguageModel(Protocol):
    """Anything that gives the log-probability of each token of a stream."""

    def log_prob(self, token_ids: np.ndarray) -> np.ndarray: ...


# --8<-- [start:perplexity]
def perplexity_from_log_probs(log_p: np.ndarray) -> float:
    """exp of the mean negative natural-log probability per token (summed in float64)."""
    log_p = np.asarray(log_p, dtype=np.float64).ravel()
    if log_p.size == 0:
        raise ValueError("perplexity of an empty stream is undefined")
    return math.exp(-log_p.sum(dtype=np.float64) / log_p.size)


def perplexity(model: LanguageModel, token_ids: np.ndarray) -> float:
    """Perplexity of a model on a held-out stream: every token scored given the ones before it."""
    return perplexity_from_log_probs(model.log_prob(np.asarray(token_ids, dtype=np.int64)))


# --8<-- [end:perplexity]


def cross_entropy_ppl(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Perplexity as exp of torch's mean cross-entropy (the fastai lesson's recipe)."""
    import torch.nn.functional as F

    return math.exp(F.cross_entropy(logits.double(), targets).item())
