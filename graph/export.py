"""Write a graph for other tools: GraphML and GEXF (Gephi opens both), or nodes.csv + edges.csv.

GraphML and GEXF cannot hold lists, so list properties are joined with ``"; "``;
missing values are left out.  Every node keeps ``kind`` and ``label`` (its name).
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pandas as pd

from graph.errors import SchemaError

__all__ = ["FORMATS", "export_graph", "flat_graph"]

FORMATS = ("graphml", "gexf", "csv")


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


def export_graph(graph: nx.MultiDiGraph, fmt: str, path: str | os.PathLike[str]) -> list[Path]:
    """Write ``graph`` as ``fmt`` (graphml, gexf or csv) and return the files written.

    For ``csv``, ``path`` is a directory that receives ``nodes.csv`` and ``edges.csv``
    (UTF-8 with BOM, so Excel shows Chinese correctly).
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise SchemaError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    path = Path(path)
    flat = flat_graph(graph)
    if fmt == "graphml":
        path.parent.mkdir(parents=True, exist_ok=True)
        nx.write_graphml(flat, path, encoding="utf-8")
        return [path]
    if fmt == "gexf":
        path.parent.mkdir(parents=True, exist_ok=True)
        nx.write_gexf(flat, path, encoding="utf-8")
        return [path]
    path.mkdir(parents=True, exist_ok=True)
    nodes = pd.DataFrame([{"id": n, **a} for n, a in flat.nodes(data=True)])
    edges = pd.DataFrame(
        [{"source": s, "target": t, **a} for s, t, a in flat.edges(data=True)],
        columns=None if flat.number_of_edges() else ["source", "target", "type", "rel_key"],
    )
    nodes_path, edges_path = path / "nodes.csv", path / "edges.csv"
    nodes.to_csv(nodes_path, index=False, encoding="utf-8-sig")
    edges.to_csv(edges_path, index=False, encoding="utf-8-sig")
    return [nodes_path, edges_path]
