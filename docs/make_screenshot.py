"""Regenerates docs/img/report.png: the HTML report of examples/vulnerable-app, rendered by
Debian's headless chromium through Playwright (no browser download).

    python docs/make_screenshot.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from nodeward.report import html
from nodeward.scan import scan_path
from nodeward.web.browser import CHROMIUM_ARGS

ROOT = Path(__file__).parent.parent
ARGS = list(CHROMIUM_ARGS)


def main() -> None:
    report = scan_path(ROOT / "examples" / "vulnerable-app", quiet=True)
    with tempfile.TemporaryDirectory() as work:
        page_path = Path(work) / "report.html"
        # Show a relative root in the picture, not this machine's folder layout.
        page_path.write_text(html.render(report).replace(report.root, "examples/vulnerable-app"))
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(Path(work) / "profile"),
                executable_path="/usr/bin/chromium",
                headless=True,
                args=ARGS,
                viewport={"width": 1200, "height": 1400},
            )
            page = context.new_page()
            page.goto(page_path.as_uri())
            target = ROOT / "docs" / "img" / "report.png"
            page.screenshot(path=str(target))
            context.close()
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
