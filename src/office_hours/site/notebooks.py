"""The notebooks a reader downloads or opens in Colab, and where Colab finds them.

Every notebook the site serves starts with a setup cell: where ``office_hours`` imports (the
project's environment) it does nothing; elsewhere (Colab, a fresh Jupyter) it installs the
package with its ``demos`` extra from the repository at the commit that built the page, so the
notebook runs the code it was executed with. The data then comes through the package's
registry, downloaded and checked against its pinned checksums.

Colab opens notebooks from GitHub, not from an arbitrary URL: the deployment workflow pushes
the site's notebooks, at their paths under ``site/``, to the branch named by
``extra.notebooks_branch`` in mkdocs.yml, and :func:`colab_url` points there.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import nbformat

SETUP_TAG = "office-hours-setup"
SETUP_SOURCE = '''\
# Setup: outside the project's environment (Colab, a fresh Jupyter), install the office_hours
# package and what the demos need, at the commit that built this notebook. Elsewhere: nothing.
import importlib
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("office_hours") is None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "{requirement}"], check=True
    )
    importlib.invalidate_caches()'''


class SetupError(RuntimeError):
    """The repository or the commit to install from is unknown."""


def site_extra(root: Path) -> dict[str, Any]:
    """mkdocs.yml's ``extra`` (repository, notebooks_branch), the one place links come from."""
    from mkdocs.utils.yaml import yaml_load  # the site extra's; `nox -s demo` has no MkDocs

    config = yaml_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    return dict(config.get("extra") or {})


def github_repository(extra: dict[str, Any]) -> str:
    """``owner/name`` of the GitHub repository in mkdocs.yml's ``extra.repository`` (given as
    ``owner/name`` or as its URL)."""
    name = str(extra.get("repository", "")).removeprefix("https://github.com/").strip("/")
    if name.count("/") != 1:
        raise SetupError(f"mkdocs.yml extra.repository is not a GitHub repository: {name!r}")
    return name


def build_commit(root: Path) -> str:
    """The commit being built (``git rev-parse HEAD``)."""
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SetupError(f"the notebooks install the package at the built commit, but "
                         f"`git rev-parse HEAD` failed in {root}: {done.stderr.strip()}")
    return done.stdout.strip()


def requirement(repository: str, commit: str) -> str:
    """The pip requirement of the package with its demos extra at one commit (PEP 508)."""
    return f"office-hours[demos] @ git+https://github.com/{repository}@{commit}"


def setup_cell(repository: str, commit: str) -> Any:
    cell = nbformat.v4.new_code_cell(SETUP_SOURCE.format(requirement=requirement(repository,
                                                                                 commit)))
    cell.id = SETUP_TAG
    cell.metadata["tags"] = [SETUP_TAG]
    return cell


def add_setup_cells(root: Path, folder: Path) -> None:
    """Start every notebook in ``folder`` with the setup cell (replacing an older one)."""
    cell = setup_cell(github_repository(site_extra(root)), build_commit(root))
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if SETUP_TAG not in c.get("metadata", {}).get("tags", [])]
        nb.cells = [cell, *cells]
        text = nbformat.writes(nb) + "\n"
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def colab_url(extra: dict[str, Any], notebook: str) -> str:
    """Colab's address of a notebook served at ``notebook`` (a path under site/)."""
    return (f"https://colab.research.google.com/github/{github_repository(extra)}/blob/"
            f"{extra['notebooks_branch']}/{notebook}")
