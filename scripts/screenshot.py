"""Screenshot pages of a running Revaluation in headless Chromium, to look at them as a user would.

Usage: python scripts/screenshot.py BASE_URL OUT_DIR PATH [PATH...]
       [--width 360] [--login EMAIL:PASSWORD] [--no-js]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("out")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--login", default=None)
    parser.add_argument("--no-js", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": args.width, "height": args.height},
            java_script_enabled=not args.no_js,
        )
        page = context.new_page()
        if args.login:
            email, password = args.login.split(":", 1)
            page.goto(args.base + "/login")
            page.fill("#email", email)
            page.fill("#password", password)
            page.click("button[type=submit]")
        for path in args.paths:
            page.goto(args.base + path)
            name = path.strip("/").replace("/", "_").replace("?", "_") or "index"
            target = out / f"{name}-{args.width}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
        browser.close()


if __name__ == "__main__":
    main()
