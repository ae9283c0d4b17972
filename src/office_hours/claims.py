"""Claims and values: what a demo proves, and the numbers its page quotes.

A demo checks each claim of its answer where the evidence is computed, as a measured number
held to a bound::

    claim("neural-lm-beats-kneser-ney", gru_ppl / kn_ppl, "<=", 0.9)   # "0.83, needs ≤ 0.9"
    claim("one-hot-equals-lookup", max_abs_diff, "==", 0)
    claim("genre-auc", [auc for each seed], ">=", 0.7)                 # "held in 5/5, range …"
    claim("bridges", check(corr_0, "<", 0.6, "corr, 0 bridges"),
                     check(corr_500, ">", 0.95, "corr, 500 bridges"))

and records each number its page quotes under a name, which the page writes as ``{{ name }}``::

    value("gru-ppl", gru_ppl, "{:.1f}")

Inside a notebook kernel, results are shown as a visible line and recorded in the cell's
output under :data:`CLAIM_MIME` / :data:`VALUE_MIME`, where the build reads them back. Run as
a plain script, the same lines are printed. A claim that does not hold raises
:class:`ClaimFailed`, which stops the demo with an error naming the claim.
"""

from __future__ import annotations

import ast
import html
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

CLAIM_MIME = "application/vnd.office-hours.claim+json"
#: set to "1" (the version matrix does) to record a failed claim and go on instead of stopping
KEEP_GOING_ENV = "OFFICE_HOURS_KEEP_GOING"
VALUE_MIME = "application/vnd.office-hours.value+json"
NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "in": "in"}

JsonValue = bool | int | float | str | None


class ClaimFailed(AssertionError):
    """A claim checked by a demo did not hold."""


def format_value(value: JsonValue) -> str:
    """Human-readable form of a measured value (4 significant digits for floats)."""
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return repr(value)
        return f"{value:.4g}"
    return str(value)


def _number(value: Any, what: str) -> float | int:
    """A measured quantity as a plain Python number; a bool or a non-number is refused."""
    if isinstance(value, bool | np.bool_):
        raise TypeError(
            f"{what} is a bool: record the number you compared (a count of mismatches, a max |Δ|, "
            "a smallest ratio …) and hold it to a bound, so the reader sees the margin."
        )
    item = getattr(value, "item", None)  # numpy scalars, 0-d arrays and tensors
    if callable(item) and getattr(value, "ndim", 0) == 0:
        value = item()
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}: {value!r}")
    return int(value) if isinstance(value, int | np.integer) else float(value)


def _json_number(value: float | int) -> JsonValue:
    """NaN and infinities are not JSON: keep them readable as text."""
    return value if isinstance(value, int) or math.isfinite(value) else str(value)


@dataclass(frozen=True)
class Check:
    """One condition of a claim: a measured number (or one per seed) held to a bound."""

    measured: list[JsonValue]
    op: str
    bound: JsonValue | list[JsonValue]
    what: str = ""
    tol: float = 0.0
    per_run: bool = False  #: measured holds one number per seed or resample
    held: int = 0

    @property
    def passed(self) -> bool:
        return self.held == len(self.measured)

    def describe(self) -> str:
        """E.g. "0.41, needs ≥ 0.3" or "held in 5/5, range 0.38–0.44, needs ≥ 0.3"."""
        if self.op == "in":
            lo, hi = self.bound  # type: ignore[misc]
            need = f"needs {format_value(lo)} to {format_value(hi)}"
        else:
            need = f"needs {OPS[self.op]} {format_value(self.bound)}"  # type: ignore[arg-type]
            if self.tol:
                need += f" ± {format_value(self.tol)}"
        if self.per_run:
            numbers = [m for m in self.measured if isinstance(m, int | float)]
            lo, hi = (min(numbers), max(numbers)) if numbers else ("nan", "nan")
            got = (f"held in {self.held}/{len(self.measured)}, range "
                   f"{format_value(lo)}–{format_value(hi)}")
        else:
            got = format_value(self.measured[0])
        return f"{self.what + ': ' if self.what else ''}{got}, {need}"


def _holds(x: float | int, op: str, bound: Any, tol: float) -> bool:
    if isinstance(x, float) and math.isnan(x):
        return False
    if op == "in":
        lo, hi = bound
        return lo <= x <= hi
    return {
        "<": x < bound, "<=": x <= bound, ">": x > bound, ">=": x >= bound,
        "==": abs(x - bound) <= tol,
    }[op]


def check(
    measured: Any, op: str, bound: Any, what: str = "", *, tol: float = 0.0
) -> Check:
    """One condition: ``measured op bound``. A list or array of measured numbers means one
    per seed or resample; the condition holds only if it holds for every one of them."""
    if op not in OPS:
        raise ValueError(f"op must be one of {', '.join(OPS)}, got {op!r}")
    if tol and op != "==":
        raise ValueError("tol applies to '==' only")
    per_run = (isinstance(measured, Sequence) and not isinstance(measured, str)) or (
        isinstance(measured, np.ndarray) and measured.ndim > 0
    )
    runs = [_number(m, "measured") for m in (measured if per_run else [measured])]
    if per_run and len(runs) < 2:
        raise ValueError("a per-seed claim needs at least two measured numbers")
    if op == "in":
        lo, hi = (_number(b, "bound") for b in bound)
        if not lo <= hi:
            raise ValueError(f"interval bound ({lo}, {hi}) is empty")
        bound_json: JsonValue | list[JsonValue] = [_json_number(lo), _json_number(hi)]
        bound_n: Any = (lo, hi)
    else:
        bound_n = _number(bound, "bound")
        bound_json = _json_number(bound_n)
    held = sum(_holds(x, op, bound_n, tol) for x in runs)
    return Check(
        measured=[_json_number(x) for x in runs], op=op, bound=bound_json, what=what,
        tol=float(tol), per_run=per_run, held=held,
    )


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of one :func:`claim` call, as recorded in the executed notebook."""

    id: str
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c["held"] == len(c["measured"]) for c in self.checks)

    @property
    def shown(self) -> str:
        """What was measured and the bound it was held to, for people."""
        return "; ".join(Check(**c).describe() for c in self.checks)

    @property
    def runs(self) -> int:
        """How many seeds or resamples the claim was checked on (1: one run)."""
        return max(len(c["measured"]) for c in self.checks)

    def record(self) -> dict[str, Any]:
        """The JSON form stored in notebooks, records and claims.json."""
        return {"id": self.id, "passed": self.passed, "shown": self.shown, "runs": self.runs,
                "checks": self.checks}

    def line(self) -> str:
        return f"{'✓' if self.passed else '✗'} claim {self.id}: {self.shown}"

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ClaimResult:
        return cls(id=record["id"], checks=record["checks"])


@dataclass(frozen=True)
class Value:
    """A named number a demo computed and its page quotes, with the text the page shows."""

    name: str
    value: JsonValue
    text: str

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def _display(plain: str, html_text: str, mime: str, record: dict[str, Any]) -> None:
    if not _in_kernel():
        print(plain)
        return
    from IPython.display import display

    display({"text/plain": plain, "text/html": html_text, mime: record}, raw=True)


def claim(claim_id: str, *args: Any, tol: float = 0.0, what: str = "") -> None:
    """Check one claim of the answer, show the result, and stop the demo if it fails.

    Either ``claim(id, measured, op, bound)`` (``tol=`` for an approximate ``==``), or
    ``claim(id, check(...), check(...), ...)`` for a claim of several conditions.
    """
    if not NAME.fullmatch(claim_id or ""):
        raise ValueError(f"claim id must be a kebab-case word, got {claim_id!r}")
    if args and all(isinstance(a, Check) for a in args):
        checks = list(args)
    elif len(args) == 3:
        checks = [check(*args, what=what, tol=tol)]
    else:
        raise TypeError(f"claim {claim_id!r}: use claim(id, measured, op, bound) or "
                        "claim(id, check(...), ...)")
    result = ClaimResult(id=claim_id, checks=[asdict(c) for c in checks])
    status = "passed" if result.passed else "failed"
    _display(
        result.line(),
        f'<p class="oh-claim oh-claim--{status}">{"✓" if result.passed else "✗"} claim '
        f"<code>{html.escape(claim_id)}</code>: {html.escape(result.shown)}</p>",
        CLAIM_MIME, result.record(),
    )
    if not result.passed and os.environ.get(KEEP_GOING_ENV) != "1":
        raise ClaimFailed(
            f"Claim '{claim_id}' did not hold ({result.shown}). "
            "Fix the demo or correct the answer's claim; never loosen the bound to pass."
        )


def value(name: str, measured: Any, fmt: str = "{:.3g}") -> str:
    """Record a number the page quotes as ``{{ name }}``; return the text the page shows."""
    if not NAME.fullmatch(name or ""):
        raise ValueError(f"value name must be a kebab-case word, got {name!r}")
    if isinstance(measured, str):
        number: JsonValue = measured
        text = measured
    else:
        raw = _number(measured, f"value {name!r}")
        number = _json_number(raw)
        text = fmt.format(raw)
    result = Value(name=name, value=number, text=text)
    _display(
        f"{name} = {text}",
        f'<p class="oh-value"><code>{html.escape(name)}</code> = {html.escape(text)}</p>',
        VALUE_MIME, result.record(),
    )
    return text


def _outputs(nb: Any, mime: str) -> list[dict[str, Any]]:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(mime)
            if record is not None:
                found.append(json.loads(record) if isinstance(record, str) else dict(record))
    return found


def claims_in_notebook(nb: Any) -> list[ClaimResult]:
    """Every claim result recorded in an executed notebook, in execution order."""
    return [ClaimResult.from_record(r) for r in _outputs(nb, CLAIM_MIME)]


def values_in_notebook(nb: Any) -> dict[str, Value]:
    """Every named value recorded in an executed notebook; a name recorded twice is an error."""
    values: dict[str, Value] = {}
    for record in _outputs(nb, VALUE_MIME):
        if record["name"] in values:
            raise ValueError(f"value '{record['name']}' is recorded twice")
        values[record["name"]] = Value(**record)
    return values


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
