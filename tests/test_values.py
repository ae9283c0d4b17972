"""Page references to a demo's recorded values."""

from __future__ import annotations

import pytest

from office_hours.site import values

RECORDED = {"gru-ppl": {"value": 123.4, "text": "123.4"}, "n-users": {"value": 610, "text": "610"}}


def test_references_are_replaced_by_the_recorded_text():
    page = "The GRU scores {{ gru-ppl }} ({{gru-ppl}}) over {{ n-users }} users."
    assert values.substitute(page, RECORDED, "p.md") == "The GRU scores 123.4 (123.4) over 610 users."
    assert values.references(page) == {"gru-ppl", "n-users"}


def test_an_unknown_reference_names_the_page_and_the_name():
    with pytest.raises(values.UnknownValue, match=r"p\.md refers to \{\{ gru-pp \}\}"):
        values.substitute("{{ gru-pp }}", RECORDED, "p.md")


def test_unused_values_are_listed():
    assert values.unused("only {{ gru-ppl }}", RECORDED) == ["n-users"]
