"""Ids built from personal data: keyed with a secret of the deployment, so an id reveals nothing.

A talent is a person; without an id column in its file, its id is derived from its name and affiliation
(so a re-ingest finds the same record).  An unkeyed hash of those would let anyone who sees the id, the
affiliation and the first character of the name (a viewer does) find the name by trying the common
characters.  The id is therefore an HMAC-SHA-256 under a key that only the deployment holds:

* the key file ``INNONET_ID_KEY_FILE`` when that is set;
* otherwise, for a SQLite file ``innonet.db``, the file ``innonet.db.idkey`` next to it;
* otherwise (a Neo4j store) ``~/.innonet/id.key``;
* an in-memory SQLite store gets a random key of its own, for its lifetime.

The key file is created on first use (32 random bytes, hex, mode 0600) and never stored in the database.
Keep it with the database's backups: without it, a re-ingest of the same people creates new ids.
Stores written before keyed ids (``talent:`` + an unkeyed SHA-1) are migrated by the next ingest
(:func:`migrate_talent_ids`), with their relationships.

>>> key = bytes(32)
>>> talent_id(key, "王小明", "江南大学")
'talent:5c9964b8cf09057fe86c'
>>> talent_id(key, "王小明", "江南大学") != talent_id(bytes([1]) * 32, "王小明", "江南大学")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.errors import InnonetError

__all__ = [
    "ID_KEY_ENV",
    "IdKeyError",
    "id_key",
    "id_key_file",
    "legacy_talent_id",
    "migrate_talent_ids",
    "talent_id",
]

#: The environment variable naming the key file.
ID_KEY_ENV = "INNONET_ID_KEY_FILE"

_KEY_BYTES = 32
_TALENT_HEX = 20  # 80 bits: no collisions among a city's people


class IdKeyError(InnonetError, OSError):
    """The id key file cannot be read or created, or does not hold a key."""


def id_key_file(store: Any) -> Path | None:
    """Where ``store``'s id key lives (None: an in-memory store, whose key lives with the store object)."""
    configured = os.environ.get(ID_KEY_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    path = getattr(store, "path", None)
    if isinstance(path, str):
        if path in ("", ":memory:") or path.startswith("file::memory:") or "mode=memory" in path:
            return None
        return Path(path + ".idkey")
    return Path.home() / ".innonet" / "id.key"


def _read_or_create(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as exc:
        raise IdKeyError(f"cannot read the id key file {os.fspath(path)!r}: {exc}; fix its permissions or "
                         f"point {ID_KEY_ENV} at a readable key file") from None
    if text is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile: use theirs
            return _read_or_create(path)
        except OSError as exc:
            raise IdKeyError(f"cannot create the id key file {os.fspath(path)!r}: {exc.strerror}; "
                             f"set {ID_KEY_ENV} to a writable place") from None
        text = secrets.token_hex(_KEY_BYTES)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text + "\n")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise IdKeyError(f"the id key file {os.fspath(path)!r} does not hold a key (64 hex digits); "
                         "restore it from the backup of this database")
    return key


def id_key(store: Any) -> bytes:
    """The secret that keys ``store``'s personal ids (read once per store object, created on first use)."""
    key = getattr(store, "_innonet_id_key", None)
    if key is None:
        path = id_key_file(store)
        key = secrets.token_bytes(_KEY_BYTES) if path is None else _read_or_create(path)
        try:
            store._innonet_id_key = key
        except AttributeError:  # a store that refuses attributes: read the file each time
            pass
    return key


def talent_id(key: bytes, name_key: str, affiliation_key: str = "") -> str:
    """The id of a talent known by name and affiliation (both already normalised for matching)."""
    mac = hmac.new(key, f"{name_key}|{affiliation_key}".encode(), hashlib.sha256).hexdigest()
    return f"talent:{mac[:_TALENT_HEX]}"


def legacy_talent_id(name_key: str, affiliation_key: str = "") -> str:
    """The unkeyed id earlier versions gave a talent (recognised only to migrate it)."""
    digest = hashlib.sha1(f"{name_key}|{affiliation_key}".encode()).hexdigest()[:16]
    return f"talent:{digest}"


def migrate_talent_ids(store: Any, normalise: Callable[[str], str]) -> int:
    """Rename every talent whose id is its :func:`legacy_talent_id` to its keyed :func:`talent_id`.

    ``normalise`` is the name normalisation the ids were built with (``ingest.normalise.name_key``).
    Relationships move with the node; one transaction.  Returns the number of talents renamed.

    >>> from graph.sqlite_store import SQLiteStore
    >>> store = SQLiteStore(":memory:")
    >>> old = legacy_talent_id("王小明", "江南大学")
    >>> _ = store.upsert_nodes("Talent", [{"id": old, "name": "王小明", "affiliation": "江南大学"}])
    >>> migrate_talent_ids(store, str.strip), migrate_talent_ids(store, str.strip)
    (1, 0)
    >>> store.nodes().loc[0, "id"] == talent_id(id_key(store), "王小明", "江南大学")
    True
    """
    talents = store.nodes("Talent")
    if talents.empty or "name" not in talents.columns:
        return 0
    affiliations = talents["affiliation"] if "affiliation" in talents.columns else [None] * len(talents)
    renames: dict[str, str] = {}
    key: bytes | None = None
    for node_id, name, affiliation in zip(talents["id"], talents["name"], affiliations):
        if not isinstance(node_id, str) or not node_id.startswith("talent:") or not isinstance(name, str):
            continue
        affiliation_key = normalise(affiliation) if isinstance(affiliation, str) else ""
        name_key = normalise(name)
        if node_id == legacy_talent_id(name_key, affiliation_key):
            key = key if key is not None else id_key(store)
            renames[node_id] = talent_id(key, name_key, affiliation_key)
    if not renames:
        return 0
    return store.rename_nodes(renames)
