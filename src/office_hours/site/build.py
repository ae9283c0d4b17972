"""Execute the demos as notebooks, with a cache keyed on everything that can change them.

``python -m office_hours.site.build`` (what ``nox -s docs`` runs first) executes each demo whose
inputs changed in a real Jupyter kernel, in parallel up to the core count, checks its
claims against the page's front matter and records, per demo, ``build/demos/<slug>.json``
(cache key, wall time, date, versions, claims) and the executed notebook
``build/notebooks/<slug>.ipynb``. A failing demo or claim raises :class:`BuildError` with a
message naming the question, the cell and the claim; nothing of a failed demo is recorded,
so the previous results and the previous site stay as they were.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement

from office_hours import data
from office_hours.claims import ClaimResult, claims_in_notebook, format_value
from office_hours.site.notebooks import add_setup_cells

KERNEL_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
VERSIONS_SHOWN = ("python", "torch", "numpy", "pandas", "scikit-learn")


class BuildError(RuntimeError):
    """A demo failed, a claim did not hold, or a page and its demo disagree."""


@dataclass(frozen=True)
class Question:
    """One question: its page, its demo and the claims the page declares."""

    slug: str
    page: Path
    demo: Path
    meta: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.slug))

    @property
    def declared(self) -> dict[str, str]:
        return {c["id"]: c["text"] for c in self.meta.get("claims") or []}


@dataclass
class DemoRecord:
    """What one successful execution of a demo established."""

    slug: str
    key: str
    seconds: float
    executed_at: str
    versions: dict[str, str]
    claims: list[dict[str, Any]] = field(default_factory=list)
    cached: bool = False


def front_matter(page: Path) -> dict[str, Any]:
    """The YAML front matter of a Markdown page ({} if it has none)."""
    text = page.read_text(encoding="utf-8")
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.DOTALL)
    if not match:
        return {}
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise BuildError(f"{page}: front matter must be a mapping")
    return meta


def discover(root: Path) -> list[Question]:
    """Every question of the project: pages in docs/questions with a demo of the same slug."""
    pages = {p.stem: p for p in sorted((root / "docs" / "questions").glob("*.md"))}
    demos = {p.stem: p for p in sorted((root / "demos").glob("*.py"))}
    problems = [f"docs/questions/{s}.md has no demo demos/{s}.py" for s in pages.keys() - demos]
    problems += [
        f"demos/{s}.py has no page docs/questions/{s}.md" for s in demos.keys() - pages
    ]
    if problems:
        raise BuildError("; ".join(sorted(problems)))
    return [Question(s, pages[s], demos[s], front_matter(pages[s])) for s in sorted(pages)]


# --- the cache key -----------------------------------------------------------------


def _digest(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(hashlib.sha256(chunk).digest())
    return h.hexdigest()


def source_digest(root: Path) -> str:
    """Hash of the package code under src/ (paths and contents)."""
    files = sorted(p for p in (root / "src").rglob("*.py") if "__pycache__" not in p.parts)
    return _digest(
        part for p in files for part in (p.relative_to(root).as_posix().encode(), p.read_bytes())
    )


def _requirement_closure(names: Iterable[str]) -> dict[str, str]:
    """Installed versions of ``names`` and of everything they require, recursively."""
    versions: dict[str, str] = {}
    todo = [Requirement(n).name for n in names]
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in versions:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            versions[key] = "missing"
            continue
        versions[key] = dist.version
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return dict(sorted(versions.items()))


def dependency_versions(root: Path) -> dict[str, str]:
    """Versions of what a demo can import: the project's dependencies and the demos group."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    names = list(project["project"]["dependencies"])
    names += [d for d in project["dependency-groups"]["demos"] if isinstance(d, str)]
    versions = _requirement_closure(names)
    versions["python"] = platform.python_version()
    return versions


def cache_key(demo: Path, src_digest: str, deps: dict[str, str]) -> str:
    """Everything that can change a demo's output, hashed."""
    parts = {
        "demo": hashlib.sha256(demo.read_bytes()).hexdigest(),
        "src": src_digest,
        "dependencies": deps,
        "data": {name: d.sha256 for name, d in sorted(data.REGISTRY.items())},
        "kernel_env": KERNEL_ENV,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# --- execution ---------------------------------------------------------------------


def _cell_label(cell: Any, index: int) -> str:
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {index} (`{first.strip()[:80]}`)"


def _failure_message(question: Question, nb: Any, error: Exception) -> str:
    failed = [
        (i, cell)
        for i, cell in enumerate(nb.cells)
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    ]
    where = _cell_label(failed[0][1], failed[0][0]) if failed else "an unknown cell"
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    return (
        f"Question '{question.title}' ({question.slug}): the demo demos/{question.slug}.py "
        f"failed in {where}: {ename}: {evalue}"
    )


def execute(question: Question, timeout: int = 600) -> tuple[Any, float]:
    """Run the demo in a fresh kernel; return the executed notebook and its wall time."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    for name, value in KERNEL_ENV.items():
        os.environ[name] = value
    os.environ.pop("MPLBACKEND", None)  # would replace the inline backend and drop figures
    nb = jupytext.read(question.demo)
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(question.demo.parent.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        raise BuildError(_failure_message(question, nb, error)) from None
    return nb, time.perf_counter() - start


def check_claims(question: Question, results: Sequence[ClaimResult]) -> None:
    """The demo checked exactly the claims its page declares, and each held."""
    checked = {r.id for r in results}
    problems = [
        f"claim '{cid}' is declared on the page but the demo never checks it"
        for cid in question.declared.keys() - checked
    ]
    problems += [
        f"claim '{cid}' is checked by the demo but not declared in the page's front matter"
        for cid in checked - question.declared.keys()
    ]
    problems += [
        f"claim '{r.id}' did not hold (measured: {r.value})" for r in results if not r.passed
    ]
    if problems:
        raise BuildError(f"Question '{question.title}' ({question.slug}): " + "; ".join(problems))


def _versions(deps: dict[str, str]) -> dict[str, str]:
    return {name: deps.get(name, "missing") for name in VERSIONS_SHOWN}


def run_one(question: Question, key: str, deps: dict[str, str], out: Path) -> DemoRecord:
    """Execute one demo, check its claims and store its notebook and record."""
    import nbformat

    nb, seconds = execute(question)
    results = claims_in_notebook(nb)
    check_claims(question, results)
    record = DemoRecord(
        slug=question.slug, key=key, seconds=round(seconds, 2),
        executed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=_versions(deps), claims=[asdict(r) for r in results],
    )
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "demos").mkdir(parents=True, exist_ok=True)
    notebook = out / "notebooks" / f"{question.slug}.ipynb"
    tmp = notebook.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, notebook)
    (out / "demos" / f"{question.slug}.json").write_text(
        json.dumps(asdict(record), indent=2), encoding="utf-8"
    )
    return record


def load_record(out: Path, slug: str) -> DemoRecord | None:
    path = out / "demos" / f"{slug}.json"
    if not path.is_file() or not (out / "notebooks" / f"{slug}.ipynb").is_file():
        return None
    return DemoRecord(**json.loads(path.read_text(encoding="utf-8")))


def build_demos(
    root: Path, only: Sequence[str] = (), jobs: int | None = None, force: bool = False,
    log: Callable[[str], object] = print,
) -> dict[str, DemoRecord]:
    """Execute every demo whose cache key changed; return the record of each question."""
    out = root / "build"
    questions = discover(root)
    if only:
        unknown = set(only) - {q.slug for q in questions}
        if unknown:
            raise BuildError(f"no question with slug {', '.join(sorted(unknown))}")
        questions = [q for q in questions if q.slug in only]
    deps = dependency_versions(root)
    src = source_digest(root)
    records: dict[str, DemoRecord] = {}
    todo: list[tuple[Question, str]] = []
    for question in questions:
        key = cache_key(question.demo, src, deps)
        previous = load_record(out, question.slug)
        if previous is not None and previous.key == key and not force:
            check_claims(question, [ClaimResult(**c) for c in previous.claims])
            previous.cached = True
            records[question.slug] = previous
        else:
            todo.append((question, key))
    for question in questions:
        if question.slug in records:
            log(f"  cached   {question.slug} ({records[question.slug].seconds:.1f} s last run)")
    failures: list[str] = []
    if todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {q.slug: pool.submit(run_one, q, key, deps, out) for q, key in todo}
            for slug, future in futures.items():
                try:
                    records[slug] = future.result()
                    log(f"  executed {slug} in {records[slug].seconds:.1f} s")
                except BuildError as error:
                    failures.append(str(error))
                    log(f"  FAILED   {slug}")
    if failures:
        raise BuildError("\n".join(failures))
    return {q.slug: records[q.slug] for q in questions}


def print_claims(records: dict[str, DemoRecord]) -> None:
    """One line per claim: ✓/✗, id and measured value, under its question."""
    for record in records.values():
        state = "cached" if record.cached else "executed"
        print(f"\n{record.slug} ({state}, {record.seconds:.1f} s)")
        for c in record.claims:
            value = "" if c["value"] is None else f"  {format_value(c['value'])}"
            print(f"  {'✓' if c['passed'] else '✗'} {c['id']}{value}")


def stage_for_site(root: Path, records: dict[str, DemoRecord]) -> None:
    """Put the executed notebooks and demo sources where MkDocs renders and serves them."""
    target = root / "docs" / "demos"
    target.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for slug in records:
        for source, name in (
            (root / "build" / "notebooks" / f"{slug}.ipynb", f"{slug}.ipynb"),
            (root / "demos" / f"{slug}.py", f"{slug}.py"),
        ):
            wanted.add(name)
            dest = target / name
            if not dest.is_file() or dest.read_bytes() != source.read_bytes():
                shutil.copyfile(source, dest)
    add_setup_cells(root, target)
    for stale in target.iterdir():
        if stale.name not in wanted:
            stale.unlink()


def build_site(root: Path) -> Path:
    """``mkdocs build --strict`` into a scratch folder, then swap it in as site/.

    If MkDocs fails (a warning is an error under --strict), site/ is left untouched.
    """
    scratch = root / "build" / "site.new"
    shutil.rmtree(scratch, ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(scratch)],
        cwd=root, env=env, check=False, capture_output=True, text=True,
    )
    print(done.stderr, end="", file=sys.stderr)
    if done.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        problems = [
            line for line in done.stderr.splitlines() if line.startswith(("WARNING", "ERROR"))
        ]
        raise BuildError("mkdocs build --strict failed:\n" + "\n".join(problems or [done.stderr]))
    site, old = root / "site", root / "build" / "site.old"
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        os.replace(site, old)
    os.replace(scratch, site)
    shutil.rmtree(old, ignore_errors=True)
    return site


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="only these questions (default: all)")
    parser.add_argument("--force", action="store_true", help="ignore the cache")
    parser.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: cores)")
    parser.add_argument("--site", action="store_true", help="then build site/ with MkDocs")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    root = args.root.resolve()
    start = time.perf_counter()
    try:
        records = build_demos(root, only=args.slugs, jobs=args.jobs, force=args.force)
        print_claims(records)
        if not args.slugs:
            stage_for_site(root, records)
        if args.site:
            site = build_site(root)
            print(f"Built {site} in {time.perf_counter() - start:.1f} s.")
    except BuildError as error:
        print(f"\nBuild failed; the previous results and site/ are unchanged.\n{error}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
