"""The extras that installed packages carry agree with the dependency groups nox installs."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _group(name: str) -> set[str]:
    out: set[str] = set()
    for item in PROJECT["dependency-groups"][name]:
        out |= _group(item["include-group"]) if isinstance(item, dict) else {item}
    return out


def _normal(specs: set[str]) -> set[Requirement]:
    return {str(Requirement(s)) for s in specs}


def test_demos_extra_is_what_the_demos_group_installs_for_demos():
    extra = _normal(set(PROJECT["project"]["optional-dependencies"]["demos"]))
    assert extra <= _normal(_group("demos"))


def test_site_and_demos_extras_equal_the_docs_group():
    extras = PROJECT["project"]["optional-dependencies"]
    assert _normal(set(extras["demos"]) | set(extras["site"])) == _normal(_group("docs"))
