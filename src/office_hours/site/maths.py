"""Typeset a page's TeX at build time with KaTeX, so that no page loads maths code.

Two kinds of TeX reach the HTML: the ``\\(..\\)`` and ``\\[..\\]`` spans that
``pymdownx.arithmatex`` (generic mode) writes on Markdown pages, and the ``$..$`` and ``$$..$$``
that Jupyter's Markdown keeps as text in notebook Markdown cells. Both are rendered by the
site's own copy of KaTeX (``docs/vendor/katex/katex.min.js``) under Node.js, in one call per
page, as MathML (KaTeX's ``output: "mathml"``), which browsers draw natively with their own maths
font: a page with maths loads no script, stylesheet or font for it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

RENDERER = Path(__file__).with_name("render_maths.js")

_ARITHMATEX = re.compile(
    r'(?P<open><(?P<tag>span|div) class="arithmatex">)'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])"
    r"(?P<close></(?P=tag)>)",
    re.DOTALL,
)
# Jupyter's rule for $ maths: no space inside the delimiters, no digit right after the closing $
_DOLLARS = re.compile(
    r"\$\$(?P<display>.+?)\$\$|\$(?!\s)(?P<inline>[^$]+?)(?<!\s)\$(?!\d)", re.DOTALL
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_NOTEBOOK_MARKDOWN = "jp-RenderedMarkdown"
_VERBATIM = {"code", "pre", "script", "style"}

_cache: dict[tuple[str, bool], str] = {}
_state: dict[str, subprocess.Popen[str]] = {}


class MathsError(RuntimeError):
    """KaTeX refused some TeX, or Node.js is missing."""


def _renderer(katex_js: Path) -> subprocess.Popen[str]:
    """One Node.js process for the whole build (starting one costs about half a second)."""
    process = _state.get("node")
    if process is None or process.poll() is not None:
        node = shutil.which("node")
        if node is None:
            raise MathsError("typesetting maths needs Node.js (`node`) on the PATH")
        process = subprocess.Popen(
            [node, str(RENDERER), str(katex_js.resolve())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )
        _state["node"] = process
    return process


def _render(items: list[tuple[str, bool]], katex_js: Path) -> dict[tuple[str, bool], str]:
    todo = sorted({item for item in items if item not in _cache})
    if todo:
        process = _renderer(katex_js)
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("".join(json.dumps(item) + "\n" for item in todo))
        process.stdin.flush()
        problems = []
        for item in todo:
            result = json.loads(process.stdout.readline())
            if "error" in result:
                problems.append(f"{item[0]!r}: {result['error']}")
            else:
                _cache[item] = result["html"]
        if problems:
            raise MathsError("KaTeX cannot typeset " + "; ".join(problems))
    return {item: _cache[item] for item in items}


def _notebook_spans(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, TeX, display) of the $ maths in notebook Markdown cells, outside code."""
    spans = []
    inside = 0  # depth of <div> elements since a Markdown cell's div opened
    verbatim = 0
    position = 0
    for tag in [*_TAG.finditer(text), None]:
        end = tag.start() if tag else len(text)
        if inside and not verbatim:
            for m in _DOLLARS.finditer(text, position, end):
                display = m.group("display") is not None
                tex = m.group("display") if display else m.group("inline")
                spans.append((m.start(), m.end(), html.unescape(tex), display))
        if tag is None:
            break
        position = tag.end()
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name == "div" and (inside or _NOTEBOOK_MARKDOWN in tag.group(0)):
            inside += -1 if closing else 1
        elif name in _VERBATIM and inside:
            verbatim += -1 if closing else 1
    return spans


def typeset(page_html: str, katex_js: Path) -> str:
    """The page with every TeX fragment typeset."""
    spans: list[tuple[int, int, str, bool, str, str]] = []
    for m in _ARITHMATEX.finditer(page_html):
        display = m.group("display") is not None
        tex = m.group("display") if display else m.group("inline")
        spans.append((m.start(), m.end(), html.unescape(tex), display,
                      m.group("open"), m.group("close")))
    for start, end, tex, display in _notebook_spans(page_html):
        spans.append((start, end, tex, display, '<span class="arithmatex">', "</span>"))
    if not spans:
        return page_html
    rendered = _render([(tex, display) for _, _, tex, display, _, _ in spans], katex_js)
    parts, position = [], 0
    for start, end, tex, display, open_tag, close_tag in sorted(spans):
        if display:  # a wide formula scrolls: the keyboard must reach it (WCAG 2.1.1)
            open_tag = open_tag.replace(' class="arithmatex"', ' class="arithmatex" tabindex="0"')
        parts += [page_html[position:start], open_tag, rendered[tex, display], close_tag]
        position = end
    parts.append(page_html[position:])
    return "".join(parts)


_TEXT_MATHS = re.compile(r"\\\((?P<paren>.+?)\\\)|" + _DOLLARS.pattern, re.DOTALL)


def typeset_text(text: str, katex_js: Path) -> str:
    """A heading's text as the table of contents shows it, with its TeX typeset."""
    spans = [(m.start(), m.end(), html.unescape(m.group("paren") or m.group("inline")
                                                or m.group("display")))
             for m in _TEXT_MATHS.finditer(text)]
    if not spans:
        return text
    rendered = _render([(tex, False) for _, _, tex in spans], katex_js)
    parts, position = [], 0
    for start, end, tex in spans:
        parts += [text[position:start], '<span class="arithmatex">', rendered[tex, False],
                  "</span>"]
        position = end
    return "".join([*parts, text[position:]])


def close() -> None:
    """End the Node.js process (at the end of a build)."""
    process = _state.pop("node", None)
    if process is not None and process.stdin is not None:
        process.stdin.close()
        process.wait(timeout=30)
