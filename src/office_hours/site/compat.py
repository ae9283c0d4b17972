"""The version matrix: does every claim hold across the versions pyproject.toml allows?

``nox -s compat`` makes two fresh virtualenvs, one at the newest releases of the libraries
below and one at the lowest versions ``pyproject.toml`` allows (pip constraints built from
its lower bounds), torch staying at its pin. In each it runs every demo with
``python -m office_hours.site.compat run``, which records every claim (held, failed, or not
reached because the demo failed) without stopping at the first failure. ``... compat report``
sets them beside the pinned build's records (``build/demos``), writes ``build/compat.json``
(the matrix on the "How this site works" page) and fails when a claim that holds at the pin
fails in another environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tomllib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from office_hours.claims import KEEP_GOING_ENV, claims_in_notebook
from office_hours.site.build import BuildError, Question, discover, execute, load_record

#: the libraries whose range pyproject.toml allows and the matrix spans
SPANNED = ("numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "gensim", "statsmodels")
SHOWN = ("python", "torch", *SPANNED)
RESULT = "compat.json"


def lower_bounds(pyproject: Path, names: Sequence[str] = SPANNED) -> dict[str, str]:
    """The lowest version each of ``names`` may have: its ``>=`` bound in pyproject.toml (the
    core dependencies and the ``demos`` extra)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    specs = [*project["dependencies"], *project["optional-dependencies"]["demos"]]
    bounds = {}
    for spec in map(Requirement, specs):
        lows = [s.version for s in spec.specifier if s.operator in (">=", "==")]
        if spec.name in names and lows:
            bounds[spec.name] = lows[0]
    missing = set(names) - bounds.keys()
    if missing:
        raise ValueError(f"no lower bound in {pyproject} for {', '.join(sorted(missing))}")
    return bounds


def constraints(pyproject: Path) -> str:
    """pip constraints pinning every spanned library at its lowest allowed version."""
    return "".join(f"{name}=={version}\n" for name, version in lower_bounds(pyproject).items())


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in SHOWN[1:]:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def _run_one(question: Question) -> dict[str, Any]:
    """Every claim the demo reached, held or not; a demo that raised is reported as such."""
    try:
        nb, seconds = execute(question)
    except BuildError as error:
        return {"error": str(error), "claims": {}}
    return {
        "seconds": round(seconds, 1),
        "claims": {r.id: {"passed": r.passed, "shown": r.shown} for r in claims_in_notebook(nb)},
    }


def run(root: Path, name: str, jobs: int = 2) -> Path:
    """Execute every demo in this environment and write ``build/compat/<name>.json``."""
    os.environ[KEEP_GOING_ENV] = "1"  # a failed claim is recorded and the demo goes on
    questions = discover(root)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = dict(zip([q.slug for q in questions], pool.map(_run_one, questions),
                           strict=True))
    out = root / "build" / "compat" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "environment": name, "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(), "demos": results,
    }, indent=2), encoding="utf-8")
    return out


def _cell(demo: dict[str, Any] | None, cid: str) -> dict[str, Any]:
    if demo is None:
        return {"state": "not run"}
    if cid in demo["claims"]:
        c = demo["claims"][cid]
        return {"state": "held" if c["passed"] else "failed", "shown": c["shown"]}
    reason = demo.get("error", "the demo stopped before this claim")
    return {"state": "failed", "shown": f"not reached: {reason[:300]}"}


def report(root: Path, names: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """The matrix of every declared claim in the pinned build and each environment, and the
    claims that hold at the pin but fail elsewhere."""
    envs = {}
    for name in names:
        path = root / "build" / "compat" / f"{name}.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `nox -s compat` to make it")
        envs[name] = json.loads(path.read_text(encoding="utf-8"))
    pinned: dict[str, Any] = {"environment": "pinned", "versions": {}, "demos": {}}
    for question in discover(root):
        record = load_record(root / "build", question.slug)
        if record is not None:
            pinned["demos"][question.slug] = {
                "claims": {c["id"]: {"passed": c["passed"], "shown": c["shown"]}
                           for c in record.claims}}
            pinned["versions"] = record.versions
    columns = {"pinned": pinned, **envs}
    rows, regressions = [], []
    for question in discover(root):
        for cid in question.declared:
            cells = {n: _cell(env["demos"].get(question.slug), cid)
                     for n, env in columns.items()}
            rows.append({"slug": question.slug, "claim": cid, "cells": cells})
            if cells["pinned"]["state"] == "held":
                regressions += [f"{question.slug} {cid}: held at the pin, {c['state']} with "
                                f"{n} ({c.get('shown', '')})"
                                for n, c in cells.items() if n != "pinned" and c["state"] != "held"]
    matrix = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "environments": {n: {"versions": env["versions"], "date": env.get("date")}
                         for n, env in columns.items()},
        "rows": rows,
    }
    (root / "build" / RESULT).write_text(json.dumps(matrix, indent=2), encoding="utf-8")
    return matrix, regressions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="execute every demo here, recording every claim")
    run_p.add_argument("name")
    run_p.add_argument("--jobs", type=int, default=2)
    sub.add_parser("constraints", help="print pip constraints at the lowest allowed versions")
    rep = sub.add_parser("report", help="write build/compat.json and fail on regressions")
    rep.add_argument("names", nargs="+")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.command == "constraints":
        print(constraints(root / "pyproject.toml"), end="")
        return 0
    if args.command == "run":
        print(f"wrote {run(root, args.name, args.jobs)}")
        return 0
    matrix, regressions = report(root, args.names)
    for name, env in matrix["environments"].items():
        shown = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        print(f"{name}: {shown}")
    held = {n: sum(r["cells"][n]["state"] == "held" for r in matrix["rows"])
            for n in matrix["environments"]}
    print("claims held: " + ", ".join(f"{n} {k}/{len(matrix['rows'])}" for n, k in held.items()))
    if regressions:
        print("Claims that hold at the pin but not across the allowed range:", file=sys.stderr)
        print("\n".join(f"  {line}" for line in regressions), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
