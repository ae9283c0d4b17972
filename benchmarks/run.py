"""Run the benchmarks and print one table: `nox -s bench [-- NAME [options]] [--json OUT]`.

With no NAME every benchmark runs on its default data (GloVe and Kneser–Ney add their
cost-vs-size rows). One benchmark on your own data:

    nox -s bench -- mf --test-rows FILE           # 0-based row indices of ratings.csv (test set)
    nox -s bench -- glove --corpus FILE           # one document a line, lowercase tokens
    nox -s bench -- ngram --train FILE --test FILE   # one sequence a line, space-separated

Each module returns rows ``{benchmark, implementation, metric, value, seconds}``; the
project's own rows have an implementation name starting ``office_hours``. ``--json OUT``
also writes the rows as a JSON list.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
FIELDS = ("benchmark", "implementation", "metric", "value", "seconds")
NAMES = ("mf", "glove", "ngram")


def load(name: str) -> ModuleType:
    path = HERE / f"bench_{name}.py"
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # so worker processes can pickle its functions by name
    spec.loader.exec_module(module)
    return module


def existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


def positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text}")
    return number


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``[NAME [its options]] [--json OUT]``; ``--json`` may stand before or after NAME."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", type=Path, default=argparse.SUPPRESS,
                        help="also write the rows as JSON to this file")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], parents=[common])
    sub = parser.add_subparsers(dest="name", metavar="NAME", help=", ".join(NAMES))
    mf = sub.add_parser("mf", parents=[common], help="MovieLens rating prediction")
    mf.add_argument("--test-rows", type=existing_file,
                    help="0-based row indices of ratings.csv forming the test set")
    mf.add_argument("--no-batch-64", action="store_true",
                    help="skip the slow batch-64 row of the lesson's model")
    glove = sub.add_parser("glove", parents=[common], help="word vectors")
    glove.add_argument("--corpus", type=existing_file,
                       help="one document a line, lowercase tokens separated by spaces")
    ngram = sub.add_parser("ngram", parents=[common], help="Kneser–Ney against NLTK")
    ngram.add_argument("--train", type=existing_file, help="one sequence a line")
    ngram.add_argument("--test", type=existing_file, help="one sequence a line")
    ngram.add_argument("--full-nltk", action="store_true",
                       help="score the whole test set with NLTK too (about an hour of CPU)")
    ngram.add_argument("--nltk-workers", type=positive_int, default=1, metavar="N",
                       help="split NLTK's scoring over N processes (default 1)")
    args = parser.parse_args(argv)
    if args.name == "ngram" and (args.train is None) != (args.test is None):
        parser.error("ngram: give both --train and --test, or neither")
    args.json = getattr(args, "json", None)
    return args


def jobs(args: argparse.Namespace) -> list[tuple[str, Callable[[], list[dict]]]]:
    """The (name, thunk) pairs to run for these arguments, in order."""
    if args.name is None:
        mf, glove, ngram = (load(n) for n in NAMES)
        return [("mf", mf.run), ("glove", glove.run), ("glove scaling", glove.scaling_rows),
                ("ngram", ngram.run), ("ngram scaling", ngram.scaling_rows)]
    module = load(args.name)
    if args.name == "mf":
        return [("mf", lambda: module.run(args.test_rows, batch_64=not args.no_batch_64))]
    if args.name == "glove":
        if args.corpus is not None:
            return [("glove", lambda: module.run(args.corpus))]
        return [("glove", module.run), ("glove scaling", module.scaling_rows)]
    if args.train is not None:
        return [("ngram", lambda: module.run(args.train, args.test, args.full_nltk,
                                             args.nltk_workers))]
    return [("ngram", lambda: module.run(full_nltk=args.full_nltk,
                                         nltk_workers=args.nltk_workers)),
            ("ngram scaling", module.scaling_rows)]


def table(rows: list[dict]) -> str:
    cells = [[str(r["benchmark"]), str(r["implementation"]), str(r["metric"]),
              f"{r['value']:.4g}" if isinstance(r["value"], float) else str(r["value"]),
              f"{r['seconds']:.2f}"] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(FIELDS)]

    def line(values: list[str] | tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(FIELDS), line(["-" * w for w in widths]), *map(line, cells)])


def check_rows(name: str, rows: list[dict]) -> None:
    for row in rows:
        missing = set(FIELDS) - row.keys()
        if missing:
            raise ValueError(f"{name}: a row lacks {sorted(missing)}: {row}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rows: list[dict] = []
    for name, thunk in jobs(args):
        start = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        job_rows = thunk()
        check_rows(name, job_rows)
        rows += job_rows
        print(f"  {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([{k: r[k] for k in FIELDS} for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
