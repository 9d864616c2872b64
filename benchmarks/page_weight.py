"""Weight of a respondent question page as a phone on a cold cache receives it.

Run as ``python benchmarks/page_weight.py``. It seeds the demo into a temporary SQLite
database, serves the app on loopback, walks a headless Chromium (360 x 800) to the first
question page, then opens that page again in a fresh context with the same cookies and an
empty cache. It prints each request with its transferred (compressed) bytes, the total, how
many requests followed the HTML, and any request to another host. Budget: at most 30 KB and
2 requests after the HTML, none third-party.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

from _respond_common import environment, seed

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]


def main() -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from revaluation import create_app

    database = Path(tempfile.mkdtemp(prefix="page-weight-")) / "weight.sqlite3"
    seed(database)
    app = create_app({"ENVIRON": environment(database)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            walker = browser.new_context(viewport={"width": 360, "height": 800})
            page = walker.new_page()
            page.goto(base + "/r/walkmembers")
            page.get_by_role("button", name="Start now").click()
            page.get_by_label("Yes, I agree to take part").check()
            page.get_by_role("button", name="Continue").click()
            page.get_by_role("button", name="Skip: I do not want a panel code").click()
            page.wait_for_url("**/p/you")
            question_url = page.url
            cold = browser.new_context(viewport={"width": 360, "height": 800},
                                       storage_state=walker.storage_state())
            fresh = cold.new_page()
            seen = []
            fresh.on("requestfinished", lambda r: seen.append(r))
            fresh.goto(question_url, wait_until="networkidle")
            rows = []
            for request in seen:
                sizes = request.sizes()
                rows.append((request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"],
                             request.resource_type))
            browser.close()
    finally:
        server.shutdown()
    total = sum(size for _url, size, _kind in rows)
    after_html = [r for r in rows if r[2] != "document"]
    third_party = [u for u, _s, _k in rows if urlparse(u).hostname != "127.0.0.1"]
    print(f"question page: {urlparse(question_url).path}")
    for url, size, kind in rows:
        print(f"  {kind:<10} {size / 1024:6.1f} KB  {urlparse(url).path}")
    print(f"total transferred (compressed, with headers): {total / 1024:.1f} KB (budget 30 KB)")
    print(f"requests after the HTML: {len(after_html)} (budget 2); "
          f"third-party requests: {len(third_party)}")


if __name__ == "__main__":
    main()
