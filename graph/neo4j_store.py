"""The Neo4j store: the same graph over Bolt, through the official ``neo4j`` driver.

Every node carries its kind's label and the shared ``:Entity`` label, with a
unique constraint on ``Entity.id`` (created on the first write), so relationship
loads ``MATCH`` endpoints through that index, never label-less.  Writes are
``UNWIND $rows`` batches of idempotent merges (relationships by ``MERGE``) inside one ``execute_write``
transaction per call (the driver may retry it; a call writes all its rows or
none).  Cypher is constant text per kind / type: labels and relationship types
come only from :mod:`graph.schema`, values only ever travel as parameters.

A :meth:`Neo4jStore.transaction` (an ingest's files) is not one server transaction (a 150,000-row file
would be one huge transaction the driver may retry): it is a marked load.  A ``:InnonetLoad`` node (no
``:Entity`` label, so no read sees it) is created before the first batch and deleted after the last; a
failure or a killed process leaves it, :meth:`Neo4jStore.incomplete_loads` lists it, and running the
same load again (every batch is an idempotent merge) completes the data and deletes the mark.

The Cypher stays in the subset that Neo4j 5 and ArcadeDB's Bolt server share:
nodes are created with both labels at once (``CREATE (m:Enterprise:Entity {id: …})``,
never a label added later), nothing is keyed on ``elementId``, and a
``ConstraintError`` that is not a real kind clash (another writer created the same
id meanwhile; ArcadeDB raises it instead of waiting) is retried.

Examples
--------
Not run as a doctest (it needs a Bolt server)::

    import neo4j
    driver = neo4j.GraphDatabase.driver("bolt://localhost:7687", auth=("neo4j", "secret"))
    store = Neo4jStore(driver, database="neo4j")
    store.upsert_nodes("Enterprise", [{"id": "e1", "name": "宜兴甲科技有限公司"}])
    driver.close()          # the store never closes a driver it was given
"""

from __future__ import annotations

import contextlib
import datetime
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import neo4j
import pandas as pd
from neo4j.exceptions import (
    AuthError,
    ConstraintError,
    ServiceUnavailable,
    SessionExpired,
)

from graph.errors import NotFoundError, SchemaError, StoreConnectionError
from graph.schema import KINDS, RELATIONSHIP_TYPES, check_kind, check_type
from graph.store import GraphStore, neighbours_frame, nodes_frame, relationships_frame

__all__ = ["Neo4jStore"]

ENTITY = "Entity"
CONSTRAINT_NAME = "innonet_entity_id"
_CONSTRAINT = (
    f"CREATE CONSTRAINT {CONSTRAINT_NAME} IF NOT EXISTS FOR (n:{ENTITY}) REQUIRE n.id IS UNIQUE"
)
_CONFLICT_RETRIES = 5
_CLEAR_BATCH = 10_000

# Constant Cypher per kind / type, built once from the schema's whitelist.
#
# Nodes: look the id up through the Entity index, create the node with both labels
# at once when it is new, update it when it is of this kind, and count the rows
# whose id belongs to another kind (the caller then rolls the transaction back).
# This is an idempotent merge; it is not written as ``MERGE (n:Kind:Entity {id: …})``
# because ArcadeDB does not use the Entity index for a two-label MERGE and scans
# every node instead (measured: 2,000 rows took 2 s into an empty database,
# 10,000 rows 27 s, and the next 10,000 over three minutes).  The form below
# runs in linear time on ArcadeDB and uses the unique index on Neo4j.
_MERGE_NODES = {
    kind: (
        f"UNWIND $rows AS row "
        f"OPTIONAL MATCH (n:{ENTITY} {{id: row.id}}) "
        f"FOREACH (ignored IN CASE WHEN n IS NULL THEN [1] ELSE [] END | "
        f"CREATE (m:{kind}:{ENTITY} {{id: row.id}}) SET m += row.props) "
        f"FOREACH (ignored IN CASE WHEN n:{kind} THEN [1] ELSE [] END | SET n += row.props) "
        f"RETURN count(CASE WHEN n IS NOT NULL AND NOT n:{kind} THEN 1 END) AS clashes"
    )
    for kind in KINDS
}


def _label_test(variable: str, kinds: Iterable[str]) -> str:
    return " OR ".join(f"{variable}:{kind}" for kind in kinds)


_MERGE_RELATIONSHIPS = {
    name: (
        f"UNWIND $rows AS row "
        f"MATCH (a:{ENTITY} {{id: row.source}}) WHERE {_label_test('a', spec.sources)} "
        f"MATCH (b:{ENTITY} {{id: row.target}}) WHERE {_label_test('b', spec.targets)} "
        f"MERGE (a)-[r:{name} {{key: row.key}}]->(b) SET r += row.props "
        f"RETURN count(*) AS written"
    )
    for name, spec in RELATIONSHIP_TYPES.items()
}

LOAD_MARK = "InnonetLoad"
_MARK_LOAD = f"CREATE (m:{LOAD_MARK} {{id: $id, label: $label, started: $started}})"
_UNMARK_LOAD = f"MATCH (m:{LOAD_MARK}) WHERE m.id = $id OR m.label = $label DELETE m"
_INCOMPLETE_LOADS = f"MATCH (m:{LOAD_MARK}) RETURN m.label AS label, m.started AS started ORDER BY started"

_KINDS_OF = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) RETURN n.id AS id, labels(n) AS labels"
_NODE_RETURN = "RETURN n.id AS id, labels(n) AS labels, properties(n) AS props"
_REL_RETURN = "RETURN a.id AS source, b.id AS target, type(r) AS type, properties(r) AS props"


class _IncompleteWrite(Exception):
    """Raised inside a transaction function to roll the whole call back."""


def _kind_of(labels: Iterable[str]) -> str | None:
    for label in labels:
        if label != ENTITY and label in KINDS:
            return label
    for label in labels:  # a label the schema does not know (written by someone else)
        if label != ENTITY:
            return label
    return None


def _node_props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "id" and v is not None}


def _split_key(props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    props = {k: v for k, v in props.items() if v is not None}
    key = props.pop("key", "")
    return ("" if key is None else str(key)), props


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Neo4jStore(GraphStore):
    """Graph store in Neo4j 5 (or any Bolt server speaking its Cypher, such as ArcadeDB).

    Parameters
    ----------
    driver : neo4j.Driver
        An open driver, injected.  The store never closes it unless ``owns_driver``.
    database : str
        The database every session uses.
    owns_driver : bool
        Close ``driver`` in :meth:`close` (set by :func:`graph.connect.open_store`,
        which builds the driver itself).
    batch_size : int
        Rows per ``UNWIND $rows`` statement (5,000–10,000 suit Neo4j).
    """

    def __init__(
        self, driver: Any, database: str = "neo4j", owns_driver: bool = False, batch_size: int = 5000
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive number of rows, got {batch_size!r}")
        self._driver = driver
        self.database = database
        self.owns_driver = owns_driver
        self.batch_size = batch_size
        self._schema_ready = False
        self._loading = threading.local()  # per thread: inside a transaction() block

    # ---- plumbing ----------------------------------------------------------------------
    @property
    def uri(self) -> str:
        """The server's address as a URI (for messages)."""
        scheme = "neo4j" if isinstance(self._driver, neo4j.Neo4jDriver) else "bolt"
        if getattr(self._driver, "encrypted", False):
            scheme += "+s"
        return f"{scheme}://{getattr(self._driver, 'address', '?')}"

    @property
    def description(self) -> str:
        return f"Neo4j {self.uri} database {self.database!r}"

    @contextlib.contextmanager
    def _connection_errors(self) -> Iterator[None]:
        try:
            yield
        except AuthError as exc:
            raise StoreConnectionError(
                f"Neo4j at {self.uri} refused the credentials: {_first_line(exc)}; check NEO4J_USER / NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreConnectionError(
                f"cannot reach Neo4j at {self.uri} (database {self.database!r}): {_first_line(exc)}"
            ) from None

    def _write(self, work: Callable[[Any], Any]) -> Any:
        with self._connection_errors(), self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def _read(self, query: str, **params: Any) -> list[list[Any]]:
        def work(tx: Any) -> list[list[Any]]:
            return [record.values() for record in tx.run(query, params)]

        with self._connection_errors(), self._driver.session(database=self.database) as session:
            return session.execute_read(work)

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._connection_errors():
            self._driver.execute_query(_CONSTRAINT, database_=self.database)
        self._schema_ready = True

    def _kinds_of(self, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(ids, self.batch_size):
            for node_id, labels in self._read(_KINDS_OF, ids=chunk):
                kind = _kind_of(labels)
                if kind is not None:
                    found[node_id] = kind
        return found

    # ---- marked loads --------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, label: str = "") -> Iterator[Neo4jStore]:
        """A marked, resumable load: the mark is removed when the block ends without an exception.

        A nested block joins the outer one.  Running a load with the same ``label`` to its end also
        removes the marks its interrupted runs left.
        """
        if getattr(self._loading, "active", False):
            yield self
            return
        self._ensure_schema()
        mark_id = uuid.uuid4().hex
        started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self._write(lambda tx: tx.run(_MARK_LOAD, id=mark_id, label=label, started=started).consume())
        self._loading.active = True
        try:
            yield self
        finally:
            self._loading.active = False
        self._write(lambda tx: tx.run(_UNMARK_LOAD, id=mark_id, label=label).consume())

    def incomplete_loads(self) -> list[dict[str, Any]]:
        return [{"label": label, "started": started} for label, started in self._read(_INCOMPLETE_LOADS)]

    # ---- writes ------------------------------------------------------------------------
    def upsert_nodes(self, kind: str, rows: Any) -> int:
        check_kind(kind)
        prepared = self._prepare_nodes(kind, rows)
        if not prepared:
            return 0
        self._ensure_schema()
        query = _MERGE_NODES[kind]
        batches = [[{"id": i, "props": p} for i, p in chunk] for chunk in _chunks(prepared, self.batch_size)]

        def work(tx: Any) -> None:
            for batch in batches:
                if tx.run(query, rows=batch).single(strict=True)["clashes"]:
                    raise _IncompleteWrite("an id belongs to another kind")

        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                self._write(work)
                return len(prepared)
            except (ConstraintError, _IncompleteWrite) as exc:
                # Rolled back.  Either an id already used by another kind (a real error),
                # or another writer created one of these ids meanwhile: look, then retry.
                existing = self._kinds_of([node_id for node_id, _ in prepared])
                clashes = [f"{i!r} is a {k}" for i, k in existing.items() if k != kind]
                if clashes:
                    raise SchemaError(
                        f"cannot store {kind} nodes whose ids belong to other kinds: {', '.join(clashes[:5])}; "
                        "nothing was written"
                    ) from None
                if attempt == _CONFLICT_RETRIES:
                    raise SchemaError(
                        f"{kind}: the server kept rejecting the write ({_first_line(exc)}); nothing was written. "
                        "Another process may be writing the same ids: try again."
                    ) from None
                time.sleep(0.05 * 2**attempt * (1 + random.random()))
        raise AssertionError("unreachable")  # pragma: no cover

    def upsert_relationships(self, type: str, rows: Any) -> int:
        check_type(type)
        prepared = self._prepare_relationships(type, rows)
        if not prepared:
            return 0
        self._ensure_schema()
        query = _MERGE_RELATIONSHIPS[type]
        batches = [
            [{"source": s, "target": t, "key": k, "props": p} for s, t, k, p in chunk]
            for chunk in _chunks(prepared, self.batch_size)
        ]

        def work(tx: Any) -> None:
            for batch in batches:
                written = tx.run(query, rows=batch).single(strict=True)["written"]
                if written != len(batch):
                    raise _IncompleteWrite(written)

        try:
            self._write(work)
        except _IncompleteWrite:
            # Rolled back.  Find out which endpoints are missing or of the wrong kind.
            endpoints = sorted({s for s, *_ in prepared} | {t for _, t, *_ in prepared})
            self._check_endpoints(type, prepared, self._kinds_of(endpoints))
            raise SchemaError(  # endpoints fine now: another process changed them meanwhile
                f"{type}: some endpoints changed while writing; nothing was written. Try again."
            ) from None
        return len(prepared)

    def delete_nodes(self, ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(str(i) for i in ids))
        if not ids:
            return 0
        query = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) DETACH DELETE n RETURN count(*) AS deleted"

        def work(tx: Any) -> int:
            return sum(tx.run(query, ids=chunk).single(strict=True)["deleted"] for chunk in _chunks(ids, self.batch_size))

        return int(self._write(work))

    def delete_relationships(self, type: str, rows: Iterable[tuple[str, str, str]]) -> int:
        check_type(type)
        triples = [{"source": str(s), "target": str(t), "key": str(k or "")} for s, t, k in rows]
        if not triples:
            return 0
        query = (f"UNWIND $rows AS row MATCH (:{ENTITY} {{id: row.source}})-[r:{type} {{key: row.key}}]->"
                 f"(:{ENTITY} {{id: row.target}}) DELETE r RETURN count(r) AS deleted")

        def work(tx: Any) -> int:
            return sum(tx.run(query, rows=chunk).single(strict=True)["deleted"]
                       for chunk in _chunks(triples, self.batch_size))

        return int(self._write(work))

    def clear(self) -> None:
        query = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"

        def work(tx: Any) -> int:
            return tx.run(query, limit=_CLEAR_BATCH).single(strict=True)["deleted"]

        while self._write(work):
            pass

    # ---- reads -------------------------------------------------------------------------
    def nodes(self, kind: str | None = None, ids: Iterable[str] | None = None) -> pd.DataFrame:
        label = ENTITY if kind is None else f"{check_kind(kind).name}:{ENTITY}"
        if ids is None:
            rows = self._read(f"MATCH (n:{label}) {_NODE_RETURN}")
        else:
            wanted = list(dict.fromkeys(str(i) for i in ids))
            # Look ids up through the Entity index; the kind is a filter (ArcadeDB scans
            # when a two-label pattern carries the id).
            where = "" if kind is None else f"WHERE n:{kind} "
            query = f"UNWIND $ids AS id MATCH (n:{ENTITY} {{id: id}}) {where}{_NODE_RETURN}"
            rows = [row for chunk in _chunks(wanted, self.batch_size) for row in self._read(query, ids=chunk)]
        return nodes_frame((node_id, _kind_of(labels), _node_props(props)) for node_id, labels, props in rows)

    def relationships(self, type: str | None = None) -> pd.DataFrame:
        pattern = "r" if type is None else f"r:{check_type(type).name}"
        rows = self._read(f"MATCH (a:{ENTITY})-[{pattern}]->(b:{ENTITY}) {_REL_RETURN}")
        return relationships_frame((s, t, ty, *_split_key(props)) for s, t, ty, props in rows)

    def neighbours(self, node_id: str, type: str | None = None) -> pd.DataFrame:
        pattern = "r" if type is None else f"r:{check_type(type).name}"
        if not self._read(f"MATCH (n:{ENTITY} {{id: $id}}) RETURN n.id", id=node_id):
            raise NotFoundError(f"no node with id {node_id!r}")
        records = []
        for arrow, direction in ((f"-[{pattern}]->", "out"), (f"<-[{pattern}]-", "in")):
            query = (
                f"MATCH (n:{ENTITY} {{id: $id}}){arrow}(m:{ENTITY}) "
                "RETURN m.id AS id, labels(m) AS labels, m.name AS name, type(r) AS type, properties(r) AS props"
            )
            for other, labels, name, rel_type, props in self._read(query, id=node_id):
                key, rest = _split_key(props)
                records.append(
                    {"id": other, "kind": _kind_of(labels), "name": name, "type": rel_type,
                     "direction": direction, "key": key, **rest}
                )
        return neighbours_frame(records)

    def counts(self) -> dict[str, dict[str, int]]:
        nodes: dict[str, int] = {}
        for labels, n in self._read(f"MATCH (n:{ENTITY}) RETURN labels(n) AS labels, count(*) AS n"):
            kind = _kind_of(labels)
            if kind is not None:
                nodes[kind] = nodes.get(kind, 0) + int(n)
        rels = self._read(f"MATCH (:{ENTITY})-[r]->(:{ENTITY}) RETURN type(r) AS type, count(*) AS n")
        return {
            "nodes": dict(sorted(nodes.items())),
            "relationships": {t: int(n) for t, n in sorted(rels)},
        }

    def ping(self) -> None:
        try:
            self._driver.verify_connectivity()
            records, _, _ = self._driver.execute_query("RETURN 1 AS one", database_=self.database)
            if not records or records[0]["one"] != 1:
                raise StoreConnectionError(f"Neo4j at {self.uri} answered RETURN 1 with {records!r}")
        except StoreConnectionError:
            raise
        except Exception as exc:
            raise StoreConnectionError(
                f"cannot use Neo4j at {self.uri} (database {self.database!r}): {_first_line(exc)}"
            ) from None

    def close(self) -> None:
        if self.owns_driver:
            self._driver.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
