import json

import nbformat
import numpy as np
import pytest
import torch

from office_hours.claims import (
    CLAIM_MIME,
    VALUE_MIME,
    ClaimFailed,
    check,
    claim,
    claims_in_notebook,
    constant_claims,
    value,
    values_in_notebook,
)


def test_a_claim_shows_what_was_measured_and_its_bound(capsys):
    assert claim("ratio-above-two", np.float64(2.5), ">=", 2) is None  # no Out[n] repr
    assert capsys.readouterr().out.strip() == "✓ claim ratio-above-two: 2.5, needs ≥ 2"


def test_a_failing_claim_stops_with_the_claim_and_margin_named(capsys):
    with pytest.raises(ClaimFailed, match=r"'ratio-above-two'.*1\.5, needs ≥ 2"):
        claim("ratio-above-two", 1.5, ">=", 2)
    assert capsys.readouterr().out.startswith("✗ claim ratio-above-two")


@pytest.mark.parametrize(
    ("measured", "op", "bound", "kw", "held"),
    [
        (0.5, "<", 0.5, {}, False), (0.5, "<=", 0.5, {}, True), (1, ">", 0, {}, True),
        (0.0, "==", 0, {}, True), (1e-13, "==", 0, {}, False), (1e-13, "==", 0, {"tol": 1e-12}, True),
        (1.2, "in", (0.7, 1.5), {}, True), (1.6, "in", (0.7, 1.5), {}, False),
        (float("nan"), "<", 1, {}, False),
    ],
)
def test_operators(measured, op, bound, kw, held):
    assert check(measured, op, bound, **kw).passed is held


def test_per_seed_claims_hold_only_in_every_run(capsys):
    claim("seeded", [0.31, 0.35, 0.4, 0.33, 0.38], ">=", 0.3)
    assert "held in 5/5, range 0.31–0.4, needs ≥ 0.3" in capsys.readouterr().out
    with pytest.raises(ClaimFailed, match="held in 4/5"):
        claim("seeded", np.array([0.31, 0.35, 0.29, 0.33, 0.38]), ">=", 0.3)


def test_several_conditions_all_must_hold(capsys):
    claim("two", check(0.2, "<", 0.6, "0 bridges"), check(0.99, ">", 0.95, "500 bridges"))
    assert "0 bridges: 0.2, needs < 0.6; 500 bridges: 0.99, needs > 0.95" in capsys.readouterr().out
    with pytest.raises(ClaimFailed):
        claim("two", check(0.2, "<", 0.6), check(0.9, ">", 0.95))


def test_measured_numbers_are_numbers():
    assert check(torch.tensor(0.25), "<", 1).measured == [0.25]
    assert check(np.float64("nan"), "<", 1).measured == ["nan"]
    with pytest.raises(TypeError, match="bool"):
        check(np.bool_(True), "==", 1)
    with pytest.raises(TypeError, match="number"):
        check("0.3", "<", 1)
    with pytest.raises(ValueError, match="op"):
        check(1, "=~", 1)


@pytest.mark.parametrize("bad", ["", " x", "two words", "Upper"])
def test_claim_ids_and_value_names_are_kebab_case(bad):
    with pytest.raises(ValueError, match="claim id"):
        claim(bad, 1, "<", 2)
    with pytest.raises(ValueError, match="value name"):
        value(bad, 1)


def test_values_are_formatted_and_returned(capsys):
    assert value("gru-ppl", np.float64(123.456), "{:.1f}") == "123.5"
    assert value("n-users", 610, "{:,}") == "610"
    assert capsys.readouterr().out.splitlines() == ["gru-ppl = 123.5", "n-users = 610"]


def test_claims_and_values_are_read_back_from_notebook_outputs():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    record = {"id": "a", "passed": True, "shown": "1, needs < 2", "runs": 1,
              "checks": [{"measured": [1], "op": "<", "bound": 2, "what": "", "tol": 0.0,
                          "per_run": False, "held": 1}]}
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="noise"),
        nbformat.v4.new_output("display_data", data={CLAIM_MIME: json.dumps(record)}),
        nbformat.v4.new_output(
            "display_data", data={VALUE_MIME: {"name": "x", "value": 1.5, "text": "1.5"}}
        ),
    ]
    nb.cells = [cell]
    [result] = claims_in_notebook(nb)
    assert (result.id, result.passed, result.shown) == ("a", True, "1, needs < 2")
    assert values_in_notebook(nb)["x"].text == "1.5"
    cell.outputs.append(cell.outputs[-1])
    with pytest.raises(ValueError, match="recorded twice"):
        values_in_notebook(nb)


def test_constant_claims_are_found_in_the_source():
    source = """
claim("a", 0.3, "<", 1)
claim("b", x, "<", x)
claim("c", check(1 + 2, ">", 0), check(y.mean(), "<", 1))
claim("d", gap / base, "<=", 0.9)
"""
    problems = constant_claims(source)
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4"]
