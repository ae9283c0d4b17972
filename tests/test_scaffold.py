"""`nox -s new -- <slug>` writes a page and a demo that build as they are."""

import shutil

import pytest

from office_hours.site import build, scaffold


def test_new_question_skeleton_builds_and_its_example_claim_holds(tmp_path, root):
    shutil.copy(root / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src").mkdir()
    page, demo = scaffold.create(tmp_path, "what-is-dropout")
    question = build.discover(tmp_path)[0]
    assert question.slug == "what-is-dropout" and question.page == page and question.demo == demo
    assert set(question.declared) == {"example-claim"}
    record = build.build_demos(tmp_path, log=lambda *_: None)["what-is-dropout"]
    assert [c["id"] for c in record.claims if c["passed"]] == ["example-claim"]
    assert set(record.values) == {"mean-rating"}
    assert "{{ mean-rating }}" in page.read_text()


def test_new_refuses_bad_slugs_and_overwrites(tmp_path):
    with pytest.raises(ValueError, match="kebab-case"):
        scaffold.create(tmp_path, "What Is Dropout")
    scaffold.create(tmp_path, "dropout")
    with pytest.raises(FileExistsError):
        scaffold.create(tmp_path, "dropout")
