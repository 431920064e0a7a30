"""``GET /indicators``: the indicators of the 12 actions per year, month or quarter, city-wide and per town.

With ``period`` (``2025-Q3``, ``2025-11``, ``2025``) the rows are that period's, read from the store as it stood at
the period's end — the table ``innonet analyze --period`` reports — with the previous period (环比), the same
period a year earlier (同比) and the year to date (累计).  Without it, the three years up to the latest data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from analysis.ecosystem import ALL, known_town
from analysis.indicators import indicators
from api.http.cache import AppCache
from api.http.common import (
    Page,
    analysis_snapshot,
    cached_table,
    filter_equal,
    indicator_param,
    period_param,
    period_table,
    table_page,
)
from api.http.deps import get_cache, get_store, viewer
from api.http.errors import problem_responses
from api.http.security import Principal
from graph.store import GraphStore

__all__ = ["router"]

router = APIRouter(tags=["indicators"])

PERIOD_HELP = "A year (2025), a quarter (2025-Q3, 2025年第三季度) or a month (2025-11, 2025年11月)"


def _period_indicators(snap: Any) -> Any:
    """The indicators of the snapshot's period (the table ``innonet analyze --period`` reports)."""
    return indicators(snap, period=snap.period)


@router.get(
    "/indicators",
    response_model=Page,
    responses=problem_responses(),
    summary="Indicators of the 12 actions (育强攀高) by year, quarter or month, with 环比 / 同比 / 累计",
)
def list_indicators(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    period: Annotated[str | None, Query(max_length=20, description=PERIOD_HELP)] = None,
    action: Annotated[int | None, Query(ge=1, le=12, description="Only this action (1–12)")] = None,
    indicator: Annotated[str | None, Query(max_length=100, description="Only this indicator (name, 高企, 行动3 …)")] = None,
    town: Annotated[str | None, Query(max_length=100, description="'all' (city-wide) or a town")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Only this year")] = None,
    status: Annotated[str | None, Query(max_length=20, description="'ok' or 'no data'")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Rows ``action, action_name, indicator, period, year, town, value, previous, change,
    same_period_last_year, yoy_change, ytd, unit, kind, status, input`` (:func:`analysis.indicators.indicators`;
    ``value`` null when there is no data).  A ``period`` that is not a year, quarter or month, or that disagrees
    with ``year``, is a 422 naming it; so is a ``town`` without enterprises (listing the known towns; Traditional
    characters are read as Simplified)."""
    town = known_town(analysis_snapshot(principal, store, cache), town, also=(ALL,))
    wanted = period_param(period, year) if period is not None else None
    name = indicator_param(indicator)
    if wanted is None:
        frame = cached_table(principal, store, cache, "indicators", indicators)
    else:
        frame = period_table(principal, store, cache, "indicators", _period_indicators, wanted)
    return table_page(filter_equal(frame, action=action, indicator=name, town=town, year=year, status=status),
                      limit, offset)
