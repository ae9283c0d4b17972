"""The version matrix: lower bounds to constraints, and regressions found in the report."""

from __future__ import annotations

import json

from office_hours.site import compat
from tests.conftest import ROOT


def test_constraints_pin_every_spanned_library_at_its_lower_bound():
    bounds = compat.lower_bounds(ROOT / "pyproject.toml")
    assert set(bounds) == set(compat.SPANNED)
    lines = compat.constraints(ROOT / "pyproject.toml").splitlines()
    assert f"numpy=={bounds['numpy']}" in lines and len(lines) == len(compat.SPANNED)


def project(tmp_path):
    for folder in ("docs/questions", "demos", "build/demos", "build/notebooks", "build/compat"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "docs/questions/q.md").write_text(
        '---\ntitle: "Q?"\nclaims:\n  - {id: a, text: "A."}\n  - {id: b, text: "B."}\n---\n# Q?\n')
    (tmp_path / "demos/q.py").write_text("")
    (tmp_path / "build/notebooks/q.ipynb").write_text("{}")
    record = {"slug": "q", "key": "k", "seconds": 1.0, "executed_at": "2026-12-02T00:00:00",
              "versions": {"numpy": "2.3"}, "values": {},
              "claims": [{"id": c, "passed": True, "shown": "1, needs < 2", "runs": 1,
                          "checks": []} for c in "ab"]}
    (tmp_path / "build/demos/q.json").write_text(json.dumps(record))
    return tmp_path


def env(root, name, demos):
    (root / "build/compat" / f"{name}.json").write_text(json.dumps(
        {"environment": name, "date": "2026-12-02", "versions": {"numpy": name}, "demos": demos}))


def test_report_finds_claims_that_hold_at_the_pin_but_fail_elsewhere(tmp_path):
    root = project(tmp_path)
    env(root, "newest", {"q": {"claims": {"a": {"passed": True, "shown": "1"},
                                          "b": {"passed": False, "shown": "3, needs < 2"}}}})
    env(root, "lowest", {"q": {"error": "ImportError: no gensim", "claims": {}}})
    matrix, regressions = compat.report(root, ["newest", "lowest"])
    assert list(matrix["environments"]) == ["pinned", "newest", "lowest"]
    assert [r["cells"]["newest"]["state"] for r in matrix["rows"]] == ["held", "failed"]
    assert "q b: held at the pin, failed with newest (3, needs < 2)" in regressions
    assert any("not reached: ImportError" in r for r in regressions)
    assert json.loads((root / "build/compat.json").read_text())["rows"] == matrix["rows"]
    assert compat.main(["--root", str(root), "report", "newest", "lowest"]) == 1
