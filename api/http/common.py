"""What the routers share (routes never import each other): page model, enums of kinds and tiers, JSON-safe
records, cached analysis tables and the cached recommender.

>>> json_records(pd.DataFrame({"a": [1, None], "b": [["x"], float("nan")]}, dtype=object))
[{'a': 1, 'b': ['x']}, {}]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from fastapi import HTTPException
from pydantic import BaseModel

from api.http.cache import AppCache
from api.http.deps import store_for
from api.http.security import Principal
from graph.errors import InvalidArgumentError, SchemaError
from graph.schema import KINDS, TIER_ALIASES
from graph.store import GraphStore

if TYPE_CHECKING:
    from analysis.pairing import PairingRecommender

__all__ = [
    "PERIOD_YEARS",
    "KindName",
    "Page",
    "TierName",
    "analysis_snapshot",
    "cached_recommender",
    "cached_table",
    "filter_equal",
    "fitted_recommender",
    "indicator_param",
    "json_records",
    "json_value",
    "name_index",
    "page",
    "period_param",
    "period_snapshot",
    "period_table",
    "reported_period",
    "resolve_for",
    "start_recommender",
    "table_page",
]


#: Node kinds as an enum, so an unknown kind is a 422 the schema documents.
KindName = Enum("KindName", {k: k for k in KINDS}, type=str)  # type: ignore[misc]

#: Tier names and aliases accepted as a filter (any alias of :data:`graph.schema.TIER_ALIASES`).
TierName = Enum("TierName", {alias: alias for alias in TIER_ALIASES}, type=str)  # type: ignore[misc]


class Page(BaseModel):
    """A page of a list: ``items``, the ``total`` number matching, and the ``limit`` / ``offset`` used."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def ascii_stem(text: str | None, limit: int, default: str) -> str:
    """``text`` as the ASCII part of a download's file name (``Content-Disposition`` ``filename=`` must be
    latin-1): runs of anything but letters, digits, ``._-`` become ``_``, cut to ``limit``, ``default`` if
    nothing is left.

    >>> ascii_stem("E1/对接会 2025", 60, "event"), ascii_stem("对接会", 60, "event")
    ('E1_2025', 'event')
    """
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text or "").strip("_")[:limit] or default


def json_value(value: Any) -> Any:
    """A value JSON can carry: numpy scalars unwrapped, NaN / NaT → None, containers converted."""
    if value is None:
        return None
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (pd.Timestamp,)):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def json_records(frame: pd.DataFrame, drop_missing: bool = True) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-safe dicts; missing values are dropped when ``drop_missing``."""
    records = []
    for row in frame.to_dict(orient="records"):
        clean = {str(k): json_value(v) for k, v in row.items()}
        if drop_missing:
            clean = {k: v for k, v in clean.items() if v is not None}
        records.append(clean)
    return records


def page(frame: pd.DataFrame, limit: int, offset: int) -> dict[str, Any]:
    """The ``{"items", "total", "limit", "offset"}`` body for rows ``offset:offset+limit`` of ``frame``."""
    return {
        "items": json_records(frame.iloc[offset : offset + limit]),
        "total": len(frame),
        "limit": limit,
        "offset": offset,
    }


def analysis_snapshot(principal: Principal, store: GraphStore, cache: Any) -> Any:
    """The store read once into an :class:`analysis.ecosystem.Snapshot`, cached per masking level: the one
    read model of the API.  The analyses, the name index, the map graph and the entity search all start from
    it, so a change of the store is read once per masking level.

    Viewers get a snapshot of the masked view, so no analysis can return a talent's name.
    """
    from analysis.ecosystem import load_snapshot

    masked = not principal.sees_personal_data
    return cache.get(("snapshot", masked), lambda: load_snapshot(store_for(principal, store)))


def cached_table(principal: Principal, store: GraphStore, cache: Any, name: str, compute: Any) -> pd.DataFrame:
    """``compute(snapshot)`` for the caller's snapshot, cached under ``name`` per masking."""
    masked = not principal.sees_personal_data

    def build() -> pd.DataFrame:
        return compute(analysis_snapshot(principal, store, cache))

    return cache.get((name, masked), build)


#: The years a ``period`` parameter may name (a wider range is a typo, and every period is cached apart).
PERIOD_YEARS = (1990, 2100)


def period_param(text: str | None, year: int | None = None, name: str = "period") -> Any:
    """The :class:`analysis.periods.Period` a query parameter names (``2025``, ``2025-Q3``, ``2025-11``), or
    None when neither ``text`` nor ``year`` is given; ``year`` alone is that whole year.

    Raises
    ------
    graph.errors.InvalidArgumentError
        422, naming the parameter in Chinese and English: text that is no period, a year outside
        :data:`PERIOD_YEARS`, or a ``year`` that disagrees with the period.
    """
    from analysis.periods import parse_period

    try:
        period = parse_period(text, year)
    except SchemaError as exc:
        raise InvalidArgumentError(
            f"参数 {name} 无法识别 {text!r}: 请写年份 (2025)、季度 (2025-Q3) 或月份 (2025-11) / parameter {name}: "
            f"{exc}") from None
    if period is not None and not PERIOD_YEARS[0] <= period.year_number <= PERIOD_YEARS[1]:
        raise InvalidArgumentError(
            f"参数 {name} 的年份 {period.year_number} 超出 {PERIOD_YEARS[0]}-{PERIOD_YEARS[1]} / parameter {name}: "
            f"year {period.year_number} is outside {PERIOD_YEARS[0]}-{PERIOD_YEARS[1]}")
    return period


def indicator_param(text: str | None) -> str | None:
    """The indicator an ``indicator`` parameter names, written as the targets table may write it (its name, a
    short name such as 高企 or 科小, or an action number: :func:`analysis.targets.match_indicator`); None when
    not given.

    Raises
    ------
    graph.errors.InvalidArgumentError
        422 when nothing matches.
    """
    from analysis.targets import match_indicator

    if text is None:
        return None
    matched = match_indicator(text)
    if matched is None:
        raise InvalidArgumentError(
            f"参数 indicator 无法识别 {text!r}: 请写指标名称或行动编号 (如 高企、行动3) / parameter indicator: "
            f"{text!r} matches no indicator; write its name or an action number (see /indicators)")
    return matched


def period_snapshot(principal: Principal, store: GraphStore, cache: Any, period: Any) -> Any:
    """The caller's :func:`analysis_snapshot` cut at the end of ``period`` (None: the latest data), as ``innonet
    analyze --period`` reads the store (:func:`analysis.ecosystem.load_snapshot`).

    Not cached: a cut is cheap (0.1 s on the city demo) and a snapshot large (about 56 MB there), so only the
    tables made from it are kept (:func:`period_table`), never one snapshot per period asked for.
    """
    from analysis.ecosystem import load_snapshot

    snap = analysis_snapshot(principal, store, cache)
    return snap if period is None else load_snapshot(snap, period=period)


def reported_period(principal: Principal, store: GraphStore, cache: Any, period: Any) -> Any:
    """The period a table of ``period`` reports: ``period`` itself, else the latest data's year."""
    return period if period is not None else analysis_snapshot(principal, store, cache).period


def period_table(principal: Principal, store: GraphStore, cache: Any, name: str, compute: Any,
                 period: Any) -> pd.DataFrame:
    """``compute(snapshot)`` over :func:`period_snapshot` of ``period``, cached under ``name``, the period and
    masking (the build reads the snapshot through the cache, so a change of the store rebuilds both)."""
    masked = not principal.sees_personal_data
    return cache.get((name, masked, str(period)), lambda: compute(period_snapshot(principal, store, cache, period)))


def filter_equal(frame: pd.DataFrame, **wanted: Any) -> pd.DataFrame:
    """Rows whose columns equal the given values (None = no filter; a missing column = no rows)."""
    for column, value in wanted.items():
        if value is None:
            continue
        if column not in frame.columns:
            return frame.iloc[0:0]
        frame = frame[frame[column].astype(object) == value]
    return frame


def table_page(frame: pd.DataFrame, limit: int, offset: int) -> dict[str, Any]:
    """Like :func:`page`, but every column is kept (missing values as null): analysis tables."""
    return {
        "items": json_records(frame.iloc[offset : offset + limit], drop_missing=False),
        "total": len(frame),
        "limit": limit,
        "offset": offset,
    }


def _fit_recommender(store: GraphStore) -> Callable[[], PairingRecommender]:
    def fit() -> PairingRecommender:
        from analysis.pairing import PairingRecommender

        return PairingRecommender().fit(store)

    return fit


def start_recommender(store: GraphStore, cache: AppCache) -> None:
    """Fit the store's recommender in the cache's background thread now, and again after every change
    of the store (called by the app's lifespan)."""
    cache.start("recommender", _fit_recommender(store), ttl=math.inf)


def cached_recommender(store: GraphStore, cache: AppCache) -> PairingRecommender:
    """The store's recommender, fitted in the background (at start-up and after a change of the store);
    after a change the previous one answers until the new one is fitted.

    Raises
    ------
    graph.errors.NotFittedError
        No recommender has been fitted yet (the first fit is running): a 503 with ``Retry-After``.
    analysis.pairing.InsufficientDataError
        The store holds too little dated history to learn from.
    """
    return cache.get_ready("recommender", _fit_recommender(store), ttl=math.inf, what="the pairing model")


def fitted_recommender(store: GraphStore, cache: AppCache) -> PairingRecommender:
    """:func:`cached_recommender` for routes that need it.

    Raises
    ------
    graph.errors.NotFittedError
        503 with ``Retry-After`` while the first fit runs.
    fastapi.HTTPException
        409 when the store holds too little dated history to learn from.
    """
    from analysis.pairing import InsufficientDataError

    try:
        return cached_recommender(store, cache)
    except InsufficientDataError as exc:
        raise HTTPException(status_code=409, detail=f"pairing is not available for this store: {exc}") from None


def name_index(principal: Principal, store: GraphStore, cache: AppCache) -> Any:
    """The one resolver's index (:class:`graph.lookup.NameIndex`) of the store as ``principal`` may see it,
    cached per masking level: viewers get the index of the masked store, so they cannot find a person by name."""
    from graph.lookup import NameIndex

    masked = not principal.sees_personal_data
    return cache.get(("names", masked), lambda: NameIndex.from_nodes(analysis_snapshot(principal, store, cache).nodes))


def resolve_for(principal: Principal, store: GraphStore, cache: AppCache, text: str,
                kinds: str | tuple[str, ...] | None = None) -> Any:
    """:func:`graph.lookup.resolve` of ``text`` for ``principal`` (a :class:`graph.lookup.Resolution`).

    Raises
    ------
    graph.errors.NameNotFoundError
        404, with up to five suggestions as ``candidates``.
    graph.errors.AmbiguousNameError
        409, with the ``candidates``.
    """
    return name_index(principal, store, cache).resolve(text, kinds=kinds)
