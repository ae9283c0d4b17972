# ---
# jupyter:
#   jupytext:
#     text_representation: {extension: .py, format_name: percent}
#   kernelspec: {display_name: Python 3, language: python, name: python3}
# ---

# %% [markdown]
# # How do you measure a language model objectively? Perplexity
#
# **A student asked** on the fast.ai forum (in a list of questions addressed to the
# instructor, Yannet Interian): "We tried predicting the next words of the language model to
# check how good it is. Is there a more objective way to measure performance of a language
# model?" The instructor replied: "Look at perplexity in that lecture".
#
# **Short answer.** Perplexity: the exponential of the average negative log-likelihood per
# token on *held-out* text, $\exp\big(-\frac1N\sum_t \ln p(w_t\mid w_{<t})\big)$, which is
# exactly `exp()` of the validation cross-entropy loss. Lower is better; a uniform guess over
# $V$ words scores $V$; no model can beat $e^{H}$, the entropy rate of the text. Perplexities
# are comparable only on the same test text *and* the same vocabulary.
#
# Claims checked here: `ppl-forms-agree`, `uniform-ppl-is-v`, `markov-ppl-near-entropy-rate`,
# `imdb-ordering-same-vocab`, `neural-lm-beats-kneser-ney`, `accuracy-is-coarse`,
# `ppl-is-exp-of-loss`, `ppl-falls-with-min-freq`, `per-char-does-not-fix-unk`,
# `char-bpc-by-order`.

# %%
import itertools
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from office_hours.claims import claim
from office_hours.data import imdb_sample, tiny_shakespeare
from office_hours.figures import show
from office_hours.models.lm import RNNLM, NeuralLM, train_lm
from office_hours.models.ngram import AddK, KneserNey, Uniform
from office_hours.models.perplexity import cross_entropy_ppl, perplexity, perplexity_from_log_probs
from office_hours.models.text import EOS, Vocab, imdb_token_streams

torch.set_num_threads(1)
torch.manual_seed(0)
rng = np.random.default_rng(0)
start_time = time.perf_counter()

# %% [markdown]
# ## One number, three spellings
# For $N$ held-out tokens with model probabilities $p_t = p(w_t \mid w_{<t})$,
# $$\mathrm{PPL} = \Big(\prod_{t=1}^{N} p_t\Big)^{-1/N}
#   = \exp\Big(-\frac1N \sum_t \ln p_t\Big) = 2^{-\frac1N \sum_t \log_2 p_t}.$$
# The middle form is `exp` of PyTorch's mean cross-entropy. We check all of them on random
# logits (float64), the log form with the library's `perplexity_from_log_probs` and the
# torch form with `cross_entropy_ppl`, and note why code always uses the log form: the raw
# product of a thousand probabilities underflows to zero.

# %%
V, N = 50, 100
logits = torch.randn(N, V, dtype=torch.float64)
targets = torch.randint(0, V, (N,))
p = torch.softmax(logits, dim=-1)[torch.arange(N), targets].numpy()
forms = {
    "product ** (-1/N)": np.prod(p) ** (-1 / N),
    "exp(mean nats)": perplexity_from_log_probs(np.log(p)),
    "2 ** (mean bits)": 2 ** (-np.mean(np.log2(p))),
    "exp(F.cross_entropy)": cross_entropy_ppl(logits, targets),
}
print(pd.Series(forms).to_string())
spread = max(forms.values()) / min(forms.values()) - 1
claim("ppl-forms-agree", spread < 1e-12, value=f"max relative spread {spread:.1e}")
print("product of 1,000 such probabilities:", np.prod(np.tile(p, 10)))

# %% [markdown]
# A model that knows nothing spreads probability evenly: every token gets $1/V$, so
# $\mathrm{PPL} = V$. This is why perplexity reads as an "effective number of equally likely
# choices" (Jurafsky & Martin's *weighted branching factor*). Zero logits are that model.

# %%
uniform_ppl = cross_entropy_ppl(torch.zeros(N, V, dtype=torch.float64), targets)
claim("uniform-ppl-is-v", abs(uniform_ppl / V - 1) < 1e-12, value=uniform_ppl)

# %% [markdown]
# ## Ground truth: a Markov chain with a known entropy rate
# Real text has no known "true" perplexity, so we make text that does (this part is
# synthetic on purpose). A 50-state Markov chain with sparse Dirichlet(0.1) transition rows
# has entropy rate $H = -\sum_i \pi_i \sum_j P_{ij} \ln P_{ij}$ ($\pi$ the stationary
# distribution). The true model's perplexity on a long sample should be $e^H$; any other
# model, including one fitted to the data, should score higher on held-out text.

# %%
K = 50
P = rng.dirichlet(np.full(K, 0.1), size=K)
eigval, eigvec = np.linalg.eig(P.T)
pi = np.real(eigvec[:, np.argmin(np.abs(eigval - 1))])
pi /= pi.sum()
H = -np.sum(pi[:, None] * P * np.log(np.where(P > 0, P, 1)))

n = 200_000
cum, u = P.cumsum(axis=1), rng.random(n)
chain = np.zeros(n, dtype=np.int64)
for t in range(1, n):  # sequential by nature; 0.2 M cheap steps
    chain[t] = min(np.searchsorted(cum[chain[t - 1]], u[t]), K - 1)
train_chain, test_chain = chain[:150_000], chain[150_000:]

# The true model has nothing fitted, so it is scored on the whole chain (less noise).
true_ppl = perplexity_from_log_probs(np.log(P[chain[:-1], chain[1:]]))
true_test_ppl = perplexity_from_log_probs(np.log(P[test_chain[:-1], test_chain[1:]]))
bigram_ppl = perplexity(AddK(2, K, k=0.1).fit(train_chain), test_chain)
unigram_ppl = perplexity(AddK(1, K, k=0.1).fit(train_chain), test_chain)
markov = pd.Series(
    {
        "e^H (entropy rate)": math.exp(H),
        "true transition matrix, whole chain": true_ppl,
        "true transition matrix, held-out part": true_test_ppl,
        "fitted add-0.1 bigram, held-out part": bigram_ppl,
        "fitted unigram, held-out part": unigram_ppl,
        "e^H(pi) (unigram bound)": math.exp(-np.sum(pi * np.log(pi))),
    }
)
print(markov.round(3).to_string())
claim(
    "markov-ppl-near-entropy-rate",
    abs(true_ppl / math.exp(H) - 1) < 0.01 and true_test_ppl < bigram_ppl < unigram_ppl
    and unigram_ppl > 3 * math.exp(H),
    value=f"e^H={math.exp(H):.3f}, true {true_ppl:.3f}; held out: true {true_test_ppl:.3f} < "
    f"bigram {bigram_ppl:.3f} < unigram {unigram_ppl:.2f}",
)

# %% [markdown]
# ## Real text: the IMDB sample, one vocabulary for every model
# fast.ai's IMDB sample: 800 training and 200 validation reviews, lower-cased and split into
# words and punctuation, `<eos>` after each review. Lesson 4 kept words seen at least 10
# times (`min_freq=10`) and mapped the rest to `<unk>`; we use the same cut-off for every
# model in this section, built from the training reviews only.

# %%
MIN_FREQ = 10
train_tokens, valid_tokens = imdb_token_streams(imdb_sample())
vocab = Vocab(train_tokens, min_freq=MIN_FREQ)
train_ids, valid_ids = vocab.encode(train_tokens), vocab.encode(valid_tokens)
print(
    f"{len(train_ids):,} training tokens, {len(valid_ids):,} validation tokens, "
    f"V = {len(vocab):,}, <unk> rate on validation {np.mean(valid_ids == vocab.unk_index):.1%}"
)

# %% [markdown]
# The n-gram models: add-one unigram, and interpolated Kneser–Ney bigram and trigram
# (discount 0.75, with a uniform floor so no token has probability zero). Each scores every
# validation token given the tokens before it; the log-probabilities are kept for reuse below.

# %%
ngram_models = {
    "uniform": Uniform(len(vocab)),
    "add-one unigram": AddK(1, len(vocab), k=1).fit(train_ids),
    "KN bigram": KneserNey(2, len(vocab), discount=0.75, uniform_floor=True).fit(train_ids),
    "KN trigram": KneserNey(3, len(vocab), discount=0.75, uniform_floor=True).fit(train_ids),
}
ngram_log_p = {name: model.log_prob(valid_ids) for name, model in ngram_models.items()}
ppl = {name: perplexity_from_log_probs(log_p) for name, log_p in ngram_log_p.items()}
print(pd.Series(ppl).round(2).to_string())
order = list(ppl.values())
claim(
    "imdb-ordering-same-vocab",
    all(a > b for a, b in itertools.pairwise(order)),
    value=" > ".join(f"{v:.1f}" for v in order),
)

# %% [markdown]
# A small neural model on the same vocabulary: embedding (128) → GRU (128) → softmax over
# all $V$ words, trained by truncated backpropagation through time. The decoder's weight
# matrix is the embedding matrix (*tied* weights), which removes $V \times 128$ parameters
# (about 40% of the untied model; the cell prints both counts) and lets every output
# gradient also train the word vectors. The budget is about 15 s of one CPU thread:
# 150 steps of 64 × 32 tokens, 1.35 passes over the training reviews, with a one-cycle
# learning-rate schedule (warm-up, then annealing) for Adam. The decoder bias starts from the
# unigram model so the steps are not spent learning word frequencies.

# %%
NUM_STEPS = 150
net = RNNLM(len(vocab), emb_size=128, hidden_size=128, cell="gru", tie_weights=True)
net.init_unigram(vocab.counts)
n_params = sum(p.numel() for p in net.parameters())  # the shared matrix counts once
print(f"{n_params:,} parameters tied, {n_params + net.decoder.weight.numel():,} untied")
log = train_lm(net, train_ids, num_steps=NUM_STEPS, batch_size=64, bptt=32, lr=2e-2)
word_lm = NeuralLM(net, start_token=vocab.stoi[EOS])
gru = word_lm.score(valid_ids)  # per-token log p, argmax hits, mean F.cross_entropy
ppl["GRU"] = perplexity_from_log_probs(gru.log_p)
print(f"trained {log.steps} steps ({log.epochs:.2f} passes) in {log.seconds:.1f} s; PPL {ppl['GRU']:.1f}")

# %% [markdown]
# ### Perplexity is `exp` of the loss (lesson 4)
# The lesson-4 notebook calls perplexity "simply `exp()` of the loss function" and evaluates
# `math.exp(4.165)` = 64.39 for its validation loss of 4.165 nats per token. Here is that
# identity on a real model rather than on one number: `exp` of the GRU's mean
# `F.cross_entropy` over the validation stream (the training loss function, float32 logits,
# computed chunk by chunk) against the perplexity from the same model's per-token
# log-probabilities summed in float64. They must agree to a relative 1e-6; counting the
# padding of the scoring slices, or averaging per chunk instead of per token, would break it.

# %%
loss_ppl = math.exp(gru.loss)
print(f"validation loss {gru.loss:.4f} nats/token; exp(loss) = {loss_ppl:.4f}; "
      f"perplexity from log-probabilities = {ppl['GRU']:.4f}; lesson 4: exp(4.165) = {math.exp(4.165):.2f}")
rel_gap = abs(loss_ppl / ppl["GRU"] - 1)
claim("ppl-is-exp-of-loss", rel_gap < 1e-6, value=f"exp(loss) {loss_ppl:.4f} vs {ppl['GRU']:.4f}, relative gap {rel_gap:.1e}")

# %% [markdown]
# Scored on the same validation tokens with the same vocabulary, the GRU beats the Kneser–Ney
# trigram by a clear margin (we ask for at least 10%), so the ordering continues
# uniform > unigram > Kneser–Ney > GRU. The two models have not learnt the same things,
# though: averaging their probabilities token by token (an interpolation, itself a valid
# language model) beats both.

# %%
ppl["GRU + KN trigram (50/50)"] = perplexity_from_log_probs(
    np.logaddexp(gru.log_p, ngram_log_p["KN trigram"]) - math.log(2)
)
print(pd.Series(ppl).round(2).to_string())
claim(
    "neural-lm-beats-kneser-ney",
    ppl["uniform"] > ppl["add-one unigram"] > ppl["KN trigram"] > ppl["GRU"]
    and ppl["GRU"] < 0.9 * ppl["KN trigram"]
    and ppl["GRU + KN trigram (50/50)"] < ppl["GRU"],
    value=f"GRU {ppl['GRU']:.1f} ({ppl['GRU'] / ppl['KN trigram']:.2f} × KN trigram "
    f"{ppl['KN trigram']:.1f}), mix {ppl['GRU + KN trigram (50/50)']:.1f}",
)

# %% [markdown]
# ## Next-word accuracy beside perplexity
# "Predict the next word and look" is what the student did; counted over many positions it is
# next-word accuracy. It only sees each model's top guess, so it is a coarse ruler: the
# unigram always guesses the most frequent token and still gets a good share right.
# (n-gram accuracy on every 10th validation position, to keep the full distributions small.)

# %%
positions = np.arange(2, len(valid_ids), 10)
accuracy = {
    name: float(np.mean(ngram_models[name].predict(valid_ids, positions) == valid_ids[positions]))
    for name in ["add-one unigram", "KN bigram", "KN trigram"]
}
accuracy["GRU"] = float(gru.correct[positions].mean())
table = pd.DataFrame({"perplexity": pd.Series(ppl), "next-word accuracy": pd.Series(accuracy)})
table = table.loc[list(ppl)]
print(table.round(3).to_string())
claim(
    "accuracy-is-coarse",
    ppl["add-one unigram"] > 2 * ppl["KN trigram"]
    and accuracy["add-one unigram"] > 0.7 * accuracy["KN trigram"],
    value=f"PPL {ppl['add-one unigram']:.0f} vs {ppl['KN trigram']:.0f}; accuracy {accuracy['add-one unigram']:.3f} vs {accuracy['KN trigram']:.3f}",
)

fig, ax = plt.subplots(figsize=(6, 3.5))
shown = pd.Series(ppl).drop("uniform")
ax.barh(shown.index, shown.to_numpy(), color="tab:blue")
ax.set_xlabel(f"validation perplexity (min_freq=10; uniform model = V = {len(vocab):,})")
ax.invert_yaxis()
for i, name in enumerate(shown.index):
    acc = accuracy.get(name)
    ax.text(shown[name], i, f" {shown[name]:.0f}" + (f"  (acc {acc:.1%})" if acc else ""), va="center")
ax.set_xlim(0, shown.max() * 1.45)
fig.tight_layout()
show(fig, alt="Bar chart of validation perplexity on the IMDB sample with min_freq=10: add-one unigram about 177, Kneser-Ney bigram and trigram about 80, the GRU below them, the GRU and trigram mixture lowest; next-word accuracy beside each bar.")

# %% [markdown]
# ## Perplexity depends on the vocabulary
# Same data, same model family (KN trigram), four vocabularies: keep words seen at least
# `min_freq` times. Rarer words all become `<unk>`, one easy-to-predict token, so perplexity
# drops as the vocabulary shrinks, without the model getting any better at English.
# (`min_freq=10` is the vocabulary and trigram already scored above, reused.)

# %%
rows = []
valid_chars = sum(len(t) + 1 for t in valid_tokens)  # same characters for every vocabulary
for min_freq in [1, 2, 5, MIN_FREQ]:
    if min_freq == MIN_FREQ:
        v, v_valid, log_p = vocab, valid_ids, ngram_log_p["KN trigram"]
    else:
        v = Vocab(train_tokens, min_freq=min_freq)
        v_valid = v.encode(valid_tokens)
        model = KneserNey(3, len(v), discount=0.75, uniform_floor=True).fit(v.encode(train_tokens))
        log_p = model.log_prob(v_valid)
    rows.append(
        {
            "min_freq": min_freq,
            "V": len(v),
            "<unk> rate": float(np.mean(v_valid == v.unk_index)),
            "perplexity": perplexity_from_log_probs(log_p),
            "bits per character": -log_p.sum() / math.log(2) / valid_chars,
        }
    )
sweep = pd.DataFrame(rows).set_index("min_freq")
print(sweep.round(4).to_string())
claim(
    "ppl-falls-with-min-freq",
    (np.diff(sweep["perplexity"]) < 0).all() and (np.diff(sweep["<unk> rate"]) > 0).all()
    and sweep["perplexity"].iloc[0] > 3 * sweep["perplexity"].iloc[-1],
    value=" → ".join(f"{x:.0f}" for x in sweep["perplexity"]),
)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(sweep.index, sweep["perplexity"], "o-", color="tab:blue")
ax.set_xlabel("min_freq (vocabulary cut-off)")
ax.set_ylabel("KN trigram perplexity", color="tab:blue")
ax.set_xticks(sweep.index)
ax2 = ax.twinx()
ax2.plot(sweep.index, 100 * sweep["<unk> rate"], "s--", color="tab:red")
ax2.set_ylabel("<unk> share of validation tokens (%)", color="tab:red")
fig.tight_layout()
show(fig, alt="Line chart: as min_freq rises from 1 to 10, the KN trigram's validation perplexity falls from about 390 to 80 while the share of validation tokens that are <unk> rises from 5% to 16%.")

# %% [markdown]
# Dividing the total log-loss by the number of characters instead of tokens fixes the *unit*
# (bits per character do not care how text is cut into tokens), but not the `<unk>` problem:
# a model still gets credit for predicting "some rare word" instead of the word itself, so
# the bits per character of these word models fall with `min_freq` too.

# %%
bpc = sweep["bits per character"]
claim(
    "per-char-does-not-fix-unk",
    (np.diff(bpc) < 0).all(),
    value=" → ".join(f"{x:.3f}" for x in bpc),
)

# %% [markdown]
# ## Bits per character with nothing unknown
# A character-level model has a closed vocabulary: every character of the held-out text is in
# the alphabet, nothing is `<unk>`, and bits per character compare models fairly. Tiny
# Shakespeare, first 90% for training and the last 10% for validation (as in nanoGPT), with
# Kneser–Ney character models of order 1 to 5. Per-character perplexity is $2^{\text{BPC}}$.

# %%
text = tiny_shakespeare()
cut = int(0.9 * len(text))
char_vocab = Vocab(text[:cut], specials=("<unk>",))
char_train, char_valid = char_vocab.encode(text[:cut]), char_vocab.encode(text[cut:])
n_unknown = int(np.sum(char_valid == char_vocab.unk_index))
char_rows = []
for char_order in [1, 2, 3, 4, 5]:
    model = KneserNey(char_order, len(char_vocab), discount=0.75, uniform_floor=True)
    char_ppl = perplexity(model.fit(char_train), char_valid)
    char_rows.append({"order": char_order, "perplexity per char": char_ppl, "BPC": math.log2(char_ppl)})
chars = pd.DataFrame(char_rows).set_index("order")
print(f"alphabet {len(char_vocab) - 1} characters; unknown characters in validation: {n_unknown}")
print(chars.round(3).to_string())
claim(
    "char-bpc-by-order",
    n_unknown == 0 and (np.diff(chars["BPC"]) < 0).all() and chars["BPC"].iloc[-1] < 2.5,
    value=" → ".join(f"{x:.2f}" for x in chars["BPC"]),
)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(chars.index, chars["BPC"], "o-")
ax.set_xlabel("Kneser-Ney order (characters of context + 1)")
ax.set_ylabel("bits per character (validation)")
ax.set_xticks(chars.index)
fig.tight_layout()
show(fig, alt="Line chart: bits per character on Tiny Shakespeare's last 10% fall from about 4.8 for a character unigram to about 2.3 for a 5-gram Kneser-Ney model.")
print(f"demo ran in {time.perf_counter() - start_time:.1f} s")

# %% [markdown]
# ## What this shows
# Perplexity is the objective measure the question asks for: `exp` of the per-token
# validation loss, equal to the vocabulary size for a know-nothing model and to $e^H$ for the
# true source. On the IMDB sample it orders models as expected when they share one vocabulary
# and one test text, and it moves a lot more than next-word accuracy does. Change the
# vocabulary and the number changes without the model improving, so lesson 4's 64.4 (with
# `min_freq=10`) can only be compared with models on that same vocabulary and text.
