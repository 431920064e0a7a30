"""Domain model, stores (SQLite default, Neo4j) and projections to networkx."""

from graph.errors import (
    IngestError,
    InnonetError,
    InvalidUSCCError,
    NotFittedError,
    NotFoundError,
    SchemaError,
    StoreConnectionError,
)
from graph.projection import to_networkx
from graph.settings import Settings
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore

__all__ = [
    "GraphStore",
    "SQLiteStore",
    "Settings",
    "to_networkx",
    "InnonetError",
    "SchemaError",
    "InvalidUSCCError",
    "NotFoundError",
    "StoreConnectionError",
    "IngestError",
    "NotFittedError",
]
