"""Posters of any map: PNG and A3-landscape PDF, rendered by headless Chromium from the same HTML.

Playwright drives the system Chromium (``/usr/bin/chromium``, or ``INNONET_CHROMIUM``); Playwright's
own browser download is never used.  Every request that would leave the file is aborted and
reported, so a poster is made offline exactly as the map is shown.  Real Chinese glyphs need a
CJK font on the machine (``fonts-noto-cjk``).

The page is laid out at the size of an A3 sheet in landscape (420 × 297 mm = 1587 × 1123 CSS
pixels at 96 per inch); the PNG is that viewport at :data:`PNG_SCALE` device pixels per CSS pixel.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from api.render.maps import MapRenderError

__all__ = ["A3_LANDSCAPE_CSS_PX", "CHROMIUM_ARGS", "PNG_SCALE", "chromium_path", "png_size", "render_poster"]

#: A3 landscape in CSS pixels (96 per inch): 420 mm × 297 mm.
A3_LANDSCAPE_CSS_PX: tuple[int, int] = (round(420 / 25.4 * 96), round(297 / 25.4 * 96))

#: Device pixels per CSS pixel in the PNG (2 → 3174 × 2246, about 190 dpi on A3).
PNG_SCALE = 2

#: Flags for headless Chromium in containers and offline.
CHROMIUM_ARGS: tuple[str, ...] = ("--no-sandbox", "--disable-gpu", "--disable-background-networking")

_READY_TIMEOUT_MS = 60_000


def chromium_path() -> str:
    """The Chromium executable: ``INNONET_CHROMIUM`` or ``/usr/bin/chromium``.

    >>> os.environ.pop("INNONET_CHROMIUM", None) or chromium_path()
    '/usr/bin/chromium'
    """
    return os.environ.get("INNONET_CHROMIUM", "/usr/bin/chromium")


def png_size(scale: int = PNG_SCALE) -> tuple[int, int]:
    """Width and height in pixels of a poster PNG.

    >>> png_size()
    (3174, 2246)
    """
    return A3_LANDSCAPE_CSS_PX[0] * scale, A3_LANDSCAPE_CSS_PX[1] * scale


def _page_file(html_path_or_str: str | os.PathLike[str], scratch: Path) -> Path:
    if isinstance(html_path_or_str, os.PathLike) or "<" not in html_path_or_str and len(html_path_or_str) < 4096:
        path = Path(html_path_or_str)
    else:
        path = scratch / "map.html"
        path.write_text(str(html_path_or_str), encoding="utf-8")
        return path
    if not path.is_file():
        raise MapRenderError(f"no map file {str(path)!r}; render one first with `innonet map --out FILE`")
    return path


def render_poster(
    html_path_or_str: str | os.PathLike[str],
    png: str | os.PathLike[str] | None = None,
    pdf: str | os.PathLike[str] | None = None,
    *,
    scale: int = PNG_SCALE,
    browser: Any = None,
) -> list[Path]:
    """Render a map page (a file, or the HTML text itself) as a PNG and/or an A3-landscape PDF.

    Parameters
    ----------
    html_path_or_str : path or str
        A map file written by :func:`api.render.maps.render_map`, or its HTML text.
    png, pdf : path, optional
        Where to write the PNG (``png_size(scale)`` pixels) and the PDF (one A3 landscape page).
    scale : int
        Device pixels per CSS pixel of the PNG.
    browser : playwright.sync_api.Browser, optional
        A Chromium already launched (reused and left open, e.g. for many posters); by default one
        is launched for this call and closed afterwards.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    MapRenderError
        Chromium cannot start, the page raises a script error, asks for anything outside the
        file, or never reports that it is drawn.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    if png is None and pdf is None:
        return []
    with tempfile.TemporaryDirectory(prefix="innonet-poster-") as scratch:
        page_file = _page_file(html_path_or_str, Path(scratch)).resolve()
        if browser is not None:
            return _render(browser, page_file, png, pdf, scale)
        with sync_playwright() as playwright:
            try:
                launched = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
            except PlaywrightError as exc:
                raise MapRenderError(
                    f"headless Chromium at {chromium_path()!r} did not start ({str(exc).splitlines()[0]}); install "
                    "it with `apt-get install -y chromium fonts-noto-cjk` or point INNONET_CHROMIUM at it"
                ) from exc
            try:
                return _render(launched, page_file, png, pdf, scale)
            finally:
                launched.close()


def _render(browser: Any, page_file: Path, png: Any, pdf: Any, scale: int) -> list[Path]:
    from playwright.sync_api import Error as PlaywrightError

    errors: list[str] = []
    blocked: list[str] = []
    written: list[Path] = []
    context = browser.new_context(
        viewport={"width": A3_LANDSCAPE_CSS_PX[0], "height": A3_LANDSCAPE_CSS_PX[1]},
        device_scale_factor=scale,
    )
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def guard(route: Any, request: Any) -> None:
            if request.url.startswith(("file:", "data:", "blob:", "about:")):
                route.continue_()
            else:
                blocked.append(request.url)
                route.abort()

        page.route("**/*", guard)
        try:
            page.goto(page_file.as_uri())
            page.wait_for_function("window.__mapReady === true", timeout=_READY_TIMEOUT_MS)
            page.evaluate(
                "() => new Promise(done => { window.innonetMap.poster();"
                " requestAnimationFrame(() => requestAnimationFrame(done)); })"
            )
        except PlaywrightError as exc:
            raise MapRenderError(f"the map {page_file.name!r} did not draw in Chromium: {str(exc).splitlines()[0]}"
                                 f"; script errors: {errors[:3]}") from exc
        if errors or blocked:
            raise MapRenderError(
                f"the map {page_file.name!r} is not fit for a poster: "
                f"script errors {errors[:3]}, requests outside the file {blocked[:3]}"
            )
        if png is not None:
            Path(png).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=False)
            written.append(Path(png))
        if pdf is not None:
            Path(pdf).parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(pdf), format="A3", landscape=True, print_background=True,
                     margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})
            written.append(Path(pdf))
    finally:
        context.close()
    return written
