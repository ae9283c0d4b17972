"""Interpolated Kneser–Ney trigram: office_hours.models.ngram against NLTK, on NLTK's protocol.

Protocol (NLTK's own, ``nltk.lm.preprocessing``): every sequence is padded by
``pad_both_ends(sequence, n=3)`` (two ``<s>`` before, two ``</s>`` after); the model is fitted
on ``padded_everygram_pipeline(3, train)``'s n-grams, which never cross from one sequence into
the next; the vocabulary is ``Vocabulary(unk_cutoff=2)`` over the padded training sequences
(rarer tokens, and test tokens never seen, become ``<UNK>``). The test events are every
trigram of each padded test sequence (``nltk.util.ngrams``): its last token is scored given
the two before it, so each token, and both ``</s>``, is scored once. Perplexity is
``2 ** entropy`` over those events, as ``LanguageModel.perplexity`` computes it. Both models
use ``KneserNeyInterpolated``'s defaults: order 3, discount 0.1.

Our model gets the same padded sequences, encoded by our ``Vocab`` with ``min_freq=2`` (the
same words as NLTK's vocabulary), ``KneserNey(nltk_compatible=True)`` (see its docstring:
without it the ``<s>`` context differs), and is scored on the concatenated padded test
sequences, keeping the positions NLTK scores (``ngram.pad_sequences``).

Default data: the IMDB sample (``office_hours.data.imdb_sample``), each review one sequence,
tokenized by ``office_hours.models.text.tokenize``: 800 training and 200 test reviews. External
data: ``--train FILE --test FILE``, one sequence a line, tokens separated by spaces (blank
lines are skipped).

NLTK recomputes continuation counts by a scan over all trigram contexts for every event
scored, so its scoring time grows with corpus size times test events: on the IMDB sample
about 0.045 s of CPU per event, so the whole test set (about 60,000 events) takes about 45
minutes of CPU. The default run scores the first ``SUBSET_SEQUENCES`` test reviews with NLTK (the
whole test set with ours); ``--full-nltk`` scores the whole test set with both, and
``--nltk-workers N`` splits NLTK's share into N contiguous blocks of test sequences, each
fitted and scored in its own process (NLTK's model is deterministic, so every block sees
the same model). Equality is checked on the events both scored.

Times: fit time is wall-clock. Scoring time is CPU seconds (``time.process_time``) of the
scoring loop, summed over NLTK's workers, so the scoring ratio does not depend on how many
workers ran or on other load on the machine; the wall-clock seconds are reported too.

Scaling (``scaling_rows``): our model on 1×, 2× and 4× of a corpus made of the IMDB sample's
training reviews and Tiny Shakespeare's lines (``office_hours.data.tiny_shakespeare``), each
size in a fresh process, with its fit + scoring time and peak RSS.

Timings are single runs on a shared machine: treat them as rough.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import pairwise
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from office_hours.data import imdb_sample, tiny_shakespeare
from office_hours.models.ngram import KneserNey, pad_sequences
from office_hours.models.perplexity import perplexity_from_log_probs
from office_hours.models.text import UNK, Vocab, tokenize

ORDER, DISCOUNT, UNK_CUTOFF = 3, 0.1, 2
BOS, EOS = "<s>", "</s>"
SUBSET_SEQUENCES = 5
OURS = "office_hours.models.ngram.KneserNey(nltk_compatible=True)"
NLTK = "nltk.lm.KneserNeyInterpolated"


def read_sequences(path: Path) -> list[list[str]]:
    """One sequence a line, tokens separated by whitespace; blank lines are skipped."""
    sequences = [line.split() for line in path.read_text(encoding="utf8").splitlines()]
    sequences = [s for s in sequences if s]
    if not sequences:
        raise ValueError(f"{path}: no sequences (one sequence a line, tokens space-separated)")
    return sequences


def imdb_sequences() -> tuple[list[list[str]], list[list[str]]]:
    """The IMDB sample's training and test reviews, one tokenized sequence each."""
    frame = imdb_sample()
    valid = frame["is_valid"].to_numpy(dtype=bool)
    texts = frame["text"].astype(str).to_numpy()
    return [tokenize(t) for t in texts[~valid]], [tokenize(t) for t in texts[valid]]


def _encode(train: Sequence[Sequence[str]], test: Sequence[Sequence[str]]) -> tuple:
    """Our side of the protocol: vocabulary, padded training sequences, test stream + events."""
    counts = Counter(t for s in train for t in [BOS] * (ORDER - 1) + list(s) + [EOS] * (ORDER - 1))
    vocab = Vocab(counts, min_freq=UNK_CUTOFF, specials=(UNK,))
    bos, eos = vocab.stoi[BOS], vocab.stoi[EOS]
    padded_train, _, _ = pad_sequences([vocab.encode(s) for s in train], ORDER, bos, eos)
    _, stream, events = pad_sequences([vocab.encode(s) for s in test], ORDER, bos, eos)
    return vocab, padded_train, stream, events


def ours(train: Sequence[Sequence[str]], test: Sequence[Sequence[str]]) -> tuple:
    """Natural-log probability of every test event; wall seconds to fit; CPU seconds to score."""
    vocab, padded_train, stream, events = _encode(train, test)
    start = time.perf_counter()
    model = KneserNey(ORDER, len(vocab), discount=DISCOUNT, nltk_compatible=True)
    model.fit(padded_train)
    fit_s = time.perf_counter() - start
    start = time.process_time()
    with np.errstate(divide="ignore"):  # P(<s> | the previous sequence's end) = 0: no event
        log_p = model.log_prob(stream)[events]
    return log_p, fit_s, time.process_time() - start


def nltk_scores(train: Sequence[Sequence[str]], test: Sequence[Sequence[str]]) -> tuple:
    """Natural-log probability of every test event by NLTK; wall seconds to fit; CPU seconds
    to score."""
    from nltk.lm import KneserNeyInterpolated, Vocabulary
    from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline
    from nltk.util import ngrams

    start = time.perf_counter()
    train_ngrams, padded = padded_everygram_pipeline(ORDER, train)
    model = KneserNeyInterpolated(ORDER, discount=DISCOUNT,
                                  vocabulary=Vocabulary(unk_cutoff=UNK_CUTOFF))
    model.fit(train_ngrams, padded)
    fit_s = time.perf_counter() - start
    start = time.process_time()
    events = [g for s in test for g in ngrams(pad_both_ends(s, n=ORDER), ORDER)]
    log2_p = [model.logscore(g[-1], g[:-1]) for g in events]
    score_s = time.process_time() - start
    return np.asarray(log2_p, dtype=np.float64) * math.log(2), fit_s, score_s


def blocks(test: Sequence[Sequence[str]], n: int) -> list[list[Sequence[str]]]:
    """``test`` cut into at most ``n`` contiguous, non-empty blocks of about equal token count."""
    if n < 1:
        raise ValueError(f"workers must be ≥ 1, got {n}")
    ends = np.cumsum([len(s) + ORDER - 1 for s in test])
    cuts = np.searchsorted(ends, ends[-1] * np.arange(1, n) / n) + 1  # first end reaching it
    edges = sorted({0, *cuts.tolist(), len(test)})
    return [list(test[a:b]) for a, b in pairwise(edges) if b > a]


def nltk_scores_parallel(
    train: Sequence[Sequence[str]], test: Sequence[Sequence[str]], workers: int
) -> tuple:
    """``nltk_scores`` over ``blocks(test, workers)``, one process each: the log-probabilities
    in test order, the longest worker's fit seconds, scoring CPU seconds summed over workers,
    and the wall seconds of the whole parallel run."""
    parts = blocks(test, workers)
    start = time.perf_counter()
    if len(parts) == 1:
        results = [nltk_scores(train, parts[0])]
    else:
        with ProcessPoolExecutor(len(parts), mp_context=get_context("fork")) as pool:
            results = list(pool.map(nltk_scores, [train] * len(parts), parts))
    wall = time.perf_counter() - start
    return (np.concatenate([r[0] for r in results]), max(r[1] for r in results),
            sum(r[2] for r in results), wall)


def run(
    train_file: Path | None = None, test_file: Path | None = None, full_nltk: bool = False,
    nltk_workers: int = 1,
) -> list[dict]:
    """Perplexity of both implementations on the same events, their agreement and times."""
    if (train_file is None) != (test_file is None):
        raise ValueError("give both --train and --test, or neither")
    if train_file is not None and test_file is not None:
        train, test = read_sequences(train_file), read_sequences(test_file)
        benchmark = f"{train_file.name} → {test_file.name}, KN trigram (d=0.1), NLTK protocol"
    else:
        train, test = imdb_sequences()
        benchmark = "IMDB sample 800 → 200 reviews, KN trigram (d=0.1), NLTK protocol"
    nltk_test = test if full_nltk else test[:SUBSET_SEQUENCES]
    ours_lp, ours_fit, ours_score = ours(train, test)
    sub_lp, _, sub_score = ours(train, nltk_test)
    nltk_lp, nltk_fit, nltk_score, nltk_wall = nltk_scores_parallel(train, nltk_test,
                                                                    nltk_workers)
    n_all, n_sub = len(ours_lp), len(nltk_lp)
    ours_ppl, nltk_ppl = perplexity_from_log_probs(sub_lp), perplexity_from_log_probs(nltk_lp)
    scope = (f"all {len(test)} test sequences ({n_sub:,} events)" if full_nltk else
             f"first {len(nltk_test)} of {len(test)} test sequences ({n_sub:,} events)")

    def row(implementation: str, metric: str, value: float, seconds: float) -> dict:
        return {"benchmark": benchmark, "implementation": implementation, "metric": metric,
                "value": float(value), "seconds": float(seconds)}

    whole = [] if full_nltk else [
        row(OURS, f"perplexity, all {len(test)} test sequences ({n_all:,} events)",
            perplexity_from_log_probs(ours_lp), ours_fit + ours_score)]
    return [
        *whole,
        row(OURS, f"perplexity, {scope}", ours_ppl, ours_fit + sub_score),
        row(NLTK, f"perplexity, {scope}", nltk_ppl, nltk_fit + nltk_score),
        row(NLTK, f"wall seconds to fit and score, {scope}, {nltk_workers} process(es)",
            nltk_wall, nltk_wall),
        row(f"{OURS} vs {NLTK}", f"relative perplexity difference, {scope}",
            abs(ours_ppl / nltk_ppl - 1), 0.0),
        row(f"{OURS} vs {NLTK}", f"max |Δ log p| per event, {scope}",
            float(np.abs(sub_lp - nltk_lp).max()), 0.0),
        row(f"{NLTK} / {OURS}", f"fit time ratio ({len(train)} training sequences)",
            nltk_fit / ours_fit, 0.0),
        row(f"{NLTK} / {OURS}", f"scoring CPU time ratio, {scope}", nltk_score / sub_score,
            0.0),
    ]


SCALES = (1, 2, 4)


def scaling_corpus(scale: int) -> tuple[list[list[str]], list[list[str]]]:
    """``scale``/4 of (IMDB training reviews + Tiny Shakespeare's non-blank lines), and the
    IMDB test reviews. The sequences of both sources are shuffled together (seed 0) and the
    first ``scale``/4 of the tokens taken, so each size mixes both sources alike."""
    train, test = imdb_sequences()
    lines = [tokenize(line) for line in tiny_shakespeare().splitlines()]
    pool = train + [s for s in lines if s]
    order = np.random.default_rng(0).permutation(len(pool))
    lengths = np.array([len(pool[i]) for i in order])
    keep = int(np.searchsorted(np.cumsum(lengths), lengths.sum() * scale / max(SCALES))) + 1
    return [pool[i] for i in order[:keep]], test


def _peak_rss_mb() -> float:
    """This process's peak resident set (Linux ``VmHWM``; unlike ``getrusage``'s ru_maxrss it
    does not carry over the parent's peak across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")


def _scaling_row(scale: int) -> dict:
    """One size in this process: fit + score our model; peak RSS of the whole process."""
    train, test = scaling_corpus(scale)
    rss_before = _peak_rss_mb()
    log_p, fit_s, score_s = ours(train, test)
    return {
        "tokens": sum(len(s) for s in train), "sequences": len(train),
        "perplexity": perplexity_from_log_probs(log_p), "fit_s": fit_s, "score_s": score_s,
        "peak_rss_mb": _peak_rss_mb(), "peak_rss_before_fit_mb": rss_before,
    }


def scaling_rows() -> list[dict]:
    """1×, 2×, 4× the corpus, each in a fresh Python process (so peak RSS is per size)."""
    rows = []
    for scale in SCALES:
        out = subprocess.run([sys.executable, __file__, "--scaling-row", str(scale)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.splitlines()[-1])
        label = f"{OURS} at {scale}× ({r['tokens']:,} training tokens)"
        benchmark = "KN trigram cost vs corpus size: IMDB train + Tiny Shakespeare, NLTK protocol"
        seconds = r["fit_s"] + r["score_s"]
        rows += [
            {"benchmark": benchmark, "implementation": label, "metric": "fit seconds",
             "value": r["fit_s"], "seconds": seconds},
            {"benchmark": benchmark, "implementation": label,
             "metric": "peak RSS MB (process; before fit: "
                       f"{r['peak_rss_before_fit_mb']:.0f})",
             "value": r["peak_rss_mb"], "seconds": seconds},
        ]
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--scaling-row"]:
        print(json.dumps(_scaling_row(int(sys.argv[2]))))
    else:
        import pandas as pd

        print(pd.DataFrame(run(full_nltk="--full-nltk" in sys.argv)).to_string())
