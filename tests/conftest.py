"""Shared fixtures: the repository root and a data cache private to the test session."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def site(root) -> Path:
    """The site, built once per test session (executing the demos whose inputs changed)."""
    from office_hours.site import build  # not in `nox -s browser`, which has no project

    records = build.build_demos(root)
    build.stage_for_site(root, records)
    return build.build_site(root)


@pytest.fixture(scope="session", autouse=True)
def _quiet_mkdocs() -> None:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def commit_all(project: Path) -> None:
    """Make ``project`` a git checkout with one commit: the site pins downloads to its commit."""
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "project", "--allow-empty"]):
        subprocess.run([*git, *args], cwd=project, check=True, capture_output=True)
