"""O livro num navegador de verdade (Chromium do Debian), sem internet, completo e em português."""

import os
import re

import pytest
from book_utils import CHROMIUM, CHROMIUM_ARGS, serve, toc_files

pytestmark = pytest.mark.slow

# Frases de interface que os temas deixam em inglês quando não traduzidas.
ENGLISH_UI = [
    "Skip to main content",
    "Back to top",
    "Search this book",
    "Color mode",
    "previous page",
    "next page",
    "Toggle primary sidebar",
    "Toggle secondary sidebar",
    "Launch interactive content",
    "Download this page",
    "Fullscreen mode",
    "Show code cell",
    "Hide code cell",
    "Contents",
    "Version warning",
    "Site navigation",
    "Last updated",
    "By ",
    "Copy to clipboard",
]
RAW_TEX = re.compile(r"\\(frac|lfloor|rfloor|sum|cdot|left|right|begin)\b|\$\$")


@pytest.fixture(scope="module")
def browser_page(built_book):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium não encontrado: rode `make browser` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with serve(built_book) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        log = {"externas": [], "falhas": []}

        def only_local(route):
            if route.request.url.startswith(base):
                route.continue_()
            else:
                log["externas"].append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.on("requestfailed", lambda r: log["falhas"].append(r.url) if r.url.startswith(base) else None)
        page.on(
            "response", lambda r: log["falhas"].append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        yield base, page, log
        browser.close()


def _visit(browser_page, url_path):
    base, page, log = browser_page
    log["externas"].clear()
    log["falhas"].clear()
    page.goto(f"{base}/{url_path}")
    page.wait_for_load_state("networkidle")
    return page, log


@pytest.mark.parametrize("url_path", [f"{name}.html" for name in toc_files()])
def test_page_loads_offline_in_portuguese(browser_page, url_path):
    page, log = _visit(browser_page, url_path)
    assert log["externas"] == [], f"{url_path} pediu recursos de outro host: {log['externas'][:5]}"
    assert log["falhas"] == [], f"{url_path} tem recursos que faltam: {log['falhas'][:5]}"
    assert page.get_attribute("html", "lang") == "pt-BR"

    text = page.inner_text("body")
    labels = " ".join(
        (element.get_attribute("aria-label") or "") + " " + (element.get_attribute("title") or "")
        for element in page.query_selector_all("[aria-label], [title]")
    )
    english = [s for s in ENGLISH_UI if s in text or s in labels]
    assert english == [], f"{url_path} mostra interface em inglês: {english}"

    if page.query_selector(".math"):
        page.wait_for_selector("mjx-container", timeout=15000)
        assert not RAW_TEX.search(text), f"{url_path} mostra TeX cru: {RAW_TEX.search(text).group(0)}"

    for image in page.query_selector_all("article img"):
        assert image.evaluate("i => i.complete && i.naturalWidth > 0"), f"imagem quebrada em {url_path}"
        assert (image.get_attribute("alt") or "").strip(), f"imagem sem texto alternativo em {url_path}"

    if page.query_selector("[data-demo]"):  # as demonstrações montam na própria página, sem kernel
        page.wait_for_selector("[data-demo][data-state]", timeout=15000)


def test_search_finds_portuguese_word(browser_page):
    page, log = _visit(browser_page, "search.html?q=convolu%C3%A7%C3%A3o")
    page.wait_for_selector("#search-results li", timeout=15000)
    assert len(page.query_selector_all("#search-results li")) >= 1
    assert log["externas"] == []
