"""The benchmark runner's command line and the external-data file formats, on tiny files."""

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = load("run")


@pytest.fixture
def files(tmp_path):
    paths = {"rows": tmp_path / "rows.txt", "a": tmp_path / "a.txt", "b": tmp_path / "b.txt"}
    paths["rows"].write_text("3\n0 7\n")
    paths["a"].write_text("the cat sat\n\nthe dog sat\n")
    paths["b"].write_text("the cat\n")
    return paths


def test_no_arguments_runs_everything_on_defaults():
    args = runner.parse_args([])
    assert args.name is None and args.json is None


def test_json_before_or_after_the_benchmark_name(files, tmp_path):
    out = tmp_path / "out.json"
    for argv in (["mf", "--test-rows", str(files["rows"]), "--json", str(out)],
                 ["--json", str(out), "mf", "--test-rows", str(files["rows"])]):
        args = runner.parse_args(argv)
        assert (args.name, args.test_rows, args.json) == ("mf", files["rows"], out)


def test_ngram_needs_both_files_and_files_must_exist(files, tmp_path, capsys):
    args = runner.parse_args(["ngram", "--train", str(files["a"]), "--test", str(files["b"])])
    assert (args.train, args.test) == (files["a"], files["b"])
    with pytest.raises(SystemExit):
        runner.parse_args(["ngram", "--train", str(files["a"])])
    with pytest.raises(SystemExit):
        runner.parse_args(["glove", "--corpus", str(tmp_path / "missing.txt")])
    with pytest.raises(SystemExit):
        runner.parse_args(["nonsense"])
    capsys.readouterr()


def fake_module(name, calls):
    def rows(tag):
        def thunk(*args, **kwargs):
            calls.append((name, tag, args, kwargs))
            return [{"benchmark": name, "implementation": f"office_hours {tag}", "metric": "m",
                     "value": 1.0, "seconds": 0.5}]
        return thunk
    return SimpleNamespace(run=rows("run"), scaling_rows=rows("scaling"))


def test_dispatch_and_json_rows(files, tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(runner, "load", lambda name: fake_module(name, calls))
    out = tmp_path / "out.json"
    assert runner.main(["--json", str(out)]) == 0
    assert [(c[0], c[1]) for c in calls] == [("mf", "run"), ("glove", "run"),
                                             ("glove", "scaling"), ("ngram", "run"),
                                             ("ngram", "scaling")]
    rows = json.loads(out.read_text())
    assert len(rows) == 5
    assert all(list(r) == ["benchmark", "implementation", "metric", "value", "seconds"]
               for r in rows)
    assert "| benchmark" in capsys.readouterr().out
    calls.clear()
    runner.main(["mf", "--test-rows", str(files["rows"])])
    runner.main(["glove", "--corpus", str(files["a"])])
    runner.main(["ngram", "--train", str(files["a"]), "--test", str(files["b"])])
    assert calls == [("mf", "run", (files["rows"],), {"batch_64": True}),
                     ("glove", "run", (files["a"],), {}),
                     ("ngram", "run", (files["a"], files["b"], False, 1), {})]
    calls.clear()
    runner.main(["ngram", "--full-nltk", "--nltk-workers", "3"])
    assert calls[0] == ("ngram", "run", (), {"full_nltk": True, "nltk_workers": 3})


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_nltk_workers_must_be_a_positive_whole_number(workers, capsys):
    with pytest.raises(SystemExit):
        runner.parse_args(["ngram", "--nltk-workers", workers])
    assert "not a positive whole number" in capsys.readouterr().err


def test_a_row_missing_a_field_is_refused(monkeypatch):
    bad = SimpleNamespace(run=lambda *a, **k: [{"benchmark": "x", "value": 1.0}])
    monkeypatch.setattr(runner, "load", lambda name: bad)
    with pytest.raises(ValueError, match="lacks"):
        runner.main(["mf"])


def test_mf_test_rows_file(files, tmp_path):
    bench_mf = load("bench_mf")
    train, test = bench_mf.read_test_rows(files["rows"], 10)
    np.testing.assert_array_equal(test, [3, 0, 7])
    np.testing.assert_array_equal(train, [1, 2, 4, 5, 6, 8, 9])
    bad = tmp_path / "bad.txt"
    for text, message in [("1 x", "integers"), ("", "no row"), ("10", r"\[0, 9\]"),
                          ("-1", r"\[0, 9\]"), ("2 2", "twice")]:
        bad.write_text(text)
        with pytest.raises(ValueError, match=message):
            bench_mf.read_test_rows(bad, 10)


def test_sequence_and_corpus_files(files, tmp_path):
    expected = [["the", "cat", "sat"], ["the", "dog", "sat"]]
    assert load("bench_ngram").read_sequences(files["a"]) == expected
    assert load("bench_glove").read_corpus(files["a"]) == expected
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    with pytest.raises(ValueError, match="no sequences"):
        load("bench_ngram").read_sequences(empty)
    with pytest.raises(ValueError, match="no documents"):
        load("bench_glove").read_corpus(empty)


def test_ngram_benchmark_on_tiny_files_agrees_with_nltk(tmp_path):
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("a b a c\nb b c a b\nc a d b e\na c b\n")
    test.write_text("a c b\nd a a e c\n")
    rows = {r["metric"].split(",")[0]: r for r in load("bench_ngram").run(train, test)}
    assert rows["relative perplexity difference"]["value"] < 1e-12
    assert rows["max |Δ log p| per event"]["value"] < 1e-12
    labelled = [r["implementation"] for r in rows.values()]
    assert all(name.startswith(("office_hours", "nltk")) for name in labelled)


def test_nltk_blocks_keep_order_and_balance_tokens():
    bench = load("bench_ngram")
    test = [["a"] * 3, ["b"] * 10, ["c"], ["d"] * 5, ["e"] * 2]
    for n in (1, 2, 3, 5, 10):
        parts = bench.blocks(test, n)
        assert [s for part in parts for s in part] == test
        assert all(parts) and len(parts) <= n
    assert [len(p) for p in bench.blocks(test, 2)] == [2, 3]  # 17 and 14 padded tokens
    with pytest.raises(ValueError, match="≥ 1"):
        bench.blocks(test, 0)


def test_nltk_scores_split_over_processes_equal_one_process():
    bench = runner.load("ngram")  # the runner's loader, which lets workers pickle by name
    train = [s.split() for s in ("a b a c", "b b c a b", "c a d b e", "a c b")]
    test = [s.split() for s in ("a c b", "d a a e c", "a b", "c c d")]
    one = bench.nltk_scores(train, test)[0]
    for workers in (2, 3):
        log_p, fit_s, score_cpu_s, wall_s = bench.nltk_scores_parallel(train, test, workers)
        np.testing.assert_array_equal(log_p, one)
        assert fit_s > 0 and score_cpu_s > 0 and wall_s > 0


def test_ngram_whole_test_set_over_two_workers_reports_each_row_once(tmp_path):
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("a b a c\nb b c a b\nc a d b e\na c b\n")
    test.write_text("a c b\nd a a e c\nb c\n")
    rows = runner.load("ngram").run(train, test, full_nltk=True, nltk_workers=2)
    keys = [(r["implementation"], r["metric"]) for r in rows]
    assert len(keys) == len(set(keys))
    metrics = {r["metric"]: r["value"] for r in rows}
    assert metrics["relative perplexity difference, all 3 test sequences (16 events)"] < 1e-12
    assert "wall seconds to fit and score, all 3 test sequences (16 events), 2 process(es)" in metrics
    assert metrics["scoring CPU time ratio, all 3 test sequences (16 events)"] > 0
