"""N-gram models against hand counts and against NLTK on tiny corpora."""

import itertools
import math

import numpy as np
import pytest
from nltk.lm import KneserNeyInterpolated, Laplace
from nltk.util import everygrams

from office_hours.models.ngram import AddK, KneserNey, Uniform, pad_sequences
from office_hours.models.perplexity import perplexity, perplexity_from_log_probs

# Ten tokens over a three-word vocabulary a=0, b=1, c=2.
WORDS = ["a", "b", "a", "c", "a", "b", "b", "c", "a", "b"]
STOI = {"a": 0, "b": 1, "c": 2}
IDS = np.array([STOI[w] for w in WORDS])
V = 3


def contexts(k, vocab_size=V):
    return [np.array(c) for c in itertools.product(range(vocab_size), repeat=k)]


def test_add_one_against_hand_counts():
    # Bigram counts: ab 3, ba 1, ac 1, ca 2, bb 1, bc 1; followers of a: 4, of b: 3, of c: 2.
    bigram = AddK(2, V, k=1).fit(IDS)
    assert bigram.distribution(np.array([[0]])) == pytest.approx([1 / 7, 4 / 7, 2 / 7], abs=1e-15)
    assert bigram.distribution(np.array([[2]])) == pytest.approx([3 / 5, 1 / 5, 1 / 5], abs=1e-15)
    # Unigram counts a 4, b 4, c 2 out of 10.
    unigram = AddK(1, V, k=1).fit(IDS)
    assert unigram.distribution(np.zeros((1, 0), int)) == pytest.approx([5 / 13, 5 / 13, 3 / 13])
    # A stream: the first token has no context and uses the unigram estimate.
    np.testing.assert_allclose(
        np.exp(bigram.log_prob(np.array([0, 1, 2]))), [5 / 13, 4 / 7, 2 / 6], rtol=1e-14
    )


def test_add_k_unseen_context_is_uniform():
    model = AddK(2, 4, k=0.5).fit(IDS)  # token 3 never seen, so neither is context 3
    np.testing.assert_allclose(model.distribution(np.array([[3]])), np.full(4, 0.25))


def test_kneser_ney_against_hand_counts():
    # Continuation counts: each of a, b, c follows 2 distinct tokens; 6 bigram types.
    # P(b|a) = (c(ab) - d + d * N1+(a.) * 1/3) / c(a.) = (3 - 0.5 + 0.5 * 2 / 3) / 4.
    model = KneserNey(2, V, discount=0.5).fit(IDS)
    p = model.distribution(np.array([[0]]))
    assert p[1] == pytest.approx((3 - 0.5 + 0.5 * 2 / 3) / 4, abs=1e-15)
    assert p[0] == pytest.approx((0 + 0.5 * 2 / 3) / 4, abs=1e-15)
    assert model.distribution(np.zeros((1, 0), int)) == pytest.approx([1 / 3] * 3, abs=1e-15)


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("discount", [0.1, 0.75])
def test_kneser_ney_equals_nltk(order, discount):
    nltk_lm = KneserNeyInterpolated(order, discount=discount)
    nltk_lm.fit([list(everygrams(WORDS, max_len=order))], vocabulary_text=WORDS)
    ours = KneserNey(order, V, discount=discount).fit(IDS)
    words = list(STOI)
    for k in range(order):
        for ctx in contexts(k):
            expected = [nltk_lm.score(w, [words[i] for i in ctx]) for w in words]
            np.testing.assert_allclose(ours.distribution(ctx[None, :]), expected, atol=1e-9)
    stream = ["c", "a", "a", "b", "c", "c", "b"]
    expected = [
        nltk_lm.logscore(w, stream[max(0, i - order + 1) : i]) for i, w in enumerate(stream)
    ]
    got = ours.log_prob(np.array([STOI[w] for w in stream])) / math.log(2)
    np.testing.assert_allclose(got, expected, atol=1e-9)


@pytest.mark.parametrize("order", [1, 2])
def test_add_one_equals_nltk_laplace(order):
    nltk_lm = Laplace(order)
    nltk_lm.fit([list(everygrams(WORDS, max_len=order))], vocabulary_text=WORDS)
    # NLTK's vocabulary has an extra <UNK> entry: use its size.
    ours = AddK(order, len(nltk_lm.vocab), k=1).fit(IDS)
    stream = ["c", "a", "b", "b"]
    expected = [nltk_lm.score(w, stream[max(0, i - order + 1) : i]) for i, w in enumerate(stream)]
    np.testing.assert_allclose(np.exp(ours.log_prob(np.array([STOI[w] for w in stream]))), expected)


@pytest.mark.parametrize(
    "model",
    [
        AddK(1, 5, k=1),
        AddK(3, 5, k=0.1),
        KneserNey(1, 5, uniform_floor=True),
        KneserNey(2, 5, discount=0.75),
        KneserNey(3, 5, discount=0.1),
        KneserNey(3, 5, discount=0.9, uniform_floor=True),
    ],
)
def test_every_conditional_distribution_sums_to_one(model):
    rng = np.random.default_rng(0)
    model.fit(rng.integers(0, 4, size=200))  # token 4 never occurs
    for k in range(model.order):
        batch = np.array(contexts(k, 5), dtype=np.int64).reshape(5**k, k)
        dist = model.distribution(batch).reshape(len(batch), 5)
        np.testing.assert_allclose(dist.sum(axis=1), 1.0, atol=1e-12)
        assert (dist >= 0).all()
    # A token never seen in training: positive with add-k or the uniform floor, zero without
    # the floor (as in NLTK), which is why the floor exists.
    p_unseen = model.distribution(np.array([[4] * (model.order - 1)])).reshape(-1)[4]
    assert p_unseen > 0 if isinstance(model, AddK) or model.uniform_floor else p_unseen == 0


def test_log_prob_is_the_stream_view_of_distribution():
    rng = np.random.default_rng(1)
    train, test = rng.integers(0, 6, size=300), rng.integers(0, 6, size=50)
    model = KneserNey(3, 6, discount=0.75, uniform_floor=True).fit(train)
    by_rows = [
        model.distribution(test[max(0, i - 2) : i][None, :]).reshape(-1)[w]
        for i, w in enumerate(test)
    ]
    np.testing.assert_allclose(np.exp(model.log_prob(test)), by_rows, rtol=1e-13)
    ppl = math.exp(-np.mean(np.log(by_rows)))
    assert perplexity(model, test) == pytest.approx(ppl, rel=1e-12)
    argmax = [model.distribution(test[i - 2 : i][None, :]).argmax() for i in range(2, 50)]
    np.testing.assert_array_equal(model.predict(test, np.arange(2, 50)), argmax)


def test_uniform_perplexity_is_vocabulary_size():
    ids = np.arange(1000) % 37
    assert perplexity(Uniform(37), ids) == pytest.approx(37, rel=1e-12)
    # Add-k with a huge k is uniform too.
    assert perplexity(AddK(2, 37, k=1e12).fit(ids), ids) == pytest.approx(37, rel=1e-9)


def test_bad_arguments():
    with pytest.raises(ValueError, match="int64"):
        KneserNey(3, 2**22)
    with pytest.raises(ValueError, match="discount"):
        KneserNey(2, 10, discount=1.5)
    with pytest.raises(ValueError, match="k must"):
        AddK(2, 10, k=0)


def test_perplexity_from_log_probs():
    # p = 1/2, 1/4, 1/8: the geometric mean is 1/4, so the perplexity is 4.
    assert perplexity_from_log_probs(np.log([0.5, 0.25, 0.125])) == pytest.approx(4, rel=1e-15)
    # 2,000 tokens at p = 1e-5: the product underflows to 0, the log form does not.
    log_p = np.full(2000, math.log(1e-5))
    assert np.prod(np.exp(log_p)) == 0.0
    assert perplexity_from_log_probs(log_p) == pytest.approx(1e5, rel=1e-12)
    # float32 input is summed in float64; perplexity() is this applied to model.log_prob.
    assert perplexity_from_log_probs(log_p.astype(np.float32)) == pytest.approx(1e5, rel=1e-6)
    ids = np.arange(40) % 7
    model = AddK(2, 7, k=0.5).fit(ids)
    assert perplexity(model, ids) == perplexity_from_log_probs(model.log_prob(ids))
    with pytest.raises(ValueError, match="empty"):
        perplexity_from_log_probs(np.zeros(0))


# Three short sentences for NLTK's padded-sentence protocol; "d" and "e" occur once.
SENTENCES = [["a", "b", "a", "c"], ["b", "b", "c", "a", "b"], ["c", "a", "d", "b", "e"]]


def nltk_padded_model(order, discount):
    from nltk.lm import Vocabulary
    from nltk.lm.preprocessing import padded_everygram_pipeline

    train, padded = padded_everygram_pipeline(order, SENTENCES)
    model = KneserNeyInterpolated(order, discount=discount, vocabulary=Vocabulary(unk_cutoff=2))
    model.fit(train, padded)
    return model


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("discount", [0.1, 0.75])
def test_kneser_ney_equals_nltk_on_padded_sentences(order, discount):
    from nltk.lm.preprocessing import pad_both_ends
    from nltk.util import ngrams

    nltk_lm = nltk_padded_model(order, discount)
    words = ["<UNK>", "<s>", "</s>", "a", "b", "c"]  # d and e fall under unk_cutoff=2
    stoi = {w: i for i, w in enumerate(words)}

    def encode(sentence):
        return np.array([stoi.get(w, 0) for w in sentence])

    padded, _, _ = pad_sequences([encode(s) for s in SENTENCES], order, 1, 2)
    ours = KneserNey(order, len(words), discount=discount, nltk_compatible=True).fit(padded)
    test = [["a", "c", "b"], ["d", "a", "a", "e", "c"]]
    _, stream, events = pad_sequences([encode(s) for s in test], order, 1, 2)
    expected = [nltk_lm.logscore(g[-1], g[:-1])
                for s in test for g in ngrams(pad_both_ends(s, n=order), order)]
    with np.errstate(divide="ignore"):  # an <s> after the previous sentence's </s>: not an event
        got = ours.log_prob(stream)[events]
    np.testing.assert_allclose(got / math.log(2), expected, atol=1e-12)
    # Every context of the vocabulary, not just the test's, including the <s> context.
    compared = 0
    for k in range(1, order):
        for ctx in contexts(k, len(words)):
            try:
                want = [nltk_lm.score(w, [words[i] for i in ctx]) for w in words]
            except ZeroDivisionError:  # raw followers, no continuation counts (see KneserNey)
                continue
            np.testing.assert_allclose(ours.distribution(ctx[None, :]), want, atol=1e-12)
            compared += 1
    assert compared >= (len(words) - 1) ** (order - 1)


def test_nltk_compatible_is_what_breaks_sum_to_one_at_the_start_pad():
    # The pad <s> follows itself ("<s> <s>") but nothing ever precedes that bigram: NLTK's
    # raw follower count of <s> includes <s>, the continuation counts do not.
    padded, _, _ = pad_sequences([np.array([3, 4, 3, 5]), np.array([4, 4, 5, 3, 4])], 3, 1, 2)
    default = KneserNey(3, 6, discount=0.5).fit(padded)
    compatible = KneserNey(3, 6, discount=0.5, nltk_compatible=True).fit(padded)
    assert default.distribution(np.array([[1]])).sum() == pytest.approx(1.0, abs=1e-12)
    assert compatible.distribution(np.array([[1]])).sum() > 1.0 + 1e-3
    # Elsewhere the two agree.
    np.testing.assert_allclose(compatible.distribution(np.array([[3]])),
                               default.distribution(np.array([[3]])), atol=1e-15)


def test_sequences_never_share_an_ngram():
    # Fitting on [x, y] counts no n-gram spanning the end of x and the start of y.
    x, y = np.array([0, 1, 2]), np.array([2, 0])
    by_sequences = AddK(2, 3, k=1).fit([x, y])
    assert by_sequences.levels[1].matrix.sum() == 3  # 01, 12, 20; not the 22 across the join
    assert AddK(2, 3, k=1).fit(np.r_[x, y]).levels[1].matrix.sum() == 4


def test_pad_sequences_marks_nltk_events():
    padded, stream, events = pad_sequences([np.array([7, 8]), np.array([9])], 3, 0, 1)
    assert [list(p) for p in padded] == [[0, 0, 7, 8, 1, 1], [0, 0, 9, 1, 1]]
    np.testing.assert_array_equal(stream, np.r_[padded[0], padded[1]])
    np.testing.assert_array_equal(events, [2, 3, 4, 5, 8, 9, 10])
