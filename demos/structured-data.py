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
# Each column is used by its name, so a model does not need the columns' order (a file may
# still list related columns together for human readers). Unstructured data (pixels, audio samples,
# tokens) is many values of *one* kind whose meaning lies in their arrangement. The file format
# decides neither: a CSV of pixel columns is still an image.
#
# This demo puts real data of both kinds side by side and checks the claims
# `digits-neighbours-correlate`, `wine-order-not-extreme`, `column-permutation-invariance`,
# `pixel-shift-breaks-tabular-model` and `text-order-carries-information`. Every claim that rests
# on a random draw (a permutation, a split, a shuffle) is checked on five seeds, and the digits'
# neighbour correlations on 200 bootstrap resamples of the images.

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
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from office_hours.claims import check, claim, value
from office_hours.data import genre_matrix, imdb_sample, movielens
from office_hours.figures import show
from office_hours.models.text import tokenize

rng = np.random.default_rng(0)
SEEDS = range(5)
N_BOOT = 200

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
value("ml-rows", len(table), "{:,}")
print(kinds.to_string())

# %% [markdown]
# Two details matter for models. The integer `userId` and `movieId` are *not* quantities: user
# 600 is not "more" than user 300, so these are categories (the course turns them into
# embeddings). And the `genres` cell holds a list: a semi-structured field that has to be expanded into columns (one flag per genre) before
# a tabular model can use it.

# %%
genres = genre_matrix(movies)
print(f"genres expanded to {genres.shape[1]} boolean columns; movies per genre (top 5):")
value("n-genres", genres.shape[1], "{}")
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
value("tag-rows", len(tags), "{:,}")
value("tag-distinct", len(counts), "{:,}")
value("tag-once", (counts == 1).mean(), "{:.0%}")
value("tag-merged", len(counts) - tags.tag.str.lower().str.strip().nunique(), "{:,}")

# %% [markdown]
# ## Unstructured: pixels
#
# scikit-learn's `load_digits` has 1,797 images of 8×8 pixels. Stored as a table it has 64 numeric
# columns, but they are all the same kind of thing (ink intensity, 0 to 16) and what a column means
# depends on *where* it sits. If that is true, neighbouring pixels should be far more correlated
# than random pairs of pixels. Pixels that are constant (always blank at the border) have no
# correlation at all, so we drop them first instead of letting them produce NaNs. The 1,797
# images are one sample; the ratio is also computed on 200 bootstrap resamples of them.

# %%
digits = load_digits()
X_pix, y_pix = digits.data, digits.target
varying = X_pix.std(axis=0) > 0
print(f"{(~varying).sum()} of 64 pixels are constant and are left out")
value("n-digits", len(X_pix), "{:,}")
value("n-constant-pixels", (~varying).sum(), "{}")
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


def neighbour_ratio(X: np.ndarray) -> tuple[float, float, int, int]:
    """Mean |corr| of neighbouring pixel pairs and of all pairs, over the pixels that vary in X
    (and how many pairs of each kind that is)."""
    keep = np.flatnonzero(X.std(axis=0) > 0)
    corr = np.abs(np.corrcoef(X[:, keep], rowvar=False))
    at = {j: k for k, j in enumerate(keep)}
    nb = np.array([(at[i], at[j]) for i, j in neighbour_pairs(8, 8) if i in at and j in at])
    upper = np.triu_indices(len(keep), 1)
    return corr[nb[:, 0], nb[:, 1]].mean(), corr[upper].mean(), len(nb), len(upper[0])


nb_mean, all_mean, n_nb, n_all = neighbour_ratio(X_pix)
print(f"mean |corr|: {n_nb} neighbour pairs {nb_mean:.3f}, all {n_all} pairs {all_mean:.3f}")
value("digits-nb-corr", nb_mean, "{:.2f}")
value("digits-all-corr", all_mean, "{:.2f}")
value("digits-ratio", nb_mean / all_mean, "{:.1f}")
# The same on bootstrap resamples of the images (pixels constant in a resample are left out too).
boot_ratio = []
for _ in range(N_BOOT):
    nb_b, all_b, _, _ = neighbour_ratio(X_pix[rng.integers(0, len(X_pix), len(X_pix))])
    boot_ratio.append(nb_b / all_b)
claim("digits-neighbours-correlate", boot_ratio, ">=", 2)

# %% [markdown]
# ## Structured: wine
#
# `load_wine` is the classic tabular benchmark: 13 chemical measurements of 178 wines, each in its
# own unit (percent alcohol, mg/l of magnesium, a colour intensity, ...). Its column order is not
# random: whoever compiled it listed related chemistry together (ash beside the alcalinity of
# ash; total phenols, flavanoids, nonflavanoid phenols and proanthocyanins in a run). Does that
# grouping show up as correlation between adjacent columns? We compare the mean |correlation| of
# adjacent columns with all pairs, and place the real order among 2,000 random column orders
# (five seeds of 2,000 orders). The percentile says how unusual the real order is; a value
# between 2.5% and 97.5% means that 13 columns give no evidence either way at the 5% level,
# not that the order carries no information.

# %%
wine = load_wine()
X_wine, y_wine = wine.data, wine.target
corr_wine = np.corrcoef(X_wine, rowvar=False)
adjacent = np.abs(np.diag(corr_wine, 1)).mean()
every = np.abs(corr_wine[np.triu_indices(13, 1)]).mean()
percentiles = []
for seed in SEEDS:
    perm_rng = np.random.default_rng(seed)
    shuffled = [np.abs(np.diag(corr_wine[np.ix_(p, p)], 1)).mean()
                for p in (perm_rng.permutation(13) for _ in range(2000))]
    percentiles.append(float((np.array(shuffled) < adjacent).mean()))
pairs = pd.DataFrame({
    "column": wine.feature_names[:-1], "next column": wine.feature_names[1:],
    "correlation": np.diag(corr_wine, 1),
})
print(pairs.round(2).to_string(index=False))
print(f"mean |corr|: adjacent {adjacent:.3f}, all pairs {every:.3f}; percentile among random "
      f"orders, per seed: {', '.join(f'{q:.1%}' for q in percentiles)}")
top = pairs.loc[pairs.correlation.abs().idxmax()]
value("n-wines", len(X_wine), "{}")
value("wine-adjacent-corr", adjacent, "{:.2f}")
value("wine-all-corr", every, "{:.2f}")
value("wine-ratio", adjacent / every, "{:.2f}")
value("wine-percentile", np.mean(percentiles), "{:.0%}")
value("wine-above", 1 - np.mean(percentiles), "{:.0%}")
value("wine-top-pair", f"{top['column']} and {top['next column']}")
value("wine-top-corr", top.correlation, "{:.2f}")
claim(
    "wine-order-not-extreme",
    check(adjacent / every, "<=", 1.5, "adjacent / all-pairs mean |corr|"),
    check(percentiles, "in", (0.025, 0.975), "percentile among 2,000 random orders"),
)

# %% [markdown]
# The two correlation matrices side by side: the pixel matrix has bands just off the diagonal
# (right neighbours, ±1) and at ±8 (the pixel below). The wine matrix is bright where related
# measurements sit together (the phenols), but no band runs along the whole diagonal.

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
    alt=f"Heatmaps of absolute correlation: digit pixels show bright bands next to the diagonal "
    f"and eight columns away (neighbouring pixels, mean |corr| {nb_mean:.2f} against "
    f"{all_mean:.2f} for all pairs; blank cells are the {(~varying).sum()} constant pixels); "
    f"wine columns have their strongest adjacent correlation where {top['column']} and "
    f"{top['next column']} sit together (|corr| {abs(top.correlation):.2f}), but adjacent "
    f"columns average {adjacent:.2f} against {every:.2f} for all pairs and no band runs along "
    f"the diagonal.",
)

# %% [markdown]
# ## A tabular model ignores column order
#
# A model for tables treats its inputs as a *set* of named columns. Shuffling the columns (the same
# way for every row) then changes nothing that matters. We check that with 5-fold cross-validation
# for a scaled logistic regression and a random forest, for five seeds (each seed draws its own
# column permutation, cross-validation split and forest).

# %%
models = {
    "logistic regression": lambda seed: make_pipeline(StandardScaler(),
                                                      LogisticRegression(max_iter=1000)),
    "random forest": lambda seed: RandomForestClassifier(n_estimators=100, random_state=seed),
}
perm_rows = []
for seed in SEEDS:
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    perm = np.random.default_rng(seed).permutation(13)
    for name, make in models.items():
        before = cross_val_score(make(seed), X_wine, y_wine, cv=cv).mean()
        after = cross_val_score(make(seed), X_wine[:, perm], y_wine, cv=cv).mean()
        perm_rows.append({"seed": seed, "model": name, "accuracy": before,
                          "accuracy, columns permuted": after, "|Δ|": abs(after - before)})
perm_table = pd.DataFrame(perm_rows).set_index(["model", "seed"]).sort_index()
print(perm_table.round(4).to_string())
d_lr = perm_table.loc["logistic regression", "|Δ|"].to_numpy()
d_rf = perm_table.loc["random forest", "|Δ|"].to_numpy()
for short, name in [("lr", "logistic regression"), ("rf", "random forest")]:
    value(f"wine-{short}-acc", perm_table.loc[(name, 0), "accuracy"], "{:.3f}")
    value(f"wine-{short}-acc-perm", perm_table.loc[(name, 0), "accuracy, columns permuted"],
          "{:.3f}")
    value(f"wine-{short}-max-delta", perm_table.loc[name, "|Δ|"].max(), "{:.3f}")
value("wine-rf-max-wines", perm_table.loc["random forest", "|Δ|"].max() * len(X_wine), "{:.0f}")
claim(
    "column-permutation-invariance",
    check(d_lr, "<=", 0.01, "|Δ accuracy|, logistic regression"),
    check(d_rf, "<=", 0.02, "|Δ accuracy|, random forest"),
)

# %% [markdown]
# ## The same model on pixels: blind to arrangement, broken by a shift
#
# The tabular model is just as indifferent to shuffled *pixels*: it never used their arrangement.
# That is its weakness on images. Moving every digit one pixel to the right keeps every label, but
# it moves the ink into other columns: the image vector changes a lot (cosine with the original),
# and a logistic regression trained on unshifted digits loses most of its accuracy.

# %%
def shift_right(X: np.ndarray) -> np.ndarray:
    """Move each 8×8 image one pixel to the right (the new first column is blank)."""
    img = X.reshape(-1, 8, 8)
    out = np.zeros_like(img)
    out[:, :, 1:] = img[:, :, :-1]
    return out.reshape(-1, 64)


def pixel_model() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


shift_rows = []
for seed in SEEDS:  # each seed: its own train/test split and pixel permutation
    X_tr, X_te, y_tr, y_te = train_test_split(X_pix, y_pix, test_size=0.3, random_state=seed,
                                              stratify=y_pix)
    pix_perm = np.random.default_rng(seed).permutation(64)
    pix_model = pixel_model().fit(X_tr, y_tr)
    shift_rows.append({
        "seed": seed,
        "pixels": pix_model.score(X_te, y_te),
        "pixels permuted": pixel_model().fit(X_tr[:, pix_perm], y_tr).score(X_te[:, pix_perm], y_te),
        "shifted one pixel": pix_model.score(shift_right(X_te), y_te),
    })
shift_table = pd.DataFrame(shift_rows).set_index("seed")
print(shift_table.round(3).to_string())
X_shift = shift_right(X_pix)
cos = (X_pix * X_shift).sum(1) / np.linalg.norm(X_pix, axis=1) / np.linalg.norm(X_shift, axis=1)
lost = X_pix.reshape(-1, 8, 8)[:, :, 7].sum() / X_pix.sum()
print(f"mean cos(x, shift(x)) = {cos.mean():.3f}; ink pushed off the right edge: {lost:.2%}")
value("pix-acc", shift_table["pixels"].mean(), "{:.3f}")
value("pix-acc-perm-max-delta",
      (shift_table["pixels"] - shift_table["pixels permuted"]).abs().max(), "{:.3f}")
value("pix-acc-shift", shift_table["shifted one pixel"].mean(), "{:.2f}")
value("pix-cos", cos.mean(), "{:.2f}")
value("pix-ink-lost", lost, "{:.1%}")
claim(
    "pixel-shift-breaks-tabular-model",
    check(cos.mean(), "<", 0.8, "mean cos(x, shift(x))"),
    check((shift_table["pixels"] - shift_table["shifted one pixel"]).to_numpy(), ">=", 0.3,
          "accuracy lost to the shift"),
    check((shift_table["pixels"] - shift_table["pixels permuted"]).abs().to_numpy(), "<=", 0.01,
          "|Δ accuracy|, pixels permuted"),
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
scrambled = [seen_rate([list(np.random.default_rng(seed).permutation(t)) for t in valid_tokens])
             for seed in SEEDS]
print(f"validation bigrams seen in training: in order {in_order:.1%}, words shuffled "
      f"{', '.join(f'{x:.1%}' for x in scrambled)} (five shuffles)")
value("n-reviews", len(reviews), "{:,}")
value("review-len-min", min(lengths), "{:,}")
value("review-len-max", max(lengths), "{:,}")
value("bigrams-in-order", in_order, "{:.0%}")
value("bigrams-shuffled", np.mean(scrambled), "{:.0%}")
claim("text-order-carries-information", [in_order / x for x in scrambled], ">=", 1.5)

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
emb_table = pd.DataFrame(emb_rows).set_index("column")
print(emb_table.astype({"levels (+1)": "Int64", "embedding size": "Int64"}).to_string())
value("emb-user", emb_table.loc["userId", "embedding size"], "{}")
value("emb-movie", emb_table.loc["movieId", "embedding size"], "{}")

# %% [markdown]
# ## What this shows
#
# "Structured" is about what the columns *mean*: MovieLens and wine have columns of different kinds,
# each usable by name, so permuting the columns leaves a tabular model's accuracy unchanged (wine's
# column order groups related chemistry for human readers, but no model needs it). Pixels and
# tokens are values of one kind whose arrangement carries information: neighbouring pixels
# correlate far more than random pairs, and word order is what makes validation bigrams familiar.
# A model that ignores the arrangement can still do well on centred digits, because each pixel
# position means something in that fixed frame; a one-pixel shift breaks that frame, which is
# why images and text get models that share weights across positions. File formats (CSV, JPEG,
# JSON) appear on both sides of that line.
