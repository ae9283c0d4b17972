"""Every demo executes in a real kernel, and every claim its page declares was checked and held.

Demos whose inputs did not change since their last successful run come from the build cache
(office_hours.site.build): the cache key covers everything that can change their output.
"""

from __future__ import annotations

import re

import jupytext
import pytest

from office_hours.site import build
from tests.conftest import ROOT

QUESTIONS = build.discover(ROOT)
SLUGS = [q.slug for q in QUESTIONS]


@pytest.fixture(scope="session")
def demo_run(root) -> tuple[dict[str, build.DemoRecord], dict[str, str], str]:
    """The records of this run (fresh from the cache or executed now) and its failures: a
    demo is judged on this run only, never on a record left on disk by an earlier one."""
    try:
        return build.build_demos(root), {}, ""
    except build.BuildError as error:
        return error.records, error.failures, str(error)


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_demo_executes_and_every_declared_claim_holds(demo_run, slug):
    records, failures, failure = demo_run
    if slug in failures:
        pytest.fail(failures[slug])
    record = records.get(slug)
    assert record is not None, f"{slug} has no record from this run: {failure}"
    question = next(q for q in QUESTIONS if q.slug == slug)
    assert {c["id"] for c in record.claims} == question.declared.keys()
    assert all(c["passed"] for c in record.claims)
    assert record.seconds < 60, f"{slug} took {record.seconds:.1f} s (budget: 60 s)"


@pytest.mark.parametrize("question", QUESTIONS, ids=SLUGS)
def test_demo_is_a_plain_script_with_an_anatomy(question):
    nb = jupytext.read(question.demo)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*[%!]", code, re.MULTILINE), "no IPython magics or shell escapes"
    assert "plt.show()" not in code, "show figures with office_hours.figures.show(fig, alt=...)"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# ")
    headings = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any("## What this shows" in h for h in headings), "end with '## What this shows'"


@pytest.mark.parametrize("question", QUESTIONS, ids=SLUGS)
def test_page_front_matter_is_complete(question):
    meta = question.meta
    for field in ("title", "question", "asked", "summary", "topic", "tags", "claims", "related"):
        assert meta.get(field), f"{question.slug}: front matter needs '{field}'"
    assert len(meta["title"]) <= 80
    assert len(meta["summary"]) <= 250, f"summary is {len(meta['summary'])} characters"
    for c in meta["claims"]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c["id"]), c["id"]
        assert c["text"].strip()
    assert set(meta["related"]) <= set(SLUGS), f"unknown related slugs in {question.slug}"
    body = question.page.read_text(encoding="utf-8").split("---", 2)[2]
    assert f"# {meta['title']}" in body.splitlines(), "the page's H1 is its title"
