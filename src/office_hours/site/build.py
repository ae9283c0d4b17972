"""Execute the demos as notebooks, with a cache keyed on exactly what can change each one.

``python -m office_hours.site.build`` (what ``nox -s docs`` runs first) executes each demo whose
inputs changed in a real Jupyter kernel, up to one kernel per core, checks its claims against the
page's front matter and records, per demo, ``build/demos/<slug>.json`` (cache key and the inputs
it hashes, wall time, date, versions, claims) and the executed notebook
``build/notebooks/<slug>.ipynb``. A failing demo or claim raises :class:`BuildError` with a
message naming the question, the cell and the claim; nothing of a failed demo is recorded, so the
previous results and the previous site stay as they were.

A demo's inputs are recorded when it runs (:func:`_kernel_probe`): its source, the project files
it imported, the distributions its imports came from (with their requirements), the datasets it
read through ``office_hours.data`` and the kernel's environment. A later build recomputes the hash
of each recorded input to decide, before running anything, whether the demo is stale and why.

``--site`` then builds ``site/`` with MkDocs, unless no input of the site changed. ``--shard i/n``
executes a deterministic share of the stale demos; ``--merge DIR...`` takes the shards' build
folders, checks every record against this checkout and builds the site. Ctrl-C stops the build:
kernels are shut down, queued demos dropped, and the cache and ``site/`` stay sound.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import hashlib
import inspect
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache, cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from office_hours.site import history, values

KERNEL_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
VERSIONS_SHOWN = ("python", "torch", "numpy", "pandas", "scikit-learn")
DATA_REGISTRY = "src/office_hours/data.py"  # pins each dataset's sha256
DEFAULT_SECONDS = 20.0  # expected run time of a demo that never ran
SITE_STAMP = "site-inputs.sha256"  # in build/: the digest of the inputs site/ was built from


class BuildError(RuntimeError):
    """A demo failed, a claim did not hold, or a page and its demo disagree.

    ``records`` holds the demos that did succeed in this build, ``failures`` the message of each
    demo that failed, so that a test can tell them apart without reading an older record.
    """

    def __init__(
        self, message: str, records: dict[str, DemoRecord] | None = None,
        failures: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.records = records or {}
        self.failures = failures or {}


class Interrupted(Exception):
    """Ctrl-C: the running kernels were shut down and the queued demos dropped."""

    def __init__(self, done: int, not_run: int) -> None:
        super().__init__(f"interrupted: {done} demos done (cached), {not_run} not run")
        self.done, self.not_run = done, not_run


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
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  #: name -> {value, text}
    cached: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)  # what ``key`` hashes, by name


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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dataset_pins(root: Path) -> dict[str, str]:
    """The sha256 each dataset of the project's registry pins, by the dataset's path.

    Read from the source of ``office_hours/data.py`` (its ``Dataset(path=..., sha256=...)``
    literals), so that deciding what is stale imports neither the registry nor pandas.
    """
    registry = root / DATA_REGISTRY
    if not registry.is_file():
        return {}
    pins = {}
    for node in ast.walk(ast.parse(registry.read_bytes(), filename=str(registry))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Dataset":
            given = {k.arg: k.value for k in node.keywords}
            if not all(isinstance(given.get(k), ast.Constant) for k in ("path", "sha256")):
                raise BuildError(f"{DATA_REGISTRY}: give each Dataset a literal path and sha256")
            pins[given["path"].value] = given["sha256"].value
    return pins


@cache
def installed_versions() -> dict[str, str]:
    """Every installed distribution's version, by canonical name (the first on sys.path wins).

    Read from the ``<name>-<version>.dist-info`` folder names, which the wheel format fixes,
    rather than by parsing every METADATA file: a no-op build must stay well under a second.
    """
    versions: dict[str, str] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            continue
        for info in sorted([*folder.glob("*.dist-info"), *folder.glob("*.egg-info")]):
            name, _, version = info.stem.partition("-")
            if not version or info.suffix == ".egg-info":
                dist = metadata.PathDistribution(info)
                name, version = dist.metadata["Name"] or name, dist.version
            versions.setdefault(canonicalize_name(name), version)
    return versions


def requirement_closure(names: Iterable[str], installed: dict[str, str]) -> dict[str, str]:
    """Installed versions of ``names`` and of everything they require, recursively."""
    versions: dict[str, str] = {}
    todo = [canonicalize_name(Requirement(n).name) for n in names]
    while todo:
        name = todo.pop()
        if name in versions:
            continue
        versions[name] = installed.get(name, "missing")
        if name not in installed:
            continue
        for spec in metadata.distribution(name).requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return dict(sorted(versions.items()))


def kernel_environment() -> dict[str, Any]:
    """What the kernel runs on besides the imported code: interpreter, platform, variables."""
    return {
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "platform": f"{sys.platform}-{platform.machine()}",
        "env": KERNEL_ENV,
    }


def inputs_key(inputs: dict[str, Any]) -> str:
    """The cache key: a hash of a record's inputs."""
    return _sha256(json.dumps(inputs, sort_keys=True).encode())


class Checkout:
    """The current state of everything a demo record can name, read lazily, once per build."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, str] = {}

    @cached_property
    def pins(self) -> dict[str, str]:
        return dataset_pins(self.root)

    @cached_property
    def installed(self) -> dict[str, str]:
        return installed_versions()

    @cached_property
    def kernel(self) -> dict[str, Any]:
        return kernel_environment()

    def file_digest(self, name: str) -> str:
        """sha256 of a file (relative to the root, or absolute), "missing" if there is none.

        The registry's pinned checksums are left out, so that a new pin only re-runs the demos
        that read that dataset.
        """
        if name not in self._files:
            path = self.root / name
            if not path.is_file():
                self._files[name] = "missing"
            else:
                text = path.read_bytes()
                for pin in self.pins.values():
                    text = text.replace(pin.encode(), b"<pinned sha256>")
                self._files[name] = _sha256(text)
        return self._files[name]

    def snapshot_src(self) -> None:
        """Hash the files under src/ before demos run: an edit made during the run shows later."""
        for path in sorted((self.root / "src").rglob("*.py")):
            self.file_digest(path.relative_to(self.root).as_posix())

    def versions_shown(self) -> dict[str, str]:
        return {
            name: self.kernel["python"] if name == "python" else self.installed.get(name, "missing")
            for name in VERSIONS_SHOWN
        }

    def inputs(self, demo: Path, probe: dict[str, Any]) -> dict[str, Any]:
        """A record's inputs from what the kernel reported at the end of the demo's run."""
        return {
            "demo": self.file_digest(demo.relative_to(self.root).as_posix()),
            "src": {name: self.file_digest(name) for name in sorted(probe["src"])},
            "files": {name: self.file_digest(name) for name in sorted(probe["files"])},
            "distributions": requirement_closure(probe["distributions"], self.installed),
            "data": dict(sorted(probe["data"].items())),
            "kernel": self.kernel,
        }

    def stale_reasons(self, question: Question, record: DemoRecord | None) -> list[str]:
        """Why the record does not hold for this checkout ([] when it does)."""
        if record is None:
            return ["never run"]
        inputs = record.inputs
        if not inputs:
            return ["record without inputs"]
        if inputs_key(inputs) != record.key:
            return ["record's key does not match its inputs"]
        reasons = []
        if inputs["demo"] != self.file_digest(question.demo.relative_to(self.root).as_posix()):
            reasons.append("demo changed")
        for kind, label in (("src", "src"), ("files", "imported file")):
            changed = [n for n, h in inputs[kind].items() if self.file_digest(n) != h]
            if changed:
                shown = ", ".join(n.removeprefix("src/") for n in changed)
                reasons.append(f"{label} changed: {shown}")
        packages = [
            f"{n} {v} → {self.installed.get(n, 'missing')}"
            for n, v in inputs["distributions"].items() if self.installed.get(n, "missing") != v
        ]
        if packages:
            reasons.append("packages changed: " + ", ".join(packages))
        data = [p for p, sha in inputs["data"].items() if self.pins.get(p) != sha]
        if data:
            reasons.append("data changed: " + ", ".join(data))
        if inputs["kernel"] != self.kernel:
            reasons.append("kernel environment changed")
        return reasons


def _kernel_probe(root: str) -> str:
    """Run in the kernel after the demo: what it imported and read, as JSON.

    Distributions are those the imported modules come from; project files, the imported
    modules' files under ``root`` (outside the environment); files, modules from elsewhere
    (hashed by content); data, what ``office_hours.data`` fetched. Files inside the environment
    that no distribution owns (the interpreter's, or vendored) go with the Python version.
    """
    import json
    import os
    import sys
    from importlib import metadata

    owners = metadata.packages_distributions()
    environments = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix})
    src, files, dists = set(), set(), set()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        top = name.partition(".")[0]
        if not path or top in sys.stdlib_module_names:
            continue
        path = os.path.realpath(path)
        if top in owners and not path.startswith(root + os.sep):
            dists.update(owners[top])
        elif path.startswith(environments):
            continue  # the interpreter's own files, or one vendored inside a distribution
        elif path.startswith(root + os.sep):
            src.add(os.path.relpath(path, root))
        else:
            files.add(path)
    data = getattr(sys.modules.get("office_hours.data"), "READS", {})
    found = {"src": src, "files": files, "distributions": dists}
    return json.dumps({**{k: sorted(v) for k, v in found.items()}, "data": data})


PROBE_SOURCE = inspect.getsource(_kernel_probe)  # read now: the file may be edited mid-build


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


def kernel_process_env(root: Path) -> dict[str, str]:
    """The kernel's environment: this one, the checkout's src/ first on the path, KERNEL_ENV."""
    env = {**os.environ, **KERNEL_ENV}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(root / "src"), os.environ.get("PYTHONPATH")) if p
    )
    env.pop("MPLBACKEND", None)  # would replace the inline backend and drop figures
    return env


async def execute(
    question: Question, root: Path, sockets: Path, timeout: int = 600,
) -> tuple[Any, float, dict[str, Any]]:
    """Run the demo in a fresh kernel; return the executed notebook, its wall time and probe.

    The kernel talks over IPC sockets in ``sockets`` (not TCP), lives in its own session (so a
    terminal's Ctrl-C reaches the build, which shuts it down) and exits if the build dies
    (ipykernel polls its parent). Cancelling this coroutine kills the kernel.
    """
    import jupytext
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = jupytext.read(question.demo)
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / question.slug))
    client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=False)
    start = time.perf_counter()
    probe = nbformat.v4.new_code_cell(PROBE_SOURCE + f"print(_kernel_probe({str(root)!r}))")
    try:
        try:
            await client.async_start_new_kernel(cwd=str(root), env=kernel_process_env(root))
            await client.async_start_new_kernel_client()
            for index, cell in enumerate(nb.cells):
                await client.async_execute_cell(
                    cell, index, execution_count=client.code_cells_executed + 1
                )
        except (CellExecutionError, CellTimeoutError) as error:
            raise BuildError(_failure_message(question, nb, error)) from None
        seconds = time.perf_counter() - start
        nb.cells.append(probe)  # nbclient stores outputs by index; the probe leaves no trace
        try:
            await client.async_execute_cell(probe, len(nb.cells) - 1, store_history=False)
        except CellExecutionError as error:
            raise BuildError(
                f"Question '{question.title}' ({question.slug}): the build could not read what "
                f"the demo imported and read: {error.ename}: {error.evalue}"
            ) from None
        finally:
            nb.cells.pop()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
    return nb, seconds, json.loads(text)


_CALLS = {"claim": 1, "check": 0}  # where `measured` stands among each call's positional arguments


def constant_claims(source: str) -> list[str]:
    """Claims in a demo's source whose condition cannot vary: a measured expression that is a
    literal (no name, call or attribute in it), or the same expression as its bound."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        first = _CALLS.get(node.func.id)
        if first is None or len(node.args) < first + 3:
            continue
        measured, bound = node.args[first], node.args[first + 2]
        if not any(isinstance(n, ast.Name | ast.Attribute | ast.Call) for n in ast.walk(measured)):
            problems.append(f"line {node.lineno}: the measured value `{ast.unparse(measured)}` "
                            "is a constant")
        elif ast.dump(measured) == ast.dump(bound):
            problems.append(f"line {node.lineno}: `{ast.unparse(measured)}` is compared with "
                            "itself")
    return problems


def check_claims(question: Question, results: Sequence[dict[str, Any]]) -> None:
    """The demo checked exactly the claims its page declares, and each held.

    ``results`` are claim results as recorded (dicts), so that checking a cached record needs
    neither office_hours.claims nor numpy."""
    checked = {r["id"] for r in results}
    problems = [
        f"claim '{cid}' is declared on the page but the demo never checks it"
        for cid in question.declared.keys() - checked
    ]
    problems += [
        f"claim '{cid}' is checked by the demo but not declared in the page's front matter"
        for cid in checked - question.declared.keys()
    ]
    problems += [
        f"claim '{r['id']}' did not hold ({r['shown']})"
        for r in results if not r["passed"]
    ]
    if problems:
        raise BuildError(f"Question '{question.title}' ({question.slug}): " + "; ".join(problems))


async def run_one(question: Question, checkout: Checkout, out: Path, sockets: Path) -> DemoRecord:
    """Execute one demo, check its claims and store its notebook and record."""
    from office_hours.claims import claims_in_notebook, values_in_notebook

    nb, seconds, probe = await execute(question, checkout.root, sockets)
    results = [r.record() for r in claims_in_notebook(nb)]
    check_claims(question, results)
    try:
        values = {n: {"value": v.value, "text": v.text} for n, v in values_in_notebook(nb).items()}
    except ValueError as error:
        raise BuildError(f"Question '{question.title}' ({question.slug}): {error}") from None
    inputs = checkout.inputs(question.demo, probe)
    record = DemoRecord(
        slug=question.slug, key=inputs_key(inputs), seconds=round(seconds, 2),
        executed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=checkout.versions_shown(), claims=results, values=values, inputs=inputs,
    )
    store_record(out, record, nb)
    return record


def store_record(out: Path, record: DemoRecord, nb: Any) -> None:
    """Write the notebook, then the record that vouches for it (each replaced atomically)."""
    import nbformat

    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    (out / "demos").mkdir(parents=True, exist_ok=True)
    notebook = out / "notebooks" / f"{record.slug}.ipynb"
    nbformat.write(nb, notebook.with_suffix(".ipynb.tmp"))
    os.replace(notebook.with_suffix(".ipynb.tmp"), notebook)
    path = out / "demos" / f"{record.slug}.json"
    path.with_suffix(".json.tmp").write_text(json.dumps(asdict(record), indent=2), encoding="utf-8")
    os.replace(path.with_suffix(".json.tmp"), path)


def load_record(out: Path, slug: str) -> DemoRecord | None:
    path = out / "demos" / f"{slug}.json"
    if not path.is_file() or not (out / "notebooks" / f"{slug}.ipynb").is_file():
        return None
    return DemoRecord(**json.loads(path.read_text(encoding="utf-8")))


# --- scheduling --------------------------------------------------------------------


@dataclass
class Stale:
    """A demo to run: why, and how long its last run took."""

    question: Question
    reasons: list[str]
    expected: float | None


def plan(
    root: Path, checkout: Checkout, out: Path, only: Sequence[str] = (), force: bool = False,
) -> tuple[list[Question], dict[str, DemoRecord], list[Stale]]:
    """The questions, the records still valid for them, and the stale demos, longest first."""
    questions = discover(root)
    if only:
        unknown = set(only) - {q.slug for q in questions}
        if unknown:
            raise BuildError(f"no question with slug {', '.join(sorted(unknown))}")
        questions = [q for q in questions if q.slug in only]
    fresh: dict[str, DemoRecord] = {}
    stale: list[Stale] = []
    constant = [
        f"demos/{q.slug}.py {problem}: a claim must be able to fail"
        for q in questions for problem in constant_claims(q.demo.read_text(encoding="utf-8"))
    ]
    if constant:
        raise BuildError("\n".join(constant))
    for question in questions:
        previous = load_record(out, question.slug)
        reasons = ["forced"] if force else checkout.stale_reasons(question, previous)
        if reasons:
            stale.append(Stale(question, reasons, previous.seconds if previous else None))
        else:
            check_claims(question, previous.claims)
            previous.cached = True
            fresh[question.slug] = previous
    return questions, fresh, longest_first(stale)


def _expected(item: Stale, known: Sequence[float]) -> float:
    if item.expected is not None:
        return item.expected
    return sorted(known)[len(known) // 2] if known else DEFAULT_SECONDS


def longest_first(stale: Sequence[Stale]) -> list[Stale]:
    known = [s.expected for s in stale if s.expected is not None]
    return sorted(stale, key=lambda s: (-_expected(s, known), s.question.slug))


def shard(stale: Sequence[Stale], index: int, count: int) -> list[Stale]:
    """Shard ``index`` (1-based) of ``count``: longest-processing-time-first greedy over the
    last run times, ties broken by slug, so every shard computes the same partition."""
    known = [s.expected for s in stale if s.expected is not None]
    loads = [0.0] * count
    mine = []
    for item in longest_first(stale):
        target = min(range(count), key=lambda i: (loads[i], i))
        loads[target] += _expected(item, known)
        if target == index - 1:
            mine.append(item)
    return mine


async def _run_all(
    todo: Sequence[Stale], checkout: Checkout, out: Path, jobs: int,
    records: dict[str, DemoRecord], failures: dict[str, str], log: Callable[[str], object],
) -> None:
    slots = asyncio.Semaphore(jobs)
    with tempfile.TemporaryDirectory(prefix="office-hours-kernels-") as sockets:

        async def one(item: Stale) -> None:
            slug = item.question.slug
            async with slots:
                expected = f"~{item.expected:.0f} s" if item.expected is not None else "first run"
                log(f"  start    {slug} ({expected}; {'; '.join(item.reasons)})")
                start = time.perf_counter()
                try:
                    record = await run_one(item.question, checkout, out, Path(sockets))
                except Exception as error:
                    if asyncio.current_task().cancelling():  # Ctrl-C broke the kernel's messages
                        raise asyncio.CancelledError from error
                    failures[slug] = str(error) if isinstance(error, BuildError) else (
                        f"Question '{item.question.title}' ({slug}): the kernel failed: "
                        f"{type(error).__name__}: {error}"  # it died, or nbclient broke
                    )
                else:
                    records[slug] = record
                    history.append(out, asdict(record))
                    log(f"  done     {slug} in {record.seconds:.1f} s, "
                        f"{_claims_summary(record)} claims hold")
                    return
                log(f"  FAILED   {slug} after {time.perf_counter() - start:.1f} s")

        async with asyncio.TaskGroup() as group:
            for item in todo:
                group.create_task(one(item))


def _claims_summary(record: DemoRecord) -> str:
    return f"{sum(1 for c in record.claims if c['passed'])}/{len(record.claims)}"


def build_demos(
    root: Path, only: Sequence[str] = (), jobs: int | None = None, force: bool = False,
    log: Callable[[str], object] = print, out: Path | None = None,
    shard_of: tuple[int, int] | None = None,
) -> dict[str, DemoRecord]:
    """Execute every stale demo (or shard ``shard_of`` of them); return the record of each
    question (with ``shard_of``, of those this shard ran or found fresh)."""
    out = out or root / "build"
    checkout = Checkout(root)
    checkout.snapshot_src()
    questions, records, stale = plan(root, checkout, out, only, force)
    if shard_of is not None:
        mine = shard(stale, *shard_of)
        log(f"shard {shard_of[0]}/{shard_of[1]}: {len(mine)} of {len(stale)} stale demos")
        stale = mine
    failures: dict[str, str] = {}
    if stale:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(stale)))
        log(f"{len(questions)} demos: {len(records)} cached, {len(stale)} to run "
            f"on {workers} kernel{'s' if workers > 1 else ''}")
        try:
            asyncio.run(_run_all(stale, checkout, out, workers, records, failures, log))
        except KeyboardInterrupt:
            raise Interrupted(len(records), len(questions) - len(records)) from None
    if failures:
        raise BuildError("\n".join(failures.values()), records, failures)
    return {q.slug: records[q.slug] for q in questions if q.slug in records}


def merge(root: Path, folders: Sequence[Path], out: Path | None = None) -> None:
    """Take each demo's record from the shards' build folders into ``out`` (build/), refusing
    a record that does not hold for this checkout; every demo needs one."""
    out = out or root / "build"
    checkout = Checkout(root)
    problems = []
    for question in discover(root):
        why: list[str] = []
        for folder in folders:
            record = load_record(folder, question.slug)
            reasons = checkout.stale_reasons(question, record)
            if not reasons:
                if folder.resolve() != out.resolve():
                    for part, suffix in (("notebooks", "ipynb"), ("demos", "json")):
                        (out / part).mkdir(parents=True, exist_ok=True)
                        name = f"{question.slug}.{suffix}"
                        shutil.copyfile(folder / part / name, out / part / f".{name}.tmp")
                        os.replace(out / part / f".{name}.tmp", out / part / name)
                break
            why.append(f"{folder}: {'; '.join(reasons)}")
        else:
            problems.append(f"  {question.slug}: " + " | ".join(why))
    history.merge(out, [f for f in folders if f.resolve() != out.resolve()])
    if problems:
        raise BuildError(
            "cannot merge: no shard has a record of these demos that holds for this checkout "
            "(run them again):\n" + "\n".join(problems)
        )


def print_table(records: dict[str, DemoRecord], failures: dict[str, str] | None = None) -> None:
    """demo | state | seconds | claims, one line per demo."""
    rows = [
        (slug, "cached" if r.cached else "executed", f"{r.seconds:.1f}", _claims_summary(r))
        for slug, r in records.items()
    ]
    rows += [(slug, "failed", "", "") for slug in failures or {}]
    width = max([len("demo"), *(len(r[0]) for r in rows)])
    print(f"\n{'demo':<{width}}  {'state':<8}  {'seconds':>7}  claims")
    for slug, state, seconds, claims in sorted(rows):
        print(f"{slug:<{width}}  {state:<8}  {seconds:>7}  {claims}")


def print_claims(records: dict[str, DemoRecord]) -> None:
    """One line per claim: ✓/✗, id and measured value, under its question."""
    for record in records.values():
        print(f"\n{record.slug}")
        for c in record.claims:
            print(f"  {'✓' if c['passed'] else '✗'} {c['id']}: {c['shown']}")


# --- the site ----------------------------------------------------------------------


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
    from office_hours.site.notebooks import SetupError, add_setup_cells  # not on a no-op build

    try:
        add_setup_cells(root, target)
    except SetupError as error:
        raise BuildError(f"the downloadable notebooks need their setup cell: {error}") from None
    for stale in target.iterdir():
        if stale.name not in wanted:
            stale.unlink()


def site_inputs(root: Path) -> str:
    """A digest of everything site/ is built from: the pages, assets and theme overrides under
    docs/ (with the staged notebooks), mkdocs.yml and the variables it reads, the code under src/
    (the hooks and what they import), the demo records, and the installed packages' versions."""
    config = root / "mkdocs.yml"
    files = [config, *(root / "build" / "demos").glob("*.json")]
    files += [p for top in ("docs", "src") for p in (root / top).rglob("*")]
    h = hashlib.sha256()
    for path in sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    names = re.findall(r"!ENV\s*\[?\s*([A-Za-z_]\w*)", config.read_text(encoding="utf-8"))
    h.update(json.dumps([{n: os.environ.get(n) for n in names}, installed_versions()]).encode())
    return h.hexdigest()


def site_is_current(root: Path) -> bool:
    """site/ exists and was built from exactly the present inputs."""
    stamp = root / "build" / SITE_STAMP
    return (
        (root / "site").is_dir() and stamp.is_file()
        and stamp.read_text(encoding="utf-8") == site_inputs(root)
    )


def _mkdocs_problems(log: str) -> list[str]:
    """The WARNING and ERROR records of MkDocs' log, with their continuation lines."""
    kept, keep = [], False
    for line in log.splitlines():
        level = re.match(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b", line)
        if level:
            keep = level.group(1) not in ("DEBUG", "INFO")
        if keep:
            kept.append(line)
    return kept


def build_site(root: Path) -> Path:
    """``mkdocs build --strict`` into a scratch folder, then swap it in as site/.

    If MkDocs fails (a warning is an error under --strict) or is interrupted, site/ is left
    untouched. Only MkDocs' warnings and errors are shown.
    """
    inputs = site_inputs(root)
    scratch = root / "build" / "site.new"
    shutil.rmtree(scratch, ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(scratch)],
            cwd=root, env=env, check=False, capture_output=True, text=True,
        )
    except KeyboardInterrupt:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    problems = _mkdocs_problems(done.stderr)
    if done.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise BuildError("mkdocs build --strict failed:\n" + "\n".join(problems or [done.stderr]))
    if problems:
        print("\n".join(problems), file=sys.stderr)
    site, old = root / "site", root / "build" / "site.old"
    shutil.rmtree(old, ignore_errors=True)
    # swap whole or not at all
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        if site.exists():
            os.replace(site, old)
        os.replace(scratch, site)
        (root / "build" / SITE_STAMP).write_text(inputs, encoding="utf-8")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    shutil.rmtree(old, ignore_errors=True)
    return site


# --- command line ------------------------------------------------------------------


def _shard_arg(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise argparse.ArgumentTypeError(f"expected i/n with 1 ≤ i ≤ n, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; SIGTERM (a cancelled CI job, `kill`) stops it as Ctrl-C does, and it
    exits with 128 + the signal's number."""
    stopped_by = [signal.SIGINT]

    def on_sigterm(signum: int, frame: object) -> None:
        stopped_by.append(signal.SIGTERM)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        return _main(argv, stopped_by)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None, stopped_by: list[int]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="only these questions (default: all)")
    parser.add_argument("--force", action="store_true", help="ignore the cache")
    parser.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: cores)")
    parser.add_argument("--site", action="store_true", help="then build site/ with MkDocs")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--out", type=Path, default=None, help="build folder (default: build/)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--shard", type=_shard_arg, metavar="I/N",
                       help="run only shard I of N of the stale demos (no site)")
    group.add_argument("--merge", type=Path, nargs="+", metavar="DIR",
                       help="take the records of the shards' build folders, then build the site")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    out = (args.out or root / "build").resolve()
    start = time.perf_counter()
    records: dict[str, DemoRecord] = {}
    try:
        if args.merge:
            merge(root, args.merge, out)
        records = build_demos(root, only=args.slugs, jobs=args.jobs, force=args.force, out=out,
                              shard_of=args.shard)
        print_table(records)
        for slug, record in records.items():
            page = (root / "docs" / "questions" / f"{slug}.md").read_text(encoding="utf-8")
            for name in values.unused(page, record.values):
                print(f"warning: demos/{slug}.py records the value '{name}', which "
                      f"docs/questions/{slug}.md never uses: quote it or stop recording it")
        executed = [asdict(r) for r in records.values() if not r.cached]
        drift = history.drift_table(history.drift(history.load(out), executed))
        if drift:
            print("\n" + drift)
        if args.slugs:
            print_claims({s: r for s, r in records.items() if not r.cached})
        if args.shard or args.slugs:
            return 0
        stage_for_site(root, records)
        if args.site or args.merge:
            if site_is_current(root):
                print("site/ is up to date: no page, record, setting, theme, hook or asset "
                      "changed; MkDocs skipped.")
            else:
                build_site(root)
                print(f"Built {root / 'site'} in {time.perf_counter() - start:.1f} s.")
    except Interrupted as stop:
        print(f"\n{stop}; site/ unchanged", file=sys.stderr)
        return 128 + stopped_by[-1]
    except KeyboardInterrupt:
        print(f"\ninterrupted: {len(records)} demos done (cached), 0 not run; site/ unchanged",
              file=sys.stderr)
        return 128 + stopped_by[-1]
    except BuildError as error:
        if error.records or error.failures:
            print_table(error.records, error.failures)
        print(f"\nBuild failed; the previous results and site/ are unchanged.\n{error}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
