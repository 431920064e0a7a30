"""Open the store the settings name: Neo4j when ``NEO4J_URI`` is set, else SQLite.

The CLI, the API's ``lifespan`` and the notebooks all open their store here.
"""

from __future__ import annotations

from graph.errors import StoreConnectionError
from graph.settings import Settings
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore

__all__ = ["open_store"]


def open_store(settings: Settings | None = None) -> GraphStore:
    """Build the configured store and check it answers.

    A wrong password or an unreachable server raises
    :class:`~graph.errors.StoreConnectionError` with a one-line message naming the URI.
    With Neo4j the store owns the driver it built here and closes it in ``close()``.
    """
    settings = settings or Settings()
    if not settings.uses_neo4j:
        store: GraphStore = SQLiteStore(settings.innonet_db)
        store.ping()
        return store
    import neo4j

    from graph.neo4j_store import Neo4jStore

    uri = settings.neo4j_uri
    try:
        driver = neo4j.GraphDatabase.driver(uri, auth=(settings.neo4j_user, settings.neo4j_password))
    except Exception as exc:  # malformed URI, unknown scheme
        raise StoreConnectionError(f"cannot use NEO4J_URI {uri!r}: {exc}") from None
    try:
        driver.verify_connectivity()
    except Exception as exc:
        driver.close()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreConnectionError(
            f"cannot connect to Neo4j at {uri} as {settings.neo4j_user!r}: {reason}"
        ) from None
    return Neo4jStore(driver, database=settings.neo4j_database, owns_driver=True)
