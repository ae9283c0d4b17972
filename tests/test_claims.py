import json

import nbformat
import numpy as np
import pytest
import torch

from office_hours.claims import MIME_TYPE, ClaimFailed, ClaimResult, claim, claims_in_notebook


def test_claim_that_holds_prints_a_check_line(capsys):
    result = claim("sum-is-six", np.arange(4).sum() == 6, value=np.int64(6))
    assert result == ClaimResult(id="sum-is-six", passed=True, value=6)
    assert capsys.readouterr().out.strip() == "✓ claim sum-is-six: 6"


def test_claim_that_fails_stops_with_the_claim_named(capsys):
    with pytest.raises(ClaimFailed, match=r"'ratio-above-two'.*1\.5"):
        claim("ratio-above-two", 1.5 > 2, value=1.5)
    assert capsys.readouterr().out.startswith("✗ claim ratio-above-two")


def test_values_become_json(capsys):
    assert claim("t", True, value=torch.tensor(0.25)).value == 0.25
    assert claim("b", True, value=np.bool_(True)).value is True
    assert claim("s", True, value=(1, 2)).value == "(1, 2)"
    assert claim("n", True, value=np.float64("nan")).value == "nan"
    assert claim("i", True, value=float("inf")).value == "inf"
    capsys.readouterr()


@pytest.mark.parametrize("bad", ["", " x", "two words"])
def test_claim_ids_are_single_words(bad):
    with pytest.raises(ValueError, match="claim id"):
        claim(bad, True)


def test_claims_are_read_back_from_notebook_outputs():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="noise"),
        nbformat.v4.new_output(
            "display_data", data={MIME_TYPE: {"id": "a", "passed": True, "value": 1.0}}
        ),
        nbformat.v4.new_output(
            "display_data",
            data={MIME_TYPE: json.dumps({"id": "b", "passed": False, "value": None})},
        ),
    ]
    nb.cells = [cell]
    assert claims_in_notebook(nb) == [ClaimResult("a", True, 1.0), ClaimResult("b", False, None)]
