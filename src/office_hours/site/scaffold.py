"""Create the page and demo skeletons of a new question: ``nox -s new -- <slug>``.

Standard library only, so that it runs before any environment is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

PAGE = '''---
title: "{title}"
question: "The question as it was asked, quoted."
asked: "who asked, where and when (e.g. office hours, 27 Nov)"
summary: "The short answer in at most 250 characters: it is also the forum link preview."
topic: Other
tags: [{slug}]
claims:
  - id: example-claim
    text: "One sentence of the answer that the demo proves, with the margin it is checked against."
related: []
---

# {title}

The short answer, in a paragraph. Numbers the demo measures are never typed: the demo records
them with `value()` and the page writes the name, e.g. the mean rating is {{{{ mean-rating }}}}.

## The answer

Our own words; maths as $x$ and

$$
e_c^\\top W = W_{{c,:}}.
$$

## What the thread said

Each reply: right, partly right or wrong, and why.

## Sources

- Paper, section; repository, path.
'''

DEMO = '''# ---
# jupyter:
#   jupytext:
#     text_representation: {{extension: .py, format_name: percent}}
#   kernelspec: {{display_name: Python 3, language: python, name: python3}}
# ---

# %% [markdown]
# # {title}
#
# **Asked:** the question, short. **Short answer:** one or two sentences.
#
# Claims checked here: `example-claim`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from office_hours.claims import claim, value
from office_hours.data import movielens
from office_hours.figures import show

torch.set_num_threads(1)
rng = np.random.default_rng(0)

# %% [markdown]
# ## Data
#
# Why this dataset answers the question.

# %%
ratings = movielens().ratings
print(f"{{len(ratings):,}} ratings")

# %% [markdown]
# ## The step that produces the evidence
#
# Why this step; then the number or figure, and the claim checked right there.

# %%
mean_rating = ratings["rating"].mean()
value("mean-rating", mean_rating, "{{:.2f}}")  # the page writes {{{{ mean-rating }}}}
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(ratings["rating"], bins=10)
ax.set(xlabel="rating", ylabel="count")
show(fig, alt=f"Histogram of MovieLens ratings; their mean is {{mean_rating:.2f}} stars.")
claim("example-claim", mean_rating, "in", (3.0, 4.0))

# %% [markdown]
# ## What this shows
#
# Two or three sentences tying the results back to the question.
'''


def create(root: Path, slug: str) -> list[Path]:
    """Write docs/questions/<slug>.md and demos/<slug>.py; refuse to overwrite anything."""
    if not SLUG.fullmatch(slug):
        raise ValueError(f"'{slug}' is not a kebab-case slug (e.g. 'what-is-dropout')")
    title = slug.replace("-", " ").capitalize() + "?"
    files = {
        root / "docs" / "questions" / f"{slug}.md": PAGE.format(title=title, slug=slug),
        root / "demos" / f"{slug}.py": DEMO.format(title=title),
    }
    existing = [p for p in files if p.exists()]
    if existing:
        raise FileExistsError(f"already exists: {', '.join(map(str, existing))}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: nox -s new -- <slug>", file=sys.stderr)
        return 2
    try:
        created = create(Path.cwd(), argv[0])
    except (ValueError, FileExistsError) as error:
        print(error, file=sys.stderr)
        return 1
    for path in created:
        print(f"created {path}")
    print(f"Next: write the page and the demo, run `nox -s demo -- {argv[0]}`, and add "
          f"/questions/{argv[0]}/ to published-urls.txt.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
