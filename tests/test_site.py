"""The built site: strict build, one answer page per demo, claims, previews, nothing external."""

from __future__ import annotations

import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

from office_hours.site import build
from tests.conftest import ROOT

QUESTIONS = build.discover(ROOT)
SLUGS = [q.slug for q in QUESTIONS]
SITE_URL = "https://office-hours.github.io/office-hours/"
INLINE_URL = re.compile(r"""(?:import\s*(?:[^'"]*from\s*)?|url\()\s*['"]?(https?://[^'")\s]+)""")
CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^'\")\s]+)")

pytestmark = pytest.mark.slow


class Tags(HTMLParser):
    """The tags of a page with their attributes, and the text of inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.inline: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._open = tag if tag in ("script", "style") else None

    def handle_data(self, data):
        if self._open:
            self.inline.append((self._open, data))

    def handle_endtag(self, tag):
        self._open = None


def parse(path: Path) -> Tags:
    tags = Tags()
    tags.feed(path.read_text(encoding="utf-8"))
    return tags


def external(url: str) -> bool:
    return urlparse(url).scheme in ("http", "https") or url.startswith("//")


def test_every_question_has_an_answer_page_and_an_executed_demo_page(site):
    for slug in SLUGS:
        assert (site / "questions" / slug / "index.html").is_file()
        assert (site / "demos" / slug / "index.html").is_file()
        assert (site / "demos" / slug / f"{slug}.ipynb").is_file()
        assert (site / "demos" / f"{slug}.py").is_file()


@pytest.mark.parametrize("question", QUESTIONS, ids=SLUGS)
def test_answer_page_shows_every_claim_verified(site, question):
    page = (site / "questions" / question.slug / "index.html").read_text(encoding="utf-8")
    box = page[page.index('<details class="success oh-claims">'):]
    box = box[: box.index("</details>")]
    n = len(question.declared)
    assert f"<summary>✓ {n} of {n} claims checked by the demo · " in box
    assert box.count('<span class="oh-claim__mark">✓</span>') == n and "✗" not in box
    for cid in question.declared:
        assert f'<li id="claim-{cid}" class="oh-claim-row">' in box
    assert box.count("Measured: ") == n and box.count(", needs ") >= n
    assert f'href="../../demos/{question.slug}/"' in page


@pytest.mark.parametrize("question", QUESTIONS, ids=SLUGS)
def test_answer_with_its_demo_weighs_under_1_mb(site, question):
    answer = site / "questions" / question.slug / "index.html"
    demo = site / "demos" / question.slug / "index.html"
    size = answer.stat().st_size + demo.stat().st_size
    assert size < 1_000_000, f"{question.slug}: {size:,} bytes"


@pytest.mark.parametrize("question", QUESTIONS, ids=SLUGS)
def test_demo_page_has_figures_with_alt_text_and_no_errors(site, question):
    path = site / "demos" / question.slug / "index.html"
    html = path.read_text(encoding="utf-8")
    assert "jp-OutputArea-output" in html, "the executed outputs are on the page"
    assert "Traceback" not in html and "ClaimFailed" not in html
    images = [attrs for tag, attrs in parse(path).tags if tag == "img"]
    for attrs in images:
        assert attrs.get("alt", "").strip(), f"{question.slug}: an image without alt text"


def test_claims_json_lists_every_declared_claim(site):
    index = json.loads((site / "claims.json").read_text(encoding="utf-8"))
    assert [q["slug"] for q in index] == SLUGS
    for entry, question in zip(index, QUESTIONS, strict=True):
        assert entry["url"] == f"{SITE_URL}questions/{question.slug}/"
        assert entry["title"] == question.title and entry["verified"]
        assert [c["id"] for c in entry["claims"]] == list(question.declared)
        assert all(c["passed"] for c in entry["claims"])
        for c in entry["claims"]:  # what was measured, the bound it was held to, the seeds
            assert c["url"] == f"{SITE_URL}questions/{question.slug}/#claim-{c['id']}"
            assert c["checks"] and c["runs"] == max(len(k["measured"]) for k in c["checks"])
            for k in c["checks"]:
                assert k["measured"] and k["op"] in ("<", "<=", ">", ">=", "==", "in")
                assert k["bound"] is not None and k["held"] == len(k["measured"])
        assert entry["seconds"] > 0 and entry["versions"]["torch"].startswith("2.13.0")


def test_home_page_lists_every_question_with_its_status(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    for question in QUESTIONS:
        assert f'href="questions/{question.slug}/"' in home
    assert home.count("claims verified") == len(QUESTIONS)


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_no_resource_is_loaded_from_another_host(site):
    loads = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
             "video": "src", "embed": "src", "object": "data"}
    link_requests = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest",
                     "apple-touch-icon", "preconnect", "dns-prefetch"}
    problems = []
    for path in html_pages(site):
        tags = parse(path)
        for tag, attrs in tags.tags:
            url = attrs.get(loads.get(tag, ""), "")
            if tag == "link" and set(attrs.get("rel", "").split()) & link_requests:
                url = attrs.get("href", "")
            if url and external(url):
                problems.append(f"{path.relative_to(site)}: <{tag}> {url}")
        for kind, text in tags.inline:
            urls = INLINE_URL.findall(text)
            problems += [f"{path.relative_to(site)}: inline {kind} {u}" for u in urls]
    for path in site.rglob("*.css"):
        urls = CSS_URL.findall(path.read_text(encoding="utf-8"))
        problems += [f"{path.relative_to(site)}: {u}" for u in urls]
    assert problems == []


def test_maths_is_typeset_at_build_time_as_mathml(site):
    """No page loads maths code, stylesheet or font: the TeX reaches the reader as MathML."""
    assert not (site / "vendor").exists(), "nothing of KaTeX's is shipped"
    with_maths = 0
    for path in html_pages(site):
        tags = parse(path).tags
        urls = [a.get("src", "") or a.get("href", "") for tag, a in tags
                if tag in ("script", "link")]
        assert not [u for u in urls if "katex" in u.lower()], path
        text = path.read_text(encoding="utf-8")
        assert "katex-error" not in text and "katex-html" not in text, path
        if 'class="katex"' in text:
            with_maths += 1
            assert text.count('<span class="katex"><math') == text.count('class="katex"'), path
    assert with_maths >= 5


def og_tags(path: Path) -> dict[str, str]:
    meta = {}
    for tag, attrs in parse(path).tags:
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name") or ""
            if key.startswith(("og:", "twitter:")):
                meta[key] = attrs.get("content", "")
    return meta


def test_every_page_previews_well_in_a_forum(site):
    for path in html_pages(site):
        if path.name == "404.html":
            continue
        meta = og_tags(path)
        where = path.relative_to(site)
        assert 0 < len(meta.get("og:title", "")) <= 80, where
        assert 0 < len(meta.get("og:description", "")) <= 250, where
        assert meta.get("og:url", "").startswith(SITE_URL), where
        assert meta.get("twitter:card") == "summary_large_image", where
        image = meta.get("og:image", "")
        assert image.startswith(SITE_URL), where
        png = site / image[len(SITE_URL):]
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", where


@pytest.mark.parametrize("question", QUESTIONS, ids=SLUGS)
def test_answer_preview_is_the_question_and_its_summary(site, question):
    meta = og_tags(site / "questions" / question.slug / "index.html")
    assert meta["og:title"] == question.title
    assert meta["og:description"] == question.meta["summary"]
    assert meta["og:url"] == f"{SITE_URL}questions/{question.slug}/"


def test_og_images_are_1200_by_630(site):
    from PIL import Image

    for slug in [*SLUGS, "index"]:
        with Image.open(site / "assets" / "og" / f"{slug}.png") as image:
            assert image.size == (1200, 630)


def test_site_url_in_tests_matches_mkdocs_config(root):
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    default = re.search(r"site_url: !ENV \[SITE_URL, \"([^\"]+)\"\]", text)
    assert default and default.group(1) == SITE_URL


def test_published_urls_never_disappear(site, root):
    """A URL pasted into the forum must keep working: as the page, or as a redirect to it."""
    published = [
        line.strip() for line in (root / "published-urls.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    missing = [url for url in published if not (site / url.strip("/") / "index.html").is_file()]
    assert missing == [], "published URLs must stay: add a redirect in mkdocs.yml"
    unlisted = {f"/questions/{s}/" for s in SLUGS} - set(published)
    assert unlisted == set(), "list every answer's URL in published-urls.txt"


def test_headings_are_in_order(site):
    problems = []
    for path in html_pages(site):
        text = path.read_text(encoding="utf-8")
        article = text[text.find("<article"): text.find("</article>")]
        levels = [int(h) for h in re.findall(r"<h([1-6])[\s>]", article)]
        if not levels:
            continue
        if levels[0] != 1 or levels.count(1) != 1:
            problems.append(f"{path.relative_to(site)}: needs exactly one h1, first")
        for before, after in itertools.pairwise(levels):
            if after > before + 1:
                problems.append(f"{path.relative_to(site)}: h{before} then h{after}")
                break
    assert problems == []


def test_search_finds_answers_not_notebook_output(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not [d["location"] for d in index["docs"] if d["location"].startswith("demos/")]
    titles = {d["title"] for d in index["docs"] if d["location"].startswith("questions/")}
    assert {q.title for q in QUESTIONS} <= titles
