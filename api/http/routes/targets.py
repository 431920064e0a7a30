"""``/targets``: 目标任务分解 — each town's targets read at the end of a period (完成率, 序时进度, gap, rank), the
towns' overall ranking, and ``/changes``: what changed since an earlier period (the ``--compare`` of
``innonet analyze``).

All of it is :mod:`analysis.targets` and :mod:`analysis.snapshot` over the store as it stood at the period's end
(:func:`api.http.common.period_snapshot`), cached until the store changes.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query

from analysis.ecosystem import ALL, known_town
from analysis.indicators import indicators
from analysis.snapshot import CHANGE_TYPES, changes_since, compared_period, scoped_changes, summarise
from analysis.targets import CITY, target_progress, town_ranking
from api.http.cache import AppCache
from api.http.common import (
    Page,
    analysis_snapshot,
    filter_equal,
    indicator_param,
    period_param,
    period_snapshot,
    period_table,
    reported_period,
    table_page,
)
from api.http.deps import get_cache, get_store, viewer
from api.http.errors import problem_responses
from api.http.security import Principal
from graph.errors import InvalidArgumentError
from graph.store import GraphStore

__all__ = ["router"]

router = APIRouter(tags=["targets"])

PERIOD_HELP = ("The reporting period: a year (2025), a quarter (2025-Q3) or a month (2025-11); default the "
               "latest year with data")


def _progress(principal: Principal, store: GraphStore, cache: AppCache, period: Any) -> Any:
    """The reported period and its :func:`analysis.targets.target_progress` (cached)."""
    shown = reported_period(principal, store, cache, period)
    return shown, period_table(principal, store, cache, "targets", target_progress, period)


def _period_indicators(snap: Any) -> Any:
    return indicators(snap, period=snap.period)


@router.get(
    "/targets",
    response_model=Page,
    responses=problem_responses(),
    summary="Target progress per town and indicator: 目标值, 完成值, 完成率, 序时进度, gap, behind, rank",
)
def list_targets(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    period: Annotated[str | None, Query(max_length=20, description=PERIOD_HELP)] = None,
    town: Annotated[str | None, Query(max_length=100, description="A town (繁体 read as 简体), or 全市 (city-wide)")]
    = None,
    indicator: Annotated[str | None, Query(max_length=100, description="Indicator name, 高企, 科小, 行动3 …")] = None,
    behind: Annotated[bool | None, Query(description="Only targets behind (true) or on (false) schedule")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Rows of :func:`analysis.targets.target_progress` read at the end of ``period``: ``period`` (reported),
    ``town``, ``indicator``, ``as_written``, ``action``, ``target_period``, ``unit``, ``target`` (目标值),
    ``actual`` (完成值; null when unmatched), ``completion`` (完成率, 0-1), ``elapsed`` (序时进度, 0-1; null for a
    rate or a stock: 序时 is a flow's), ``gap`` (target − actual), ``schedule_gap``, ``behind`` (落后序时), ``rank``
    (an integer among the towns given a target for that indicator and target period; null for 全市), ``status`` (ok /
    no data / unmatched / target 0 / unknown town / conflict: one indicator given two different targets), ``note`` (both forms and values of an indicator written twice).  Empty when no targets are loaded.
    A bad ``period``, an ``indicator`` that matches none or a ``town`` without enterprises (Traditional characters
    are read as Simplified) is a 422 naming it and, for a town, listing the known ones."""
    town = known_town(analysis_snapshot(principal, store, cache), town, also=(CITY,))
    shown, frame = _progress(principal, store, cache, period_param(period))
    frame = frame.assign(period=str(shown))
    frame = frame[["period", *[c for c in frame.columns if c != "period"]]]
    return table_page(_whole_ranks(filter_equal(frame, town=town, indicator=indicator_param(indicator),
                                                behind=behind)), limit, offset)


def _whole_ranks(frame: pd.DataFrame) -> pd.DataFrame:
    """``rank`` as integers, null when not ranked (a 1.0 from the float column reads as a measurement)."""
    ranks = [int(r) if pd.notna(r) else None for r in frame["rank"]]
    return frame.assign(rank=pd.Series(ranks, index=frame.index, dtype=object))


@router.get(
    "/targets/ranking",
    response_model=Page,
    responses=problem_responses(),
    summary="Towns ranked overall by their mean completion of the year's targets",
)
def list_ranking(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    period: Annotated[str | None, Query(max_length=20, description=PERIOD_HELP)] = None,
    town: Annotated[str | None, Query(max_length=100, description="Only this town's row")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Rows of :func:`analysis.targets.town_ranking`: ``period``, ``town``, ``indicators`` (targets read),
    ``mean_completion`` (each capped at 120 %), ``behind`` (targets behind schedule), ``rank`` (1 = best).  A
    ``town`` without enterprises is a 422 listing the known towns."""
    town = known_town(analysis_snapshot(principal, store, cache), town)
    shown, progress = _progress(principal, store, cache, period_param(period))
    frame = town_ranking(progress).assign(period=str(shown))
    frame = frame[["period", *[c for c in frame.columns if c != "period"]]]
    return table_page(_whole_ranks(filter_equal(frame, town=town)), limit, offset)


@router.get(
    "/changes",
    response_model=Page,
    responses=problem_responses(),
    summary="What changed since an earlier period: rungs, lapsed certificates, new ties and meetings, indicators, ranks",
)
def list_changes(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    period: Annotated[str | None, Query(max_length=20, description=PERIOD_HELP)] = None,
    compare: Annotated[str | None, Query(max_length=20, description="The earlier period; default the previous one")]
    = None,
    town: Annotated[str | None, Query(max_length=100, description="The town's report (its firms and figures)")] = None,
    change_type: Annotated[str | None, Query(max_length=60, description="Only this change, e.g. 晋级 promoted")]
    = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Rows of :func:`analysis.snapshot.compare` between the report of ``period`` and that of ``compare`` (the
    report ``innonet analyze`` kept for it, else computed from the dated data): ``period``, ``compared_with``,
    ``origin``, ``change_type``, ``id``, ``name``, ``town``, ``before``, ``after``, ``delta``; with ``town`` also
    ``scope`` (the town, or 全市 city-wide) and ``highlight`` (the town's own rows, listed first).  Reading never
    keeps a report (only ``innonet analyze`` and the reports page do).  A ``town`` without enterprises is a 422
    listing the known towns (a known town only: every town asked for is a report kept in the cache).  A
    ``compare`` that is not earlier than ``period`` or not of its granularity (month / quarter / year), and a
    ``change_type`` that is part of none of :data:`analysis.snapshot.CHANGE_TYPES`, are 422s naming the
    parameter, checked before anything is computed."""
    wanted = period_param(period)
    since = period_param(compare, name="compare")
    shown = reported_period(principal, store, cache, wanted)
    town = known_town(analysis_snapshot(principal, store, cache), town)
    compared_period(shown, since if since is not None else True, name="compare")  # 422 before computing
    if change_type is not None and not any(change_type in kind for kind in CHANGE_TYPES):
        raise InvalidArgumentError(
            f"参数 change_type 无法识别 {change_type!r}, 可选 / parameter change_type: unknown {change_type!r}; one of: "
            + ", ".join(CHANGE_TYPES))
    key = ("changes", not principal.sees_personal_data, str(shown), str(since), town)

    def build() -> Any:  # every input read through the cache: a change of the store rebuilds them first
        now = period_snapshot(principal, store, cache, wanted)
        progress = period_table(principal, store, cache, "targets", target_progress, wanted)
        table = period_table(principal, store, cache, "indicators", _period_indicators, wanted)
        if town is not None:
            table = table[table["town"].isin([ALL, town])]
        kept = summarise(now, table, town_ranking(progress), town=town)
        source = analysis_snapshot(principal, store, cache)
        frame, compared_with, origin = changes_since(source, now, kept, since if since is not None else True, town)
        if town is not None:
            frame = scoped_changes(frame, town)
        out = frame.assign(period=str(now.period), compared_with=str(compared_with), origin=origin)
        return out[["period", "compared_with", "origin", *frame.columns]]

    frame = cache.get(key, build)
    rows = frame if change_type is None else frame[frame["change_type"].astype(str).str.contains(change_type,
                                                                                                  regex=False)]
    return table_page(rows, limit, offset)

