"""Print a self-contained HTML page to PDF with the system Chromium (no request leaves the machine)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from api.render.poster import CHROMIUM_ARGS, chromium_path

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    """The PDF (A4, backgrounds printed) of ``html``; every request other than the page itself is aborted."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="innonet-web-pdf-") as folder:
        path = Path(folder) / "page.html"
        path.write_text(html, encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
            try:
                page = browser.new_page()
                page.route("**/*", lambda route, request: route.continue_() if request.url == path.as_uri()
                           else route.abort())
                page.goto(path.as_uri())
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
