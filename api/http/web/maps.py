"""The maps page: choose a view and filters, open the map, download its HTML, a PNG or a PDF poster.

Viewers get maps of the masked store, without recommended partners or meeting plans (as ``GET /maps``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from analysis.pairing import InsufficientDataError
from analysis.views import VIEWS
from api.http.cache import AppCache
from api.http.common import cached_recommender, resolve_for
from api.http.deps import get_cache, get_store
from api.http.web.common import PREFIX, PageRoute, page, require
from api.http.web.drawing import map_html, poster_bytes
from api.http.web.session import Session
from graph.errors import InnonetError, SchemaError
from graph.schema import TIERS
from graph.store import GraphStore

__all__ = ["VIEW_LABELS", "router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

VIEW_LABELS = {"ecosystem": "竹海全景 ecosystem", "city": "全市机构 city", "community": "一个社群 community",
               "ego": "一家单位及其伙伴 organisation", "event": "一场对接会 event"}


def _names(store: GraphStore, cache: AppCache, kind: str) -> list[str]:
    def build() -> list[str]:
        frame = store.nodes(kind)
        return sorted({str(n) for n in frame["name"].dropna()}) if len(frame) else []

    return cache.get(("web:names", kind), build)


@router.get("/maps", response_class=HTMLResponse)
def maps_page(request: Request, session: Session = Depends(require("viewer")),  # noqa: B008
              store: GraphStore = Depends(get_store), cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    return page(request, "maps.html", session=session, views=[(v, VIEW_LABELS.get(v, v)) for v in VIEWS],
                tiers=list(TIERS), towns=_names(store, cache, "Town"), industries=_names(store, cache, "Industry"))


def _draw(session: Session, store: GraphStore, cache: AppCache, view: str, id: str | None, tier: str | None,
          town: str | None, industry: str | None, community: str | None, title: str | None) -> str:
    if view not in VIEWS:
        raise SchemaError(f"没有这种地图 / unknown view {view!r}; use one of {', '.join(VIEWS)}")
    centre = None
    if id:
        kinds = ("Event",) if view == "event" else None
        centre = resolve_for(session.principal, store, cache, id, kinds=kinds).id
    if view in ("ego", "event") and centre is None:
        raise SchemaError("这种地图需要填写中心单位或活动 / this view needs an organisation or event in the centre")
    try:
        community_number = int(community) if community and community.strip() else None
    except ValueError:
        raise SchemaError(f"社群编号应为数字 / the community {community!r} is not a number") from None
    if view == "community" and community_number is None:
        raise SchemaError("社群地图需要社群编号 / the community view needs a community number")
    recommender = None
    if view == "ego" and session.can("matchmaker"):
        try:
            recommender = cached_recommender(store, cache)
        except (InsufficientDataError, InnonetError):
            recommender = None
    return map_html(session, store, cache, view, title=title or None, recommender=recommender, id=centre,
                    tier=tier or None, town=town or None, industry=industry or None, community=community_number)


Text = Annotated[str | None, Query(max_length=300)]


def _filename(view: str, suffix: str) -> str:
    return f'attachment; filename="map-{re.sub(r"[^a-z]", "", view)}.{suffix}"'


@router.get("/maps/view")
def open_map(view: Annotated[str, Query(max_length=20)] = "ecosystem", id: Text = None, tier: Text = None,
             town: Text = None, industry: Text = None, community: Annotated[str | None, Query(max_length=10)] = None,
             title: Text = None, download: bool = False,
             session: Session = Depends(require("viewer")),  # noqa: B008
             store: GraphStore = Depends(get_store), cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    """The map page itself (self-contained; its own Content-Security-Policy), or the file to save."""
    html = _draw(session, store, cache, view, id, tier, town, industry, community, title)
    headers: dict[str, Any] = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if download:
        headers["Content-Disposition"] = _filename(view, "html")
    return HTMLResponse(html, headers=headers)


@router.get("/maps/poster")
async def map_poster(view: Annotated[str, Query(max_length=20)] = "ecosystem", id: Text = None, tier: Text = None,
                     town: Text = None, industry: Text = None, community: Annotated[str | None, Query(max_length=10)] = None,
                     title: Text = None, fmt: Annotated[str, Query(pattern="^(pdf|png)$")] = "pdf",
                     paper: Annotated[str, Query(pattern="^(A4|A3|A2|A1)$")] = "A3",
                     session: Session = Depends(require("viewer")),  # noqa: B008
                     store: GraphStore = Depends(get_store),  # noqa: B008
                     cache: AppCache = Depends(get_cache)) -> Response:  # noqa: B008
    """The map as a PNG (150 dpi) or a vector PDF poster."""
    html = await run_in_threadpool(_draw, session, store, cache, view, id, tier, town, industry, community, title)
    content = await run_in_threadpool(poster_bytes, html, fmt, paper=paper)
    return Response(content, media_type="application/pdf" if fmt == "pdf" else "image/png",
                    headers={"Content-Disposition": _filename(view, fmt), "Cache-Control": "no-store"})
