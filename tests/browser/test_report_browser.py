"""The HTML report in a real browser (Debian's chromium, offline): no requests, no errors, charts drawn, TOC works, JS off still reads."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

if not Path(CHROMIUM).exists():  # pragma: no cover - the project machine has it
    pytest.skip("Debian chromium not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    from reportgen.render.html import render_html
    from tests.synthetic_model import synthetic_model

    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(render_html(synthetic_model(n_features=4, n_ref=4, n_ana=6)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def loaded(browser, report_file):
    ctx = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report_file.as_uri())
    page.wait_for_function(
        "document.querySelectorAll('.plot').length > 0 && "
        "document.querySelectorAll('.plot').length === document.querySelectorAll('.plot[data-drawn]').length",
        timeout=60000,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-top.png"))
    page.screenshot(path=str(ARTIFACTS / "browser-full.png"), full_page=True)
    yield page, requests, errors
    ctx.close()


def test_no_requests_beyond_the_file(loaded, report_file):
    _, requests, _ = loaded
    assert requests == [report_file.as_uri()]


def test_no_console_errors(loaded):
    assert loaded[2] == []


def test_every_chart_drawn(loaded):
    page = loaded[0]
    n = page.evaluate("document.querySelectorAll('.plot').length")
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('.plot')).filter(e => e.querySelector('svg.main-svg')).length"
    )
    assert n >= 10 and drawn == n


def test_toc_links_land_on_sections(loaded):
    page = loaded[0]
    hrefs = page.evaluate("Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href'))")
    assert len(hrefs) == 9
    for href in hrefs:
        page.click(f"nav.toc a[href='{href}']")
        page.wait_for_timeout(50)
        top = page.evaluate(f"document.querySelector('{href}').getBoundingClientRect().top")
        at_bottom = page.evaluate("window.innerHeight + window.scrollY >= document.body.scrollHeight - 2")
        assert -2 <= top <= 40 or at_bottom, (href, top)


def test_sortable_table(loaded):
    page = loaded[0]
    page.evaluate("window.scrollTo(0, 0)")
    header = page.locator("#univariate-drift table.sortable th", has_text="Feature").first
    header.click()
    names = page.evaluate(
        "Array.from(document.querySelectorAll('#univariate-drift table.sortable')[0].tBodies[0].rows).map(r => r.cells[1].textContent)"
    )
    assert names == sorted(names)


def test_javascript_off_keeps_text_and_tables(browser, report_file):
    ctx = browser.new_context(offline=True, java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(report_file.as_uri())
    sentence = page.inner_text("#summary .sentence")
    assert "Estimated ROC AUC fell" in sentence
    assert page.is_visible("#summary .cards")
    assert page.locator("table.data:visible").count() >= 5
    assert page.locator("noscript").count() > 0
    page.screenshot(path=str(ARTIFACTS / "browser-nojs.png"))
    ctx.close()
