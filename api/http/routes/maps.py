"""``GET /maps/{view}``: the self-contained HTML maps of :mod:`api.render.maps` (ecosystem, community, ego, event).

The same filters as ``innonet map``: ``id`` (an id, a USCC or an exact name), ``tier`` (names
and aliases such as 高企), ``town``, ``industry``, ``community``, ``title`` and ``max_nodes``.
The event view's proposed meetings are planned among the attendees in the view with ``slots``
and ``max_meetings`` (as ``innonet map --view event --slots --max-meetings``) by the app's
cached recommender; the ego view draws the centre's ``k`` recommended partners from the
same cached recommender, so no map request refits it.

Viewers get a map drawn from the masked store, so talent names never reach their page; the
recommended partners and the meeting plan are matchmaker data (as ``/pairings`` and
``/schedule``): a viewer's ego map says that they are left out, and a viewer asking for a
meeting plan gets 403.  The network graph is built once per store (and masking) and reused
until the store changes.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import networkx as nx
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse

from analysis.pairing import InsufficientDataError, PairingRecommender
from analysis.views import DEFAULT_MAX_MEETINGS, DEFAULT_SLOTS, VIEWS, Note, build_view
from api.http.cache import AppCache
from api.http.common import TierName, analysis_snapshot, cached_recommender, resolve_for
from api.http.deps import get_cache, get_store, viewer
from api.http.errors import problem_responses
from api.http.security import Principal
from api.render.maps import render_view
from graph.errors import InnonetError, SchemaError
from graph.projection import to_networkx
from graph.store import GraphStore

__all__ = ["MapView", "router"]

router = APIRouter(tags=["maps"])

MapView = Enum("MapView", {v: v for v in VIEWS}, type=str)  # type: ignore[misc]

_EMPTY_NOTE = "no_recommendations"  # the code of build_view's note for an empty frame
_VIEWER_NOTE = Note("matchmakers_only", "推荐对接方和对接日程仅对对接专员可见",
                    "recommended partners and meeting plans are shown to matchmakers only")


def _recommender(store: GraphStore, cache: AppCache, notes: list[Note]) -> PairingRecommender | None:
    """The cached fitted recommender, or None with a note why there is none (too little history)."""
    try:
        return cached_recommender(store, cache)
    except InsufficientDataError as exc:
        notes.append(Note("no_recommender", f"未绘制推荐或对接日程: {exc}", f"no recommendations or meetings drawn: {exc}"))
        return None


def _recommendations(recommender: PairingRecommender, centre: str, k: int, notes: list[Note]) -> pd.DataFrame:
    """The centre's ``k`` recommended partners, or none with a note why (e.g. the centre is a Fund)."""
    try:
        return recommender.recommend(centre, k=k)
    except InnonetError as exc:
        notes.append(Note("recommendations_failed", f"未绘制推荐: {exc}", f"no recommendations drawn: {exc}"))
        return pd.DataFrame(columns=["id", "score", "explanation"])


@router.get(
    "/maps/{view}",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "The map page"},
               **problem_responses(400, 404, 409)},
    summary="An offline HTML map of the network (ecosystem, community, ego, event)",
)
def network_map(
    view: MapView,
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    id: Annotated[str | None, Query(min_length=1, max_length=300,
                                    description="Centre: organisation (ego) or Event (event); id, USCC or name")] = None,
    tier: Annotated[TierName | None, Query(description="Only firms of this tier (aliases such as 高企)")] = None,
    town: Annotated[str | None, Query(max_length=100)] = None,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    community: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    title: Annotated[str | None, Query(max_length=200, description="Page title (default: view and filters)")] = None,
    max_nodes: Annotated[int, Query(ge=10, le=5000, description="Above this the map is aggregated")] = 2000,
    k: Annotated[int, Query(ge=0, le=50, description="ego: recommended partners drawn (matchmakers)")] = 10,
    slots: Annotated[int | None, Query(ge=1, le=48, description=f"event: time slots to plan (default {DEFAULT_SLOTS})")] = None,
    max_meetings: Annotated[int | None, Query(ge=1, le=48, description=f"event: most meetings each (default {DEFAULT_MAX_MEETINGS})")] = None,
) -> HTMLResponse:
    """The page (vis-network inlined, no outside requests).

    The overview pages that everyone opens (no centre node) are cached per masking level and filters: after a
    change of the store the previous page is served at once while the new one is drawn (issue: the API stays
    up during ingests)."""
    masked = not principal.sees_personal_data
    if id is None and view.value in _SHARED_VIEWS and slots is None and max_meetings is None:
        key = ("map-page", masked, view.value, tier.value if tier else None, town, industry, community, title,
               max_nodes)
        page = cache.get(key, lambda: _draw(principal, store, cache, view, None, tier, town, industry, community,
                                            title, max_nodes, k, slots, max_meetings))
        return HTMLResponse(page)
    return HTMLResponse(_draw(principal, store, cache, view, id, tier, town, industry, community, title, max_nodes,
                              k, slots, max_meetings))


#: views whose page depends only on the filters (no centre node, no meeting plan): cached
_SHARED_VIEWS = frozenset({"ecosystem", "community", "city"})


def _draw(principal: Principal, store: GraphStore, cache: AppCache, view: Any, id: str | None, tier: Any,
          town: str | None, industry: str | None, community: int | None, title: str | None, max_nodes: int, k: int,
          slots: int | None, max_meetings: int | None) -> str:
    masked = not principal.sees_personal_data
    graph: nx.MultiDiGraph = cache.get(("graph", masked), lambda: to_networkx(analysis_snapshot(principal, store, cache)))
    centre = resolve_for(principal, store, cache, id).id if id is not None else None
    planned = slots is not None or max_meetings is not None
    if planned and view.value != "event":
        raise SchemaError(f"slots and max_meetings draw an event's meetings; the {view.value} view has none")
    if planned and masked:
        raise HTTPException(403, "meeting plans are for matchmakers; this key's role is viewer")
    notes: list[Note] = []
    drawn: dict[str, Any] = {}  # what build_view gets for the recommendations / the meetings
    if masked and view.value in ("ego", "event"):
        # matchmaker data: hand build_view empty frames, so it neither fits a recommender nor draws any
        drawn = {"recommendations": _no_recommendations(), "schedule": _no_meetings()}
        notes.append(_VIEWER_NOTE)
    elif (view.value == "ego" and centre is not None) or view.value == "event":
        recommender = _recommender(store, cache, notes)
        if recommender is None:
            drawn = {"recommendations": _no_recommendations(), "schedule": _no_meetings()}
        elif view.value == "ego":
            drawn = {"recommendations": _recommendations(recommender, centre, k, notes) if k
                     else _no_recommendations()}
        else:
            drawn = {"recommender": recommender, "slots": slots, "max_meetings": max_meetings}
    filters: dict[str, Any] = {"id": centre, "tier": tier.value if tier else None, "town": town,
                               "industry": industry, "community": community}
    subgraph = build_view(graph, view.value, **drawn,
                          **{key: value for key, value in filters.items() if value is not None})
    if view.value == "ego" and (notes or not k):
        # an empty frame passed above is not "the recommender returned nothing": say why instead
        subgraph.graph["notes"] = [n for n in subgraph.graph.get("notes", []) if n.code != _EMPTY_NOTE]
    subgraph.graph["notes"] = list(subgraph.graph.get("notes", [])) + notes
    return render_view(subgraph, title=title, max_nodes=max_nodes)


def _no_recommendations() -> pd.DataFrame:
    return pd.DataFrame(columns=["id", "score", "explanation"])


def _no_meetings() -> pd.DataFrame:
    return pd.DataFrame(columns=["enterprise_id", "partner_id", "slot"])
