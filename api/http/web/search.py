"""The search page and the suggestions behind its box: the one resolver (:mod:`graph.lookup`) for every kind.

A viewer searches the masked index, so a person cannot be found by name.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.http.cache import AppCache
from api.http.common import name_index
from api.http.deps import get_cache, get_store
from api.http.web.common import PREFIX, SECURITY_HEADERS, PageRoute, kind_zh, page, require
from api.http.web.session import Session
from graph.errors import AmbiguousNameError, NameNotFoundError
from graph.lookup import MATCHED_BY
from graph.schema import CORE_KINDS
from graph.store import GraphStore

__all__ = ["CORE_KINDS", "router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

#: What the box finds: the five kinds the bureau counts.
_SUGGESTIONS = 8


def _kinds(session: Session) -> tuple[str, ...]:
    """Viewers see talents masked, so a talent is not searched by name for them."""
    return CORE_KINDS if session.can("matchmaker") else tuple(k for k in CORE_KINDS if k != "Talent")


def org_url(entity_id: str) -> str:
    return f"{PREFIX}/org?id={quote(str(entity_id), safe='')}"


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for hit in frame.itertuples(index=False):
        place = hit.affiliation if hit.kind == "Talent" else hit.town
        rows.append({"id": hit.id, "name": hit.name, "kind": hit.kind, "kind_zh": kind_zh(hit.kind),
                     "place": place if isinstance(place, str) else "", "url": org_url(hit.id),
                     "matched_by": MATCHED_BY.get(hit.matched_by, hit.matched_by),
                     "matched": hit.matched if hit.matched != hit.name else ""})
    return rows


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    all: Annotated[bool, Query(description="list every match instead of opening the only one")] = False,
    session: Session = Depends(require("viewer")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    index = name_index(session.principal, store, cache)
    text = q.strip()
    if not text:
        return page(request, "search.html", session=session, q="", rows=[], similar=[], note=None)
    note = None
    if not all:
        try:
            found = index.resolve(text, kinds=_kinds(session))
        except AmbiguousNameError:
            note = "有多个相近的结果，请选择 / several records fit; pick one"
        except NameNotFoundError as exc:
            note = str(exc).split(";")[0]
        else:
            return RedirectResponse(org_url(found.id), status_code=303, headers={"Cache-Control": "no-store"})
    hits = index.search(text, kinds=_kinds(session), limit=50)
    listed = hits[hits["matched_by"] != "similar"]
    similar = hits[hits["matched_by"] == "similar"]
    return page(request, "search.html", session=session, q=text, rows=_rows(listed), similar=_rows(similar),
                note=note)


@router.get("/suggest")
def suggest(
    q: Annotated[str, Query(max_length=200)] = "",
    session: Session = Depends(require("viewer")),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    """Up to eight matches for the text typed so far (JSON for the search box)."""
    text = q.strip()
    if not text:
        return JSONResponse([], headers=SECURITY_HEADERS)
    hits = name_index(session.principal, store, cache).search(text, kinds=_kinds(session), limit=_SUGGESTIONS)
    return JSONResponse(_rows(hits), headers=SECURITY_HEADERS)
