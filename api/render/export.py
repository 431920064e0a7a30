"""Exports of the network for other tools and for Excel: GraphML / GEXF (Gephi), CSV tables, one workbook.

Every table goes through :mod:`api.render.writer` (formula-safe, number formats, bilingual headers), so
``innonet export`` and ``GET /exports/{format}`` write the same files.

>>> from graph.sqlite_store import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "=1+1", "keywords": ["陶瓷", "环保"]}])
>>> store_workbook(store)[:2]
b'PK'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from api.render.writer import Sheet, workbook_bytes, write_csv, write_workbook
from graph import export as graph_export
from graph.schema import KINDS

if TYPE_CHECKING:
    import networkx as nx

    from graph.store import GraphStore

__all__ = ["FORMATS", "LABELS", "export_graph", "store_sheets", "store_workbook", "write_ingest_report",
           "write_review_file"]

#: every format ``innonet export`` and ``GET /exports`` write
FORMATS = ("graphml", "gexf", "csv", "xlsx")

#: Chinese labels of the common columns
LABELS = {"id": "编号", "kind": "类型", "name": "名称", "label": "名称", "uscc": "统一社会信用代码",
          "town": "镇街", "industry": "产业", "tier": "梯次", "source": "起点", "target": "终点",
          "type": "关系", "year": "年份", "weight": "权重"}

_FORMAT_OF = {"year": "year", "founded_year": "year", "revenue": "amount", "rd_spend": "amount",
              "amount": "amount", "weight": "ratio"}


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    return {c: _FORMAT_OF[c] for c in frame.columns if c in _FORMAT_OF}


def export_graph(graph: nx.MultiDiGraph, fmt: str, path: str | os.PathLike[str]) -> list[Path]:
    """Write ``graph`` as ``fmt`` and return the files written.

    ``graphml`` / ``gexf``: one file at ``path``.  ``csv``: ``path`` is a folder that receives ``nodes.csv``
    and ``edges.csv`` (UTF-8 with BOM).  ``xlsx``: one workbook with the sheets 节点 nodes and 关系 edges.

    Raises
    ------
    graph.errors.SchemaError
        An unknown format.
    """
    fmt = fmt.lower()
    if fmt in graph_export.FORMATS:
        return graph_export.export_graph(graph, fmt, path)
    if fmt not in FORMATS:
        from graph.errors import SchemaError

        raise SchemaError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    nodes, edges = graph_export.graph_tables(graph)
    path = Path(path)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        return [write_csv(path / "nodes.csv", nodes, LABELS), write_csv(path / "edges.csv", edges, LABELS)]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(path, [Sheet("节点 nodes", nodes, LABELS, _formats(nodes)),
                          Sheet("关系 edges", edges, LABELS, _formats(edges))])
    return [path]


def store_sheets(store: GraphStore, kinds: list[str] | None = None, types: list[str] | None = None) -> list[Sheet]:
    """The store as sheets: one per node kind (its properties as columns), plus ``relationships``."""
    counts = store.counts()
    wanted_kinds = [k for k in (kinds or KINDS) if counts["nodes"].get(k)]
    sheets = []
    for kind in wanted_kinds:
        frame = store.nodes(kind=kind).drop(columns="kind")
        sheets.append(Sheet(kind, frame, LABELS, _formats(frame)))
    rels = store.relationships()
    if types:
        rels = rels[rels["type"].isin(types)]
    if kinds:
        kept = {node_id for k in kinds for node_id in store.nodes(kind=k)["id"]}
        rels = rels[rels["source"].isin(kept) & rels["target"].isin(kept)]
    if rels.empty:
        rels = pd.DataFrame(columns=["source", "target", "type", "key"])
    sheets.append(Sheet("relationships", rels, LABELS, _formats(rels)))
    return sheets


def store_workbook(store: GraphStore, kinds: list[str] | None = None, types: list[str] | None = None) -> bytes:
    """The ``.xlsx`` bytes of :func:`store_sheets`."""
    return workbook_bytes(store_sheets(store, kinds, types))


def write_ingest_report(report: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``ingest_report.xlsx`` from an :class:`ingest.pipeline.IngestReport` (its :meth:`sheets`):
    every input row accounted for, Chinese-first headers, formula-safe."""
    target = Path(path)
    write_workbook(target, [Sheet(name, frame, labels) for name, frame, labels in report.sheets()])
    return target


def write_review_file(report: Any, path: str | os.PathLike[str]) -> Path | None:
    """Write the rows held for review (``.xlsx``, else CSV) for the analyst to fill the ``decision`` column
    (merge / separate; 合并 / 不合并); None when nothing is held.  Headers are ``"中文 / english"`` (名称 / name,
    候选 id / candidate_id, 决定 (merge/separate) / decision …), which ``innonet ingest --accept-review`` reads
    back."""
    if not len(report.reviews):
        return None
    name, frame, labels = next(sheet for sheet in report.sheets() if sheet[0].endswith("review"))
    target = Path(path)
    if target.suffix.lower() in (".xlsx", ".xlsm"):
        write_workbook(target, [Sheet(name, frame, labels)])
    else:
        write_csv(target, frame, labels)
    return target
