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
from graph.neo4j_store import Neo4jStore
from graph.projection import to_networkx
from graph.settings import Settings
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore

__all__ = [
    "GraphStore",
    "IngestError",
    "InnonetError",
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
