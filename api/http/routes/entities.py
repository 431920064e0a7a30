"""``/entities``: search by name (the one resolver, :mod:`graph.lookup`), id or USCC; one entity with its neighbours; delete.

Viewers get talent names and contact fields masked (the search runs on the masked
names, so a viewer cannot find a person by name either).

>>> from graph import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "宜兴市精陶科技有限公司", "town": "丁蜀镇"},
...                                       {"id": "e2", "name": "宜兴环保装备有限公司", "town": "高塍镇"}])
>>> search_entities(store.nodes(), store.relationships(), q="精陶")[["id", "score", "matched_by"]].values.tolist()
[['e1', 85.0, 'contains']]
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.http.cache import AppCache
from api.http.common import KindName, Page, TierName, analysis_snapshot, json_records, name_index, page, resolve_for
from api.http.deps import admin, get_cache, get_store, viewer
from api.http.errors import problem_responses
from api.http.security import MaskedStore, Principal
from graph.errors import NotFoundError
from graph.lookup import NameIndex
from graph.schema import KINDS, canonical_tier
from graph.store import GraphStore

__all__ = ["SEARCH_COLUMNS", "router", "search_entities"]

router = APIRouter(tags=["entities"])


#: Columns :func:`search_entities` adds to the nodes frame.
SEARCH_COLUMNS = ["score", "matched_by"]

#: most search hits ranked for one ``q`` (a page is cut from these)
_MAX_HITS = 5000
_MAX_NEIGHBOURS = 5000


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower() if isinstance(text, str) else ""


def _links(relationships: pd.DataFrame, type_: str, nodes: pd.DataFrame) -> pd.DataFrame:
    """``source`` → normalised target id and target name for one relationship type."""
    if relationships.empty:
        return pd.DataFrame(columns=["source", "value"])
    rels = relationships[relationships["type"] == type_][["source", "target"]]
    names = dict(zip(nodes["id"], nodes["name"] if "name" in nodes.columns else nodes["id"], strict=True))
    by_id = rels.assign(value=rels["target"].map(_norm))
    by_name = rels.assign(value=rels["target"].map(lambda t: _norm(names.get(t))))
    return pd.concat([by_id, by_name], ignore_index=True)[["source", "value"]]


def _place_filter(
    nodes: pd.DataFrame, all_nodes: pd.DataFrame, relationships: pd.DataFrame, prop: str, type_: str, value: str
) -> pd.Series:
    wanted = _norm(value)
    by_prop = nodes[prop].map(_norm) == wanted if prop in nodes.columns else pd.Series(False, index=nodes.index)
    links = _links(relationships, type_, all_nodes)
    linked = set(links.loc[links["value"] == wanted, "source"])
    return by_prop | nodes["id"].isin(linked)


def search_entities(
    nodes: pd.DataFrame,
    relationships: pd.DataFrame,
    *,
    kind: str | None = None,
    q: str | None = None,
    town: str | None = None,
    industry: str | None = None,
    tier: str | None = None,
    index: NameIndex | None = None,
) -> pd.DataFrame:
    """Filter and rank entities.

    Parameters
    ----------
    nodes, relationships : pandas.DataFrame
        ``store.nodes()`` and ``store.relationships()``.
    kind : str, optional
        Only this node kind.
    q : str, optional
        Ranked by the one resolver, :func:`graph.lookup.search` (id > USCC > 学校标识码 > name > alias >
        name without place / legal-form words > part of a name > one or two typos; merely similar names
        only when nothing else matches).  ``score`` 0–100 and ``matched_by`` say how each row matched.
    town, industry : str, optional
        The ``town`` / ``industry`` property, or a ``LOCATED_IN`` / ``IN_INDUSTRY`` link to a
        node with that id or name.
    tier : str, optional
        Current tier (any alias of :data:`graph.schema.TIERS`); only enterprises have one.

    Returns
    -------
    pandas.DataFrame
        The nodes columns plus ``score`` and ``matched_by`` (None without ``q``), best first (by id without ``q``).

    Raises
    ------
    SchemaError
        For an unknown tier or kind.
    """
    frame = nodes
    if kind is not None:
        frame = frame[frame["kind"] == KINDS[kind].name] if kind in KINDS else frame.iloc[0:0]
    if town:
        frame = frame[_place_filter(frame, nodes, relationships, "town", "LOCATED_IN", town)]
    if industry:
        frame = frame[_place_filter(frame, nodes, relationships, "industry", "IN_INDUSTRY", industry)]
    if tier:
        canonical = canonical_tier(tier)
        frame = frame[frame["tier"] == canonical] if "tier" in frame.columns else frame.iloc[0:0]
    frame = frame.copy()
    if not q or not q.strip():
        frame["score"] = None
        frame["matched_by"] = None
        return frame.sort_values("id", kind="stable").reset_index(drop=True)
    index = index if index is not None else NameIndex.from_nodes(nodes)
    hits = index.search(q, kinds=KINDS[kind].name if kind in KINDS else None, limit=_MAX_HITS)
    hits = hits[hits["matched_by"] != "similar"]  # a listing shows matches; mere look-alikes are 404 suggestions
    order = {node_id: position for position, node_id in enumerate(hits["id"])}
    scores = dict(zip(hits["id"], hits["score"], strict=True))
    matched = dict(zip(hits["id"], hits["matched_by"], strict=True))
    frame = frame[frame["id"].isin(order)]
    frame = frame.assign(score=frame["id"].map(scores).astype(object), matched_by=frame["id"].map(matched),
                         _order=frame["id"].map(order))
    return frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def _snapshot(principal: Principal, store: GraphStore, cache: AppCache) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and the place/industry links, from the API's one read model (cached per masking)."""
    masked = not principal.sees_personal_data

    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        snap = analysis_snapshot(principal, store, cache)
        rels = snap.relationships
        links = rels[rels["type"].isin(["LOCATED_IN", "IN_INDUSTRY"])] if "type" in rels.columns else rels
        return snap.nodes, links.reset_index(drop=True)

    return cache.get(("entities", masked), build)


@router.get(
    "/entities",
    response_model=Page,
    responses=problem_responses(),
    summary="Search entities by name (Chinese, fuzzy), id or USCC, with filters",
)
def list_entities(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    kind: Annotated[KindName | None, Query(description="Only this node kind")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Name (fuzzy), id, USCC or 学校标识码")] = None,
    town: Annotated[str | None, Query(max_length=100, description="Town name or id")] = None,
    industry: Annotated[str | None, Query(max_length=100, description="Industry name or id")] = None,
    tier: Annotated[TierName | None, Query(description="Current tier, e.g. 高新技术企业 or 高企")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Entities matching the filters, best match first (``score`` 0–100 when ``q`` is given)."""
    nodes, links = _snapshot(principal, store, cache)
    found = search_entities(
        nodes, links, kind=kind.value if kind else None, q=q, town=town, industry=industry,
        tier=tier.value if tier else None, index=name_index(principal, store, cache) if q else None,
    )
    return page(found, limit, offset)


class Resolved(BaseModel):
    """What a typed name means (:func:`graph.lookup.resolve`)."""

    id: str
    name: str | None = None
    kind: str
    matched_by: str = Field(description="id, uscc, moe_code, name, alias, variant, contains or typo")
    score: float
    description: str = Field(description="One line saying what was used and how it matched (中文 / English)")


@router.get(
    "/resolve",
    response_model=Resolved,
    responses=problem_responses(404, 409),
    summary="Which record a typed name means (the resolver every command and page uses)",
)
def resolve_name(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
    q: Annotated[str, Query(min_length=1, max_length=200, description="Name, short name, alias, USCC, 学校标识码 or id")] = ...,
    kind: Annotated[list[KindName] | None, Query(description="Only these node kinds (repeatable)")] = None,
) -> dict[str, Any]:
    """The one record ``q`` means; 404 with close names as ``candidates``, 409 with the ``candidates`` when
    several fit.  Viewers resolve against masked talent names."""
    found = resolve_for(principal, store, cache, q, kinds=tuple(k.value for k in kind) if kind else None)
    return {"id": str(found.id), "name": found.name, "kind": found.kind, "matched_by": found.matched_by,
            "score": float(found.score), "description": found.describe()}


@router.get(
    "/entities/{entity_id:path}",
    responses=problem_responses(404),
    summary="One entity with its neighbours",
)
def get_entity(
    entity_id: Annotated[str, Path(min_length=1, max_length=300)],
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    neighbour_limit: Annotated[int, Query(ge=0, le=_MAX_NEIGHBOURS)] = 200,
) -> dict[str, Any]:
    """The entity's properties and up to ``neighbour_limit`` neighbours (``neighbour_total`` counts all).

    Each neighbour has ``id, kind, name, type, direction`` (``out``/``in``), ``key`` and the
    relationship's properties.
    """
    view = store if principal.sees_personal_data else MaskedStore(store)
    nodes = view.nodes(ids=[entity_id])
    if nodes.empty:
        raise NotFoundError(f"no entity with id {entity_id!r}; search with GET /entities?q=")
    neighbours = view.neighbours(entity_id)
    return {
        **json_records(nodes)[0],
        "neighbours": json_records(neighbours.iloc[:neighbour_limit]),
        "neighbour_total": len(neighbours),
    }


@router.delete(
    "/entities/{entity_id:path}",
    responses=problem_responses(404),
    summary="Delete an entity and its relationships (admin)",
)
async def delete_entity(
    entity_id: Annotated[str, Path(min_length=1, max_length=300)],
    principal: Principal = Depends(admin),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> dict[str, Any]:
    """Delete the entity; ``{"deleted": id}``.  Cached results are rebuilt afterwards."""
    deleted = await run_in_threadpool(store.delete_nodes, [entity_id])
    if not deleted:
        raise NotFoundError(f"no entity with id {entity_id!r}; nothing was deleted")
    cache.invalidate()
    await run_in_threadpool(cache.wait_idle, 120.0)  # others get the previous answers; the caller sees its delete
    return {"deleted": entity_id}
