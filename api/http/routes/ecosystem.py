"""``/ecosystem``: the 竹海 at a glance (cached summary), the tier ladder tables, the communities.

The results come from :mod:`analysis.ecosystem` over one cached snapshot of the
store; they are rebuilt after an ingest or delete through the API, or after
``INNONET_CACHE_TTL`` seconds.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from analysis.ecosystem import (
    ALL,
    communities,
    health_shares,
    lapsed_certificates,
    tier_funnel,
    tier_history,
    tier_pyramid,
)
from api.http.cache import AppCache
from api.http.common import Page, TierName, analysis_snapshot, cached_table, filter_equal, table_page
from api.http.deps import get_cache, get_store, viewer
from api.http.errors import problem_responses
from api.http.security import Principal
from graph.schema import canonical_tier
from graph.store import GraphStore

__all__ = ["EcosystemSummary", "TierTable", "router", "summary_body"]

router = APIRouter(prefix="", tags=["ecosystem"])


class HealthShare(BaseModel):
    """Share of all enterprises reached by one kind of support."""

    measure: str
    enterprises: int
    count: int
    share: float | None


class EcosystemSummary(BaseModel):
    """The whole network in a few numbers."""

    as_of: int = Field(description="Reference year: the latest relationship year")
    nodes: dict[str, int] = Field(description="Nodes per kind")
    relationships: dict[str, int] = Field(description="Relationships per type")
    tiers: dict[str, int] = Field(description="Enterprises per rung (highest reached by as_of)")
    health: list[HealthShare] = Field(description="City-wide support shares")
    communities: int = Field(description="Leiden communities with 2 or more organisations")


class TierTable(str, Enum):
    """The tier tables of :mod:`analysis.ecosystem`."""

    pyramid = "pyramid"
    funnel = "funnel"
    history = "history"
    lapsed = "lapsed"


_TIER_FUNCTIONS = {
    "pyramid": tier_pyramid,
    "funnel": tier_funnel,
    "history": tier_history,
    "lapsed": lapsed_certificates,
}


def summary_body(principal: Principal, store: GraphStore, cache: AppCache) -> bytes:
    """The JSON bytes of :class:`EcosystemSummary` (built from the cached snapshot)."""
    snap = analysis_snapshot(principal, store, cache)
    counts = store.counts()
    pyramid = tier_pyramid(snap, years=[snap.as_of])
    city = pyramid[pyramid["dimension"] == ALL]
    health = health_shares(snap)
    city_health = health[health["dimension"] == ALL]
    body = EcosystemSummary(
        as_of=snap.as_of,
        nodes=counts["nodes"],
        relationships=counts["relationships"],
        tiers={str(t): int(n) for t, n in zip(city["tier"], city["enterprises"], strict=True)},
        health=[
            HealthShare(
                measure=str(row["measure"]),
                enterprises=int(row["enterprises"]),
                count=int(row["count"]),
                share=None if row["share"] != row["share"] else float(row["share"]),
            )
            for row in city_health.to_dict(orient="records")
        ],
        communities=len(cached_table(principal, store, cache, "communities", communities)),
    )
    return json.dumps(body.model_dump(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@router.get(
    "/ecosystem/summary",
    response_class=Response,
    responses={200: {"model": EcosystemSummary, "description": "The summary"}, **problem_responses()},
    summary="Counts, tier ladder, support shares and communities (cached)",
)
async def ecosystem_summary(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> Response:
    """The network in a few numbers; served from the cache after the first call."""
    key = ("summary", not principal.sees_personal_data)
    body = cache.peek(key)
    if body is None:
        body = await run_in_threadpool(cache.get, key, lambda: summary_body(principal, store, cache))
    return Response(content=body, media_type="application/json")


@router.get(
    "/ecosystem/tiers",
    response_model=Page,
    responses=problem_responses(),
    summary="The 梯次培育 tables: pyramid, funnel, history, lapsed 高企 certificates",
)
def ecosystem_tiers(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    table: Annotated[TierTable, Query(description="Which table")] = TierTable.pyramid,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Only this year (pyramid, funnel)")] = None,
    dimension: Annotated[str | None, Query(max_length=20, description="pyramid: all / town / industry")] = None,
    group: Annotated[str | None, Query(max_length=100, description="pyramid: a town or industry")] = None,
    tier: Annotated[TierName | None, Query(description="Only this tier, e.g. 高新技术企业 or 高企")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Rows of the chosen table (columns as documented in :mod:`analysis.ecosystem`)."""
    frame = cached_table(principal, store, cache, f"tiers:{table.value}", _TIER_FUNCTIONS[table.value])
    tier_column = "from_tier" if table is TierTable.funnel else "tier"
    wanted_tier = canonical_tier(tier.value) if tier is not None else None
    frame = filter_equal(frame, year=year, dimension=dimension, group=group, **{tier_column: wanted_tier})
    return table_page(frame, limit, offset)


@router.get(
    "/ecosystem/communities",
    response_model=Page,
    responses=problem_responses(),
    summary="Leiden communities of the organisation network, labelled",
)
def ecosystem_communities(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    min_size: Annotated[int, Query(ge=2, le=100_000)] = 2,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Communities biggest first: ``community, size, enterprises, universities, ..., label``."""
    frame = cached_table(principal, store, cache, "communities", communities)
    return table_page(frame[frame["size"] >= min_size], limit, offset)
