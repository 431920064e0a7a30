"""Write a graph for other tools: GraphML and GEXF (Gephi opens both); the node and edge tables for CSV/XLSX.

Tables (CSV, XLSX) are written by the project's one spreadsheet writer, :mod:`api.render.export`, from
:func:`graph_tables`; this module writes only the graph formats.

GraphML and GEXF cannot hold lists, so list properties are joined with ``"; "``;
missing values are left out.  Every node keeps ``kind`` and ``label`` (its name).
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pandas as pd

from graph.errors import SchemaError

__all__ = ["FORMATS", "export_graph", "flat_graph", "graph_tables"]

#: the graph formats written here
FORMATS = ("graphml", "gexf")


def _flat(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def flat_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with list values joined and a ``label`` on every node (what Gephi shows)."""
    flat = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        values = {k: _flat(v) for k, v in attrs.items() if v is not None}
        values.setdefault("label", str(attrs.get("name", node)))
        flat.add_node(node, **values)
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        values = {("rel_key" if k == "key" else k): _flat(v) for k, v in attrs.items() if v is not None}
        flat.add_edges_from([(source, target, key, values)])
    return flat


def graph_tables(graph: nx.MultiDiGraph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(nodes, edges)`` of ``graph`` as frames: ``id`` + node attributes; ``source``, ``target`` + edge
    attributes (list values joined with ``"; "``, the relationship key as ``rel_key``)."""
    flat = flat_graph(graph)
    nodes = pd.DataFrame([{"id": n, **a} for n, a in flat.nodes(data=True)],
                         columns=None if flat.number_of_nodes() else ["id", "kind", "label"])
    edges = pd.DataFrame(
        [{"source": s, "target": t, **a} for s, t, a in flat.edges(data=True)],
        columns=None if flat.number_of_edges() else ["source", "target", "type", "rel_key"],
    )
    return nodes, edges


def export_graph(graph: nx.MultiDiGraph, fmt: str, path: str | os.PathLike[str]) -> list[Path]:
    """Write ``graph`` as ``fmt`` (graphml or gexf) to ``path`` and return ``[path]``.

    Raises
    ------
    SchemaError
        For another format (CSV and XLSX tables: :func:`api.render.export.export_graph`).
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise SchemaError(f"unknown graph format {fmt!r}; use one of: {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = nx.write_graphml if fmt == "graphml" else nx.write_gexf
    writer(flat_graph(graph), path, encoding="utf-8")
    return [path]
