"""Claim history: every execution of a demo, kept so that a reader can see when a value moved.

Each successful run of a demo appends one line to ``build/history.jsonl``: the demo's slug,
cache key, date, versions, its claims (measured values, bounds, pass or fail) and its named
values. The file lives beside, not inside, the cache records, so evicting the cache keeps it;
shards' files are merged line by line (:func:`merge`); the site publishes it as
``claims-history.json``.

:func:`drift` compares a demo's newest run with the run before it (the latest one with another
cache key) and lists every claim measurement and value that moved by more than a relative
tolerance, with the versions that changed in between.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE = "history.jsonl"
DEFAULT_TOLERANCE = 0.05  #: relative change that counts as drift, unless configured
TOLERANCE_ENV = "OFFICE_HOURS_DRIFT_TOLERANCE"
#: changes smaller than this are rounding, not drift (an identity's 1e-15 may become 5e-15)
ABSOLUTE_FLOOR = 1e-9


def tolerance() -> float:
    """The relative drift tolerance: $OFFICE_HOURS_DRIFT_TOLERANCE, else 5 %."""
    return float(os.environ.get(TOLERANCE_ENV) or DEFAULT_TOLERANCE)


def entry(record: Mapping[str, Any]) -> dict[str, Any]:
    """The history line of one demo record (what it measured, not how long it took)."""
    return {k: record[k] for k in ("slug", "key", "executed_at", "versions", "claims", "values")}


def append(build_dir: Path, record: Mapping[str, Any]) -> None:
    """Add one run to ``build_dir/history.jsonl`` (one JSON object a line, append-only)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with (build_dir / FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry(record), ensure_ascii=False, sort_keys=True) + "\n")


def load(build_dir: Path) -> list[dict[str, Any]]:
    """Every run in ``build_dir/history.jsonl``, oldest first; a torn last line is skipped."""
    path = build_dir / FILE
    if not path.is_file():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # an interrupted write: the runs before it are intact
    return sorted(runs, key=lambda r: r["executed_at"])


def merge(build_dir: Path, others: Iterable[Path]) -> int:
    """Add the runs of other build folders (CI shards) to ``build_dir``'s history, once each.
    Returns how many runs were added."""
    seen = {(r["slug"], r["key"], r["executed_at"]) for r in load(build_dir)}
    added = 0
    for other in others:
        for run in load(other):
            ident = (run["slug"], run["key"], run["executed_at"])
            if ident not in seen:
                seen.add(ident)
                append(build_dir, run)
                added += 1
    return added


@dataclass(frozen=True)
class Change:
    """One measured number that moved between two runs of a demo."""

    slug: str
    name: str  #: a value's name, or "claim-id" / "claim-id[check]" for a claim's measurement
    before: float
    after: float
    since: str  #: the date of the earlier run
    versions: dict[str, tuple[str, str]]  #: package -> (before, after), changed ones only

    @property
    def relative(self) -> float:
        if self.before == 0:
            return math.inf if self.after != 0 else 0.0
        return abs(self.after - self.before) / abs(self.before)

    def note(self) -> str:
        """E.g. "0.41 → 0.43 since 2026-11-29, pandas 3.0 → 3.1"."""
        moved = ", ".join(f"{k} {a} → {b}" for k, (a, b) in sorted(self.versions.items()))
        return (f"{self.before:.4g} → {self.after:.4g} since {self.since}"
                + (f", {moved}" if moved else ""))


def _numbers(run: Mapping[str, Any]) -> dict[str, float]:
    """Every number a run measured, by name: values, and each claim's measured numbers."""
    out: dict[str, float] = {}
    for name, v in run.get("values", {}).items():
        if isinstance(v.get("value"), int | float) and not isinstance(v["value"], bool):
            out[name] = float(v["value"])
    for c in run.get("claims", []):
        for i, chk in enumerate(c.get("checks", [])):
            numbers = [m for m in chk["measured"] if isinstance(m, int | float)]
            if numbers:
                name = c["id"] if len(c["checks"]) == 1 else f"{c['id']}[{chk.get('what') or i}]"
                out[name] = sum(numbers) / len(numbers)  # per-seed claims: their mean
    return out


def previous_run(runs: list[dict[str, Any]], slug: str, key: str) -> dict[str, Any] | None:
    """The latest run of ``slug`` with a cache key other than ``key``."""
    earlier = [r for r in runs if r["slug"] == slug and r["key"] != key]
    return earlier[-1] if earlier else None


def changes(before: Mapping[str, Any], after: Mapping[str, Any], tol: float) -> list[Change]:
    """The numbers that moved by more than ``tol`` (relative) from ``before`` to ``after``."""
    old, new = _numbers(before), _numbers(after)
    versions = {
        k: (before["versions"].get(k, "?"), v)
        for k, v in after["versions"].items() if before["versions"].get(k) != v
    }
    found = []
    for name in sorted(old.keys() & new.keys()):
        change = Change(after["slug"], name, old[name], new[name],
                        before["executed_at"][:10], versions)
        if change.relative > tol and abs(change.after - change.before) > ABSOLUTE_FLOOR:
            found.append(change)
    return found


def drift(runs: list[dict[str, Any]], current: Iterable[Mapping[str, Any]],
          tol: float | None = None) -> list[Change]:
    """For each current record, what moved since the run before it."""
    tol = tolerance() if tol is None else tol
    found: list[Change] = []
    for record in current:
        before = previous_run(runs, record["slug"], record["key"])
        if before is not None:
            found += changes(before, record, tol)
    return found


def drift_table(found: list[Change], tol: float | None = None) -> str:
    """The drift lines the build prints (empty when nothing moved)."""
    if not found:
        return ""
    tol = tolerance() if tol is None else tol
    lines = [f"Drift: {len(found)} measured numbers moved by more than {tol:.0%} since the "
             "previous run:"]
    lines += [f"  {c.slug}  {c.name}: {c.note()}" for c in found]
    return "\n".join(lines)
