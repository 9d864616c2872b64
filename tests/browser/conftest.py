"""Browser tests: a real headless Chromium (Debian's, via Playwright) against a live server.

The live server runs the test app in a thread on a free loopback port, sharing the test
database, so data a test commits is what the browser sees. Pages are phone-sized by default.
"""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import need

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 360, "height": 800}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    need(shutil.which(CHROMIUM) is not None or shutil.which("chromium") is not None,
         "Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev requirements install it
        need(False, "playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Factory for extra browser contexts (another device, JavaScript off...)."""
    contexts = []

    def make(*, javascript: bool = True, viewport: dict | None = None):
        context = browser.new_context(
            viewport=viewport or PHONE, java_script_enabled=javascript, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A phone-sized page with JavaScript on."""
    return new_context().new_page()


def axe_violations(page, *, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")):
    """Run axe-core in the page; return the violations at WCAG 2.2 AA, as plain dicts."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error

    options = {"runOnly": {"type": "tag", "values": list(tags)}}
    for attempt in range(3):
        # A click that posts a form may still be navigating: axe needs the finished document.
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page, options=options)
            break
        except Error as error:
            navigating = "documentElement" in str(error) or "context was destroyed" in str(error)
            if not navigating or attempt == 2:
                raise
    return [
        {"id": v["id"], "impact": v.get("impact"), "help": v["help"],
         "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
    ]


def submit(button) -> None:
    """Click a button that sends a form and wait for the page the server answers with, so the
    next step never reads the page being left."""
    with button.page.expect_navigation():
        button.click()


def login(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page.locator("button[type=submit]"))
