"""``GET /maps/{view}``: the self-contained HTML maps of :mod:`api.maps` (ecosystem, community, ego, event).

Same filters as ``innonet map``.  Viewers get a map drawn from the masked store, so
talent names never reach their page.  The network graph is built once per store
(and masking) and reused until an ingest or delete through the API.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.app import AppCache, get_cache, get_store
from api.maps import VIEWS, render_map
from api.routes.entities import TierName
from api.routes._common import problem_responses, store_for, viewer
from api.security import Principal
from graph.projection import to_networkx
from graph.store import GraphStore

__all__ = ["router", "MapView"]

router = APIRouter(tags=["maps"])

MapView = Enum("MapView", {v: v for v in VIEWS}, type=str)  # type: ignore[misc]


@router.get(
    "/maps/{view}",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The map page"},
               **problem_responses(400, 404)},
    summary="An offline HTML map of the network (ecosystem, community, ego, event)",
)
def network_map(
    view: MapView,
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    id: Annotated[str | None, Query(max_length=300, description="Centre: firm (ego) or event (event)")] = None,  # noqa: A002
    tier: Annotated[TierName | None, Query(description="Only firms of this tier")] = None,
    town: Annotated[str | None, Query(max_length=100)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    community: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    max_nodes: Annotated[int, Query(ge=10, le=5000, description="Above this the map is aggregated")] = 2000,
) -> HTMLResponse:
    """The page (vis-network inlined, no outside requests)."""
    masked = not principal.sees_personal_data
    graph = cache.get(("graph", masked), lambda: to_networkx(store_for(principal, store)))
    filters = {k: v for k, v in {"id": id, "tier": tier.value if tier else None, "town": town, "industry": industry,
                                 "community": community}.items() if v is not None}
    page = render_map(graph, view.value, max_nodes=max_nodes, **filters)
    return HTMLResponse(page)
