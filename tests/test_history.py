"""Claim history: append, merge shards, and find what moved between two runs."""

from __future__ import annotations

import json

from office_hours.site import history


def run(key: str, date: str, value: float, measured: list[float], pandas: str = "3.0") -> dict:
    return {
        "slug": "q", "key": key, "executed_at": date, "seconds": 1.0,
        "versions": {"python": "3.11", "pandas": pandas},
        "claims": [{"id": "c", "passed": True, "shown": "", "runs": len(measured),
                    "checks": [{"measured": measured, "op": "<", "bound": 1, "what": "",
                                "tol": 0.0, "per_run": len(measured) > 1, "held": 1}]}],
        "values": {"v": {"value": value, "text": f"{value}"}, "t": {"value": "text", "text": "x"}},
    }


def test_runs_are_appended_and_read_back_oldest_first(tmp_path):
    history.append(tmp_path, run("b", "2026-12-02T10:00:00+00:00", 1.0, [0.5]))
    history.append(tmp_path, run("a", "2026-11-29T10:00:00+00:00", 1.0, [0.5]))
    with (tmp_path / history.FILE).open("a") as fh:
        fh.write('{"slug": "q", "key"')  # a write cut short by an interrupt
    assert [r["key"] for r in history.load(tmp_path)] == ["a", "b"]
    assert "seconds" not in history.load(tmp_path)[0]


def test_shards_merge_once_each(tmp_path):
    main, shard = tmp_path / "main", tmp_path / "shard"
    history.append(main, run("a", "2026-11-29T10:00:00+00:00", 1.0, [0.5]))
    history.append(shard, run("a", "2026-11-29T10:00:00+00:00", 1.0, [0.5]))
    history.append(shard, run("b", "2026-12-02T10:00:00+00:00", 1.0, [0.5]))
    assert history.merge(main, [shard]) == 1
    assert history.merge(main, [shard]) == 0
    assert len(history.load(main)) == 2


def test_drift_lists_what_moved_beyond_the_tolerance_with_the_versions():
    old = run("a", "2026-11-29T10:00:00+00:00", 0.41, [0.30, 0.32])
    new = run("b", "2026-12-02T10:00:00+00:00", 0.43, [0.31, 0.31], pandas="3.1")
    found = history.drift([old, new], [new], tol=0.04)
    assert [c.name for c in found] == ["v"]  # the claim's mean did not move
    assert found[0].note() == "0.41 → 0.43 since 2026-11-29, pandas 3.0 → 3.1"
    assert history.drift([old, new], [new], tol=0.05) == []
    assert "Drift: 1" in history.drift_table(found, tol=0.04)


def test_the_same_key_is_not_compared_with_itself():
    new = run("b", "2026-12-02T10:00:00+00:00", 0.43, [0.3])
    assert history.previous_run([new], "q", "b") is None
    assert history.drift([new], [new]) == []


def test_tolerance_is_configurable(monkeypatch):
    assert history.tolerance() == 0.05
    monkeypatch.setenv(history.TOLERANCE_ENV, "0.2")
    assert history.tolerance() == 0.2
    json.dumps(run("a", "d", 1.0, [1.0]))


def test_rounding_noise_in_an_identity_is_not_drift():
    old = run("a", "2026-11-29T10:00:00+00:00", 1.2e-15, [0.3])
    new = run("b", "2026-12-02T10:00:00+00:00", 5.0e-15, [0.3])
    assert history.drift([old, new], [new], tol=0.05) == []
