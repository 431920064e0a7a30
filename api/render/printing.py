"""Print a self-contained HTML page to an A4 PDF with the system Chromium (no request leaves the machine).

The one place pages are printed: the report (``innonet analyze``, the web reports page) and the web
workbench's one-page profiles.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from api.render.poster import CHROMIUM_ARGS, chromium_path

__all__ = ["file_to_pdf", "html_to_pdf"]


def file_to_pdf(path: Path) -> bytes:
    """The PDF (A4, backgrounds printed) of the page in ``path``; only files next to it may load (its charts),
    every other request is aborted."""
    from playwright.sync_api import sync_playwright

    folder = path.resolve().parent.as_uri() + "/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.route("**/*", lambda route, request: route.continue_() if request.url.startswith(folder)
                       else route.abort())
            page.goto(path.resolve().as_uri())
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            browser.close()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained page ``html`` (nothing else may load)."""
    with tempfile.TemporaryDirectory(prefix="innonet-pdf-") as folder:
        path = Path(folder) / "page.html"
        path.write_text(html, encoding="utf-8")
        return file_to_pdf(path)
