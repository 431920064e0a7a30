"""Posters of any map for print: A4, A3, A2 or A1, portrait or landscape; PNG at 300 dpi and vector PDF.

A poster is its own page, built from the data of a map (a file written by
:func:`api.render.maps.render_view`, or its HTML text): a title block (title, date, source), the
drawing as SVG (so the PDF is vector and the labels are placed as on the map: most important
first, never over each other) and a side block with the legend and the scale of sizes.  These are
separate boxes of one grid: nothing is printed over the drawing.  For an event view with meetings,
``kind="agenda"`` prints the agenda (time × table → firm and institute) and ``kind="tables"`` the
table plan.

Playwright drives the system Chromium (``/usr/bin/chromium``, or ``INNONET_CHROMIUM``); Playwright's
own browser download is never used.  Every request that would leave the file is aborted and
reported.  The page is laid out at the paper's size in CSS pixels (96 per inch); the PNG is that
viewport at ``dpi / 96`` device pixels per CSS pixel (so within a pixel of the paper at ``dpi``)
and carries its resolution in a ``pHYs`` chunk; the PDF is printed at the paper size.  Real
Chinese glyphs need a CJK font on the machine (``fonts-noto-cjk``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

from api.render.maps import MapRenderError, _environment, _labels_js, _with_csp

__all__ = ["CHROMIUM_ARGS", "KINDS", "PAPERS", "chromium_path", "paper_mm", "png_size", "poster_page", "render_poster"]

#: Paper sizes in millimetres, portrait (width, height).
PAPERS: dict[str, tuple[int, int]] = {"A4": (210, 297), "A3": (297, 420), "A2": (420, 594), "A1": (594, 841)}

#: What a poster shows: the network, an event's agenda (time × table), or its table plan.
KINDS: tuple[str, ...] = ("map", "agenda", "tables")

#: Flags for headless Chromium in containers and offline.
CHROMIUM_ARGS: tuple[str, ...] = ("--no-sandbox", "--disable-gpu", "--disable-background-networking")

_READY_TIMEOUT_MS = 120_000
_MAP_DATA = re.compile(r'<script id="map-data" type="application/json">(.*?)</script>', re.DOTALL)


def paper_mm(paper: str = "A3", orientation: str = "landscape") -> tuple[int, int]:
    """Width and height in millimetres.

    >>> paper_mm("A1", "landscape"), paper_mm("a4", "portrait")
    ((841, 594), (210, 297))
    """
    key = paper.upper()
    if key not in PAPERS:
        raise MapRenderError(f"unknown paper {paper!r}; use one of {', '.join(PAPERS)}")
    if orientation not in ("portrait", "landscape"):
        raise MapRenderError(f"unknown orientation {orientation!r}; use portrait or landscape")
    width, height = PAPERS[key]
    return (height, width) if orientation == "landscape" else (width, height)


def _css_px(mm: float) -> int:
    return round(mm / 25.4 * 96)


def chromium_path() -> str:
    """The Chromium executable: ``INNONET_CHROMIUM`` or ``/usr/bin/chromium``.

    >>> os.environ.pop("INNONET_CHROMIUM", None) or chromium_path()
    '/usr/bin/chromium'
    """
    return os.environ.get("INNONET_CHROMIUM", "/usr/bin/chromium")


def png_size(paper: str = "A3", orientation: str = "landscape", dpi: int = 300) -> tuple[int, int]:
    """Width and height in pixels of a poster PNG (the paper at ``dpi``, within a pixel).

    >>> png_size("A1", "landscape")
    (9934, 7016)
    >>> png_size("A4", "portrait")
    (2481, 3509)
    """
    width, height = paper_mm(paper, orientation)
    return round(_css_px(width) * dpi / 96), round(_css_px(height) * dpi / 96)


def poster_page(map_html: str, *, paper: str = "A3", orientation: str = "landscape", kind: str = "map",
                title: str | None = None, start: str = "14:00", minutes: int = 20) -> str:
    """The poster page (HTML) for the data of a map page.

    ``start`` and ``minutes`` set the clock times of the agenda's slots (slot 1 starts at ``start``).
    """
    if kind not in KINDS:
        raise MapRenderError(f"unknown poster kind {kind!r}; use one of {', '.join(KINDS)}")
    found = _MAP_DATA.search(map_html)
    if found is None:
        raise MapRenderError("this is not an innonet map page (no map data); render one with `innonet map --out FILE`")
    data = json.loads(found.group(1))
    if "city" in data:
        data = _city_as_group(data)
    if kind != "map" and not data.get("schedule"):
        raise MapRenderError("agenda and table-plan posters need an event map with planned meetings "
                             "(`innonet map --view event --id EVENT`)")
    width, height = paper_mm(paper, orientation)
    landscape = orientation == "landscape"
    base_pt = round(9.0 * (min(width, height) / 297) ** 0.8, 1)
    subtitles = {"map": data.get("source", ""), "agenda": "对接日程 Agenda", "tables": "桌位安排 Table plan"}
    text = _environment().get_template("poster.html.j2").render(
        title=title if title is not None else data.get("title", "宜兴创新网络"), subtitle=subtitles[kind],
        date=dt.date.today().isoformat(), source=data.get("source", "innonet"), csp_placeholder="__INNONET_CSP_HASHES__",
        width_mm=width, height_mm=height, landscape=landscape, margin_mm=round(min(width, height) * 0.035, 1),
        side_mm=round(width * 0.2), base_pt=base_pt, card_mm=round(min(width, height) / 4), kind=kind,
        legend=data.get("legend", {"tiers": [], "kinds": [], "edges": []}), overview=data.get("overview"),
        fold=bool(data.get("foldTalents")), data=data, labels_js=_labels_js(),
        opts={"kind": kind, "start": start, "minutes": int(minutes)},
    )
    return _with_csp(text)


def _city_as_group(data: dict[str, Any]) -> dict[str, Any]:
    """The whole-city page's columns as the one group a poster draws (same positions; colours by tier and kind,
    as the poster's legend says; smaller discs, since the whole city shares the sheet)."""
    city = data["city"]
    nodes = [{"id": city["ids"][i], "label": city["names"][i], "x": city["x"][i], "y": city["y"][i],
              "size": round(city["r"][i] * 0.6, 2), "color": city["palette"][city["ct"][i]], "shape": city["shapes"][city["kind"][i]],
              "kind": city["kinds"][city["kind"][i]], "imp": city["imp"][i], "talents": city["tal"][i]}
             for i in range(len(city["ids"]))]
    ties = city["edges"]
    edges = [[city["ids"][ties[k]], city["ids"][ties[k + 1]], 0] for k in range(0, len(ties), 2)]
    rest = {key: value for key, value in data.items() if key != "city"}
    return {**rest, "groups": {"all": {"label": "", "nodes": nodes, "edges": edges}}, "overview": None,
            "edgeTypes": [{"type": "TIE", "label": "关系 ties", "color": "#9a9a9a", "dashed": False}]}


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
    paper: str = "A3",
    orientation: str = "landscape",
    dpi: int = 300,
    kind: str = "map",
    title: str | None = None,
    browser: Any = None,
) -> list[Path]:
    """Print a map (a file, or the HTML text itself) as a PNG and/or a vector PDF poster.

    Parameters
    ----------
    html_path_or_str : path or str
        A map file written by :func:`api.render.maps.render_view`, or its HTML text.
    png, pdf : path, optional
        Where to write the PNG (:func:`png_size` pixels, ``dpi`` recorded in the file) and the PDF
        (one page of the paper size).
    paper : {"A4", "A3", "A2", "A1"}
    orientation : {"portrait", "landscape"}
    dpi : int
        Resolution of the PNG (300 for print).
    kind : {"map", "agenda", "tables"}
        The network, or, for an event map with meetings, its agenda or table plan.
    title : str, optional
        Title of the sheet (default: the map's).
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
        file, or never reports that it is drawn; an unknown paper, orientation or kind.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    if png is None and pdf is None:
        return []
    with tempfile.TemporaryDirectory(prefix="innonet-poster-") as scratch:
        map_file = _page_file(html_path_or_str, Path(scratch))
        page = poster_page(map_file.read_text(encoding="utf-8"), paper=paper, orientation=orientation, kind=kind,
                           title=title)
        page_file = Path(scratch) / "poster.html"
        page_file.write_text(page, encoding="utf-8")
        size = paper_mm(paper, orientation)
        if browser is not None:
            return _render(browser, page_file.resolve(), png, pdf, size, dpi)
        with sync_playwright() as playwright:
            try:
                launched = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
            except PlaywrightError as exc:
                raise MapRenderError(
                    f"headless Chromium at {chromium_path()!r} did not start ({str(exc).splitlines()[0]}); install "
                    "it with `apt-get install -y chromium fonts-noto-cjk` or point INNONET_CHROMIUM at it"
                ) from exc
            try:
                return _render(launched, page_file.resolve(), png, pdf, size, dpi)
            finally:
                launched.close()


def _with_dpi(png: bytes, dpi: int) -> bytes:
    """The PNG with a pHYs chunk saying ``dpi`` (inserted after IHDR; pixels untouched)."""
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    ihdr_end = 8 + 4 + 4 + 13 + 4
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def _render(browser: Any, page_file: Path, png: Any, pdf: Any, size_mm: tuple[int, int], dpi: int) -> list[Path]:
    from playwright.sync_api import Error as PlaywrightError

    errors: list[str] = []
    blocked: list[str] = []
    written: list[Path] = []
    width, height = _css_px(size_mm[0]), _css_px(size_mm[1])
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=dpi / 96)
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
            page.wait_for_function("window.__posterReady === true", timeout=_READY_TIMEOUT_MS)
        except PlaywrightError as exc:
            raise MapRenderError(f"the poster of {page_file.name!r} did not draw in Chromium: "
                                 f"{str(exc).splitlines()[0]}; script errors: {errors[:3]}") from exc
        if errors or blocked:
            raise MapRenderError(f"the poster is not fit to print: script errors {errors[:3]}, "
                                 f"requests outside the file {blocked[:3]}")
        if png is not None:
            Path(png).parent.mkdir(parents=True, exist_ok=True)
            Path(png).write_bytes(_with_dpi(page.screenshot(full_page=False, type="png"), dpi))
            written.append(Path(png))
        if pdf is not None:
            Path(pdf).parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(pdf), width=f"{size_mm[0]}mm", height=f"{size_mm[1]}mm", print_background=True,
                     margin={"top": "0", "right": "0", "bottom": "0", "left": "0"})
            written.append(Path(pdf))
    finally:
        context.close()
    return written
