"""Sessions for building, testing and benchmarking Office Hours (`nox -l` lists them)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "virtualenv"  # pip: takes the local CPU build of torch
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
ENV = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "PYTHONHASHSEED": "0"}


def install(session: nox.Session, *groups: str, extra: tuple[str, ...] = ()) -> None:
    """Install the project (editable) and dependency groups, unless already done for this
    pyproject.toml: a no-change rebuild should not spend seconds asking pip to do nothing."""
    requirements = ("-e", ".", *nox.project.dependency_groups(PYPROJECT, *groups), *extra)
    stamp = Path(session.virtualenv.location) / ".office-hours-installed"
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + repr(requirements).encode()
    ).hexdigest()
    if stamp.is_file() and stamp.read_text() == wanted:
        session.log("dependencies up to date with pyproject.toml")
        return
    session.install(*requirements)
    stamp.write_text(wanted)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite: units, every demo and its claims, the strict site build."""
    install(session, "test")
    session.run("pytest", *session.posargs, env=ENV)


@nox.session
def docs(session: nox.Session) -> None:
    """Execute the demos whose inputs changed and build site/ (`-- serve` to live-reload;
    `-- --merge DIR...` takes the records of CI's shards instead of executing)."""
    install(session, "docs")
    if session.posargs[:1] == ["serve"]:
        session.run("python", "-m", "office_hours.site.build", env=ENV)
        session.run("mkdocs", "serve", *session.posargs[1:], env=ENV)
    else:
        session.run("python", "-m", "office_hours.site.build", "--site", *session.posargs, env=ENV)


@nox.session(default=False)
def shard(session: nox.Session) -> None:
    """Execute shard I of N of the stale demos into build/ (CI): `nox -s shard -- 1/2`."""
    if len(session.posargs) != 1:
        session.error("name the shard: nox -s shard -- I/N")
    install(session, "demos")
    session.run("python", "-m", "office_hours.site.build", "--shard", session.posargs[0], env=ENV)


@nox.session
def demo(session: nox.Session) -> None:
    """Run one demo in a fresh kernel and print its claims: `nox -s demo -- <slug>`."""
    if len(session.posargs) != 1:
        slugs = sorted(p.stem for p in (ROOT / "demos").glob("*.py"))
        session.error(f"name one demo: nox -s demo -- <slug>, one of: {', '.join(slugs)}")
    install(session, "demos")
    session.run("python", "-m", "office_hours.site.build", "--force", session.posargs[0], env=ENV)


@nox.session
def lint(session: nox.Session) -> None:
    """Check the code with ruff."""
    install(session, "lint")
    session.run("ruff", "check", ".")


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Open every page of the built site in headless Chromium (run `nox -s docs` first)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "browser"))  # no project, no torch
    session.run("pytest", "-m", "browser", "tests/test_browser.py", *session.posargs, env=ENV)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks and print one table: `-- [mf|glove|ngram [options]] [--json OUT]`.

    `-- mf --test-rows FILE`, `-- glove --corpus FILE`, `-- ngram --train FILE --test FILE` run
    one benchmark on your data (`python benchmarks/run.py -h` for the formats).
    """
    install(session, "bench")
    session.run("python", "benchmarks/run.py", *session.posargs, env=ENV)


@nox.session(default=False)
def compat(session: nox.Session) -> None:
    """Run every demo at the newest and at the lowest allowed versions; fail on a claim that
    holds at the pin but not across the range (`-- newest` or `-- lowest` for one end)."""
    install(session, "docs")
    session.run("python", "-m", "office_hours.site.build", env=ENV)  # the pinned column
    constraints = ROOT / "build" / "compat" / "lowest-constraints.txt"
    constraints.parent.mkdir(parents=True, exist_ok=True)
    constraints.write_text(session.run(
        "python", "-m", "office_hours.site.compat", "constraints", silent=True))
    ends = session.posargs or ["newest", "lowest"]
    for end in ends:
        venv = ROOT / "build" / "compat" / f"venv-{end}"
        shutil.rmtree(venv, ignore_errors=True)  # fresh every time: what a new student gets
        session.run(sys.executable, "-m", "venv", str(venv), external=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        session.run(*pip, "--upgrade", "pip", external=True)
        extra = ["--constraint", str(constraints)] if end == "lowest" else ["--upgrade"]
        session.run(*pip, *extra, "-e", ".[demos,site]", external=True)
        session.run(str(venv / "bin" / "python"), "-m", "office_hours.site.compat", "run", end,
                    env=ENV, external=True)
    done = [e for e in ("newest", "lowest") if (ROOT / "build" / "compat" / f"{e}.json").is_file()]
    session.run("python", "-m", "office_hours.site.compat", "report", *done, env=ENV)


@nox.session(python=False, default=False)
def new(session: nox.Session) -> None:
    """Create the page and demo skeletons of a new question: `nox -s new -- <slug>`."""
    session.run(sys.executable, "-m", "office_hours.site.scaffold", *session.posargs,
                env={"PYTHONPATH": str(ROOT / "src"), **os.environ})
