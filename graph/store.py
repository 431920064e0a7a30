"""The store interface shared by the SQLite and Neo4j implementations.

A store holds nodes (``id``, ``kind``, properties) and relationships
(``source``, ``type``, ``target``, ``key``, properties).  A relationship is
identified by ``(source, type, target, key)``; ``key`` defaults to ``""`` and
lets two relationships of one type join the same pair (e.g. one
``REACHED_TIER`` per year).

Upserts merge: properties given overwrite, properties not given (or given as
missing: ``None``, ``NaN``) keep their stored value.  The same rows twice give
the same store.  Kinds, types and property types are checked against
:mod:`graph.schema` before anything is written, and a call writes all of its
rows or none.

Several calls are grouped with ``with store.transaction(label): ...`` (an ingest groups the writes of
its files so).  On a store whose :attr:`GraphStore.atomic_transactions` is true (SQLite) the group is one
transaction: a failure or a killed process leaves the store exactly as before.  Otherwise (Neo4j) the
group is marked as a load in progress while it runs; a failure leaves the mark, which
:meth:`GraphStore.incomplete_loads` lists, and because every write is an idempotent merge, running the
same load again completes it and removes the mark.
"""

from __future__ import annotations

import abc
import contextlib
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a frame is built, so `innonet stats` starts fast
    import pandas as pd

from graph.errors import SchemaError
from graph.schema import check_kind, check_type, clean_properties

__all__ = ["GraphStore", "NodeRow", "RelationshipRow", "neighbours_frame", "nodes_frame", "relationships_frame"]

NodeRow = tuple[str, dict[str, Any]]
RelationshipRow = tuple[str, str, str, dict[str, Any]]

NODE_COLUMNS = ["id", "kind"]
RELATIONSHIP_COLUMNS = ["source", "target", "type", "key"]
NEIGHBOUR_COLUMNS = ["id", "kind", "name", "type", "direction", "key"]


def _records(rows: Any) -> Iterable[Mapping[str, Any]]:
    pandas = sys.modules.get("pandas")  # a DataFrame exists only if pandas was imported
    if pandas is not None and isinstance(rows, pandas.DataFrame):
        return rows.to_dict(orient="records")
    if isinstance(rows, Mapping):
        raise SchemaError("rows must be a DataFrame or an iterable of dicts, not a single dict")
    return rows


def _id(value: Any, where: str, field: str) -> str:
    if type(value) is str and value and not value.isspace():  # the common case, first
        return value
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, bool) or value is None or (isinstance(value, float) and value != value):
        raise SchemaError(f"{where}: {field!r} is missing")
    if isinstance(value, (int, float)):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(f"{where}: {field!r} must be a non-empty string, got {value!r}")
    return value


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and value != value)


def _ordered_columns(fixed: list[str], props: Iterable[str]) -> list[str]:
    rest = sorted(set(props) - set(fixed))
    if "name" in rest and "name" not in fixed:
        rest.remove("name")
        rest.insert(0, "name")
    return fixed + rest


def nodes_frame(rows: Iterable[tuple[str, str, dict[str, Any]]]) -> pd.DataFrame:
    """Build the ``nodes()`` frame from ``(id, kind, props)`` tuples (object dtype, None = missing)."""
    records = [{"id": i, "kind": k, **p} for i, k, p in rows]
    records.sort(key=lambda r: r["id"])
    columns = _ordered_columns(NODE_COLUMNS, (c for r in records for c in r))
    return _frame(records, columns)


def relationships_frame(rows: Iterable[tuple[str, str, str, str, dict[str, Any]]]) -> pd.DataFrame:
    """Build the ``relationships()`` frame from ``(source, target, type, key, props)`` tuples."""
    records = [{"source": s, "target": t, "type": ty, "key": k, **p} for s, t, ty, k, p in rows]
    records.sort(key=lambda r: (r["source"], r["type"], r["target"], r["key"]))
    columns = _ordered_columns(RELATIONSHIP_COLUMNS, (c for r in records for c in r))
    return _frame(records, columns)


def neighbours_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the ``neighbours()`` frame: id, kind, name, type, direction, key, relationship properties."""
    records.sort(key=lambda r: (r["type"], r["direction"], r["id"], r["key"]))
    columns = NEIGHBOUR_COLUMNS + sorted({c for r in records for c in r} - set(NEIGHBOUR_COLUMNS))
    return _frame(records, columns)


def _frame(records: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    data = {c: [r.get(c) for r in records] for c in columns}
    return pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.items()}, columns=columns)


class GraphStore(abc.ABC):
    """What every store does.  See :class:`graph.SQLiteStore` and :class:`graph.Neo4jStore`.

    Frames returned use object columns with Python values (``int`` stays
    ``int``, lists stay lists) and ``None`` where a record has no value.
    """

    #: Rows sent to the backend per batch.
    batch_size: int = 5000

    # ---- validation shared by the implementations -------------------------------------
    def _prepare_nodes(self, kind: str, rows: Any) -> list[NodeRow]:
        spec = check_kind(kind).properties
        merged: dict[str, dict[str, Any]] = {}
        for number, row in enumerate(_records(rows), start=1):
            where = f"{kind} row {number}"
            if not isinstance(row, Mapping):
                raise SchemaError(f"{where}: expected a dict, got {type(row).__name__}")
            row = dict(row)
            node_id = _id(row.pop("id", None), where, "id")
            row.pop("kind", None)
            props = clean_properties(spec, row, f"{where} (id {node_id!r})")
            merged.setdefault(node_id, {}).update(props)
        return list(merged.items())

    def _prepare_relationships(self, type_: str, rows: Any) -> list[RelationshipRow]:
        spec = check_type(type_).properties
        merged: dict[tuple[str, str, str], dict[str, Any]] = {}
        for number, row in enumerate(_records(rows), start=1):
            where = f"{type_} row {number}"
            if not isinstance(row, Mapping):
                raise SchemaError(f"{where}: expected a dict, got {type(row).__name__}")
            row = dict(row)
            source = _id(row.pop("source", None), where, "source")
            target = _id(row.pop("target", None), where, "target")
            key = row.pop("key", "")
            key = "" if key is None or key == "" or (isinstance(key, float) and key != key) else _id(key, where, "key")
            row.pop("type", None)
            props = clean_properties(spec, row, f"{where} ({source!r}->{target!r})")
            merged.setdefault((source, target, key), {}).update(props)
        return [(s, t, k, p) for (s, t, k), p in merged.items()]

    @staticmethod
    def _check_endpoints(
        type_: str, rows: list[RelationshipRow], kinds_by_id: Mapping[str, str]
    ) -> None:
        """Raise SchemaError when an endpoint is missing or of a kind the type does not join."""
        spec = check_type(type_)
        problems = []
        for source, target, _key, _props in rows:
            for node_id, allowed, side in ((source, spec.sources, "source"), (target, spec.targets, "target")):
                kind = kinds_by_id.get(node_id)
                if kind is None:
                    problems.append(f"{side} {node_id!r} does not exist")
                elif kind not in allowed:
                    problems.append(f"{side} {node_id!r} is a {kind}; {type_} needs {'/'.join(allowed)}")
            if len(problems) >= 5:
                break
        if problems:
            raise SchemaError(
                f"{type_}: {'; '.join(problems[:5])}. Load the nodes first; nothing was written."
            )

    # ---- the interface ------------------------------------------------------------------
    @abc.abstractmethod
    def upsert_nodes(self, kind: str, rows: Any) -> int:
        """Create or update nodes of ``kind``; ``rows`` is a DataFrame or iterable of dicts with ``id``.

        Returns the number of distinct ids written.
        """

    @abc.abstractmethod
    def upsert_relationships(self, type: str, rows: Any) -> int:
        """Create or update relationships; rows carry ``source``, ``target``, optional ``key``, properties.

        Returns the number of distinct relationships written.
        """

    @abc.abstractmethod
    def nodes(self, kind: str | None = None, ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Nodes as a DataFrame: ``id``, ``kind``, ``name``, then the other properties, sorted by id."""

    @abc.abstractmethod
    def relationships(self, type: str | None = None) -> pd.DataFrame:
        """Relationships: ``source``, ``target``, ``type``, ``key``, then properties."""

    @abc.abstractmethod
    def neighbours(self, node_id: str, type: str | None = None) -> pd.DataFrame:
        """Neighbours of ``node_id``: ``id, kind, name, type, direction`` ("out"/"in"), ``key``,
        then the relationship's properties.  Raises :class:`graph.errors.NotFoundError` for an unknown id."""

    @abc.abstractmethod
    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {kind: n}, "relationships": {type: n}}`` (kinds and types with n > 0)."""

    @abc.abstractmethod
    def delete_nodes(self, ids: Iterable[str]) -> int:
        """Delete nodes and their relationships; returns the number of nodes deleted."""

    @abc.abstractmethod
    def delete_relationships(self, type: str, rows: Iterable[tuple[str, str, str]]) -> int:
        """Delete relationships of ``type`` given as ``(source, target, key)``; the nodes stay.

        Returns the number deleted (a row naming no relationship deletes nothing).  Raises
        :class:`graph.errors.SchemaError` for an unknown type.
        """

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete everything."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise :class:`graph.errors.StoreConnectionError` if the store is unreachable."""

    def data_version(self) -> object:
        """A cheap value that changes whenever the store's data changes, also through other processes.

        Caches compare it to decide whether to rebuild.  This default returns the :meth:`counts` (one
        query); it misses a change that only edits properties, so callers keep a time-to-live as well.
        Stores that can do better override it (:class:`graph.SQLiteStore`: ``PRAGMA data_version``).
        """
        counts = self.counts()
        return tuple(sorted(counts["nodes"].items())), tuple(sorted(counts["relationships"].items()))

    #: Whether :meth:`transaction` is all-or-nothing (True) or a marked, resumable group of writes (False).
    atomic_transactions: bool = False

    @contextlib.contextmanager
    def transaction(self, label: str = "") -> Iterator[GraphStore]:
        """Group the writes made inside the block: all or nothing, or a marked resumable load.

        Parameters
        ----------
        label : str
            What is being loaded (file names), kept in the mark of a store that is not atomic.

        Examples
        --------
        >>> from graph.sqlite_store import SQLiteStore
        >>> store = SQLiteStore(":memory:")
        >>> try:
        ...     with store.transaction("firms.csv"):
        ...         _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
        ...         raise KeyboardInterrupt
        ... except KeyboardInterrupt:
        ...     pass
        >>> store.counts()["nodes"], store.incomplete_loads()
        ({}, [])
        """
        yield self

    def incomplete_loads(self) -> list[dict[str, Any]]:
        """Marks of :meth:`transaction` blocks that did not finish (``label``, ``started``); [] when atomic."""
        return []

    def rename_nodes(self, new_ids: Mapping[str, str]) -> int:
        """Give nodes new ids, keeping their kind, properties and relationships (one :meth:`transaction`).

        Ids not in the store are skipped; returns the number of nodes renamed.

        >>> from graph.sqlite_store import SQLiteStore
        >>> store = SQLiteStore(":memory:")
        >>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
        >>> _ = store.upsert_nodes("Talent", [{"id": "t-old", "name": "王小明"}])
        >>> _ = store.upsert_relationships("EMPLOYS", [{"source": "u1", "target": "t-old"}])
        >>> store.rename_nodes({"t-old": "t-new"})
        1
        >>> store.relationships()[["source", "target"]].values.tolist()
        [['u1', 't-new']]
        """
        new_ids = {str(old): str(new) for old, new in new_ids.items() if old != new}
        if not new_ids:
            return 0
        with self.transaction("rename nodes"):
            old_nodes = self.nodes(ids=list(new_ids))
            if old_nodes.empty:
                return 0
            kinds = set(old_nodes["kind"])
            for kind in sorted(kinds):
                rows = []
                for record in old_nodes[old_nodes["kind"] == kind].to_dict(orient="records"):
                    props = {k: v for k, v in record.items() if k not in ("id", "kind") and _present(v)}
                    rows.append({"id": new_ids[record["id"]], **props})
                self.upsert_nodes(kind, rows)
            from graph.schema import RELATIONSHIP_TYPES

            for type_, spec in RELATIONSHIP_TYPES.items():
                if not kinds & (set(spec.sources) | set(spec.targets)):
                    continue
                rels = self.relationships(type_)
                if rels.empty:
                    continue
                touched = rels[rels["source"].isin(list(new_ids)) | rels["target"].isin(list(new_ids))]
                moved = []
                for record in touched.to_dict(orient="records"):
                    record.pop("type", None)
                    record["source"] = new_ids.get(record["source"], record["source"])
                    record["target"] = new_ids.get(record["target"], record["target"])
                    moved.append({k: v for k, v in record.items() if _present(v)})
                if moved:
                    self.upsert_relationships(type_, moved)
            self.delete_nodes(list(old_nodes["id"]))
        return len(old_nodes)

    def close(self) -> None:  # pragma: no cover - overridden where there is something to close
        """Release what the store opened itself (never an injected driver)."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def description(self) -> str:
        """Where the data lives, for messages (no password)."""
        return type(self).__name__
