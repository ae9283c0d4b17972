"""The notebooks a reader downloads: a setup cell first, and they run outside the repository.

The slow test builds the wheel, installs ``office-hours[demos]`` and nbconvert into a fresh
virtualenv (kept in build/ and reused while the project's requirements stay the same; the wheel
is reinstalled when it changes) and executes every notebook of site/ in a folder outside the
repository, the data coming through the registry from ``OFFICE_HOURS_MIRROR``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tomllib
import venv
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from office_hours.claims import CLAIM_MIME
from office_hours.site import notebooks
from tests.conftest import ROOT

EXTRA = {"repository": "owner/name", "notebooks_branch": "notebooks"}
# nothing of the repository or of the test session's environment leaks into the fresh one
OUTSIDE = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "MPLBACKEND", "JUPYTER_PATH", "PIP_PREFIX"}}


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_setup_cell_comes_first_once_and_pins_the_built_commit(tmp_path):
    path = _notebook(tmp_path / "demo.ipynb", "print(1)")
    notebooks.add_setup_cells(ROOT, tmp_path)
    notebooks.add_setup_cells(ROOT, tmp_path)  # a second staging replaces, not adds
    cells = nbformat.read(path, as_version=4).cells
    assert [c.source for c in cells[1:]] == ["print(1)"]
    setup = cells[0].source
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    repository = notebooks.github_repository(notebooks.site_extra(ROOT))
    assert f"office-hours[demos] @ git+https://github.com/{repository}@{commit}" in setup
    assert 'find_spec("office_hours") is None' in setup
    compile(setup, "setup", "exec")


@pytest.mark.parametrize("installed", [True, False])
def test_setup_cell_installs_the_package_only_where_it_is_missing(monkeypatch, installed):
    import importlib.util

    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kwargs: calls.append(args))
    if not installed:
        find_spec = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *a: None if name == "office_hours" else find_spec(name, *a))
    exec(compile(notebooks.setup_cell("owner/name", "0" * 40).source, "setup", "exec"), {})
    expected = [] if installed else [[
        sys.executable, "-m", "pip", "install", "--quiet",
        "office-hours[demos] @ git+https://github.com/owner/name@" + "0" * 40]]
    assert calls == expected


def test_colab_url_is_colab_s_github_form():
    url = notebooks.colab_url(EXTRA, "demos/x/x.ipynb")
    assert url == "https://colab.research.google.com/github/owner/name/blob/notebooks/demos/x/x.ipynb"
    assert notebooks.colab_url({**EXTRA, "repository": "https://github.com/owner/name"},
                               "demos/x/x.ipynb") == url


def test_repository_must_name_an_owner_and_a_repository():
    with pytest.raises(notebooks.SetupError):
        notebooks.github_repository({"repository": "https://example.org/x"})


# --- a downloaded notebook runs anywhere --------------------------------------------------


def _requirements_key() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [project["dependencies"], project["optional-dependencies"]["demos"], sys.version]
    return hashlib.sha256(json.dumps(wanted).encode()).hexdigest()[:12]


def _wheel(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.whl"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                    str(out), str(ROOT)], check=True)
    return next(out.glob("office_hours-*.whl"))


def _wheel_digest(wheel: Path) -> str:
    """The wheel's files (its RECORD hashes them), not the zip's timestamps."""
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        return hashlib.sha256(archive.read(record)).hexdigest()


def _environment(wheel: Path) -> Path:
    """A virtualenv with the wheel, its demos extra and nbconvert, and nothing of the repo's."""
    env = ROOT / "build" / f"notebook-venv-{_requirements_key()}"
    python = env / "bin" / "python"
    stamp = env / ".office-hours-wheel"
    if not python.is_file():
        venv.create(env, with_pip=True, clear=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if not stamp.is_file():
        subprocess.run([*pip, f"office-hours[demos] @ {wheel.as_uri()}", "nbconvert"],
                       check=True, env=OUTSIDE)
    elif stamp.read_text() != _wheel_digest(wheel):
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(wheel)], check=True,
                       env=OUTSIDE)
    stamp.write_text(_wheel_digest(wheel))
    return env


def _execute(env: Path, notebook: Path, folder: Path) -> list[dict]:
    folder.mkdir()
    target = folder / notebook.name
    target.write_bytes(notebook.read_bytes())
    run_env = {
        **OUTSIDE,
        "PATH": f"{env / 'bin'}{os.pathsep}{OUTSIDE.get('PATH', '')}",
        "OFFICE_HOURS_DATA": str(folder / "data"),  # a student's run: fetched and verified
        "JUPYTER_DATA_DIR": str(folder / "jupyter"),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [str(env / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=600", "--output", "executed.ipynb", notebook.name],
        cwd=folder, env=run_env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, f"{notebook.name}:\n{done.stderr[-3000:]}"
    executed = json.loads((folder / "executed.ipynb").read_text(encoding="utf-8"))
    return [
        output["data"][CLAIM_MIME]
        for cell in executed["cells"] for output in cell.get("outputs", [])
        if CLAIM_MIME in output.get("data", {})
    ]


@pytest.mark.slow
def test_downloaded_notebooks_run_in_a_fresh_virtualenv(site, tmp_path):
    if "OFFICE_HOURS_MIRROR" not in os.environ:
        pytest.fail("set OFFICE_HOURS_MIRROR to the shared data folder")
    assert not tmp_path.resolve().is_relative_to(ROOT)
    env = _environment(_wheel(tmp_path / "wheel"))
    notebooks_ = sorted(site.glob("demos/*/*.ipynb"))
    assert notebooks_
    with ThreadPoolExecutor(max_workers=2) as pool:
        claims = dict(zip(
            [n.stem for n in notebooks_],
            pool.map(lambda n: _execute(env, n, tmp_path / n.stem), notebooks_),
            strict=True,
        ))
    for slug, results in claims.items():
        results = [json.loads(r) if isinstance(r, str) else r for r in results]
        assert results, f"{slug}: no claim was checked"
        assert [r["id"] for r in results if not r["passed"]] == [], slug
