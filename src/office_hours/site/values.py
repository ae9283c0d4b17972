"""``{{ name }}`` references from pages to the values their demo recorded.

A demo records each number its page quotes with :func:`office_hours.claims.value`; the page
(its body, its front-matter ``summary`` and claim texts) writes ``{{ name }}`` and the site
shows the recorded text. Nothing measured is typed by hand, so the page cannot drift from
what the demo printed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REFERENCE = re.compile(r"\{\{\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*\}\}")


class UnknownValue(KeyError):
    """A page refers to a value its demo did not record."""


def references(text: str) -> set[str]:
    """The value names a text refers to."""
    return set(REFERENCE.findall(text))


def substitute(text: str, values: Mapping[str, Mapping[str, Any]], where: str) -> str:
    """``text`` with every ``{{ name }}`` replaced by the recorded value's text.

    Raises :class:`UnknownValue`, naming ``where`` and the name, for an unknown reference.
    """
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise UnknownValue(
                f"{where} refers to {{{{ {name} }}}}, which its demo does not record "
                f"(recorded: {known}). Record it with value({name!r}, ...) in the demo, "
                "or fix the name."
            )
        return str(values[name]["text"])

    return REFERENCE.sub(replace, text)


def unused(page_text: str, recorded: Mapping[str, object]) -> list[str]:
    """The recorded value names a page (body and front matter) never refers to."""
    return sorted(set(recorded) - references(page_text))
