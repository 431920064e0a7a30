"""Projections of a store into the graphs users and algorithms work on.

>>> from graph import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲", "founded": "2015-03-01"}])
>>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
>>> _ = store.upsert_relationships("COLLABORATES_WITH", [{"source": "e1", "target": "u1", "year": 2020}])
>>> g = to_networkx(store)
>>> g.nodes["e1"]["kind"], g.number_of_edges()
('Enterprise', 1)
>>> to_networkx(store, until_year=2019).number_of_edges()
0
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import networkx as nx
import pandas as pd

from graph.schema import check_kind, check_type
from graph.store import GraphStore

__all__ = ["start_year", "to_networkx", "year_of"]

_YEAR = re.compile(r"^\s*(\d{4})")


def start_year(props: dict[str, Any]) -> int | None:
    """The year a node or relationship counts from — the one rule every analysis uses: its ``year``, else
    the year of its ``date`` (``2024-05``, ``2024年5月``), else the year of ``founded``.

    :func:`analysis.periods.counts_from` refines the same order to the month when ``date`` names one.

    >>> start_year({"founded": "2012-05-01"}), start_year({"year": 2020}), start_year({"date": "2024-05"})
    (2012, 2020, 2024)
    >>> start_year({"year": 2021.0, "founded": "2001"}), start_year({})
    (2021, None)
    """
    for key in ("year", "date", "founded"):
        year = year_of(props.get(key))
        if year is not None:
            return year
    return None


def year_of(value: Any) -> int | None:
    """A year from a year (``2021``, ``2021.0``), a date text (``2021-05-01``, ``2021年5月``) or a date.

    >>> year_of(2021), year_of(2021.0), year_of("2021年5月"), year_of(float("nan")), year_of(True)
    (2021, 2021, 2021, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if hasattr(value, "year") and not isinstance(value, (str, int, float)):
        return int(value.year)
    if isinstance(value, (int, float)) or hasattr(value, "is_integer"):
        number = float(value)
        return int(number) if number == number and number.is_integer() else None
    match = _YEAR.match(str(value))
    return int(match.group(1)) if match else None


class _FramesStore:
    """The two read methods :func:`to_networkx` needs, over frames already read."""

    def __init__(self, nodes: pd.DataFrame, relationships: pd.DataFrame) -> None:
        self._nodes, self._relationships = nodes, relationships

    def nodes(self, kind: str | None = None) -> pd.DataFrame:
        if kind is None or "kind" not in self._nodes.columns:
            return self._nodes
        return self._nodes[self._nodes["kind"] == kind]

    def relationships(self, type: str | None = None) -> pd.DataFrame:
        if type is None or "type" not in self._relationships.columns:
            return self._relationships
        return self._relationships[self._relationships["type"] == type]


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None and not (isinstance(v, float) and v != v)}


def to_networkx(
    store: GraphStore | Any,
    kinds: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    until_year: int | None = None,
) -> nx.MultiDiGraph:
    """The store (or part of it) as a networkx ``MultiDiGraph``.

    Nodes carry ``kind`` and their properties; edges are keyed ``"TYPE:key"``
    and carry ``type``, ``key`` and their properties.

    Parameters
    ----------
    store : GraphStore, or frames already read
        A store, or anything holding its two frames as ``nodes`` and ``relationships`` attributes (the
        read model :class:`analysis.ecosystem.Snapshot`), so a caller that has read the store once need
        not read it again.
    kinds, types : iterable of str, optional
        Only these node kinds / relationship types (edges need both ends kept).
    until_year : int, optional
        The graph as it stood at the end of that year: nodes whose ``year`` or
        ``founded`` is later, and relationships whose ``year`` is later, are left out.
        Undated records are kept.
    """
    kinds = None if kinds is None else [check_kind(k).name for k in kinds]
    types = None if types is None else [check_type(t).name for t in types]
    graph = nx.MultiDiGraph()
    if not isinstance(store, GraphStore) and isinstance(getattr(store, "nodes", None), pd.DataFrame):
        store = _FramesStore(store.nodes, store.relationships)
    frames = [store.nodes(kind=k) for k in kinds] if kinds is not None else [store.nodes()]
    for frame in frames:
        for record in frame.to_dict(orient="records"):
            attrs = _clean(record)
            node_id = attrs.pop("id")
            if until_year is not None:
                year = start_year(attrs)
                if year is not None and year > until_year:
                    continue
            graph.add_node(node_id, **attrs)
    rel_frames = [store.relationships(type=t) for t in types] if types is not None else [store.relationships()]
    rels = pd.concat(rel_frames, ignore_index=True) if rel_frames else pd.DataFrame()
    for record in rels.to_dict(orient="records"):
        attrs = _clean(record)
        source, target = attrs.pop("source"), attrs.pop("target")
        if source not in graph or target not in graph:
            continue
        year = attrs.get("year")
        if until_year is not None and isinstance(year, int) and year > until_year:
            continue
        graph.add_edges_from([(source, target, f"{attrs['type']}:{attrs['key']}", attrs)])
    return graph
