"""What a reader sees on an answer page, built for real on a one-question project.

The project is the scaffold's question (a small MovieLens demo) with the repository's own
mkdocs.yml, theme overrides, hooks and assets: the demo runs in a kernel, MkDocs builds, and
the tests read the rendered HTML, the feeds and the preview tags.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import feedparser
import jsonschema
import pytest

from office_hours.site import build, history, scaffold
from tests.conftest import ROOT, commit_all

pytestmark = pytest.mark.slow
SLUG = "what-is-dropout"
TRICKY = "<unk> & *stars* _under_"


class Text(HTMLParser):
    """The text a reader sees (scripts and styles left out), and every tag's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def meta(self, key: str) -> str:
        return next(a["content"] for t, a in self.tags
                    if t == "meta" and key in (a.get("name"), a.get("property")))


def read(path: Path) -> Text:
    page = Text()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def make_project(tmp: Path) -> Path:
    for name in ("mkdocs.yml", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp / name)
    shutil.copytree(ROOT / "docs", tmp / "docs",
                    ignore=shutil.ignore_patterns("questions", "demos"))
    (tmp / "src").symlink_to(ROOT / "src")
    page, _ = scaffold.create(tmp, SLUG)
    text = page.read_text(encoding="utf-8")
    text = text.replace('summary: "The short answer', f'summary: "{TRICKY} The short answer')
    text = text.replace('text: "One sentence', f'text: "{TRICKY} One sentence')
    page.write_text(text, encoding="utf-8")
    commit_all(tmp)
    return tmp


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("project"))
    assert build.main(["--site", "--root", str(root)]) == 0
    return root


def answer(root: Path) -> Text:
    return read(root / "site" / "questions" / SLUG / "index.html")


def test_values_are_substituted_and_follow_the_record(project):
    record = json.loads((project / "build" / "demos" / f"{SLUG}.json").read_text())
    shown = record["values"]["mean-rating"]["text"]
    assert f"the mean rating is {shown}." in answer(project).text
    record["values"]["mean-rating"]["text"] = "9.99"
    (project / "build" / "demos" / f"{SLUG}.json").write_text(json.dumps(record))
    build.build_site(project)
    assert "the mean rating is 9.99." in answer(project).text


def test_an_unknown_reference_fails_the_build_naming_page_and_name(project, tmp_path):
    root = make_project(tmp_path)
    shutil.copytree(project / "build" / "demos", root / "build" / "demos")
    shutil.copytree(project / "build" / "notebooks", root / "build" / "notebooks")
    page = root / "docs" / "questions" / f"{SLUG}.md"
    page.write_text(page.read_text() + "\nIt took {{ no-such-value }} seconds.\n")
    with pytest.raises(build.BuildError, match=rf"{SLUG}\.md.*no-such-value"):
        build.build_site(root)


def test_front_matter_reads_as_written_everywhere(project):
    page = answer(project)
    assert TRICKY in page.text  # claims box and nothing read as a tag or emphasis
    assert page.meta("og:description").startswith(TRICKY)
    assert TRICKY in read(project / "site" / "index.html").text  # the home page's card
    feed = json.loads((project / "site" / "feed.json").read_text())
    assert feed["items"][0]["summary"].startswith(TRICKY)


def test_claims_box_is_one_line_after_the_short_answer_and_claims_have_anchors(project):
    html = (project / "site" / "questions" / SLUG / "index.html").read_text()
    summary = html.index("<summary>✓ 1 of 1 claims checked by the demo · ")
    assert html.index("The short answer, in a paragraph.") < summary
    assert html.index('class="oh-question"') < html.index("The short answer, in a paragraph.")
    assert '<li id="claim-example-claim"' in html
    assert "Measured: " in answer(project).text and "needs 3 to 4" in answer(project).text


def test_forum_preview_labels_carry_the_claim_status(project):
    page = answer(project)
    record = json.loads((project / "build" / "demos" / f"{SLUG}.json").read_text())
    assert page.meta("twitter:label1") == "Claims"
    assert page.meta("twitter:data1") == f"1/1 ✓ checked {record['executed_at'][:10]}"
    assert page.meta("twitter:label2") == "Reading time"
    assert page.meta("twitter:data2").endswith("min read")


def test_follow_up_links_open_the_forum_new_topic_form(project):
    page = answer(project)
    links = [a["href"] for t, a in page.tags if t == "a" and "new-topic" in a.get("href", "")]
    assert len(links) == 2  # the page's and the claim's
    site_url = "https://office-hours.github.io/office-hours/"
    for href in links:
        url = urlparse(href)
        assert f"{url.scheme}://{url.netloc}" == "https://forums.fast.ai"
        assert url.path == "/new-topic"
        query = parse_qs(url.query)
        assert query["title"][0].endswith(("What is dropout?", "claim example-claim"))
        assert f"{site_url}questions/{SLUG}/" in query["body"][0]
    assert any("#claim-example-claim" in parse_qs(urlparse(h).query)["body"][0] for h in links)


def test_feeds_are_rss_2_and_json_feed_1_1(project):
    rss = feedparser.parse((project / "site" / "feed.xml").read_bytes())
    assert not rss.bozo and rss.version == "rss20"
    [entry] = rss.entries
    assert entry.link.endswith(f"/questions/{SLUG}/") and "Claims: 1/1 ✓" in entry.summary
    ET.fromstring((project / "site" / "feed.xml").read_bytes())
    raw = json.loads((project / "site" / "feed.json").read_text())
    assert raw["version"] == "https://jsonfeed.org/version/1.1"
    for item in raw["items"]:
        assert {"id", "url", "title", "summary", "date_published"} <= item.keys()
    jsonschema.validate(raw, JSON_FEED_1_1)
    for item in raw["items"]:
        datetime.fromisoformat(item["date_published"])  # RFC 3339


# The requirements of https://jsonfeed.org/version/1.1 (feedparser reads RSS, not JSON Feed).
_ITEM = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "minLength": 1}, "url": {"type": "string", "format": "uri"},
        "title": {"type": "string"}, "summary": {"type": "string"},
        "content_text": {"type": "string"}, "content_html": {"type": "string"},
        "date_published": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
    },
    "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
    "patternProperties": {"^_": {"type": "object"}},
}
JSON_FEED_1_1 = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"}, "home_page_url": {"type": "string"},
        "feed_url": {"type": "string"}, "items": {"type": "array", "items": _ITEM},
    },
}


def test_a_moved_value_shows_as_drift_and_on_the_page(project, capsys, monkeypatch):
    demo = project / "demos" / f"{SLUG}.py"
    source = demo.read_text()
    monkeypatch.setenv(history.TOLERANCE_ENV, "0.01")
    # the same demo, scored on the ratings of 2 stars and more: the mean moves up
    demo.write_text(source.replace(
        'ratings = movielens().ratings\n',
        'ratings = movielens().ratings\nratings = ratings[ratings["rating"] >= 2]\n'))
    try:
        assert build.main(["--site", "--root", str(project)]) == 0
    finally:
        demo.write_text(source)
    out = capsys.readouterr().out
    assert "Drift:" in out and "mean-rating" in out and "example-claim" in out
    page = answer(project)
    assert "Changed: " in page.text and " since " in page.text
    runs = json.loads((project / "site" / "claims-history.json").read_text())
    assert [r["slug"] for r in runs] == [SLUG, SLUG]
