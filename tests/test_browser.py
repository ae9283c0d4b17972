"""The built site in headless Chromium (`nox -s browser`, after `nox -s docs`).

Every page, in the light and the dark scheme: no console error, no request to another host,
images loaded, no raw TeX in the rendered text, no WCAG 2.1 AA violation (axe-core), no script
it does not use, and its own weight within budget; a screenshot in build/screenshots/. Also:
one navigation entry per question, demo pages lead back to their answer, notebook code is not
clipped, search finds answers, download and Colab links work. Needs Debian's chromium and the
`browser` dependency group; not part of `nox -s tests`.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT

SITE = ROOT / "site"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCHEMES = ("light", "dark")
SEARCHES = {  # query -> the answer that must come first
    "one-hot encoding": "embeddings-vs-one-hot",
    "perplexity": "perplexity",
    "cold start": "cold-start-and-bias",
    "structured data": "structured-data",
}
AXE_RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
             "resultTypes": ["violations"]}
# A page's own transfer, uncompressed: HTML, CSS, JS, fonts, images. The search index and the
# worker that builds it are the site-wide search, loaded by every page alike, and not counted.
WEIGHT_LIMITS = {"questions": 500 * 1024, "demos": 800 * 1024}
SEARCH = re.compile(r"/search/search_index\.json$|/assets/javascripts/workers/search\.")
# Raw TeX that escaped typesetting: a control word, a $…$ span, a braced sub/superscript
RAW_TEX = re.compile(r"\\[a-zA-Z]+|\$\$|\$[^\s$][^$]*?[^\s$\\]\$|\$[^\s$]\$|[_^]\{|\^\\")

pytestmark = pytest.mark.browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    if not (SITE / "index.html").is_file():
        pytest.fail("site/ is not built: run `nox -s docs` first")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pages() -> list[str]:
    found = []
    for path in sorted(SITE.rglob("index.html")):
        text = path.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:  # redirect stubs of renamed pages
            continue
        found.append(path.parent.relative_to(SITE).as_posix() + "/" if path.parent != SITE else "")
    return found


def claims_index() -> list[dict[str, Any]]:
    return json.loads((SITE / "claims.json").read_text(encoding="utf-8"))


def answers() -> list[str]:
    return [q["slug"] for q in claims_index()]


def open_page(browser, base_url: str, path: str, *, width: int = 1280, height: int = 900,
              scheme: str = "light"):
    """A new page at ``path`` of the site, loaded, in a viewport of ``width`` × ``height``."""
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
    page.goto(base_url + path, wait_until="networkidle")
    return page


def first_screen_order(page, selectors: list[str]) -> list[tuple[str, float, bool]]:
    """For each selector: its first element's top edge (px from the top of the page) and
    whether that top is within the first screen; for checks of reading order on a phone,
    e.g. ``open_page(browser, base_url, "questions/x/", width=390, height=800)``."""
    height = page.viewport_size["height"]
    found = []
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        top = box["y"] + page.evaluate("window.scrollY") if box else float("inf")
        found.append((selector, top, top < height))
    return found


_visits: dict[tuple[str, str], dict[str, Any]] = {}


def visit(browser, base_url: str, path: str, scheme: str) -> dict[str, Any]:
    """Open a page once per scheme and record what the tests below check."""
    if (path, scheme) in _visits:
        return _visits[path, scheme]
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    seen: dict[str, Any] = {"errors": [], "foreign": [], "bytes": {}, "scripts": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", None)
            and not r.url.startswith("data:") and seen["foreign"].append(r.url))

    def response(r):
        if r.ok and r.url.startswith(base_url):
            seen["bytes"][r.url[len(base_url):]] = len(r.body())
            if r.request.resource_type == "script":
                seen["scripts"].append(r.url[len(base_url):])

    page.on("response", response)
    page.goto(base_url + path, wait_until="networkidle")
    seen["broken"] = page.evaluate(
        "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
    seen["raw_tex"] = page.evaluate("""(pattern) => {
        const raw = new RegExp(pattern);
        const skip = 'code, pre, script, style, kbd, samp, .katex, .highlight, .highlight-ipynb, [data-copy]';
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const found = [];
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (n.parentElement.closest(skip) || !n.parentElement.checkVisibility()) continue;
            const m = n.textContent.match(raw);
            if (m) found.push(n.textContent.slice(Math.max(0, m.index - 30), m.index + 40));
        }
        return found;
    }""", RAW_TEX.pattern)
    seen["axe"] = [
        f"{v['id']}: {n['target']} {n['failureSummary'][:160]}"
        for v in Axe().run(page, options=AXE_RULES).response["violations"] for n in v["nodes"]
    ]
    seen["copy_buttons"] = page.locator("button.oh-copy-link").count()
    shot = SCREENSHOTS / f"{path.strip('/').replace('/', '__') or 'home'}-{scheme}"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{shot}.png", full_page=False)
    page.close()
    _visits[path, scheme] = seen
    return seen


PAGES = pages() if SITE.is_dir() else []


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_clean_and_self_contained(browser, base_url, page_path, scheme):
    seen = visit(browser, base_url, page_path, scheme)
    assert seen["errors"] == []
    assert seen["foreign"] == []
    assert seen["broken"] == []


@pytest.mark.parametrize("page_path", PAGES)
def test_no_raw_tex_in_the_rendered_text(browser, base_url, page_path):
    assert visit(browser, base_url, page_path, "light")["raw_tex"] == []


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("page_path", PAGES)
def test_no_accessibility_violation(browser, base_url, page_path, scheme):
    """axe-core, WCAG 2.1 A and AA rules, code blocks and notebook cells included."""
    assert visit(browser, base_url, page_path, scheme)["axe"] == []


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_only_scripts_it_uses(browser, base_url, page_path):
    seen = visit(browser, base_url, page_path, "light")
    scripts = [s for s in seen["scripts"] if not SEARCH.search("/" + s)]
    assert [s for s in scripts if "katex" in s] == [], "maths is typeset at build time"
    assert [s for s in scripts if s.endswith("office-hours.js")] == (
        ["javascripts/office-hours.js"] if seen["copy_buttons"] else [])


@pytest.mark.parametrize("page_path", [p for p in PAGES if p.split("/")[0] in WEIGHT_LIMITS])
def test_page_weight_within_budget(browser, base_url, page_path):
    seen = visit(browser, base_url, page_path, "light")
    own = {url: size for url, size in seen["bytes"].items() if not SEARCH.search("/" + url)}
    total = sum(own.values())
    limit = WEIGHT_LIMITS[page_path.split("/")[0]]
    biggest = sorted(own.items(), key=lambda item: -item[1])[:5]
    assert total <= limit, f"{total / 1024:.0f} KB > {limit / 1024:.0f} KB: {biggest}"


def test_maths_is_typeset_on_an_answer_and_a_demo(browser, base_url):
    for path in ("questions/embeddings-vs-one-hot/", "demos/embeddings-vs-one-hot/"):
        page = open_page(browser, base_url, path)
        assert page.locator(".arithmatex .katex math").count() > 5, path
        assert page.locator(".katex-error").count() == 0, path
        page.close()


def test_navigation_has_one_entry_per_question(browser, base_url):
    page = open_page(browser, base_url, "")
    links = page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link[href]", "els => els.map(e => e.getAttribute('href'))")
    page.close()
    questions = [re.search(r"questions/([^/]+)/", h).group(1) for h in links if "questions/" in h]
    assert sorted(questions) == sorted(answers())
    assert not [h for h in links if "demos/" in h]


@pytest.mark.parametrize("question", claims_index() if SITE.is_dir() else [],
                         ids=lambda q: q["slug"])
def test_demo_page_is_titled_after_its_answer_and_leads_back(browser, base_url, question):
    slug = question["slug"]
    page = open_page(browser, base_url, f"questions/{slug}/")
    demo_links = page.eval_on_selector_all(
        f"article a[href$='demos/{slug}/']", "els => els.map(e => e.href)")
    page.close()
    assert demo_links, "the answer links to its demo"
    page = open_page(browser, base_url, f"demos/{slug}/")
    title = f"{question['title']} — the demo"
    assert page.title().startswith(title)
    assert page.locator("article h1").first.inner_text().strip().rstrip("¶").strip() == title
    back = page.locator("nav.oh-breadcrumb a").first
    assert back.inner_text() == question["title"]
    back.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/questions/{slug}/")
    page.close()


@pytest.mark.parametrize("slug", answers() if SITE.is_dir() else [])
def test_no_notebook_code_is_clipped(browser, base_url, slug):
    page = open_page(browser, base_url, f"demos/{slug}/", width=1280)
    clipped = page.evaluate("""() => [...document.querySelectorAll(
            '.jupyter-wrapper pre, .jupyter-wrapper code')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => e.textContent.split('\\n').sort((a, b) => b.length - a.length)[0].slice(0, 100))""")
    page.close()
    assert clipped == []


@pytest.mark.parametrize(("query", "slug"), SEARCHES.items())
def test_search_finds_the_answer(browser, base_url, query, slug):
    if slug not in answers():
        pytest.fail(f"the answer {slug} is not on the site")
    page = open_page(browser, base_url, "")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(query, delay=30)
    first = page.locator(".md-search-result__item a").first
    first.wait_for(timeout=10_000)
    assert f"questions/{slug}/" in first.get_attribute("href")
    page.close()


@pytest.mark.parametrize("slug", answers() if SITE.is_dir() else [])
def test_run_it_yourself_downloads_work(browser, base_url, slug):
    page = open_page(browser, base_url, f"questions/{slug}/")
    links = page.eval_on_selector_all("a[download]", "els => els.map(e => e.href)")
    assert len(links) == 2
    for link in links:
        response = page.request.get(link)
        assert response.status == 200, link
        body = response.body()
        if link.endswith(".ipynb"):
            notebook = json.loads(body)
            assert any(c.get("outputs") for c in notebook["cells"]), "executed outputs"
            setup = notebook["cells"][0]
            assert "office-hours-setup" in setup["metadata"]["tags"], "starts with its setup"
        else:
            assert body.startswith(b"# ---") or b"# %%" in body
    page.close()


@pytest.mark.parametrize("slug", answers() if SITE.is_dir() else [])
def test_open_in_colab_points_at_the_notebook_on_the_notebooks_branch(browser, base_url, slug):
    """Colab opens from GitHub: the deployment pushes site/**/*.ipynb, same paths, to the
    branch named by mkdocs.yml's extra.notebooks_branch."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")  # no YAML parser in this session
    branch = re.search(r"^  notebooks_branch: (\S+)$", config, re.MULTILINE).group(1)
    page = open_page(browser, base_url, f"questions/{slug}/")
    href = page.locator("a.md-button", has_text="Open in Colab").get_attribute("href")
    repository = page.locator(".md-social a[href^='https://github.com/']").first.get_attribute(
        "href").removeprefix("https://github.com/").strip("/")  # the site's one repository
    page.close()
    prefix = f"https://colab.research.google.com/github/{repository}/blob/{branch}/"
    assert href.startswith(prefix), href
    served = SITE / href.removeprefix(prefix)
    assert served == SITE / "demos" / slug / f"{slug}.ipynb" and served.is_file(), href


@pytest.mark.parametrize("slug", answers() if SITE.is_dir() else [])
def test_on_a_phone_the_short_answer_comes_first_and_the_claims_box_is_one_line(
        browser, base_url, slug):
    """At 390 × 800: the question, then the short answer starting in the first screen, then the
    claims box, closed to its one line until clicked."""
    page = open_page(browser, base_url, f"questions/{slug}/", width=390, height=800)
    order = first_screen_order(page, [".oh-question", ".oh-question + p", "details.oh-claims"])
    (_, question, _), (_, answer, answer_seen), (_, box, _) = order
    assert question < answer < box, order
    assert answer_seen, f"the short answer starts at {answer:.0f} px, below the first screen"
    summary = page.locator("details.oh-claims > summary")
    assert re.fullmatch(r"✓ (\d+) of \1 claims checked by the demo · \d{4}-\d\d-\d\d",
                        summary.inner_text().strip())
    assert not page.locator("details.oh-claims").evaluate("d => d.open")
    assert not page.locator(".oh-claim-row").first.is_visible()
    summary.click()
    assert page.locator(".oh-claim-row").first.is_visible()
    page.close()


def test_an_address_naming_a_claim_opens_the_box_at_it(browser, base_url):
    entry = claims_index()[0]
    claim = entry["claims"][-1]["id"]
    page = open_page(browser, base_url, f"questions/{entry['slug']}/#claim-{claim}",
                     width=390, height=800)
    assert page.locator("details.oh-claims").evaluate("d => d.open")
    row = page.locator(f"#claim-{claim}")
    assert row.is_visible() and "Measured: " in row.inner_text()
    box = row.bounding_box()
    assert 0 <= box["y"] < 800, "the named claim is scrolled into view"
    page.close()
