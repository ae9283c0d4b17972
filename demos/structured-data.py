# ---
# jupyter:
#   jupytext:
#     text_representation: {extension: .py, format_name: percent}
#   kernelspec: {display_name: Python 3, language: python, name: python3}
# ---

# %% [markdown]
# # What is structured data?
#
# **Asked:** "How do you define Structured Data? Data in well known given format?"
#
# **Short answer:** structured (tabular) data is a table with a fixed schema: every row is one
# observation with the same named fields, and each column has its *own* meaning, type and unit.
# The order of the columns carries no information. Unstructured data (pixels, audio samples,
# tokens) is many values of *one* kind whose meaning lies in their arrangement. The file format
# decides neither: a CSV of pixel columns is still an image.
#
# This demo puts real data of both kinds side by side and checks the claims
# `digits-neighbours-correlate`, `wine-adjacent-columns-arbitrary`, `column-permutation-invariance`,
# `pixel-shift-breaks-tabular-model` and `text-order-carries-information`.

# %%
# Setup: everything here runs in a few seconds on one core.
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from office_hours.claims import claim
from office_hours.data import genre_matrix, imdb_sample, movielens
from office_hours.figures import show
from office_hours.models.text import tokenize

rng = np.random.default_rng(0)

# %% [markdown]
# ## A real table: MovieLens
#
# The MovieLens tables are structured data in the sense of the course: each column is a different
# kind of thing. We describe every column by its storage type (pandas dtype), its unit, and the
# *kind* of variable it is, which is what decides how a model should treat it.

# %%
ratings, movies, tags = movielens()
movies = movies.assign(year=movies.title.str.extract(r"\((\d{4})\)\s*$")[0].astype("Int64"))
table = ratings.merge(movies, on="movieId")

kinds = pd.DataFrame(
    [
        ("userId", "an id (arbitrary integer)", "nominal category"),
        ("movieId", "an id (arbitrary integer)", "nominal category"),
        ("rating", "stars, 0.5 to 5 in steps of 0.5", "ordinal, used as continuous"),
        ("timestamp", "UTC instant", "date/time"),
        ("title", "free text", "text (an identifier here)"),
        ("genres", "list of genre names", "multi-label set"),
        ("year", "calendar year (from the title)", "continuous or ordinal"),
    ],
    columns=["column", "unit", "kind"],
).set_index("column")
kinds["dtype"] = [str(table[c].dtype) for c in kinds.index]
kinds["n_distinct"] = [
    table[c].map(tuple).nunique() if c == "genres" else table[c].nunique() for c in kinds.index
]
print(f"{len(table):,} rows, one per rating")
print(kinds.to_string())

# %% [markdown]
# Two details matter for models. The integer `userId` and `movieId` are *not* quantities: user
# 600 is not "more" than user 300, so these are categories (the course turns them into
# embeddings). And the `genres` cell holds a list: a semi-structured field that has to be expanded into columns (one flag per genre) before
# a tabular model can use it.

# %%
genres = genre_matrix(movies)
print(f"genres expanded to {genres.shape[1]} boolean columns; movies per genre (top 5):")
print(genres.sum().sort_values(ascending=False).head().to_string())

# %% [markdown]
# ## Semi-structured: MovieLens tags
#
# Each tag row has a schema (`userId`, `movieId`, `tag`, `timestamp`), but the `tag` field is
# free text written by users. The number of columns it would become is decided by the data, not
# by a schema, and most values are used only once.

# %%
counts = tags.tag.value_counts()
print(f"{len(tags):,} tag rows, {len(counts):,} distinct tag strings on {tags.movieId.nunique():,} movies")
print(f"share of distinct tags used exactly once: {(counts == 1).mean():.1%}")
print(f"distinct after lower-casing and stripping: {tags.tag.str.lower().str.strip().nunique():,}")
print(counts.head(5).to_string())

# %% [markdown]
# ## Unstructured: pixels
#
# scikit-learn's `load_digits` has 1,797 images of 8×8 pixels. Stored as a table it has 64 numeric
# columns, but they are all the same kind of thing (ink intensity, 0 to 16) and what a column means
# depends on *where* it sits. If that is true, neighbouring pixels should be far more correlated
# than random pairs of pixels. Pixels that are constant (always blank at the border) have no
# correlation at all, so we drop them first instead of letting them produce NaNs.

# %%
digits = load_digits()
X_pix, y_pix = digits.data, digits.target
varying = X_pix.std(axis=0) > 0
print(f"{(~varying).sum()} of 64 pixels are constant and are left out")
corr_pix = np.full((64, 64), np.nan)
idx = np.flatnonzero(varying)
corr_pix[np.ix_(idx, idx)] = np.corrcoef(X_pix[:, idx], rowvar=False)


def neighbour_pairs(n_rows: int, n_cols: int) -> list[tuple[int, int]]:
    """Index pairs of 4-neighbours (right and down) in an image stored row by row."""
    pairs = []
    for r in range(n_rows):
        for c in range(n_cols):
            i = r * n_cols + c
            if c + 1 < n_cols:
                pairs.append((i, i + 1))
            if r + 1 < n_rows:
                pairs.append((i, i + n_cols))
    return pairs


nb = np.array([abs(corr_pix[i, j]) for i, j in neighbour_pairs(8, 8) if varying[i] and varying[j]])
upper = np.triu_indices(len(idx), 1)
all_pairs = np.abs(corr_pix[np.ix_(idx, idx)][upper])
print(f"mean |corr|: {len(nb)} neighbour pairs {nb.mean():.3f}, all {len(all_pairs)} pairs {all_pairs.mean():.3f}")
claim(
    "digits-neighbours-correlate",
    nb.mean() >= 2 * all_pairs.mean(),
    value=f"{nb.mean():.3f} vs {all_pairs.mean():.3f} (×{nb.mean() / all_pairs.mean():.2f})",
)

# %% [markdown]
# ## Structured: wine
#
# `load_wine` is the classic tabular benchmark: 13 chemical measurements of 178 wines, each in its
# own unit (percent alcohol, mg/l of magnesium, a colour intensity, ...). Its column order is just
# the order someone typed them in. So the mean |correlation| of *adjacent* columns should look like
# that of any order: we compute it for 2,000 random column orders and check that the real order
# falls between their 2.5th and 97.5th percentiles, i.e. it is not unusual in either direction.

# %%
wine = load_wine()
X_wine, y_wine = wine.data, wine.target
corr_wine = np.corrcoef(X_wine, rowvar=False)
adjacent = np.abs(np.diag(corr_wine, 1)).mean()
every = np.abs(corr_wine[np.triu_indices(13, 1)]).mean()
shuffled = []
for _ in range(2000):
    p = rng.permutation(13)
    shuffled.append(np.abs(np.diag(corr_wine[np.ix_(p, p)], 1)).mean())
percentile = (np.array(shuffled) < adjacent).mean()
print(pd.Series(wine.feature_names, name="wine columns").to_string())
print(f"mean |corr|: adjacent {adjacent:.3f}, all pairs {every:.3f}; "
      f"percentile among random orders {percentile:.0%}")
claim(
    "wine-adjacent-columns-arbitrary",
    0.025 <= percentile <= 0.975,
    value=f"percentile {percentile:.1%} of 2,000 random orders (ratio adjacent/all {adjacent / every:.2f})",
)

# %% [markdown]
# The two correlation matrices side by side: the pixel matrix has bands just off the diagonal
# (right neighbours, ±1) and at ±8 (the pixel below), the wine matrix has no such pattern.

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 3.6))
for ax, c, title in [(axes[0], corr_pix, "digits: 64 pixels"), (axes[1], corr_wine, "wine: 13 columns")]:
    im = ax.imshow(np.abs(c), cmap="viridis", vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_xlabel("column")
    ax.set_ylabel("column")
fig.colorbar(im, ax=axes, label="|correlation|", shrink=0.8)
show(
    fig,
    alt="Heatmaps of absolute correlation: digit pixels show bright bands next to the diagonal "
    "and eight columns away (neighbouring pixels); wine columns show no band structure "
    "(blank cells are constant pixels).",
)

# %% [markdown]
# ## A tabular model ignores column order
#
# A model for tables treats its inputs as a *set* of named columns. Shuffling the columns (the same
# way for every row) then changes nothing that matters. We check that with 5-fold cross-validation
# for a scaled logistic regression and a random forest.

# %%
cv = StratifiedKFold(5, shuffle=True, random_state=0)
perm = rng.permutation(13)
models = {
    "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "random forest": RandomForestClassifier(n_estimators=100, random_state=0),
}
perm_rows = []
for name, model in models.items():
    before = cross_val_score(model, X_wine, y_wine, cv=cv).mean()
    after = cross_val_score(model, X_wine[:, perm], y_wine, cv=cv).mean()
    perm_rows.append({"model": name, "accuracy": before, "accuracy, columns permuted": after})
perm_table = pd.DataFrame(perm_rows).set_index("model")
print(perm_table.round(4).to_string())
d_lr = abs(perm_table.iloc[0, 0] - perm_table.iloc[0, 1])
d_rf = abs(perm_table.iloc[1, 0] - perm_table.iloc[1, 1])
claim(
    "column-permutation-invariance",
    d_lr <= 0.01 and d_rf <= 0.02,
    value=f"|Δ accuracy| = {d_lr:.4f} (logistic), {d_rf:.4f} (forest)",
)

# %% [markdown]
# ## The same model on pixels: blind to arrangement, broken by a shift
#
# The tabular model is just as indifferent to shuffled *pixels*: it never used their arrangement.
# That is its weakness on images. Moving every digit one pixel to the right keeps every label, but
# it moves the ink into other columns: the image vector changes a lot (cosine with the original),
# and a logistic regression trained on unshifted digits loses most of its accuracy.

# %%
X_tr, X_te, y_tr, y_te = train_test_split(X_pix, y_pix, test_size=0.3, random_state=0, stratify=y_pix)


def shift_right(X: np.ndarray) -> np.ndarray:
    """Move each 8×8 image one pixel to the right (the new first column is blank)."""
    img = X.reshape(-1, 8, 8)
    out = np.zeros_like(img)
    out[:, :, 1:] = img[:, :, :-1]
    return out.reshape(-1, 64)


pix_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X_tr, y_tr)
pix_perm = rng.permutation(64)
perm_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(
    X_tr[:, pix_perm], y_tr
)
acc = pix_model.score(X_te, y_te)
acc_perm = perm_model.score(X_te[:, pix_perm], y_te)
acc_shift = pix_model.score(shift_right(X_te), y_te)
X_shift = shift_right(X_pix)
cos = (X_pix * X_shift).sum(1) / np.linalg.norm(X_pix, axis=1) / np.linalg.norm(X_shift, axis=1)
lost = X_pix.reshape(-1, 8, 8)[:, :, 7].sum() / X_pix.sum()
print(f"test accuracy: pixels {acc:.3f}, pixels permuted {acc_perm:.3f}, shifted one pixel {acc_shift:.3f}")
print(f"mean cos(x, shift(x)) = {cos.mean():.3f}; ink pushed off the right edge: {lost:.2%}")
claim(
    "pixel-shift-breaks-tabular-model",
    cos.mean() < 0.8 and abs(acc - acc_perm) <= 0.01 and acc_shift <= acc - 0.3,
    value=f"cos {cos.mean():.2f}; accuracy {acc:.3f} → {acc_shift:.3f} shifted ({acc_perm:.3f} permuted)",
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(4.5, 2.4))
for ax, img, title in [(axes[0], X_pix[0], "a 0"), (axes[1], X_shift[0], "shifted 1 pixel right")]:
    ax.imshow(img.reshape(8, 8), cmap="gray_r")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
show(fig, alt="The first digit (a zero) and the same image moved one pixel to the right.")

# %% [markdown]
# ## Unstructured: text
#
# The IMDB sample's reviews are sequences of tokens: one kind of value, no fixed number of fields,
# and the meaning lies in the order. A measurable trace of that order: the share of word pairs
# (bigrams) in the 200 validation reviews that also occur in the 800 training reviews. If order
# carried no information, shuffling the words inside each review would not change it.

# %%
reviews = imdb_sample()


train_tokens = [tokenize(t) for t in reviews.text[~reviews.is_valid]]
valid_tokens = [tokenize(t) for t in reviews.text[reviews.is_valid]]
seen = {pair for tokens in train_tokens for pair in itertools.pairwise(tokens)}


def seen_rate(docs: list[list[str]]) -> float:
    """Share of adjacent token pairs in ``docs`` that also occur in the training reviews."""
    pairs = [pair for tokens in docs for pair in itertools.pairwise(tokens)]
    return sum(pair in seen for pair in pairs) / len(pairs)


lengths = [len(t) for t in train_tokens + valid_tokens]
print(f"tokens per review: {min(lengths)} to {max(lengths)}; "
      f"vocab of the training reviews: {len({w for t in train_tokens for w in t}):,}")
in_order = seen_rate(valid_tokens)
scrambled = seen_rate([list(rng.permutation(t)) for t in valid_tokens])
print(f"validation bigrams seen in training: in order {in_order:.1%}, words shuffled {scrambled:.1%}")
claim(
    "text-order-carries-information",
    in_order >= 1.5 * scrambled,
    value=f"{in_order:.3f} vs {scrambled:.3f} shuffled",
)

# %% [markdown]
# ## What the course's structured-data tooling does with such columns
#
# fastai 0.7 (`old/fastai/structured.py`, used in the Rossmann notebook) splits the columns by
# *kind*, not by file: categorical columns become integer codes (0 kept for "missing/unknown"),
# each fed to its own embedding; continuous columns are filled (median) and standardised. The
# Rossmann notebook sizes each embedding as `min(50, (c + 1) // 2)` for a category with `c`
# levels (counting the extra code). For the MovieLens table:

# %%
cat_vars = ["userId", "movieId"]
cont_vars = ["year"]
emb_rows = []
for c in cat_vars:
    n_levels = table[c].nunique() + 1
    emb_rows.append({"column": c, "kind": "categorical", "levels (+1)": n_levels,
                     "embedding size": min(50, (n_levels + 1) // 2)})
for c in cont_vars:
    emb_rows.append({"column": c, "kind": "continuous (standardised)", "levels (+1)": pd.NA,
                     "embedding size": pd.NA})
print(pd.DataFrame(emb_rows).set_index("column").astype({"levels (+1)": "Int64", "embedding size": "Int64"}).to_string())

# %% [markdown]
# ## What this shows
#
# "Structured" is about what the columns *mean*: MovieLens and wine have columns of different kinds
# whose order is arbitrary (adjacent wine columns correlate like any pair, and permuting columns
# leaves a tabular model's accuracy unchanged). Pixels and tokens are values of one kind whose
# arrangement carries the information (neighbouring pixels correlate three times more than random
# pairs; word order is what makes validation bigrams familiar), which is why a one-pixel shift breaks
# a tabular model and why images and text get convolutional or sequence models. File formats
# (CSV, JPEG, JSON) appear on both sides of that line.
