"""The API's cache: results reused across requests; rebuilt in the background when the store changes.

A value is built in the request that first needs it.  After that, a change of the store (by anyone,
noticed by a :class:`StoreWatcher`), an invalidation or the end of its time-to-live makes it *stale*:
requests keep getting the stale value at once while one background thread builds the fresh one, which
is then swapped in (stale-while-revalidate).  So no request waits for a rebuild, and a large ingest by
another process (committed in one transaction) costs the readers nothing but one background rebuild.
Values needed before they exist can be started in the background (:meth:`AppCache.start`) and asked for
without waiting (:meth:`AppCache.get_ready`: :class:`graph.errors.NotFittedError`, a 503 with
``Retry-After``, until the first build is done).

>>> cache = AppCache(ttl=60)
>>> cache.get("answer", lambda: 42)
42
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from graph.errors import InnonetError, NotFittedError
from graph.store import GraphStore

__all__ = ["AppCache", "StoreWatcher"]

T = TypeVar("T")

log = logging.getLogger("innonet.api.cache")


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


@dataclass
class _Entry:
    built_at: float
    generation: int
    ttl: float
    value: Any = None
    error: BaseException | None = None  # a background build that failed: raised to the askers
    build: Callable[[], Any] | None = None  # how to rebuild it when it goes stale
    ttl_arg: float | None = None

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class AppCache:
    """Results reused across requests: one value per key, served stale while it is rebuilt in the background.

    Parameters
    ----------
    ttl : float
        Seconds a value is fresh; after that, and after an invalidation or a change of the store noticed by
        the :class:`StoreWatcher` attached with :meth:`watch`, the next request gets the old value and starts
        a rebuild in the background (one at a time, in one worker thread).

    Examples
    --------
    >>> data = {"answer": 42}
    >>> cache = AppCache(ttl=60)
    >>> cache.get("answer", lambda: data["answer"]), cache.get("answer", lambda: 0)
    (42, 42)
    >>> data["answer"] = 7
    >>> cache.invalidate(); cache.get("answer", lambda: data["answer"])  # the stale value, while 7 is built
    42
    >>> cache.wait_idle(); cache.get("answer", lambda: data["answer"])
    7
    >>> cache.close()
    """

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self.generation = 0
        self.watcher: StoreWatcher | None = None
        self._entries: dict[Any, _Entry] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()
        self._pending: dict[Any, Any] = {}  # key -> future of its background build
        self._warm: dict[Any, tuple[Callable[[], Any], float | None]] = {}  # rebuilt as soon as stale
        self._executor: ThreadPoolExecutor | None = None
        self._building = threading.local()  # depth of builds on this thread: nested gets build fresh
        self._poll_stop: threading.Event | None = None

    # ---- watching the store -------------------------------------------------------------------------
    def watch(self, store: GraphStore | None, interval: float = 1.0, poll: bool = False) -> None:
        """Treat a change of ``store`` as an invalidation, looking at most every ``interval`` s when asked
        for a value; with ``poll``, a daemon thread also looks every ``interval`` s, so values registered
        with :meth:`start` are rebuilt after a change even while no request comes (None: stop watching)."""
        if self._poll_stop is not None:
            self._poll_stop.set()
            self._poll_stop = None
        if self.watcher is not None:
            self.watcher.close()
        self.watcher = None if store is None else StoreWatcher(store, interval=interval)
        if store is not None and poll:
            stop = self._poll_stop = threading.Event()
            thread = threading.Thread(target=self._poll, args=(stop, max(interval, 0.05)),
                                      name="innonet-cache-watch", daemon=True)
            thread.start()

    def _poll(self, stop: threading.Event, interval: float) -> None:
        while not stop.wait(interval):
            try:
                self._look()
            except Exception:  # never let the watching thread die on a store hiccup
                log.exception("looking for changes of the store failed")

    def _look(self) -> None:
        watcher = self.watcher
        if watcher is not None and watcher.changed():
            self._stale()

    def _stale(self) -> None:
        """Everything is stale now: rebuild, in the background, every value that was built (a value nobody
        asks for again is rebuilt once), so the requests after a change find fresh values soon."""
        with self._guard:
            self.generation += 1
            todo = dict(self._warm)
            for key, entry in list(self._entries.items()):
                if entry.build is not None and key not in todo:
                    todo[key] = (entry.build, entry.ttl_arg)
        for key, (build, ttl) in todo.items():
            self._refresh(key, build, ttl)

    # ---- reading -----------------------------------------------------------------------------------
    def _fresh(self, entry: _Entry) -> bool:
        return entry.generation == self.generation and time.monotonic() - entry.built_at <= entry.ttl

    def peek(self, key: Any) -> Any | None:
        """The cached value of ``key`` if it is fresh, else None (never builds)."""
        self._look()
        entry = self._entries.get(key)
        if entry is None or entry.error is not None or not self._fresh(entry):
            return None
        return entry.value

    def get(self, key: Any, build: Callable[[], T], ttl: float | None = None) -> T:
        """The value of ``key``: built here the first time, then the cached one (stale while rebuilt).

        ``ttl`` overrides the cache's for this entry (``math.inf``: only a change rebuilds it).  Inside a
        build (a value built from other cached values), stale values are not used: they are rebuilt first.
        """
        self._look()
        entry = self._entries.get(key)
        if entry is not None and entry.error is None:
            if self._fresh(entry):
                return entry.value
            if not getattr(self._building, "depth", 0):
                self._refresh(key, build, ttl)
                return entry.value
        return self._build(key, build, ttl)

    def get_ready(self, key: Any, build: Callable[[], T], ttl: float | None = None, what: str = "the result"
                  ) -> T:
        """Like :meth:`get`, but a request never builds: before the first value exists it starts (or lets run)
        its background build and raises :class:`graph.errors.NotFittedError` (503 with Retry-After).  A
        stale value is served while the fresh one is built; a build that failed raises its error."""
        self._look()
        entry = self._entries.get(key)
        in_background = getattr(self._building, "background", False)
        if entry is not None:
            if self._fresh(entry):
                return entry.result()
            if not in_background:
                self._refresh(key, build, ttl)
                return entry.result()
        if in_background:  # a background build that needs this value: build it here, fresh
            return self._build(key, build, ttl)
        self._refresh(key, build, ttl)
        raise NotFittedError(f"{what} is being prepared in the background; try again in a few seconds")

    def start(self, key: Any, build: Callable[[], Any], ttl: float | None = None) -> None:
        """Build ``key`` in the background now, and again whenever it goes stale (a change of the store)."""
        with self._guard:
            self._warm[key] = (build, ttl)
        self._refresh(key, build, ttl)

    # ---- building ----------------------------------------------------------------------------------
    def _build(self, key: Any, build: Callable[[], T], ttl: float | None) -> T:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._entries.get(key)
            if entry is not None and self._fresh(entry) and (entry.error is None or self._building_background()):
                return entry.result()
            generation = self.generation
            self._building.depth = getattr(self._building, "depth", 0) + 1
            try:
                value = build()
            finally:
                self._building.depth -= 1
            self._entries[key] = _Entry(time.monotonic(), generation, self.ttl if ttl is None else ttl, value,
                                        build=build, ttl_arg=ttl)
            return value

    def _building_background(self) -> bool:
        return bool(getattr(self._building, "background", False))

    def _refresh(self, key: Any, build: Callable[[], Any], ttl: float | None) -> None:
        """Start a background build of ``key`` unless one is already queued or running."""
        with self._guard:
            if key in self._pending:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="innonet-cache")
            self._pending[key] = None
            try:
                self._pending[key] = self._executor.submit(self._background, key, build, ttl)
            except RuntimeError:  # shut down: the app is stopping
                del self._pending[key]

    def _background(self, key: Any, build: Callable[[], Any], ttl: float | None) -> None:
        self._building.background = True
        try:
            self._build(key, build, ttl)
        except Exception as exc:
            entry = self._entries.get(key)
            if entry is None or entry.error is not None:  # nothing to serve: tell the askers why
                self._entries[key] = _Entry(time.monotonic(), self.generation, self.ttl if ttl is None else ttl,
                                            error=exc)
            if not isinstance(exc, InnonetError):
                log.exception("rebuilding the cached %r failed; still serving the previous value", key)
        finally:
            self._building.background = False
            with self._guard:
                self._pending.pop(key, None)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until no background build is queued or running (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._guard:
                futures = [f for f in self._pending.values() if f is not None]
            if not futures:
                return
            for future in futures:
                future.exception(timeout=max(0.0, deadline - time.monotonic()))

    def invalidate(self) -> None:
        """Make every value stale (the API itself changed the store); they are rebuilt in the background
        (a route that changed the store may :meth:`wait_idle` before answering, so its caller sees the
        change; other requests are served the previous values meanwhile)."""
        if self.watcher is not None:
            self.watcher.rebaseline()
        self._stale()

    def close(self) -> None:
        """Stop watching and the background thread (a build running is finished first; queued ones dropped)."""
        self.watch(None)
        with self._guard:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        with self._guard:
            self._pending.clear()
