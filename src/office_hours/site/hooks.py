"""MkDocs hooks: the glue between executed demos and the site.

Listed under ``hooks:`` in mkdocs.yml. They read the records written by
:mod:`office_hours.site.build` (``build/demos/<slug>.json``) and

* build the navigation and the home page's question list from the pages' front matter;
* add to each answer page the question as asked, the claims box and "Run it yourself";
* fill the demo run-times page;
* make notebook pages self-contained and light: the JupyterLab CSS that mkdocs-jupyter
  inlines on every page is served once, cut down to what the pages use, and its CDN scripts
  are removed; each demo page is titled after its answer and leads back to it;
* typeset TeX at build time (:mod:`office_hours.site.maths`): no page loads maths code;
* write ``site/claims.json`` and the OpenGraph preview images.

A question whose demo has no record, or whose claims did not all hold, is reported as a
warning, which ``mkdocs build --strict`` turns into a failed build.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from office_hours.site import history, maths, notebooks, prune_css, values
from office_hours.site.build import DemoRecord, Question, discover, load_record

log = logging.getLogger("mkdocs.hooks.office_hours")

QUESTIONS_MARKER = "<!-- questions -->"
TIMES_MARKER = "<!-- demo-times -->"
COMPAT_MARKER = "<!-- compat-matrix -->"
OG_IMAGE_SIZE = (1200, 630)
NOTEBOOK_CSS = "assets/stylesheets/notebook.css"
_state: dict[str, Any] = {}


def _root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def _questions(config: MkDocsConfig) -> list[Question]:
    if "questions" not in _state:  # read the pages once per build
        _state["questions"] = discover(_root(config))
    return _state["questions"]


def _record(config: MkDocsConfig, slug: str) -> DemoRecord | None:
    return load_record(_root(config) / "build", slug)


def _verified(question: Question, record: DemoRecord | None) -> bool:
    return (
        record is not None
        and {c["id"] for c in record.claims} == question.declared.keys()
        and all(c["passed"] for c in record.claims)
    )


def _by_topic(config: MkDocsConfig) -> dict[str, list[Question]]:
    """Questions grouped by their front matter's ``topic``, topics in alphabetical order."""
    by_topic: dict[str, list[Question]] = defaultdict(list)
    for q in _questions(config):
        by_topic[str(q.meta.get("topic", "Other"))].append(q)
    return dict(sorted(by_topic.items()))


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """One navigation entry per question, under its topic; its demo page is linked from the
    answer and leads back to it, outside the navigation."""
    _state.clear()
    config.extra["social"] = [{  # the footer's link, from mkdocs.yml's one `repository` setting
        "icon": "fontawesome/brands/github", "name": "Source, demos and issues",
        "link": f"https://github.com/{config.extra['repository']}",
    }]
    config["nav"] = [
        {"Home": "index.md"},
        *(
            {topic: [{q.title: f"questions/{q.slug}.md"} for q in qs]}
            for topic, qs in _by_topic(config).items()
        ),
        {"About": ["how-it-works.md", "demo-times.md", "tags.md"]},
    ]
    return config


# --- answer pages --------------------------------------------------------------------


def plain(text: str) -> str:
    """Front-matter text as it should read, safe inside Markdown and HTML: ``<unk>``, ``&``,
    ``*`` and ``_`` stay themselves instead of turning into tags, entities or emphasis."""
    escaped = html.escape(text, quote=True)
    return escaped.translate({ord(c): f"&#{ord(c)};" for c in "*_`[]\\"})


def _values(config: MkDocsConfig, slug: str) -> dict[str, dict[str, Any]]:
    record = _record(config, slug)
    return record.values if record is not None else {}


def _sub(config: MkDocsConfig, question: Question, text: str, where: str) -> str:
    """``text`` with the demo's recorded values in place of its ``{{ name }}`` references.
    An unknown name is a warning (an error under --strict) naming the page and the name."""
    try:
        return values.substitute(text, _values(config, question.slug), where)
    except values.UnknownValue as error:
        log.warning("%s", error.args[0])
        return text


def _claim_texts(config: MkDocsConfig, question: Question) -> dict[str, str]:
    return {
        cid: _sub(config, question, text, f"docs/questions/{question.slug}.md claim '{cid}'")
        for cid, text in question.declared.items()
    }


def summary(config: MkDocsConfig, question: Question) -> str:
    """The page's short answer from its front matter, values substituted."""
    text = str(question.meta.get("summary", ""))
    return _sub(config, question, text, f"docs/questions/{question.slug}.md summary")


def _page_url(config: MkDocsConfig, question: Question) -> str:
    return f"{config.site_url or '/'}questions/{question.slug}/"


def forum_link(config: MkDocsConfig, title: str, url: str) -> str:
    """Discourse's new-topic form with the title and a link to the answer (or claim) filled in;
    the forum's base URL is ``extra.forum_url`` in mkdocs.yml."""
    forum = str(config.extra.get("forum_url", "")).rstrip("/")
    body = f"A follow-up question on {url}\n\n"
    return f"{forum}/new-topic?{urlencode({'title': title, 'body': body})}"


def _moved(config: MkDocsConfig, record: DemoRecord) -> dict[str, list[history.Change]]:
    """Claim measurements that moved since the demo's previous run, by claim id."""
    if "history" not in _state:
        _state["history"] = history.load(_root(config) / "build")
    before = history.previous_run(_state["history"], record.slug, record.key)
    if before is None:
        return {}
    now = {"slug": record.slug, "key": record.key, "executed_at": record.executed_at,
           "versions": record.versions, "claims": record.claims, "values": record.values}
    moved: dict[str, list[history.Change]] = defaultdict(list)
    for change in history.changes(before, now, history.tolerance()):
        moved[change.name.split("[")[0]].append(change)
    return moved


def _claims_box(config: MkDocsConfig, question: Question, record: DemoRecord | None) -> str:
    """The claims box: one line ("✓ 10 of 10 claims checked by the demo · date") that opens
    on a click, or by itself when the address names one of its claims (#claim-<id>)."""
    if record is None:
        log.warning(
            "Question '%s' (%s): its demo has not been executed; run `nox -s docs`.",
            question.title, question.slug,
        )
        return (
            '!!! warning "Not yet verified"\n'
            f"    The demo `demos/{question.slug}.py` has not been executed for this build.\n"
        )
    results = {c["id"]: c for c in record.claims}
    moved = _moved(config, record)
    rows = []
    for cid, text in _claim_texts(config, question).items():
        result = results.get(cid)
        if result is None:
            mark, shown = "✗", "not checked"
            log.warning("Question '%s': claim '%s' was not checked.", question.slug, cid)
        else:
            mark, shown = ("✓" if result["passed"] else "✗"), result["shown"]
            if not result["passed"]:
                log.warning("Question '%s': claim '%s' did not hold.", question.slug, cid)
        changed = "".join(
            f'<span class="oh-claim__moved">Changed: {plain(c.note())}.</span> '
            for c in moved.get(cid, [])
        )
        follow_up = forum_link(config, f"{question.title} — claim {cid}",
                               f"{_page_url(config, question)}#claim-{cid}")
        rows.append(
            f'<li id="claim-{cid}" class="oh-claim-row"><span class="oh-claim__mark">{mark}</span> '
            f'{plain(text)} <span class="oh-claim__value">Measured: {plain(shown)}.</span> '
            f'{changed}<a class="oh-claim__id" href="#claim-{cid}" title="Link to this claim">'
            f'<code>{cid}</code></a> <a class="oh-claim__ask" href="{html.escape(follow_up)}">'
            "ask about it</a></li>"
        )
    passed = sum(1 for c in record.claims if c["passed"])
    verified = _verified(question, record)
    kind = "success" if verified else "failure"
    versions = ", ".join(f"{k} {v}" for k, v in record.versions.items())
    date = record.executed_at[:10]
    return (
        f'<details class="{kind} oh-claims">\n'
        f'<summary>{"✓" if verified else "✗"} {passed} of {len(question.declared)} claims '
        f"checked by the demo · {date}</summary>\n"
        f'<ul class="oh-claims__list">\n' + "\n".join(rows) + "\n</ul>\n"
        f'<p class="oh-claims__when">Last checked {date} by executing '
        f'<a href="../../demos/{question.slug}/">the demo</a> ({record.seconds:.1f} s) '
        f"with {plain(versions)}.</p>\n</details>\n"
    )


def _question_header(question: Question) -> str:
    quote = str(question.meta.get("question", "")).strip()
    if not quote:
        return ""
    asked = plain(str(question.meta.get("asked", "")))
    footer = f"\n<footer>— {asked}</footer>" if asked else ""
    return f'<blockquote class="oh-question" markdown>\n\n{plain(quote)}\n{footer}\n</blockquote>\n'


def _colab_url(config: MkDocsConfig, slug: str) -> str:
    return notebooks.colab_url(config.extra, f"demos/{slug}/{slug}.ipynb")


def _run_it_yourself(question: Question, config: MkDocsConfig) -> str:
    slug = question.slug
    url = f"{config.site_url}questions/{slug}/"
    link = html.escape(f"[{question.title}]({url})", quote=True)
    return (
        "\n\n## Run it yourself\n\n"
        f"[The demo, executed](../demos/{slug}.ipynb){{ .md-button .md-button--primary }}\n"
        f'<a class="md-button" href="{_colab_url(config, slug)}">Open in Colab</a>\n'
        f'<a class="md-button" href="../../demos/{slug}/{slug}.ipynb" download>'
        "Notebook (.ipynb)</a>\n"
        f"[Script (.py)](../demos/{slug}.py){{ .md-button download }}\n\n"
        "The notebook runs anywhere with Python 3.11 or newer: where the `office_hours` package "
        "is missing (in Colab, say), its first cell installs it, with what the demos need, at "
        "the commit that built this page; the data is downloaded and checked against its "
        "published checksum. From a clone of the repository, one command runs the demo in a "
        f"fresh kernel and prints its claims:\n\n```bash\nnox -s demo -- {slug}\n```\n\n"
        "## Link this answer\n\n"
        f'<button class="md-button oh-copy-link" type="button" data-copy="{link}">'
        "Copy a Markdown link for the forum</button> "
        f"<code class=\"oh-permalink\">{html.escape(url)}</code>\n"
    )


def _related(question: Question, config: MkDocsConfig) -> str:
    titles = {q.slug: q.title for q in _questions(config)}
    slugs = [s for s in question.meta.get("related") or [] if s in titles]
    if not slugs:
        return ""
    items = "\n".join(f"- [{titles[s]}]({s}.md)" for s in slugs)
    return f"\n\n## Related questions\n\n{items}\n"


def _answer_page(markdown: str, question: Question, config: MkDocsConfig) -> str:
    """The question as asked, then the title and the short answer, then the claims box."""
    record = _record(config, question.slug)
    markdown = _sub(config, question, markdown, f"docs/questions/{question.slug}.md")
    lines = markdown.split("\n")
    h1 = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if h1 is None:
        log.warning("Question '%s': the page has no '# ' title.", question.slug)
        h1 = -1
    # the short answer is the first paragraph after the title: the box goes right after it
    first = next((i for i in range(h1 + 1, len(lines)) if lines[i].strip()), len(lines))
    end = next((i for i in range(first, len(lines)) if not lines[i].strip()), len(lines))
    box = "\n" + _claims_box(config, question, record) + "\n"
    lines = [*lines[: h1 + 1], "\n" + _question_header(question), *lines[h1 + 1 : end], box,
             *lines[end:]]
    return ("\n".join(lines) + _related(question, config) + _follow_up(question, config)
            + _run_it_yourself(question, config))


def _follow_up(question: Question, config: MkDocsConfig) -> str:
    link = forum_link(config, f"Follow-up: {question.title}", _page_url(config, question))
    return (
        "\n\n## Ask a follow-up\n\n"
        f'<a class="md-button oh-follow-up" href="{html.escape(link)}">'
        "Ask a follow-up on the forum</a>\n"
    )


def claims_status(question: Question, record: DemoRecord | None) -> str:
    """E.g. "10/10 ✓ checked 2026-12-02": the forum preview's label and the feed's status."""
    if record is None:
        return f"0/{len(question.declared)} not yet checked"
    passed = sum(1 for c in record.claims if c["passed"])
    mark = "✓" if _verified(question, record) else "✗"
    return f"{passed}/{len(question.declared)} {mark} checked {record.executed_at[:10]}"


def reading_time(markdown: str) -> str:
    """Minutes to read a page's prose at 200 words a minute (code and maths included)."""
    return f"{max(1, math.ceil(len(markdown.split()) / 200))} min read"


# --- generated pages ----------------------------------------------------------------


def _question_list(config: MkDocsConfig) -> str:
    parts = []
    for topic, questions in _by_topic(config).items():
        parts.append(f'## {topic}\n\n<div class="grid cards" markdown>\n')
        for q in questions:
            record = _record(config, q.slug)
            status = (
                f"✓ {len(q.declared)} claims verified {record.executed_at[:10]}"
                if record is not None and _verified(q, record)
                else "✗ not verified"
            )
            tags = " ".join(f"`{plain(str(t))}`" for t in q.meta.get("tags", []))
            parts.append(
                f"-   **[{q.title}](questions/{q.slug}.md)**\n\n"
                f"    ---\n\n"
                f"    {plain(summary(config, q))}\n\n"
                f'    <span class="oh-status">{status}</span> {tags}\n'
            )
        parts.append("</div>\n")
    return "\n".join(parts)


def _times_table(config: MkDocsConfig) -> str:
    rows = ["| Question | Last executed | Wall time (s) | Claims |", "| --- | --- | ---: | ---: |"]
    for q in _questions(config):
        record = _record(config, q.slug)
        if record is None:
            rows.append(f"| [{q.title}](questions/{q.slug}.md) | never | | |")
        else:
            rows.append(
                f"| [{q.title}](questions/{q.slug}.md) | {record.executed_at.replace('T', ' ')} "
                f"| {record.seconds:.1f} | {len(record.claims)} |"
            )
    return "\n".join(rows)


def _compat_matrix(config: MkDocsConfig) -> str:
    """The version matrix written by `nox -s compat` (build/compat.json), as a table."""
    path = _root(config) / "build" / "compat.json"
    if not path.is_file():
        return ("*The version matrix has not been run for this build: `nox -s compat` makes it "
                "(the weekly CI run does).*")
    matrix = json.loads(path.read_text(encoding="utf-8"))
    envs = list(matrix["environments"])
    lines = [f"Run {matrix['date'][:10]}. Versions:", ""]
    for name, env in matrix["environments"].items():
        shown = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        lines.append(f"- **{name}**: {plain(shown)}")
    marks = {"held": "✓", "failed": "✗", "not run": "–"}
    lines += ["", "| Question | Claim | " + " | ".join(envs) + " |",
              "| --- | --- | " + " | ".join(":---:" for _ in envs) + " |"]
    for row in matrix["rows"]:
        cells = []
        for name in envs:
            cell = row["cells"][name]
            title = plain(cell.get("shown", cell["state"]))
            cells.append(f'<span title="{title}">{marks[cell["state"]]}</span>')
        lines.append(f"| [{row['slug']}](questions/{row['slug']}.md) "
                     f"| [`{row['claim']}`](questions/{row['slug']}.md#claim-{row['claim']}) "
                     f"| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    src = page.file.src_uri
    if src.startswith("questions/"):
        slug = Path(src).stem
        question = next((q for q in _questions(config) if q.slug == slug), None)
        if question is not None:
            # what the preview tags show (docs/overrides/main.html)
            page.meta["summary"] = summary(config, question)
            page.meta["claims_status"] = claims_status(question, _record(config, question.slug))
            page.meta["reading_time"] = reading_time(markdown)
            return _answer_page(markdown, question, config)
    if QUESTIONS_MARKER in markdown:
        markdown = markdown.replace(QUESTIONS_MARKER, _question_list(config))
    if TIMES_MARKER in markdown:
        markdown = markdown.replace(TIMES_MARKER, _times_table(config))
    if COMPAT_MARKER in markdown:
        markdown = markdown.replace(COMPAT_MARKER, _compat_matrix(config))
    return markdown


# --- notebook pages -----------------------------------------------------------------

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
_CDN_SCRIPTS = re.compile(
    r"<script[^>]*>(?:(?!</script>).)*?(?:mermaid|MathJax|mathjax)(?:(?!</script>).)*?</script>"
    r"|<script[^>]+src=\"(?:https?://[^\"]*)?\"[^>]*>\s*</script>",
    re.DOTALL,
)
_H1 = re.compile(r"(<h1[^>]*>)(.*?)(<a class=\"anchor-link\"|</h1>)", re.DOTALL)


def _notebook_page(html_text: str, page: Page, config: MkDocsConfig) -> str:
    """A demo page: titled after its answer, with a way back to it, and its JupyterLab CSS
    served once for all notebook pages (see :mod:`office_hours.site.prune_css`)."""
    _state.setdefault("notebook_css", set()).add("\n".join(_STYLE.findall(html_text)))
    _state.setdefault("notebook_pages", []).append(page.file.abs_dest_path)
    html_text = _CDN_SCRIPTS.sub("", _STYLE.sub("", html_text))
    # search finds the answer pages, not the demos' code and printed output
    page.meta["search"] = {"exclude": True}
    slug = Path(page.file.src_uri).stem
    question = next((q for q in _questions(config) if q.slug == slug), None)
    if question is None:
        return html_text
    page.title = f"{question.title} — the demo"
    html_text = _H1.sub(
        lambda m: m.group(1) + html.escape(page.title) + m.group(3), html_text, count=1)
    back = (
        '<nav class="oh-breadcrumb" aria-label="Breadcrumb">'
        f'<a href="../../questions/{slug}/">{html.escape(question.title)}</a>'
        ' <span aria-hidden="true">›</span> <span aria-current="page">The demo</span></nav>\n'
    )
    return back + html_text


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    stylesheets = []
    if page.file.src_uri.startswith("demos/"):
        html_text = _notebook_page(html_text, page, config)
        stylesheets.append(NOTEBOOK_CSS)
    katex_js = Path(config.docs_dir) / "vendor" / "katex" / "katex.min.js"
    try:
        html_text = maths.typeset(html_text, katex_js)
        todo = list(page.toc)
        while todo:  # the table of contents repeats the headings, and their maths
            item = todo.pop()
            item.title = maths.typeset_text(item.title, katex_js)
            todo += item.children
    except maths.MathsError as error:
        log.warning("%s: %s", page.file.src_uri, error)
    # docs/overrides/main.html links these in the page's head
    page.meta["stylesheets"] = stylesheets
    return html_text


def _write_pruned_css(css: str, pages: list[str], target: Path) -> None:
    texts = [Path(p).read_text(encoding="utf-8") for p in pages]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(prune_css.prune(css, texts), encoding="utf-8")


def _write_page_css(config: MkDocsConfig) -> None:
    """The notebook pages' JupyterLab CSS, cut down to what those pages use."""
    css = _state.get("notebook_css", set())
    if len(css) > 1:
        log.warning("The notebook pages inline %d different styles; expected the same.", len(css))
    site = Path(config.site_dir)
    _write_pruned_css("\n".join(css), _state.get("notebook_pages", []), site / NOTEBOOK_CSS)


# --- outputs ------------------------------------------------------------------------


def claims_index(config: MkDocsConfig) -> list[dict[str, Any]]:
    """The content of site/claims.json: every question with its claims and last execution."""
    index = []
    for q in _questions(config):
        record = _record(config, q.slug)
        results = {c["id"]: c for c in record.claims} if record else {}
        index.append({
            "slug": q.slug,
            "url": f"{config.site_url or '/'}questions/{q.slug}/",
            "title": q.title,
            "verified": _verified(q, record),
            "summary": summary(config, q),
            "claims": [
                {
                    "id": cid, "text": text,
                    "url": f"{config.site_url or '/'}questions/{q.slug}/#claim-{cid}",
                    "passed": results.get(cid, {}).get("passed", False),
                    "shown": results.get(cid, {}).get("shown"),
                    "runs": results.get(cid, {}).get("runs"),
                    "checks": results.get(cid, {}).get("checks", []),
                }
                for cid, text in _claim_texts(config, q).items()
            ],
            "values": record.values if record else {},
            "seconds": record.seconds if record else None,
            "executed_at": record.executed_at if record else None,
            "versions": record.versions if record else None,
        })
    return index


def _published(root: Path, page: Path) -> datetime:
    """When a page was first committed (git), or its file's time outside a git checkout."""
    done = subprocess.run(
        ["git", "log", "--reverse", "--format=%aI", "--", str(page)],
        cwd=root, capture_output=True, text=True, check=False,
    )
    first = done.stdout.split("\n", 1)[0].strip() if done.returncode == 0 else ""
    if first:
        return datetime.fromisoformat(first)
    return datetime.fromtimestamp(page.stat().st_mtime, UTC)


def feed_items(config: MkDocsConfig) -> list[dict[str, Any]]:
    """One item per answer, newest first: what the feeds carry."""
    items = []
    for q in _questions(config):
        record = _record(config, q.slug)
        items.append({
            "id": _page_url(config, q), "url": _page_url(config, q), "title": q.title,
            "summary": summary(config, q), "status": claims_status(q, record),
            "date": _published(_root(config), q.page),
            "tags": [str(t) for t in q.meta.get("tags", [])],
        })
    return sorted(items, key=lambda item: item["date"], reverse=True)


def rss_feed(config: MkDocsConfig, items: list[dict[str, Any]]) -> bytes:
    """RSS 2.0: a forum (Discourse's RSS polling) can import each new answer as a topic."""
    rss = ET.Element("rss", version="2.0", attrib={"xmlns:atom": "http://www.w3.org/2005/Atom"})
    channel = ET.SubElement(rss, "channel")
    for tag, text in (("title", config.site_name), ("link", config.site_url or "/"),
                      ("description", config.site_description or config.site_name),
                      ("language", "en")):
        ET.SubElement(channel, tag).text = text
    ET.SubElement(channel, "atom:link", href=f"{config.site_url}feed.xml", rel="self",
                  type="application/rss+xml")
    for item in items:
        node = ET.SubElement(channel, "item")
        ET.SubElement(node, "title").text = item["title"]
        ET.SubElement(node, "link").text = item["url"]
        ET.SubElement(node, "guid", isPermaLink="true").text = item["id"]
        ET.SubElement(node, "description").text = f"{item['summary']} (Claims: {item['status']})"
        ET.SubElement(node, "pubDate").text = format_datetime(item["date"])
        for tag in item["tags"]:
            ET.SubElement(node, "category").text = tag
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def json_feed(config: MkDocsConfig, items: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON Feed 1.1, the same items as the RSS feed."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.site_name,
        "home_page_url": config.site_url,
        "feed_url": f"{config.site_url}feed.json",
        "description": config.site_description,
        "language": "en",
        "items": [
            {
                "id": item["id"], "url": item["url"], "title": item["title"],
                "summary": item["summary"],
                "content_text": f"{item['summary']}\n\nClaims: {item['status']}",
                "date_published": item["date"].isoformat(), "tags": item["tags"],
                "_office_hours": {"claims": item["status"]},
            }
            for item in items
        ],
    }


def og_image(title: str, summary: str, path: Path) -> None:
    """A 1200×630 link-preview card drawn with matplotlib (no Cairo)."""
    import textwrap

    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    width, height = OG_IMAGE_SIZE
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    fig.patch.set_facecolor("#283593")
    fig.text(0.06, 0.88, "Office Hours", color="#c5cae9", fontsize=26, weight="bold", va="top")
    fig.text(0.06, 0.72, textwrap.fill(title, 38), color="white", fontsize=40, weight="bold",
             va="top", linespacing=1.15)
    fig.text(0.06, 0.12, textwrap.fill(summary, 90)[:300], color="#e8eaf6", fontsize=17,
             va="bottom", linespacing=1.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, facecolor=fig.get_facecolor())
    plt.close(fig)


def on_post_build(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    (site / "claims.json").write_text(
        json.dumps(claims_index(config), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    items = feed_items(config)
    (site / "feed.xml").write_bytes(rss_feed(config, items))
    (site / "feed.json").write_text(
        json.dumps(json_feed(config, items), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (site / "claims-history.json").write_text(
        json.dumps(history.load(_root(config) / "build"), ensure_ascii=False), encoding="utf-8"
    )
    _write_page_css(config)
    maths.close()
    cards = [(q.slug, q.title, summary(config, q)) for q in _questions(config)]
    cards.append(("index", config.site_name, config.site_description or ""))
    for slug, title, text in cards:
        # drawing costs ~0.3 s a card: keep them in build/og, keyed by what they show
        key = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:16]
        cached = _root(config) / "build" / "og" / f"{key}.png"
        if not cached.is_file():
            og_image(title, text, cached)
        dest = site / "assets" / "og" / f"{slug}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, dest)
