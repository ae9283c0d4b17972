"""Interpolated Kneser–Ney trigram on the IMDB sample: office_hours.models.ngram against NLTK.

Data (fixed, documented): ``imdb_sample()`` tokenised with ``office_hours.models.text.tokenize``,
``<eos>`` after each review; the 800 training reviews (226,829 tokens) build the vocabulary
with ``min_freq=2`` (V = 8,895; rarer tokens become ``<unk>``) and fit both models; the 200
validation reviews (59,762 tokens) are the held-out stream, encoded with that vocabulary.
Both models see the same token strings: NLTK gets the already-mapped tokens (``<unk>`` is an
ordinary word for it) as one training sequence of every 1-, 2- and 3-gram (``everygrams``).

Both use NLTK's ``KneserNeyInterpolated`` defaults: order 3, discount 0.1, no uniform floor.
Every token is scored given the up to two tokens before it in the stream.

NLTK recomputes continuation counts by scanning all trigram contexts for every lookup:
about 0.1 s per token here, so scoring the whole validation stream would take about two
hours. The equality check and both timings therefore use the first ``SUBSET`` = 200 tokens
of the validation stream (identical for both). Our model is also scored on the whole stream,
beside two references on that stream and vocabulary: the same trigram with discount 0.75 and
a uniform floor (the demo's setting) and an add-one unigram, which shows whether NLTK's
default discount is a good choice on this data.

Rows: perplexity and seconds (fit + score) per implementation; the relative perplexity
difference and the largest per-token |log p| difference; the speed-up. Timings are single
runs on a shared machine.
"""

from __future__ import annotations

import math
import time

import numpy as np

from office_hours.data import imdb_sample
from office_hours.models.ngram import AddK, KneserNey
from office_hours.models.perplexity import perplexity, perplexity_from_log_probs
from office_hours.models.text import Vocab, imdb_token_streams

BENCHMARK = "IMDB sample, KN trigram (d=0.1), min_freq=2"
SUBSET = 200
ORDER, DISCOUNT, MIN_FREQ = 3, 0.1, 2


def _data() -> tuple[Vocab, np.ndarray, np.ndarray]:
    train, valid = imdb_token_streams(imdb_sample())
    vocab = Vocab(train, min_freq=MIN_FREQ)
    return vocab, vocab.encode(train), vocab.encode(valid)


def _ours(train_ids: np.ndarray, test_ids: np.ndarray, vocab_size: int) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    model = KneserNey(ORDER, vocab_size, discount=DISCOUNT).fit(train_ids)
    log_p = model.log_prob(test_ids)
    return log_p, time.perf_counter() - start


def _nltk(train: list[str], test: list[str]) -> tuple[np.ndarray, float]:
    from nltk.lm import KneserNeyInterpolated
    from nltk.util import everygrams

    start = time.perf_counter()
    model = KneserNeyInterpolated(ORDER, discount=DISCOUNT)
    model.fit([everygrams(train, max_len=ORDER)], vocabulary_text=train)
    log2_p = [model.logscore(w, test[max(0, i - ORDER + 1) : i]) for i, w in enumerate(test)]
    return np.asarray(log2_p, dtype=np.float64) * math.log(2), time.perf_counter() - start


def run() -> list[dict]:
    """Perplexity and time of both implementations on the same data; see the module docstring."""
    vocab, train_ids, valid_ids = _data()
    subset = valid_ids[:SUBSET]
    ours_lp, ours_s = _ours(train_ids, subset, len(vocab))
    nltk_lp, nltk_s = _nltk(vocab.decode(train_ids), vocab.decode(subset))
    ours_ppl = perplexity_from_log_probs(ours_lp)
    nltk_ppl = perplexity_from_log_probs(nltk_lp)
    full = {}  # whole validation stream: (perplexity, seconds for fit + score)
    for name, model in [
        ("office_hours.models.ngram.KneserNey", KneserNey(ORDER, len(vocab), discount=DISCOUNT)),
        ("KneserNey d=0.75, uniform floor (reference)",
         KneserNey(ORDER, len(vocab), discount=0.75, uniform_floor=True)),
        ("AddK add-one unigram (reference)", AddK(1, len(vocab), k=1)),
    ]:
        start = time.perf_counter()
        full[name] = (perplexity(model.fit(train_ids), valid_ids), time.perf_counter() - start)

    def row(implementation: str, metric: str, value: float, seconds: float) -> dict:
        return {
            "benchmark": BENCHMARK,
            "implementation": implementation,
            "metric": metric,
            "value": float(value),
            "seconds": float(seconds),
        }

    on_subset = f"perplexity, first {SUBSET} valid tokens"
    return [
        row("office_hours.models.ngram.KneserNey", on_subset, ours_ppl, ours_s),
        row("nltk.lm.KneserNeyInterpolated", on_subset, nltk_ppl, nltk_s),
        row("office_hours vs nltk", "relative perplexity difference", ours_ppl / nltk_ppl - 1, 0.0),
        row("office_hours vs nltk", "max |log p| difference", np.abs(ours_lp - nltk_lp).max(), 0.0),
        row("office_hours vs nltk", "speed-up (nltk s / ours s)", nltk_s / ours_s, 0.0),
        *(row(name, f"perplexity, all {len(valid_ids)} valid tokens", value, seconds)
          for name, (value, seconds) in full.items()),
    ]


if __name__ == "__main__":
    import pandas as pd

    print(pd.DataFrame(run()).to_string())
