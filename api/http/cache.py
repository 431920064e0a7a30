"""The API's cache: results reused across requests until the store changes (by anyone) or a TTL passes.

>>> cache = AppCache(ttl=60)
>>> cache.get("answer", lambda: 42)
42
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from graph.errors import InnonetError
from graph.store import GraphStore

__all__ = ["AppCache", "StoreWatcher"]

T = TypeVar("T")


class StoreWatcher:
    """Notices that the store changed since the last look, at most every ``interval`` s.

    Parameters
    ----------
    store : GraphStore
    interval : float
        Seconds between two looks; between them :meth:`changed` costs one clock read.

    Examples
    --------
    >>> from graph.sqlite_store import SQLiteStore
    >>> store = SQLiteStore(":memory:")
    >>> watcher = StoreWatcher(store, interval=0)
    >>> watcher.changed()
    False
    >>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    >>> watcher.changed(), watcher.changed()
    (True, False)
    """

    def __init__(self, store: GraphStore, interval: float = 1.0) -> None:
        self.interval = interval
        self._store = store
        self._looking = threading.Lock()
        self._seen: Any = None
        self.rebaseline()
        self._next_look = time.monotonic() + interval

    def changed(self) -> bool:
        """True once after each change of the store (False while another thread is looking)."""
        now = time.monotonic()
        if now < self._next_look or not self._looking.acquire(blocking=False):
            return False
        try:
            self._next_look = now + self.interval
            try:
                current = self._store.data_version()
            except (sqlite3.Error, InnonetError):  # store closing or unreachable: the routes will say so
                return False
            if current == self._seen:
                return False
            self._seen = current
            return True
        finally:
            self._looking.release()

    def rebaseline(self) -> None:
        """Take the store as it is now as seen (after an invalidation by the API itself)."""
        with self._looking:
            try:
                self._seen = self._store.data_version()
            except (sqlite3.Error, InnonetError):
                pass

    def close(self) -> None:
        """Stop watching (the store stays open: it belongs to the app)."""


class AppCache:
    """Results reused across requests: one value per key, rebuilt after ``ttl`` seconds, an invalidation,
    or a change of the store made by anyone (when a :class:`StoreWatcher` is attached with :meth:`watch`).

    Building is done under a per-key lock so concurrent first requests build once.

    Parameters
    ----------
    ttl : float
        Seconds a value is reused; ingest and delete through the API call :meth:`invalidate`.

    Examples
    --------
    >>> cache = AppCache(ttl=60)
    >>> cache.get("answer", lambda: 42), cache.get("answer", lambda: 0)
    (42, 42)
    >>> cache.invalidate(); cache.get("answer", lambda: 7)
    7
    >>> from graph.sqlite_store import SQLiteStore
    >>> store = SQLiteStore(":memory:")
    >>> cache.watch(store, interval=0)
    >>> _ = store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    >>> cache.get("answer", lambda: 8)
    8
    """

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self.generation = 0
        self.watcher: StoreWatcher | None = None
        self._entries: dict[Any, tuple[float, int, float, Any]] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()

    def watch(self, store: GraphStore | None, interval: float = 1.0) -> None:
        """Invalidate whenever ``store`` changes, looking at most every ``interval`` s (None: stop watching)."""
        if self.watcher is not None:
            self.watcher.close()
        self.watcher = None if store is None else StoreWatcher(store, interval=interval)

    def peek(self, key: Any) -> Any | None:
        """The cached value of ``key`` if it is fresh, else None (never builds)."""
        watcher = self.watcher
        if watcher is not None and watcher.changed():
            self._forget()
        entry = self._entries.get(key)
        if entry is None:
            return None
        built_at, generation, ttl, value = entry
        if generation != self.generation or time.monotonic() - built_at > ttl:
            return None
        return value

    def get(self, key: Any, build: Callable[[], T], ttl: float | None = None) -> T:
        """The value of ``key``, building it with ``build()`` when missing or stale.

        ``ttl`` overrides the cache's for this entry (``math.inf``: only an invalidation rebuilds it).
        """
        value = self.peek(key)
        if value is not None:
            return value
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            value = self.peek(key)
            if value is not None:
                return value
            generation = self.generation
            value = build()
            self._entries[key] = (time.monotonic(), generation, self.ttl if ttl is None else ttl, value)
            return value

    def _forget(self) -> None:
        with self._guard:
            self.generation += 1
            self._entries.clear()

    def invalidate(self) -> None:
        """Forget everything (the store changed)."""
        self._forget()
        if self.watcher is not None:
            self.watcher.rebaseline()
