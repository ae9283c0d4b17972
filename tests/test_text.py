"""Tokenizer and vocabulary: the exact behaviour other modules rely on."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from office_hours.models.text import EOS, UNK, Vocab, imdb_token_streams, tokenize


def test_tokenize_lowercases_splits_punctuation_and_br():
    assert tokenize("I <br />loved it! Don't") == ["i", "loved", "it", "!", "don't"]
    assert tokenize("A-b 3.5") == ["a", "-", "b", "3", ".", "5"]
    assert tokenize("") == []


def test_vocab_order_counts_and_min_freq():
    tokens = ["the", "cat", "sat", "on", "the", "mat", "the", "cat", "ran"]
    vocab = Vocab(tokens, min_freq=2)
    assert vocab.itos == [UNK, EOS, "the", "cat"]
    assert vocab.stoi == {UNK: 0, EOS: 1, "the": 2, "cat": 3}
    assert len(vocab) == 4
    # <unk> counts the dropped tokens: sat, on, mat, ran.
    np.testing.assert_array_equal(vocab.counts, [4, 0, 3, 2])
    assert vocab.counts.sum() == len(tokens)


def test_vocab_from_counter_equals_from_tokens():
    tokens = ["b", "a", "b", "c", "a", "b"]
    assert Vocab(Counter(tokens)).itos == Vocab(tokens).itos == [UNK, EOS, "b", "a", "c"]


def test_encode_decode_and_unknown():
    vocab = Vocab(["a", "b", "a"])
    ids = vocab.encode(["a", "zzz", "b", EOS])
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [2, 0, 3, 1])
    assert vocab.decode(ids) == ["a", UNK, "b", EOS]
    assert vocab.encode([]).shape == (0,)


def test_first_special_must_be_unk():
    with pytest.raises(ValueError, match="<unk>"):
        Vocab(["a"], specials=(EOS, UNK))


def test_imdb_token_streams_split_and_eos():
    frame = pd.DataFrame(
        {
            "label": ["positive", "negative", "positive"],
            "text": ["Good film.", "Bad<br />film", "OK"],
            "is_valid": [False, True, False],
        }
    )
    train, valid = imdb_token_streams(frame)
    assert train == ["good", "film", ".", EOS, "ok", EOS]
    assert valid == ["bad", "film", EOS]
