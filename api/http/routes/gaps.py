"""``GET /gaps/{gap_type}``: where the network falls short, each row with its reason."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from analysis import gaps
from analysis.ecosystem import known_town
from api.http.cache import AppCache
from api.http.common import (
    Page,
    analysis_snapshot,
    cached_table,
    filter_equal,
    period_param,
    period_table,
    table_page,
)
from api.http.deps import get_cache, get_store, viewer
from api.http.errors import problem_responses
from api.http.security import Principal
from graph.store import GraphStore

__all__ = ["GAP_FUNCTIONS", "GapType", "router"]

router = APIRouter(tags=["gaps"])

#: Gap type (path segment) → the :mod:`analysis.gaps` function, called with its defaults.
GAP_FUNCTIONS = {
    "isolated_innovators": gaps.isolated_innovators,
    "supply_demand_mismatch": gaps.supply_demand_mismatch,
    "high_constraint": gaps.high_constraint,
    "weak_bridges": gaps.weak_bridges,
    "towns_without_university": gaps.towns_without_university,
    "service_gaps": gaps.service_gaps,
    "finance_gaps": gaps.finance_gaps,
    "promotion_readiness": gaps.promotion_readiness,
}

GapType = Enum("GapType", {name: name for name in GAP_FUNCTIONS}, type=str)  # type: ignore[misc]


@router.get(
    "/gaps/{gap_type}",
    response_model=Page,
    responses=problem_responses(),
    summary="Gaps: isolated innovators, supply/demand mismatch, service and finance gaps, ...",
)
def list_gaps(
    gap_type: GapType,
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    period: Annotated[str | None, Query(max_length=20, description="The store as it stood at the end of this year "
                                        "(2025), quarter (2025-Q3) or month (2025-11); default the latest data")] = None,
    town: Annotated[str | None, Query(max_length=100, description="Only rows of this town")] = None,
    industry: Annotated[str | None, Query(max_length=100, description="Only rows of this industry")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Rows of the chosen analysis of :mod:`analysis.gaps` (its columns, and a ``reason``), over the latest data or
    the store at the end of ``period`` (a bad one is a 422 naming it).  A ``town`` without enterprises is a 422
    listing the known towns (Traditional characters are read as Simplified)."""
    town = known_town(analysis_snapshot(principal, store, cache), town)
    wanted = period_param(period)
    compute = GAP_FUNCTIONS[gap_type.value]
    if wanted is None:
        frame = cached_table(principal, store, cache, f"gaps:{gap_type.value}", compute)
    else:
        frame = period_table(principal, store, cache, f"gaps:{gap_type.value}", compute, wanted)
    return table_page(filter_equal(frame, town=town, industry=industry), limit, offset)
