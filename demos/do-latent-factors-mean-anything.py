# ---
# jupyter:
#   jupytext:
#     text_representation: {extension: .py, format_name: percent}
#   kernelspec: {display_name: Python 3, language: python, name: python3}
# ---

# %% [markdown]
# # Do the learned movie factors mean anything?
#
# **Asked:** "after I looked at lesson 5 notebook I see just a cloud of weights in embedding matrixes:
# no structure, no clusters visible." Do these embeddings mean something, and does a movie with a single
# rating just keep its random initial factors?
#
# **Short answer:** they mean something, where the data support it. Movie biases rank films sensibly,
# the notebook's PCA axes separate recognisable kinds of films, and genres, which the model never sees,
# can be read off the factors of well-rated movies. A cloud without clusters is expected: taste is
# continuous, and only rotation-invariant structure (angles, distances, subspaces) is meaningful. What
# limits meaning is the number of ratings *per movie*: a movie rated once ends, at the regularised
# optimum, as a shrunk copy of its single rater's vector; whether training actually takes it there,
# leaves it at its random start, or shrinks it to zero is decided by the optimiser.
#
# Claims checked here: `pca-transpose-is-row-centred-svd`, `genre-decodable-with-support`,
# `factor-norm-grows-with-count`, `single-rating-parallel-to-rater`, `optimiser-decides-rare-rows`,
# `kcore-density`.

# %%
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score

from office_hours.claims import claim
from office_hours.data import genre_matrix, movielens
from office_hours.figures import show
from office_hours.models import mf

torch.set_num_threads(1)
SEED = 0

# %% [markdown]
# ## Data
# MovieLens ml-latest-small. We index movies by the full `movies` table, so the 18 movies that nobody
# rated still get a (never trained) row, as they would in an embedding matrix built from the catalogue.

# %%
ml = movielens()
ratings, movies = ml.ratings, ml.movies
users = pd.Index(np.sort(ratings.userId.unique()), name="userId")
items = pd.Index(movies.movieId, name="movieId")
user_idx = users.get_indexer(ratings.userId)
item_idx = items.get_indexer(ratings.movieId)
r = ratings.rating.to_numpy(dtype=np.float64, copy=True)
n_users, n_items = len(users), len(items)
counts = np.bincount(item_idx, minlength=n_items)
title = movies.title.to_numpy()
print(
    f"{len(r):,} ratings, {n_users} users, {n_items:,} movies ({(counts > 0).sum():,} rated); "
    f"density {len(r) / (n_users * (counts > 0).sum()):.2%}"
)
print(
    f"movies with exactly 1 rating: {(counts == 1).sum():,} ({(counts == 1).mean():.0%}); "
    f"median ratings per rated movie: {np.median(counts[counts > 0]):.0f}; "
    f"movies with ≥ 50 ratings: {(counts >= 50).sum()}"
)

# %% [markdown]
# ## The model, fitted to its optimum
# To look at what the data determine rather than at where an optimiser happened to stop, we fit
# $\hat r_{ui} = \mu + b_u + b_i + p_u^\top q_i$ by closed forms: ridge-regularised biases (`mf.fit_biases`,
# $\lambda_u = 10$, $\lambda_i = 25$), then alternating least squares on the residuals (`mf.als`,
# $k = 32$ factors, $\lambda = 5$, 6 sweeps; each half-sweep is an exact ridge solve).

# %%
biases = mf.fit_biases(user_idx, item_idx, r, n_users, n_items, lam_u=10.0, lam_i=25.0)
P, Q = mf.als(
    user_idx,
    item_idx,
    r,
    n_users,
    n_items,
    n_factors=32,
    lam=5.0,
    n_sweeps=6,
    seed=SEED,
    biases=biases,
)
print(
    f"training RMSE: biases only {mf.rmse(biases.predict(user_idx, item_idx), r):.3f}, "
    f"with factors {mf.rmse(mf.predict(biases, P, Q, user_idx, item_idx), r):.3f}"
)

# %% [markdown]
# ## "Analyze results", reproduced
# ### Movie biases
# The bias is a movie's quality after correcting for how generous its raters are, shrunk towards 0 for
# movies with few ratings. Among movies with at least 50 ratings:

# %%
well_rated = np.nonzero(counts >= 50)[0]
order = well_rated[np.argsort(-biases.b_i[well_rated])]
bias_table = pd.DataFrame(
    {
        "best": title[order[:8]],
        "b_i": biases.b_i[order[:8]].round(2),
        "worst": title[order[::-1][:8]],
        "b_i ": biases.b_i[order[::-1][:8]].round(2),
    }
)
print(bias_table.to_string(index=False))

# %% [markdown]
# ### PCA of the factors of the 3000 most-rated movies
# The lesson notebooks run `PCA(n_components=3).fit(movie_emb.T).components_` on the 3000 (v2) or 2000
# (v1) most-rated movies. Note the transpose: the "samples" are the $k$ factor dimensions and the
# "features" are the movies, so scikit-learn centres each *movie's* row of factors and the components are
# the left singular vectors of that row-centred matrix. We check this identity with the exact solver
# (`svd_solver='auto'` may pick a randomized one).

# %%
top = np.argsort(-counts, kind="stable")[:3000]
E = Q[top]
components = PCA(n_components=3, svd_solver="full").fit(E.T).components_
U_c, S_c, _ = np.linalg.svd(E - E.mean(axis=1, keepdims=True), full_matrices=False)
identity_err = max(
    min(np.abs(components[c] - U_c[:, c]).max(), np.abs(components[c] + U_c[:, c]).max())
    for c in range(3)
)
textbook = PCA(n_components=3, svd_solver="full").fit_transform(E)  # centres each factor instead
corr_textbook = [abs(np.corrcoef(components[c], textbook[:, c])[0, 1]) for c in range(3)]
print(f"the 3000th most-rated movie has {counts[top[-1]]} ratings")
print(
    f"max |components - (±U)| = {identity_err:.1e}; |corr| with textbook PCA scores: "
    + ", ".join(f"{c:.2f}" for c in corr_textbook)
)
claim("pca-transpose-is-row-centred-svd", identity_err < 1e-8, value=f"max diff {identity_err:.1e}")

# %% [markdown]
# The titles at both ends of each component say what it separates. The sign of a component is
# arbitrary (so is its rotation within the factor space: PCA is just one convention for choosing it).

# %%
ends = {}
for c in range(3):
    o = np.argsort(components[c])
    ends[f"component {c + 1}: low end"] = title[top[o[:8]]]
    ends[f"component {c + 1}: high end"] = title[top[o[::-1][:8]]]
for name, titles in ends.items():
    print(f"{name}:\n    " + "\n    ".join(titles))

# %% [markdown]
# The notebooks then plot 50 movies on two components. In v2 these are
# `np.random.choice(len(topMovies), 50)`: random movies from the top 3000, not the extremes. Drawing
# the same way here, their biases are spread across the whole range:

# %%
pick = np.random.default_rng(SEED).choice(len(top), 50, replace=False)
bias_rank = pd.Series(biases.b_i[top]).rank(pct=True).to_numpy()
print(
    f"50 random movies from the top 3000: rating counts {counts[top[pick]].min()}–{counts[top[pick]].max()} "
    f"(median {np.median(counts[top[pick]]):.0f}); bias percentiles within the top 3000: "
    f"{np.percentile(bias_rank[pick] * 100, [0, 25, 50, 75, 100]).round(0)}"
)

# %% [markdown]
# ## A cloud, coloured by genre
# The model never sees genres. Here are the top-3000 movies on the notebook's first two components, with
# three genres highlighted: no clusters, but not random either: the genres sit in different regions.

# %%
genres = genre_matrix(movies).reindex(items, fill_value=False)
G = genres.to_numpy(dtype=bool)
fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(components[0], components[1], s=4, color="lightgrey", label="other")
for g, colour in [("Children", "C2"), ("Horror", "C3"), ("Documentary", "C0")]:
    m = G[top, genres.columns.get_loc(g)]
    ax.scatter(components[0][m], components[1][m], s=8, color=colour, label=g, alpha=0.8)
ax.set_xlabel("component 1")
ax.set_ylabel("component 2")
ax.legend(fontsize=8, markerscale=2)
fig.tight_layout()
show(
    fig,
    alt="The 3000 most-rated movies on the first two components of the notebook-style PCA of their "
    "factors: one cloud with no clusters; Children's films lean towards high component 2 and horror films "
    "towards low component 2, with heavy overlap.",
)

# %% [markdown]
# How much does one component alone say about a genre? The ROC AUC of each component used as a score
# (direction-free: we report $\max(\mathrm{AUC}, 1-\mathrm{AUC})$):

# %%
single = pd.DataFrame(
    {
        f"component {c + 1}": [
            max(a, 1 - a)
            for a in (
                roc_auc_score(G[top, genres.columns.get_loc(g)], components[c])
                for g in ("Children", "Horror", "Documentary", "Drama", "Action")
            )
        ]
        for c in range(3)
    },
    index=["Children", "Horror", "Documentary", "Drama", "Action"],
)
print(single.round(2).to_string())

# %% [markdown]
# Each top-variance direction is only weakly tied to any genre: the information is spread over many
# directions of the 32-dimensional space, which a 2-D projection flattens into a cloud. Using all the
# factors at once tells a different story.

# %% [markdown]
# ## Genres can be read off the factors, given enough ratings
# For each genre, a one-vs-rest logistic regression predicts "has this genre" from the 32 factors
# (5-fold cross-validated ROC AUC; 0.5 is chance). Genres are multi-label, hence one-vs-rest. We split
# movies by their number of ratings.

# %%
buckets = {
    "1–2 ratings": (counts >= 1) & (counts <= 2),
    "3–19": (counts >= 3) & (counts < 20),
    "≥ 20": counts >= 20,
}
cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
auc = {}
for g in ["Horror", "Children", "Documentary", "Drama", "Action", "Romance"]:
    y_all = G[:, genres.columns.get_loc(g)]
    for name, m in buckets.items():
        scores = cross_val_score(
            LogisticRegression(max_iter=500), Q[m], y_all[m], cv=cv, scoring="roc_auc"
        )
        auc[(g, name)] = scores.mean()
auc = pd.Series(auc).unstack()[list(buckets)]
print({name: int(m.sum()) for name, m in buckets.items()})
print(auc.round(3).to_string())
ok = [
    auc.loc[g, "≥ 20"] >= 0.70 and auc.loc[g, "≥ 20"] - auc.loc[g, "1–2 ratings"] >= 0.1
    for g in ("Horror", "Children")
]
claim(
    "genre-decodable-with-support",
    all(ok),
    value="AUC ≥20 vs 1–2 ratings: "
    + "; ".join(
        f"{g} {auc.loc[g, '≥ 20']:.2f} vs {auc.loc[g, '1–2 ratings']:.2f}"
        for g in ("Horror", "Children")
    ),
)

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
auc.plot.bar(ax=ax, rot=0, width=0.8)
ax.axhline(0.5, color="grey", ls="--", lw=1)
ax.set_ylim(0.4, 0.9)
ax.set_ylabel("genre ROC AUC (5-fold CV)")
ax.legend(title="movies with", fontsize=8)
fig.tight_layout()
show(
    fig,
    alt="Cross-validated AUC for predicting six genres from the movie factors: about 0.7 to 0.8 for movies "
    "with at least 20 ratings, about 0.55 to 0.65 for movies with one or two ratings.",
)

# %% [markdown]
# Even movies with one or two ratings score above chance: a single rating places the movie along its
# rater's taste, which is information (next section).
#
# ## A movie with one rating is a shrunk copy of its rater
# With $P$ fixed, ALS solves each movie's ridge regression exactly. For a movie rated once, by user $u$,
# the solution is
# $$q_i = \frac{e_{ui}}{\|p_u\|^2 + \lambda}\, p_u, \qquad e_{ui} = r_{ui} - \mu - b_u - b_i,$$
# parallel to its rater, and a movie with no rating gets $q_i = 0$ (only the penalty acts).

# %%
once = np.nonzero(counts == 1)[0]
rows = np.nonzero(counts[item_idx] == 1)[0]
rater = np.empty(n_items, dtype=np.int64)
rater[item_idx[rows]] = user_idx[rows]
q1, p1 = Q[once], P[rater[once]]
abs_cos = np.abs((q1 * p1).sum(1)) / np.linalg.norm(q1, axis=1) / np.linalg.norm(p1, axis=1)
unrated = counts == 0
print(f"{len(once):,} movies rated once: min |cos(q_i, p_rater)| = 1 - {1 - abs_cos.min():.1e}")
print(f"{unrated.sum()} unrated movies: all factors exactly 0: {bool(np.all(Q[unrated] == 0))}")
claim(
    "single-rating-parallel-to-rater",
    abs_cos.min() > 1 - 1e-9 and np.all(Q[unrated] == 0),
    value=f"min |cos| = 1 - {1 - abs_cos.min():.1e}; {unrated.sum()} unrated rows all 0",
)

# %% [markdown]
# So rarely rated movies are neither random nor meaningless; they inherit their few raters' directions,
# shrunk. Their length grows with support, which is why they hug the origin in any plot.

# %%
norms = np.linalg.norm(Q, axis=1)
med_1, med_50 = np.median(norms[counts == 1]), np.median(norms[counts >= 50])
print(f"median ‖q_i‖: 1 rating {med_1:.3f}, ≥ 50 ratings {med_50:.3f} (ratio {med_1 / med_50:.2f})")
claim("factor-norm-grows-with-count", med_1 < 0.25 * med_50, value=f"{med_1:.3f} vs {med_50:.3f}")

edges = np.unique(np.round(np.logspace(0, np.log10(counts.max() + 1), 15)).astype(int))
mid, med = [], []
for lo, hi in itertools.pairwise(edges):
    m = (counts >= lo) & (counts < hi)
    if m.any():
        mid.append(np.sqrt(lo * hi))
        med.append(np.median(norms[m]))
fig, ax = plt.subplots(figsize=(6, 3.5))
rated = counts > 0
jitter = np.exp(np.random.default_rng(SEED).uniform(-0.15, 0.15, rated.sum()))
ax.scatter(counts[rated] * jitter, norms[rated], s=2, alpha=0.25, label="movies")
ax.plot(mid, med, "o-", color="C3", label="median per bin")
ax.set_xscale("log")
ax.set_xlabel("number of ratings of the movie")
ax.set_ylabel(r"$\|q_i\|$ (ALS)")
ax.legend(fontsize=8)
fig.tight_layout()
show(
    fig,
    alt="Length of each movie's factor vector against its number of ratings: near zero for movies rated "
    "once or twice, rising to about 1 to 1.5 for movies with hundreds of ratings.",
)

# %% [markdown]
# ## What training does to rarely rated movies depends on the optimiser
# The poster's "1 rating ⇒ factors stay random as at initialisation" describes one optimiser, not the
# model. We train lesson 5's `DotBias` (uniform ±0.05 init, 16 factors) for 3 epochs with batches of
# 1024 ratings under three optimisers and compare each movie row with its initial value:
# plain SGD without weight decay (lr 20), Adam with L2 coupled into the gradient (lr 0.01, wd 2e-4;
# fastai 0.7 passes `wds` to torch this way by default), and AdamW with decoupled decay (lr 0.01, wd 0.1,
# fastai v1's default).

# %%
groups = {"unrated": counts == 0, "1 rating": counts == 1, "≥ 50 ratings": counts >= 50}
runs = {}
for opt, lr, wd in [("sgd", 20.0, 0.0), ("adam", 0.01, 2e-4), ("adamw", 0.01, 0.1)]:
    torch.manual_seed(SEED)
    model = mf.DotBias(n_users, n_items, n_factors=16, mu=float(r.mean()))
    Q0 = model.i.weight.detach().numpy().copy()
    losses = mf.train(
        model,
        user_idx,
        item_idx,
        r,
        optimizer=opt,
        lr=lr,
        wd=wd,
        num_epochs=3,
        batch_size=1024,
        seed=SEED,
    )
    Qt = model.i.weight.detach().numpy().astype(np.float64)
    Pt = model.u.weight.detach().numpy().astype(np.float64)
    n_t = np.linalg.norm(Qt, axis=1)
    cos_init = (Qt * Q0).sum(1) / np.maximum(n_t, 1e-30) / np.linalg.norm(Q0, axis=1)
    p_rater = Pt[rater[once]]
    cos_rater = (
        np.abs((Qt[once] * p_rater).sum(1))
        / np.maximum(n_t[once], 1e-30)
        / np.linalg.norm(p_rater, axis=1)
    )
    row = {
        "final train MSE": losses[-1],
        "init ‖q‖ (median)": np.median(np.linalg.norm(Q0, axis=1)),
    }
    for g, m in groups.items():
        row[f"‖q‖ {g}"] = np.median(n_t[m])
        row[f"cos(init) {g}"] = np.median(cos_init[m])
    row["|cos(rater)| 1 rating"] = np.median(cos_rater)
    runs[opt] = row
runs = pd.DataFrame(runs)
print(runs.round(3).to_string())

# %%
sgd, adam, adamw = runs["sgd"], runs["adam"], runs["adamw"]
init_norm = sgd["init ‖q‖ (median)"]
checks = {
    "SGD leaves once-rated rows at init": sgd["cos(init) 1 rating"] > 0.9
    and sgd["cos(init) ≥ 50 ratings"] < 0.7,
    "Adam+L2 collapses them": adam["‖q‖ 1 rating"] < 0.6 * init_norm
    and abs(adam["cos(init) 1 rating"]) < 0.2
    and adam["‖q‖ unrated"] < 0.01,
    "every decayed optimiser: short rare rows": adam["‖q‖ 1 rating"]
    < 0.5 * adam["‖q‖ ≥ 50 ratings"]
    and adamw["‖q‖ 1 rating"] < 0.5 * adamw["‖q‖ ≥ 50 ratings"],
    "Adam-family rows turn towards their rater": min(
        adam["|cos(rater)| 1 rating"], adamw["|cos(rater)| 1 rating"]
    )
    > 0.6
    and sgd["|cos(rater)| 1 rating"] < 0.5,
}
print(checks)
claim(
    "optimiser-decides-rare-rows",
    all(checks.values()),
    value=f"median cos(init), once-rated: SGD {sgd['cos(init) 1 rating']:.2f}, Adam+L2 {adam['cos(init) 1 rating']:.2f}, "
    f"AdamW {adamw['cos(init) 1 rating']:.2f}; median ‖q‖ once-rated / ≥50: Adam+L2 {adam['‖q‖ 1 rating']:.3f} / "
    f"{adam['‖q‖ ≥ 50 ratings']:.2f}, AdamW {adamw['‖q‖ 1 rating']:.2f} / {adamw['‖q‖ ≥ 50 ratings']:.2f}; "
    f"median |cos(rater)|: SGD {sgd['|cos(rater)| 1 rating']:.2f}, Adam+L2 {adam['|cos(rater)| 1 rating']:.2f}, "
    f"AdamW {adamw['|cos(rater)| 1 rating']:.2f}",
)

# %% [markdown]
# Under plain SGD a row moves only when its movie is in the batch, by a step proportional to its share of
# the batch, so a once-rated movie barely leaves its random start: the poster's picture. Adam with coupled
# L2 sees a gradient $\mathrm{wd}\cdot q_i$ in every batch that does not contain the movie and normalises it
# to a full-size step, so rare and unrated rows are driven to about zero. AdamW shrinks unrated rows
# geometrically and moves once-rated rows by normalised steps along their single gradient, which is
# parallel to the rater's vector: under both Adam variants, once-rated rows end up pointing along their
# rater (last row of the table), as at the ALS optimum.
#
# ## Density: what the thread's "filter to 2.5%" does
# Filtering to a $k$-core (every remaining user and movie has at least $k$ ratings) raises density mainly
# by dropping rarely rated movies. Global density is only a proxy: what matters for a given movie's
# factors is its own number of ratings.


# %%
def k_core(df, k):
    """Repeatedly drop users and movies with fewer than k ratings until none is left."""
    while True:
        keep = (df.groupby("userId").userId.transform("size") >= k) & (
            df.groupby("movieId").movieId.transform("size") >= k
        )
        if keep.all():
            return df
        df = df[keep]


rows = []
for k in (1, 5, 10, 20):
    core = k_core(ratings[["userId", "movieId"]], k)
    nu, nm = core.userId.nunique(), core.movieId.nunique()
    rows.append(
        {
            "k-core": k,
            "ratings": len(core),
            "users": nu,
            "movies": nm,
            "density": len(core) / (nu * nm),
        }
    )
kcore = pd.DataFrame(rows).set_index("k-core")
print(kcore.to_string(formatters={"density": "{:.2%}".format}))
dens = kcore.density
claim(
    "kcore-density",
    dens.is_monotonic_increasing
    and dens[10] > 3 * dens[1]
    and kcore.loc[10, "ratings"] > 0.7 * len(ratings),
    value=f"density {dens[1]:.1%} → {dens[5]:.1%} / {dens[10]:.1%} / {dens[20]:.1%} (5/10/20-core); "
    f"10-core keeps {kcore.loc[10, 'ratings'] / len(ratings):.0%} of ratings",
)

# %% [markdown]
# ## What this shows
# The factors carry meaning that can be checked against data the model never saw (genres), and the
# notebook's "Analyze results" (biases, PCA ends) is a fair way to see it, provided one reads only
# rotation-invariant structure. Meaning is limited per movie, not by global density: a once-rated movie
# is its rater's direction scaled down at the optimum, and what an optimiser leaves in its row (random,
# zero or rater-like) is a property of the optimiser.
