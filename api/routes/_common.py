"""What the routers share: the problem-details model, page model, role dependencies, JSON-safe records.

>>> json_records(pd.DataFrame({"a": [1, None], "b": [["x"], float("nan")]}, dtype=object))
[{'a': 1, 'b': ['x']}, {}]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi import Depends
from pydantic import BaseModel, Field

from api.app import PROBLEM_JSON, get_store
from api.security import MaskedStore, Principal, require_role
from graph.store import GraphStore

__all__ = [
    "Page",
    "Problem",
    "admin",
    "analysis_snapshot",
    "cached_table",
    "filter_equal",
    "json_records",
    "json_value",
    "matchmaker",
    "page",
    "problem_responses",
    "store_for",
    "table_page",
    "viewer",
    "viewer_store",
]


class Problem(BaseModel):
    """RFC 7807 problem details."""

    type: str = Field("about:blank", description="A URI naming the problem type")
    title: str = Field(description="Short summary of the problem type, e.g. 'Not Found'")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong with this request and what to do")
    errors: list[dict[str, Any]] | None = Field(None, description="Validation errors (422 only)")


class Page(BaseModel):
    """A page of a list: ``items``, the ``total`` number matching, and the ``limit`` / ``offset`` used."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


_DESCRIPTIONS = {
    400: "The request cannot be processed (e.g. a broken upload); `detail` says why",
    401: "Missing or unknown API key",
    403: "The key's role does not allow this",
    404: "No such entity; `detail` names the id",
    409: "The store holds too little data for this (e.g. no dated links to learn pairing from)",
    413: "The upload is larger than INNONET_MAX_UPLOAD_MB",
    422: "A parameter is invalid; `detail` names it",
    503: "The store is not reachable",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error codes, each an ``application/problem+json`` :class:`Problem`.

    401, 403, 422 and 503 are always included (every keyed route can answer them).
    """
    wanted = sorted({401, 403, 422, 503, *codes})
    return {
        code: {"model": Problem, "description": _DESCRIPTIONS[code], "content": {PROBLEM_JSON: {}}}
        for code in wanted
    }


viewer = require_role("viewer")
matchmaker = require_role("matchmaker")
admin = require_role("admin")


def store_for(principal: Principal, store: GraphStore) -> GraphStore:
    """The store as ``principal`` may see it: masked talent names and contacts below matchmaker."""
    return store if principal.sees_personal_data else MaskedStore(store)


async def viewer_store(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
) -> GraphStore:
    """Dependency: the store as the calling viewer (or stronger) may see it."""
    return store_for(principal, store)


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
    """The store read once into an :class:`analysis.ecosystem.Snapshot`, cached per masking.

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
