"""Domain model, stores (SQLite default, Neo4j) and projections to networkx.

The names below are imported on first use (PEP 562 ``__getattr__``), so ``import graph.errors`` or the
CLI's start does not pull in the Neo4j driver, pandas or networkx.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "GraphStore",
    "IngestError",
    "InnonetError",
    "InvalidArgumentError",
    "InvalidUSCCError",
    "Neo4jStore",
    "NotFittedError",
    "NotFoundError",
    "SQLiteStore",
    "SchemaError",
    "Settings",
    "StoreConnectionError",
    "to_networkx",
]

_WHERE = {
    "GraphStore": "graph.store",
    "Neo4jStore": "graph.neo4j_store",
    "SQLiteStore": "graph.sqlite_store",
    "Settings": "graph.settings",
    "to_networkx": "graph.projection",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    if name in __all__:
        return getattr(importlib.import_module("graph.errors"), name)
    raise AttributeError(f"module 'graph' has no attribute {name!r}")
