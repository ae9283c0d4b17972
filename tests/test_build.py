"""The demo pipeline on a throwaway project: caching, claim checks, failure messages."""

import shutil
from pathlib import Path

import pytest

from office_hours.site import build
from office_hours.site.build import BuildError

PAGE = """---
title: "Does two plus two make four?"
claims:
  - id: two-plus-two
    text: "2 + 2 == 4"
---

# Does two plus two make four?
"""

DEMO = """# %% [markdown]
# # Two plus two
# %%
from office_hours.claims import claim
total = 2 + 2
# %%
claim("two-plus-two", total == EXPECTED, value=total)
"""


def make_project(root: Path, repo: Path, expected: int = 4) -> Path:
    shutil.copy(repo / "pyproject.toml", root / "pyproject.toml")
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "model.py").write_text("WEIGHTS = 1\n")
    (root / "docs" / "questions").mkdir(parents=True)
    (root / "docs" / "questions" / "arithmetic.md").write_text(PAGE)
    (root / "demos").mkdir()
    (root / "demos" / "arithmetic.py").write_text(DEMO.replace("EXPECTED", str(expected)))
    return root


@pytest.mark.slow
def test_demo_runs_once_then_comes_from_the_cache(tmp_path, root):
    project = make_project(tmp_path, root)
    first = build.build_demos(project, log=lambda *_: None)["arithmetic"]
    assert not first.cached
    assert first.claims == [{"id": "two-plus-two", "passed": True, "value": 4}]
    assert (project / "build" / "notebooks" / "arithmetic.ipynb").is_file()
    again = build.build_demos(project, log=lambda *_: None)["arithmetic"]
    assert again.cached and again.key == first.key

    # a change to package code under src/ changes the key: the demo runs again
    (project / "src" / "pkg" / "model.py").write_text("WEIGHTS = 2\n")
    rerun = build.build_demos(project, log=lambda *_: None)["arithmetic"]
    assert not rerun.cached and rerun.key != first.key


@pytest.mark.slow
def test_failing_claim_names_question_cell_and_claim_and_keeps_old_results(tmp_path, root):
    project = make_project(tmp_path, root)
    good = build.build_demos(project, log=lambda *_: None)["arithmetic"]
    (project / "demos" / "arithmetic.py").write_text(DEMO.replace("EXPECTED", "5"))
    with pytest.raises(BuildError) as error:
        build.build_demos(project, log=lambda *_: None)
    message = str(error.value)
    assert "Does two plus two make four?" in message
    assert "cell 2 (`claim(\"two-plus-two\"" in message
    assert "ClaimFailed" in message and "two-plus-two" in message
    assert build.load_record(project / "build", "arithmetic") == good


def test_cache_key_covers_demo_source_src_dependencies_and_data(tmp_path, root):
    project = make_project(tmp_path, root)
    demo = project / "demos" / "arithmetic.py"
    deps = build.dependency_versions(project)
    assert {"torch", "pandas", "numpy", "ipykernel", "python"} <= deps.keys()
    src = build.source_digest(project)
    key = build.cache_key(demo, src, deps)
    assert build.cache_key(demo, src, deps) == key
    assert build.cache_key(demo, src, {**deps, "pandas": "0.0"}) != key
    assert build.cache_key(demo, "other", deps) != key
    demo.write_text(demo.read_text() + "\n")
    assert build.cache_key(demo, src, deps) != key


def test_declared_and_checked_claims_must_agree(tmp_path, root):
    question = build.discover(make_project(tmp_path, root))[0]
    from office_hours.claims import ClaimResult

    build.check_claims(question, [ClaimResult("two-plus-two", True, 4)])
    with pytest.raises(BuildError, match="declared on the page but the demo never checks it"):
        build.check_claims(question, [])
    with pytest.raises(BuildError, match=r"'extra' is checked by the demo but not declared"):
        build.check_claims(question, [ClaimResult("two-plus-two", True, 4),
                                      ClaimResult("extra", True, 1)])


def test_page_without_demo_is_an_error(tmp_path, root):
    project = make_project(tmp_path, root)
    (project / "demos" / "arithmetic.py").unlink()
    with pytest.raises(BuildError, match=r"arithmetic\.md has no demo"):
        build.discover(project)
