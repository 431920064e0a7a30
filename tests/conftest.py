"""Fixtures shared by every test package.

``bolt_server``
    A real Bolt server for the session: the one named by ``TEST_NEO4J_URI``
    (with ``TEST_NEO4J_USER``, ``TEST_NEO4J_PASSWORD``, ``TEST_NEO4J_DATABASE``)
    when set, otherwise an ArcadeDB server started from ``arcadedb-embedded`` on a
    free port and stopped by PID at the end.  If it cannot start, the tests that
    need it FAIL (they are not skipped) and show the server log.
``neo4j_driver``
    A session-wide ``neo4j`` driver for ``bolt_server``.
``store``
    A fresh, empty store per test, parametrised over ``"sqlite"`` and ``"neo4j"``
    (the neo4j parameter is marked ``integration``; the server has one database,
    which is cleared before each test).
``sqlite_store``
    A fresh ``SQLiteStore(tmp_path / "t.db")``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from graph.errors import StoreConnectionError
from graph.neo4j_store import Neo4jStore
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from graph.testing import ArcadeDBServer, BoltServer

STORE_KINDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.integration)]


@pytest.fixture(scope="session")
def bolt_server() -> Iterator[BoltServer | ArcadeDBServer]:
    """The Bolt server of this test session (see the module docstring)."""
    uri = os.environ.get("TEST_NEO4J_URI")
    if uri:
        yield BoltServer(
            uri,
            os.environ.get("TEST_NEO4J_USER", "neo4j"),
            os.environ.get("TEST_NEO4J_PASSWORD", ""),
            os.environ.get("TEST_NEO4J_DATABASE", "neo4j"),
        )
        return
    server = ArcadeDBServer()
    try:
        server.start()
    except StoreConnectionError as exc:
        pytest.fail(f"could not start the ArcadeDB test server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_driver(bolt_server: BoltServer | ArcadeDBServer) -> Iterator[Any]:
    """A ``neo4j`` driver for ``bolt_server``, closed at the end of the session."""
    driver = bolt_server.driver()
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def sqlite_store(tmp_path: Any) -> Iterator[SQLiteStore]:
    """A fresh SQLite store in a temporary file."""
    store = SQLiteStore(tmp_path / "t.db")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[GraphStore]:
    """A fresh, empty store of each kind (SQLite file; Neo4j database cleared)."""
    if request.param == "sqlite":
        sqlite = SQLiteStore(tmp_path / "t.db")
        try:
            yield sqlite
        finally:
            sqlite.close()
        return
    server = request.getfixturevalue("bolt_server")
    driver = request.getfixturevalue("neo4j_driver")
    neo = Neo4jStore(driver, database=server.database)
    neo.clear()
    yield neo
    neo.close()  # never closes the shared driver
