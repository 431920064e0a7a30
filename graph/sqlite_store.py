"""The embedded default store: one SQLite file in WAL mode, no server.

Properties are kept as JSON objects (merged on upsert with ``json_patch``), so
every type the schema allows round-trips exactly.  One writer and several
reader processes may use the same file at once.

Writes go through one connection; reads from other threads use connections of their own (a small
pool), so in WAL mode they keep answering from the last committed state while a long
:meth:`SQLiteStore.transaction` (an ingest of a large file) writes.  A transaction is one
``BEGIN IMMEDIATE … COMMIT``: the calls inside it are savepoints, and a killed process leaves the file
as it was before ``BEGIN``.

>>> store = SQLiteStore(":memory:")
>>> store.upsert_nodes("Enterprise", [{"id": "e1", "name": "宜兴甲科技有限公司", "employees": 12}])
1
>>> store.nodes().loc[0, "name"]
'宜兴甲科技有限公司'
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from graph.errors import NotFoundError, SchemaError, StoreConnectionError
from graph.schema import check_kind, check_type
from graph.store import GraphStore, neighbours_frame, nodes_frame, relationships_frame

__all__ = ["SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    id    TEXT PRIMARY KEY,
    kind  TEXT NOT NULL,
    props TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind);
CREATE TABLE IF NOT EXISTS relationships (
    source TEXT NOT NULL,
    type   TEXT NOT NULL,
    target TEXT NOT NULL,
    key    TEXT NOT NULL DEFAULT '',
    props  TEXT NOT NULL,
    PRIMARY KEY (source, type, target, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS relationships_target ON relationships(target, type);
CREATE INDEX IF NOT EXISTS relationships_type ON relationships(type);
"""

_IN_CHUNK = 500
_READERS = 4  # pooled read connections kept open (more are opened, then closed, under a burst)


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))  # one, not one per row


def _dumps(props: dict[str, Any]) -> str:
    return _ENCODER.encode(props)


class SQLiteStore(GraphStore):
    """Graph store in one SQLite file.

    Parameters
    ----------
    path : str or os.PathLike
        The database file (created if missing), or ``":memory:"``.
    timeout : float
        Seconds to wait for another process's write lock.
    """

    atomic_transactions = True

    def __init__(self, path: str | os.PathLike[str] = "innonet.db", timeout: float = 30.0) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, check_same_thread=False, isolation_level=None
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: big loads stay in memory
            self._conn.execute("PRAGMA foreign_keys=OFF")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreConnectionError(f"cannot open SQLite store {self.path!r}: {exc}") from None
        self._lock = threading.RLock()
        self._depth = 0  # nesting of _write / transaction on the write connection (under _lock)
        self._owner: int | None = None  # thread that holds the write connection's open transaction
        self._probe: sqlite3.Connection | None = None
        self._probe_lock = threading.Lock()
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._closed = False

    @property
    def _in_memory(self) -> bool:
        return self.path in ("", ":memory:") or self.path.startswith("file::memory:") or "mode=memory" in self.path

    # ---- plumbing ----------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """The write connection inside a transaction: ``BEGIN IMMEDIATE`` at the outermost level, a
        savepoint inside :meth:`transaction` (so each call still writes all its rows or none)."""
        with self._lock:
            outer = self._depth == 0
            self._conn.execute("BEGIN IMMEDIATE" if outer else "SAVEPOINT innonet_call")
            self._depth += 1
            self._owner = threading.get_ident()
            try:
                yield self._conn
            except BaseException:
                if outer:
                    self._conn.execute("ROLLBACK")
                else:
                    self._conn.execute("ROLLBACK TO innonet_call")
                    self._conn.execute("RELEASE innonet_call")
                raise
            else:
                self._conn.execute("COMMIT" if outer else "RELEASE innonet_call")
            finally:
                self._depth -= 1
                if outer:
                    self._owner = None

    @contextmanager
    def transaction(self, label: str = "") -> Iterator[SQLiteStore]:
        """One ``BEGIN IMMEDIATE … COMMIT`` around every write in the block (nested blocks join it).

        Other threads and processes read the state before the block until it commits; this thread reads
        its own writes.  An exception rolls everything back; a killed process leaves the file as before.
        """
        with self._write():
            yield self

    def _reader(self) -> sqlite3.Connection:
        try:
            return self._readers.get_nowait()
        except queue.Empty:
            pass
        conn = sqlite3.connect(self.path, timeout=self.timeout, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA query_only=1")
        conn.execute("PRAGMA cache_size=-16384")
        return conn

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        if self._in_memory or self._owner == threading.get_ident() or self._closed:
            with self._lock:  # one connection only, or this thread's own open transaction: read its writes
                return self._conn.execute(sql, tuple(params)).fetchall()
        conn = self._reader()
        try:
            return conn.execute(sql, tuple(params)).fetchall()
        finally:
            if self._closed or self._readers.qsize() >= _READERS:
                conn.close()
            else:
                self._readers.put(conn)

    def _kinds_of(self, conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(conn.execute(f"SELECT id, kind FROM nodes WHERE id IN ({marks})", chunk))
        return found

    @property
    def description(self) -> str:
        return f"SQLite {self.path}"

    # ---- writes ------------------------------------------------------------------------
    def upsert_nodes(self, kind: str, rows: Any) -> int:
        check_kind(kind)
        prepared = self._prepare_nodes(kind, rows)
        if not prepared:
            return 0
        with self._write() as conn:
            existing = self._kinds_of(conn, [node_id for node_id, _ in prepared])
            clashes = [f"{i!r} is a {k}" for i, k in existing.items() if k != kind]
            if clashes:
                raise SchemaError(
                    f"cannot store {kind} nodes whose ids belong to other kinds: {', '.join(clashes[:5])}; "
                    "nothing was written"
                )
            for start in range(0, len(prepared), self.batch_size):
                batch = prepared[start : start + self.batch_size]
                conn.executemany(
                    "INSERT INTO nodes (id, kind, props) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET props = json_patch(nodes.props, excluded.props)",
                    [(node_id, kind, _dumps(props)) for node_id, props in batch],
                )
        return len(prepared)

    def upsert_relationships(self, type: str, rows: Any) -> int:
        check_type(type)
        prepared = self._prepare_relationships(type, rows)
        if not prepared:
            return 0
        with self._write() as conn:
            endpoints = sorted({s for s, *_ in prepared} | {t for _, t, *_ in prepared})
            self._check_endpoints(type, prepared, self._kinds_of(conn, endpoints))
            prepared.sort(key=lambda row: (row[0], row[1], row[2]))  # primary-key order: cheaper B-tree inserts
            for start in range(0, len(prepared), self.batch_size):
                batch = prepared[start : start + self.batch_size]
                conn.executemany(
                    "INSERT INTO relationships (source, type, target, key, props) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(source, type, target, key) "
                    "DO UPDATE SET props = json_patch(relationships.props, excluded.props)",
                    [(s, type, t, k, _dumps(p)) for s, t, k, p in batch],
                )
        return len(prepared)

    def delete_nodes(self, ids: Iterable[str]) -> int:
        ids = [str(i) for i in ids]
        deleted = 0
        with self._write() as conn:
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM relationships WHERE source IN ({marks})", chunk)
                conn.execute(f"DELETE FROM relationships WHERE target IN ({marks})", chunk)
                deleted += conn.execute(f"DELETE FROM nodes WHERE id IN ({marks})", chunk).rowcount
        return deleted

    def delete_relationships(self, type: str, rows: Iterable[tuple[str, str, str]]) -> int:
        check_type(type)
        triples = [(str(s), type, str(t), str(k or "")) for s, t, k in rows]
        deleted = 0
        with self._write() as conn:
            for triple in triples:
                deleted += conn.execute(
                    "DELETE FROM relationships WHERE source = ? AND type = ? AND target = ? AND key = ?", triple
                ).rowcount
        return deleted

    def clear(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM relationships")
            conn.execute("DELETE FROM nodes")

    # ---- reads -------------------------------------------------------------------------
    def nodes(self, kind: str | None = None, ids: Iterable[str] | None = None) -> pd.DataFrame:
        where, params = [], []
        if kind is not None:
            check_kind(kind)
            where.append("kind = ?")
            params.append(kind)
        if ids is not None:
            ids = list(dict.fromkeys(str(i) for i in ids))  # a repeated id is returned once
            rows: list[tuple[Any, ...]] = []
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                clause = " AND ".join([*where, f"id IN ({','.join('?' * len(chunk))})"])
                rows += self._read(f"SELECT id, kind, props FROM nodes WHERE {clause}", [*params, *chunk])
        else:
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            rows = self._read(f"SELECT id, kind, props FROM nodes{clause}", params)
        return nodes_frame((i, k, json.loads(p)) for i, k, p in rows)

    def relationships(self, type: str | None = None) -> pd.DataFrame:
        if type is None:
            rows = self._read("SELECT source, target, type, key, props FROM relationships")
        else:
            check_type(type)
            rows = self._read(
                "SELECT source, target, type, key, props FROM relationships WHERE type = ?", [type]
            )
        return relationships_frame((s, t, ty, k, json.loads(p)) for s, t, ty, k, p in rows)

    def neighbours(self, node_id: str, type: str | None = None) -> pd.DataFrame:
        if not self._read("SELECT 1 FROM nodes WHERE id = ?", [node_id]):
            raise NotFoundError(f"no node with id {node_id!r}")
        type_clause, params = "", [node_id]
        if type is not None:
            check_type(type)
            type_clause = " AND r.type = ?"
            params.append(type)
        records = []
        for other_side, this_side, direction in (("target", "source", "out"), ("source", "target", "in")):
            sql = (
                f"SELECT n.id, n.kind, json_extract(n.props, '$.name'), r.type, r.key, r.props "
                f"FROM relationships r JOIN nodes n ON n.id = r.{other_side} "
                f"WHERE r.{this_side} = ?{type_clause}"
            )
            for nid, kind, name, rtype, key, props in self._read(sql, params):
                records.append(
                    {"id": nid, "kind": kind, "name": name, "type": rtype, "direction": direction,
                     "key": key, **json.loads(props)}
                )
        return neighbours_frame(records)

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = dict(self._read("SELECT kind, COUNT(*) FROM nodes GROUP BY kind ORDER BY kind"))
        rels = dict(self._read("SELECT type, COUNT(*) FROM relationships GROUP BY type ORDER BY type"))
        return {"nodes": nodes, "relationships": rels}

    def ping(self) -> None:
        try:
            self._read("SELECT 1")
        except sqlite3.Error as exc:
            raise StoreConnectionError(f"SQLite store {self.path!r} is not usable: {exc}") from None

    def data_version(self) -> object:
        """``PRAGMA data_version`` of a probe connection: changes with every commit by any connection.

        The probe is a connection of its own, so it sees the commits of the store's write connection as
        well as those of other processes, and nothing of a transaction still open (readers do not see that
        either).  An in-memory database has one connection: ``(0, total_changes)`` instead.  A few
        microseconds; no lock shared with queries.

        >>> store = SQLiteStore(":memory:")
        >>> before = store.data_version()
        >>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
        >>> store.data_version() != before
        True
        """
        if self._in_memory:
            return (0, self._conn.total_changes)
        with self._probe_lock:
            if self._probe is None:
                self._probe = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            # the write connection's own commits also change the probe's data_version, so total_changes
            # (which moves inside an uncommitted transaction too) is not needed: a reader sees only commits
            return self._probe.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self._closed = True
        with self._probe_lock:
            if self._probe is not None:
                self._probe.close()
                self._probe = None
        while True:
            try:
                self._readers.get_nowait().close()
            except queue.Empty:
                break
        with self._lock:
            self._conn.close()
