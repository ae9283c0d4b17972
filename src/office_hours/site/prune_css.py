"""Cut a stylesheet down to what some pages use.

mkdocs-jupyter puts about 590 KB of JupyterLab CSS (the whole application's: file browser,
toolbars, dialogs, every theme variable) in a ``<style>`` of every notebook page. The hooks serve
it once, as ``assets/stylesheets/notebook.css``, and :func:`prune` keeps of it only the rules
with a selector that matches an element of some notebook page, and the custom properties
(``--jp-…``) that the kept rules use, directly or through other properties. KaTeX's stylesheet
is cut down the same way to what the pages with maths use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import tinycss2
from tinycss2.ast import AtRule, Declaration, QualifiedRule

# pseudo-classes and pseudo-elements are states, not structure: a rule for `a:hover` or
# `p::before` is kept when its element exists
_PSEUDO = re.compile(r"::?[a-zA-Z-]+(?:\([^()]*\))?")
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_SELECTOR_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_SELECTOR_ID = re.compile(r"#(-?[_a-zA-Z][\w-]*)")
_SELECTOR_TAG = re.compile(r"(?:^|(?<=[\s>+~(]))([a-zA-Z][\w-]*)")
_HTML_TAG = re.compile(r"<([a-zA-Z][\w-]*)")
_HTML_CLASS = re.compile(r"""\sclass=["']([^"']*)["']""")
_HTML_ID = re.compile(r"""\sid=["']([^"']*)["']""")
_VAR = re.compile(r"var\(\s*(--[\w-]+)")
_KEEP_AT = {"font-face", "keyframes", "-webkit-keyframes", "-moz-keyframes"}


class _Pages:
    """What the notebook pages contain: element names, classes and ids.

    A selector matches when every name, class and id it mentions occurs in the pages, its
    combinators aside: a cheap superset of the rules that apply, exact enough to drop the
    JupyterLab application's rules, which name classes that no notebook page has.
    """

    def __init__(self, pages: Iterable[str]) -> None:
        self.names: set[str] = set()
        for page in pages:
            self.names |= {f"<{t.lower()}" for t in _HTML_TAG.findall(page)}
            self.names |= {f".{c}" for v in _HTML_CLASS.findall(page) for c in v.split()}
            self.names |= {f"#{i}" for i in _HTML_ID.findall(page)}

    def match(self, selector: str) -> bool:
        selector = _PSEUDO.sub(" ", _ATTRIBUTE.sub(" ", selector))
        wanted = {f"<{t.lower()}" for t in _SELECTOR_TAG.findall(selector)}
        wanted |= {f".{c}" for c in _SELECTOR_CLASS.findall(selector)}
        wanted |= {f"#{i}" for i in _SELECTOR_ID.findall(selector)}
        return wanted <= self.names


def _selectors(rule: QualifiedRule) -> list[str]:
    return [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]


def _kept_rules(rules: list[Any], pages: _Pages) -> list[Any]:
    kept = []
    for rule in rules:
        if isinstance(rule, QualifiedRule):
            if any(pages.match(s) for s in _selectors(rule)):
                kept.append(rule)
        elif isinstance(rule, AtRule) and rule.content is not None and rule.lower_at_keyword in {
                "media", "supports"}:
            inner = _kept_rules(tinycss2.parse_rule_list(rule.content, True, True), pages)
            if inner:
                kept.append((rule, inner))
        elif isinstance(rule, AtRule) and rule.lower_at_keyword in _KEEP_AT:
            kept.append(rule)
    return kept


def _declarations(rule: QualifiedRule) -> list[Declaration]:
    return [d for d in tinycss2.parse_blocks_contents(rule.content, True, True)
            if isinstance(d, Declaration)]


def _flatten(kept: list[Any]) -> Iterable[QualifiedRule]:
    for item in kept:
        if isinstance(item, tuple):
            yield from _flatten(item[1])
        elif isinstance(item, QualifiedRule):
            yield item


def _used_properties(kept: list[Any]) -> set[str]:
    """Custom properties read by a normal declaration, and those they read in turn."""
    defined: dict[str, set[str]] = {}
    used: set[str] = set()
    for rule in _flatten(kept):
        for d in _declarations(rule):
            refs = set(_VAR.findall(tinycss2.serialize(d.value)))
            if d.name.startswith("--"):
                defined.setdefault(d.name, set()).update(refs)
            else:
                used |= refs
    todo = list(used)
    while todo:
        for ref in defined.get(todo.pop(), ()):
            if ref not in used:
                used.add(ref)
                todo.append(ref)
    return used


def _serialize(kept: list[Any], used: set[str]) -> str:
    out: list[str] = []
    for item in kept:
        if isinstance(item, tuple):
            at, inner = item
            out.append(f"@{at.at_keyword} {tinycss2.serialize(at.prelude).strip()}"
                       f"{{{_serialize(inner, used)}}}")
        elif isinstance(item, QualifiedRule):
            body = ";".join(
                f"{d.name}:{tinycss2.serialize(d.value).strip()}"
                + ("!important" if d.important else "")
                for d in _declarations(item) if not d.name.startswith("--") or d.name in used
            )
            if body:
                out.append(f"{','.join(_selectors(item))}{{{body}}}")
        else:
            out.append(tinycss2.serialize([item]).strip())
    # a rule repeated verbatim (the notebook styles come in several copies) is kept once, last
    return "\n".join(reversed(dict.fromkeys(reversed(out))))


def prune(css: str, pages: Iterable[str]) -> str:
    """The rules of ``css`` that apply to some element of ``pages`` (HTML documents)."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    kept = _kept_rules(rules, _Pages(pages))
    return _serialize(kept, _used_properties(kept))
