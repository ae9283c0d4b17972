"""Claims: the sentences of an answer that its demo proves.

A demo calls :func:`claim` where the evidence is computed::

    claim("one-hot-equals-lookup", torch.equal(onehot @ W, W[idx]), value="max |diff| = 0")

Inside a notebook kernel the result is shown as a visible ✓/✗ line and recorded in the
cell's output under :data:`MIME_TYPE`, where the build reads it back. Run as a plain
script it prints the same line. A claim that does not hold raises :class:`ClaimFailed`,
which stops the demo with an error naming the claim.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

MIME_TYPE = "application/vnd.office-hours.claim+json"

JsonValue = bool | int | float | str | None


class ClaimFailed(AssertionError):
    """A claim checked by a demo did not hold."""


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of one :func:`claim` call, as recorded in the executed notebook."""

    id: str
    passed: bool
    value: JsonValue

    def line(self) -> str:
        mark = "✓" if self.passed else "✗"
        shown = "" if self.value is None else f": {format_value(self.value)}"
        return f"{mark} claim {self.id}{shown}"


def format_value(value: JsonValue) -> str:
    """Human-readable form of a measured value (4 significant digits for floats)."""
    if isinstance(value, float) and not isinstance(value, bool):
        if value == 0 or math.isnan(value) or math.isinf(value):
            return repr(value)
        return f"{value:.4g}"
    return str(value)


def _to_json_value(value: Any) -> JsonValue:
    """Turn numpy/torch scalars and other objects into a JSON-safe value."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        # NaN and infinities are not JSON: keep them readable as text
        return float(value) if math.isfinite(value) else str(float(value))
    item = getattr(value, "item", None)  # 0-d tensors and arrays
    if callable(item) and getattr(value, "ndim", None) == 0:
        return _to_json_value(item())
    return str(value)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def _show(result: ClaimResult) -> None:
    if not _in_kernel():
        print(result.line())
        return
    from IPython.display import display

    status = "passed" if result.passed else "failed"
    mark = "✓" if result.passed else "✗"
    value = "" if result.value is None else f": {html.escape(format_value(result.value))}"
    bundle = {
        "text/plain": result.line(),
        "text/html": (
            f'<p class="oh-claim oh-claim--{status}">{mark} claim '
            f"<code>{html.escape(result.id)}</code>{value}</p>"
        ),
        MIME_TYPE: asdict(result),
    }
    display(bundle, raw=True)


def claim(claim_id: str, condition: Any, value: Any = None) -> ClaimResult:
    """Check one claim of the answer, show the result, and stop the demo if it fails.

    ``condition`` is the test (anything with a truth value, e.g. a numpy bool);
    ``value`` is the measured number or short text shown next to the ✓/✗.
    """
    if not claim_id or claim_id != claim_id.strip() or " " in claim_id:
        raise ValueError(f"claim id must be a non-empty kebab-case word, got {claim_id!r}")
    result = ClaimResult(id=claim_id, passed=bool(condition), value=_to_json_value(value))
    _show(result)
    if not result.passed:
        raise ClaimFailed(
            f"Claim '{claim_id}' did not hold (measured: {result.line().split(': ', 1)[-1]}). "
            "Fix the demo or correct the answer's claim."
        )
    return result


def claims_in_notebook(nb: Any) -> list[ClaimResult]:
    """Every claim result recorded in an executed notebook, in execution order."""
    results = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME_TYPE in data:
                record = data[MIME_TYPE]
                if isinstance(record, str):
                    record = json.loads(record)
                results.append(ClaimResult(**record))
    return results
