"""``GET /indicators``: the indicators of the 12 actions per year, city-wide and per town."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from analysis.indicators import indicators
from api.http.cache import AppCache
from api.http.common import Page, cached_table, filter_equal, table_page
from api.http.deps import get_cache, get_store, viewer
from api.http.errors import problem_responses
from api.http.security import Principal
from graph.store import GraphStore

__all__ = ["router"]

router = APIRouter(tags=["indicators"])


@router.get(
    "/indicators",
    response_model=Page,
    responses=problem_responses(),
    summary="Indicators of the 12 actions (育强攀高), with 'no data' where inputs are missing",
)
def list_indicators(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    action: Annotated[int | None, Query(ge=1, le=12, description="Only this action (1–12)")] = None,
    town: Annotated[str | None, Query(max_length=100, description="'all' (city-wide) or a town")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Only this year")] = None,
    status: Annotated[str | None, Query(max_length=20, description="'ok' or 'no data'")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Rows ``action, action_name, indicator, year, town, value, change, unit, status, input``
    for the three years up to the data's latest year (``value`` null when there is no data)."""
    frame = cached_table(principal, store, cache, "indicators", indicators)
    return table_page(filter_equal(frame, action=action, town=town, year=year, status=status), limit, offset)
