"""The built site in headless Chromium (`nox -s browser`, after `nox -s docs`).

Every page: no console error, no request to another host, images loaded, maths typeset, and a
screenshot in build/screenshots/. Search finds answers; download links work; text has contrast.
Needs Debian's chromium and the `browser` dependency group; not part of `nox -s tests`.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT

SITE = ROOT / "site"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SEARCHES = {  # query -> the answer that must come first
    "one-hot encoding": "embeddings-vs-one-hot",
    "perplexity": "perplexity",
    "cold start": "cold-start-and-bias",
    "structured data": "structured-data",
}

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


def answers() -> list[str]:
    return [q["slug"] for q in json.loads((SITE / "claims.json").read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page_path", pages() if SITE.is_dir() else [])
def test_page_loads_clean_and_self_contained(browser, base_url, page_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", None)
            and not r.url.startswith("data:") and foreign.append(r.url))
    page.goto(base_url + page_path, wait_until="networkidle")
    broken = page.evaluate(
        "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
    maths = page.evaluate("""() => ({
        sources: document.querySelectorAll('.arithmatex, .jp-RenderedMarkdown').length,
        typeset: document.querySelectorAll('.katex').length,
        failed: document.querySelectorAll('.katex-error').length,
        raw: [...document.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('.katex')).length,
    })""")
    shot = SCREENSHOTS / (page_path.strip("/").replace("/", "__") or "home")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{shot}.png", full_page=False)
    page.close()
    assert errors == []
    assert foreign == []
    assert broken == []
    assert maths["failed"] == 0 and maths["raw"] == 0, maths


def test_maths_is_typeset_on_an_answer(browser, base_url):
    page = browser.new_page()
    page.goto(base_url + "questions/embeddings-vs-one-hot/", wait_until="networkidle")
    assert page.locator(".arithmatex .katex").count() > 5
    page.close()


@pytest.mark.parametrize(("query", "slug"), SEARCHES.items())
def test_search_finds_the_answer(browser, base_url, query, slug):
    if slug not in answers():
        pytest.fail(f"the answer {slug} is not on the site")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url, wait_until="networkidle")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(query, delay=30)
    first = page.locator(".md-search-result__item a").first
    first.wait_for(timeout=10_000)
    assert f"questions/{slug}/" in first.get_attribute("href")
    page.close()


@pytest.mark.parametrize("slug", answers() if SITE.is_dir() else [])
def test_run_it_yourself_downloads_work(browser, base_url, slug):
    page = browser.new_page()
    page.goto(f"{base_url}questions/{slug}/", wait_until="networkidle")
    links = page.eval_on_selector_all("a[download]", "els => els.map(e => e.href)")
    assert len(links) == 2
    for link in links:
        response = page.request.get(link)
        assert response.status == 200, link
        body = response.body()
        if link.endswith(".ipynb"):
            notebook = json.loads(body)
            assert any(c.get("outputs") for c in notebook["cells"]), "executed outputs"
        else:
            assert body.startswith(b"# ---") or b"# %%" in body
    page.close()


def _contrast(rgb_a: list[float], rgb_b: list[float]) -> float:
    def luminance(rgb):
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(browser, base_url, scheme):
    slug = answers()[0]
    page = browser.new_page(color_scheme=scheme)  # the palette follows the system preference
    page.goto(f"{base_url}questions/{slug}/", wait_until="networkidle")
    colours = page.evaluate("""() => {
        const rgb = s => s.match(/[\\d.]+/g).map(Number);
        const background = rgb(getComputedStyle(document.body).backgroundColor);
        const pick = sel => [...document.querySelectorAll(sel)].slice(0, 3);
        const out = [];
        for (const sel of ['.md-content p', '.md-content a', '.oh-claims li', '.oh-claim__value',
                           '.oh-question footer']) {
            for (const el of pick(sel)) out.push([sel, rgb(getComputedStyle(el).color), background]);
        }
        return out;
    }""")
    page.close()
    assert colours
    low = [(sel, round(_contrast(fg, bg), 2)) for sel, fg, bg in colours if _contrast(fg, bg) < 4.5]
    assert low == []
