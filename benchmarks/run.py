"""Run every benchmark module and print one table: `nox -s bench [-- --json FILE] [-- NAME ...]`.

Each ``benchmarks/bench_<topic>.py`` has ``run() -> list[dict]`` returning rows
``{benchmark, implementation, metric, value, seconds}``. The table lists them side by side;
``--json FILE`` also writes them as a JSON list.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
FIELDS = ("benchmark", "implementation", "metric", "value", "seconds")


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(rows: list[dict]) -> str:
    cells = [[str(r["benchmark"]), str(r["implementation"]), str(r["metric"]),
              f"{r['value']:.4g}" if isinstance(r["value"], float) else str(r["value"]),
              f"{r['seconds']:.2f}"] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(FIELDS)]

    def line(values: list[str] | tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(FIELDS), line(["-" * w for w in widths]), *map(line, cells)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these modules, e.g. mf ngram")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    modules = sorted(HERE.glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m.stem.removeprefix("bench_") in args.names]
    rows: list[dict] = []
    for path in modules:
        start = time.perf_counter()
        print(f"running {path.stem} ...", file=sys.stderr, flush=True)
        module_rows = load(path).run()
        for row in module_rows:
            missing = set(FIELDS) - row.keys()
            if missing:
                raise ValueError(f"{path.name}: a row lacks {sorted(missing)}: {row}")
        rows += module_rows
        print(f"  {path.stem}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([{k: r[k] for k in FIELDS} for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
