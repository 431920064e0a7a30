"""A real Bolt server for tests and benchmarks: ArcadeDB from the ``arcadedb-embedded`` package.

The package bundles a Java runtime and the server jars (with the Bolt plugin),
so no system Java and no download is needed.  :class:`ArcadeDBServer` starts the
server as its own process session on 127.0.0.1 and free ports, waits until
``RETURN 1`` through the official ``neo4j`` driver succeeds, and stops it by PID.

Examples
--------
Not run as a doctest (starting the JVM takes several seconds)::

    with ArcadeDBServer() as server:
        driver = server.driver()
        store = Neo4jStore(driver, database=server.database)
        ...
        driver.close()
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.errors import StoreConnectionError

__all__ = ["ArcadeDBServer", "BoltServer", "arcadedb_home", "free_port"]

_LOG_TAIL_LINES = 60


def arcadedb_home() -> Path:
    """Directory of the installed ``arcadedb_embedded`` package (holds ``jre/`` and ``jars/``).

    Raises
    ------
    StoreConnectionError
        When the package is not installed or lacks its bundled Java / jars.
    """
    try:
        import arcadedb_embedded
    except ImportError:
        raise StoreConnectionError(
            "the test Bolt server needs the package arcadedb-embedded==26.10.2.post1; "
            "install the test extra: pip install -e '.[test]'"
        ) from None
    home = Path(arcadedb_embedded.__file__).resolve().parent
    for needed in (home / "jre" / "bin" / "java", home / "jars"):
        if not needed.exists():
            raise StoreConnectionError(f"arcadedb-embedded at {home} has no {needed.name}; reinstall the package")
    return home


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now.

    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class BoltServer:
    """Connection details of a Bolt server someone else runs (e.g. a real Neo4j 5 from ``TEST_NEO4J_URI``).

    Offers the same ``uri``, ``user``, ``password``, ``database`` and ``driver()`` as
    :class:`ArcadeDBServer`, so tests and benchmarks take either.

    >>> BoltServer("bolt://localhost:7687", "neo4j", "secret").database
    'neo4j'
    """

    uri: str
    user: str
    password: str
    database: str = "neo4j"

    def driver(self, **config: Any) -> Any:
        """A new ``neo4j`` driver for this server (the caller closes it)."""
        import neo4j

        return neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password), **config)


class ArcadeDBServer:
    """An ArcadeDB server speaking Bolt, started from the bundled Java runtime.

    Parameters
    ----------
    database : str
        The default database created at start (the driver's ``database=``).
    password : str, optional
        Root password; a random one when omitted (user is ``root``).
    heap : str
        JVM maximum heap, e.g. ``"1g"``.
    timeout : float
        Seconds to wait for the server to answer ``RETURN 1``.
    root_dir : str or os.PathLike, optional
        Where the server keeps its databases and log; a temporary directory
        (removed on stop) when omitted.

    Attributes
    ----------
    uri, user, password, database : str
        How to connect (``bolt://127.0.0.1:<port>``).
    pid : int or None
        The server process while it runs.
    log_path : pathlib.Path
        The server's stdout/stderr.
    """

    def __init__(
        self,
        database: str = "neo4j",
        password: str | None = None,
        heap: str = "1g",
        timeout: float = 120.0,
        root_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.database = database
        self.user = "root"
        # ArcadeDB requires at least 8 characters for the root password.
        self.password = password or "pw-" + secrets.token_hex(8)
        self.heap = heap
        self.timeout = timeout
        self._own_dir = root_dir is None
        self.root_dir = Path(root_dir) if root_dir is not None else Path(tempfile.mkdtemp(prefix="arcadedb-"))
        self.log_path = self.root_dir / "server.log"
        self.port = 0
        self.http_port = 0
        self._process: subprocess.Popen[bytes] | None = None

    # ---- public -------------------------------------------------------------------------
    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        """The java command line (as DESIGN.md gives it)."""
        home = arcadedb_home()
        return [
            str(home / "jre" / "bin" / "java"),
            f"-Xmx{self.heap}",
            "-cp",
            str(home / "jars") + os.sep + "*",
            f"-Darcadedb.server.rootPath={self.root_dir}",
            f"-Darcadedb.server.rootPassword={self.password}",
            "-Darcadedb.server.httpIncomingHost=127.0.0.1",
            f"-Darcadedb.server.httpIncomingPort={self.http_port}",
            "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "-Darcadedb.bolt.host=127.0.0.1",
            f"-Darcadedb.bolt.port={self.port}",
            f"-Darcadedb.server.defaultDatabases={self.database}[root]",
            f"-Darcadedb.bolt.defaultDatabase={self.database}",
            "com.arcadedb.server.ArcadeDBServer",
        ]

    def start(self) -> ArcadeDBServer:
        """Start the server and wait until it answers; returns ``self``.

        Raises
        ------
        StoreConnectionError
            When the process exits or does not answer within ``timeout``;
            the message carries the tail of the server log.
        """
        if self._process is not None:
            return self
        self.port = free_port()
        self.http_port = free_port()
        while self.http_port == self.port:  # pragma: no cover - the kernel rarely repeats itself
            self.http_port = free_port()
        self.root_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child, closed below
        try:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.root_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def driver(self, **config: Any) -> Any:
        """A new ``neo4j`` driver for this server (the caller closes it)."""
        import neo4j

        return neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password), **config)

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines of the server log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (SIGTERM to its process group, SIGKILL after 30 s) and remove its directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        if self._own_dir:
            shutil.rmtree(self.root_dir, ignore_errors=True)

    def __enter__(self) -> ArcadeDBServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.pid else "stopped"
        return f"ArcadeDBServer({self.uri!r}, database={self.database!r}, {state})"

    # ---- private ------------------------------------------------------------------------
    def _wait_ready(self) -> None:
        import neo4j

        assert self._process is not None
        deadline = time.monotonic() + self.timeout
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise StoreConnectionError(
                    f"ArcadeDB exited with code {self._process.returncode} before answering on {self.uri}; "
                    f"server log {self.log_path}:\n{self.log_tail()}"
                )
            if self._port_open():
                try:
                    with neo4j.GraphDatabase.driver(
                        self.uri, auth=(self.user, self.password), connection_timeout=5
                    ) as driver:
                        records, _, _ = driver.execute_query("RETURN 1 AS one", database_=self.database)
                        if records and records[0]["one"] == 1:
                            return
                except Exception as exc:
                    last_error = exc
            time.sleep(0.5)
        raise StoreConnectionError(
            f"ArcadeDB did not answer RETURN 1 on {self.uri} within {self.timeout:.0f} s "
            f"(last error: {last_error!r}); server log {self.log_path}:\n{self.log_tail()}"
        )

    def _port_open(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


# ---- synthetic data for contract tests and benchmarks ---------------------------------------
_NODE_MIX = (("Enterprise", 0.6), ("University", 0.1), ("Talent", 0.2), ("Project", 0.1))
_RELATIONSHIP_MIX = (
    ("COLLABORATES_WITH", "Enterprise", "University", 0.4),
    ("EMPLOYS", "Enterprise", "Talent", 0.3),
    ("PARTICIPATES_IN", "Enterprise", "Project", 0.2),
    ("AFFILIATED_WITH", "Talent", "University", 0.1),
)
_TOWNS = ("宜城街道", "丁蜀镇", "和桥镇", "环科园", "官林镇", "x' }) DETACH DELETE n //")
_KEYWORDS = ("环保", "新材料", "电线电缆", "陶瓷", "集成电路", "新能源")


def synthetic_rows(
    nodes: int, relationships: int, seed: int = 0
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Deterministic rows for loading a store: ``nodes`` nodes and ``relationships`` distinct relationships.

    Nodes are Enterprises, Universities, Talents and Projects (60/10/20/10 %) with
    Chinese names and properties of every type (int, float incl. integral floats,
    bool, list of str, missing); relationships join them by the schema's allowed
    kinds, each with a distinct ``key``.

    Returns
    -------
    (dict, dict)
        ``{kind: rows}`` and ``{type: rows}``, ready for ``upsert_nodes`` / ``upsert_relationships``.

    >>> node_rows, rel_rows = synthetic_rows(20, 30)
    >>> sum(map(len, node_rows.values())), sum(map(len, rel_rows.values()))
    (20, 30)
    """
    import random

    rng = random.Random(seed)
    node_rows: dict[str, list[dict[str, Any]]] = {}
    remaining = nodes
    for index, (kind, share) in enumerate(_NODE_MIX):
        count = remaining if index == len(_NODE_MIX) - 1 else max(1, int(nodes * share))
        count = min(count, remaining)
        remaining -= count
        rows = []
        for i in range(count):
            row: dict[str, Any] = {"id": f"{kind[:1].lower()}{i:07d}", "name": f"宜兴{kind}{i}号"}
            if kind == "Enterprise":
                row.update(
                    employees=rng.randint(1, 5000),
                    revenue=float(rng.randint(0, 90000)) if i % 3 else rng.random() * 1e5,
                    town=rng.choice(_TOWNS),
                    keywords=rng.sample(_KEYWORDS, rng.randint(0, 3)),
                    listed=bool(i % 7 == 0),
                    founded=None if i % 5 == 0 else f"{rng.randint(1990, 2024)}-0{rng.randint(1, 9)}-01",
                )
            elif kind == "University":
                row.update(category="高校" if i % 2 else "科研院所", city=rng.choice(("无锡", "南京", "上海")))
            elif kind == "Talent":
                row.update(field=rng.choice(_KEYWORDS), programs=["陶都英才计划"] if i % 4 == 0 else [])
            else:
                row.update(year=rng.randint(2015, 2025), budget=float(rng.randint(10, 900)))
            rows.append(row)
        node_rows[kind] = rows
    rel_rows: dict[str, list[dict[str, Any]]] = {}
    remaining = relationships
    for index, (type_, source_kind, target_kind, share) in enumerate(_RELATIONSHIP_MIX):
        count = remaining if index == len(_RELATIONSHIP_MIX) - 1 else int(relationships * share)
        count = min(count, remaining)
        remaining -= count
        sources, targets = node_rows.get(source_kind, []), node_rows.get(target_kind, [])
        if not sources or not targets:
            continue
        rows = []
        for i in range(count):
            row = {
                "source": rng.choice(sources)["id"],
                "target": rng.choice(targets)["id"],
                "key": str(i),
                "year": rng.randint(2010, 2025),
                "weight": rng.choice((1.0, 0.5, rng.random())),
            }
            if i % 4 == 0:
                row["year"] = None
            rows.append(row)
        rel_rows[type_] = rows
    return node_rows, rel_rows
