"""API keys, roles and the masking of personal data for the HTTP API.

Keys come from ``INNONET_API_KEYS="role:key,role:key"`` and/or a file named by
``INNONET_API_KEYS_FILE`` (one ``role:key`` per line, ``#`` starts a comment).
Only the SHA-256 digest of each key is kept in memory; a presented key is
hashed and compared with every stored digest by :func:`hmac.compare_digest`.

A key needs at least :data:`MIN_KEY_LENGTH` characters, not mostly one repeated (make one with
``python -c "import secrets; print(secrets.token_urlsafe(24))"``); a shorter key, or an entry that is not
``role:key``, stops the server at start with a message naming the entry by its number, never by its text.

Failed authentications are counted per client address (:class:`AuthLimiter`): after
``INNONET_AUTH_FAILURES_PER_MINUTE`` wrong keys in a minute the address gets 429 with ``Retry-After``
for every keyed request (a right key included, so guessing cannot go on), for a minute, then twice as
long at each new lock-out.  Each failure and lock-out is logged (``innonet.api.auth``, warning) with the
address, never the key.

Roles are cumulative: ``viewer`` < ``matchmaker`` < ``admin``.  A viewer sees
aggregates, maps and entity search with talent names and contact fields
masked; a matchmaker also sees pairings, schedules and talent names; an admin
may also ingest, export and delete.

>>> ring = KeyRing.from_text("viewer:viewer-key-0123456789, admin:admin-key-0123456789")
>>> ring.role_for("admin-key-0123456789"), ring.role_for("nope")
('admin', None)
>>> mask_name("张三丰"), mask_contact("13800000000")
('张**', '***')
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import InnonetError
from graph.store import GraphStore

__all__ = [
    "CONTACT_FIELDS",
    "LOOPBACK_HOSTS",
    "MASKED_KINDS",
    "MIN_KEY_LENGTH",
    "ROLES",
    "ApiSettings",
    "AuthLimiter",
    "KeyConfigError",
    "KeyRing",
    "MaskedStore",
    "Principal",
    "is_loopback",
    "mask_contact",
    "mask_frame",
    "mask_name",
    "mask_record",
    "require_role",
    "role_rank",
]

#: The roles, weakest first; each includes the rights of the ones before it.
ROLES: tuple[str, ...] = ("viewer", "matchmaker", "admin")

#: Node kinds whose names are personal data (masked below ``matchmaker``).
MASKED_KINDS: frozenset[str] = frozenset({"Talent"})

#: Properties that are contact data (masked below ``matchmaker``).
CONTACT_FIELDS: tuple[str, ...] = ("email", "phone")

#: Host names and addresses a server may bind without any key configured.
LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})

#: The shortest key accepted (characters); a key must also use at least :data:`_MIN_DISTINCT` different ones.
MIN_KEY_LENGTH = 16
_MIN_DISTINCT = 8

auth_log = logging.getLogger("innonet.api.auth")


class KeyConfigError(InnonetError, ValueError):
    """``INNONET_API_KEYS`` or the keys file holds an entry that is not ``role:key``."""


class ApiSettings(BaseSettings):
    """Settings of the HTTP API, from the environment (and ``.env``).

    Attributes
    ----------
    innonet_api_keys : str, optional
        ``role:key,role:key`` (``INNONET_API_KEYS``).
    innonet_api_keys_file : str, optional
        File with one ``role:key`` per line (``INNONET_API_KEYS_FILE``).
    innonet_max_upload_mb : float
        Largest accepted upload in MiB (``INNONET_MAX_UPLOAD_MB``), default 20.
    innonet_cache_ttl : float
        Seconds a cached result (fitted recommender, summaries) is reused before it is
        rebuilt (``INNONET_CACHE_TTL``), default 300; ingest and delete through the API
        invalidate at once.
    innonet_cache_check_seconds : float
        Seconds between two looks for changes of the store made by anyone else (another
        process's ingest, say) while the server runs (``INNONET_CACHE_CHECK_SECONDS``), default 1;
        a change found makes the cached results stale: they are still served while fresh ones are
        built in the background, then swapped in.
    innonet_auth_failures_per_minute : int
        Wrong keys one client address may send in a minute before it gets 429
        (``INNONET_AUTH_FAILURES_PER_MINUTE``), default 10.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    innonet_api_keys: str | None = None
    innonet_api_keys_file: str | None = None
    innonet_max_upload_mb: float = 20.0
    innonet_cache_ttl: float = 300.0
    innonet_cache_check_seconds: float = 1.0
    innonet_auth_failures_per_minute: int = 10


def role_rank(role: str) -> int:
    """Position of ``role`` on the ladder (viewer 0, matchmaker 1, admin 2).

    >>> role_rank("matchmaker")
    1
    """
    try:
        return ROLES.index(role)
    except ValueError:
        raise KeyConfigError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}") from None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def _parse_entries(entries: Iterable[str], where: str) -> list[tuple[str, str]]:
    """``(role, key)`` pairs; a bad entry is named by its number only (its text may hold a key)."""
    pairs = []
    for number, raw in enumerate(entries, start=1):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        role, sep, key = entry.partition(":")
        role, key = role.strip().lower(), key.strip()
        if not sep or not key:
            raise KeyConfigError(
                f"{where}, entry {number}: expected 'role:key' (role one of {', '.join(ROLES)}); "
                "the entry is not shown, as it may hold a key"
            )
        if role not in ROLES:
            raise KeyConfigError(
                f"{where}, entry {number}: the role before ':' is not one of {', '.join(ROLES)} "
                "(not shown, as it may be part of a key)"
            )
        _check_strength(key, f"{where}, entry {number} ({role})")
        pairs.append((role, key))
    return pairs


def _check_strength(key: str, where: str) -> None:
    """Refuse a guessable key, saying nothing about it but its place."""
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < _MIN_DISTINCT:
        raise KeyConfigError(
            f"{where}: the key is too weak: use at least {MIN_KEY_LENGTH} random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(24))")'
        )


class KeyRing:
    """The accepted keys, as SHA-256 digests mapped to roles.

    Parameters
    ----------
    pairs : iterable of (role, key)
        Plain keys; only their digests are kept.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._digests: list[tuple[bytes, str]] = []
        for number, (role, key) in enumerate(pairs, start=1):
            role_rank(role)
            _check_strength(key, f"key {number} ({role})")
            self._digests.append((_digest(key), role))

    @classmethod
    def from_text(cls, text: str, where: str = "INNONET_API_KEYS") -> KeyRing:
        """Parse ``role:key`` entries separated by commas or new lines."""
        return cls(_parse_entries(text.replace(",", "\n").splitlines(), where))

    @classmethod
    def from_settings(cls, settings: ApiSettings | None = None) -> KeyRing:
        """Keys from ``INNONET_API_KEYS`` and the file ``INNONET_API_KEYS_FILE`` (both may be set)."""
        settings = settings or ApiSettings()
        pairs: list[tuple[str, str]] = []
        if settings.innonet_api_keys:
            pairs += _parse_entries(settings.innonet_api_keys.replace(",", "\n").splitlines(), "INNONET_API_KEYS")
        if settings.innonet_api_keys_file:
            path = Path(settings.innonet_api_keys_file)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except OSError as exc:
                raise KeyConfigError(
                    f"cannot read INNONET_API_KEYS_FILE {os.fspath(path)!r}: {exc.strerror}; "
                    "point it at a readable file with one role:key per line"
                ) from None
            pairs += _parse_entries(text.splitlines(), os.fspath(path))
        return cls(pairs)

    def __len__(self) -> int:
        return len(self._digests)

    def role_for(self, key: str | None) -> str | None:
        """The strongest role of ``key``, or None for an unknown key.

        Every stored digest is compared (in constant time) whatever matches, so the
        time taken does not tell which entry matched.
        """
        if not key:
            return None
        presented = _digest(key)
        best: str | None = None
        for digest, role in self._digests:
            if hmac.compare_digest(presented, digest) and (best is None or role_rank(role) > role_rank(best)):
                best = role
        return best


class AuthLimiter:
    """Failed authentications per client address: 429 after ``per_minute`` failures in a minute.

    A locked-out address is refused for ``lockout`` seconds, doubled at each new lock-out (at most an
    hour) until it has been quiet for an hour.  At most ``max_clients`` addresses are tracked (the
    longest quiet forgotten first), so memory stays bounded under a spread-out attack.

    >>> limiter = AuthLimiter(per_minute=2, lockout=60)
    >>> [limiter.failed("10.0.0.9", now=t) for t in (0, 1, 2)], limiter.retry_after("10.0.0.9", now=3)
    ([0, 0, 60], 59)
    >>> limiter.retry_after("10.0.0.8", now=3)
    0
    """

    def __init__(self, per_minute: int = 10, lockout: float = 60.0, max_clients: int = 10_000) -> None:
        self.per_minute = max(1, per_minute)
        self.lockout = lockout
        self.max_clients = max_clients
        # address -> (recent failure times, locked until, lock-outs so far, last failure)
        self._clients: OrderedDict[str, list[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, address: str, now: float | None = None) -> int:
        """Seconds ``address`` must wait before it may try a key again (0: it may)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            state = self._clients.get(address)
            if state is None or state[1] <= now:
                return 0
            return max(1, math.ceil(state[1] - now))

    def failed(self, address: str, now: float | None = None) -> int:
        """Record a wrong key from ``address``; returns the lock-out it starts in seconds (0: none)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            state = self._clients.pop(address, None)
            if state is None or now - state[3] > 3600:
                state = [deque(), 0.0, 0, now]
            self._clients[address] = state  # most recently active last
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            times: deque[float] = state[0]
            times.append(now)
            state[3] = now
            while times and now - times[0] > 60:
                times.popleft()
            if len(times) <= self.per_minute:
                auth_log.warning("wrong API key from %s (%d in the last minute)", address, len(times))
                return 0
            seconds = min(self.lockout * 2 ** state[2], 3600.0)
            state[1], state[2] = now + seconds, state[2] + 1
            times.clear()
            auth_log.warning("too many wrong API keys from %s: refused for %g s", address, seconds)
            return int(seconds)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback name or address (127.0.0.0/8, ::1, localhost).

    >>> is_loopback("127.0.0.2"), is_loopback("0.0.0.0")
    (True, False)
    """
    import ipaddress

    host = host.strip().strip("[]")
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Principal:
    """Who is calling: the role their key carries."""

    role: str

    def can(self, role: str) -> bool:
        """Whether this principal has at least the rights of ``role``."""
        return role_rank(self.role) >= role_rank(role)

    @property
    def sees_personal_data(self) -> bool:
        """Talent names and contact fields are shown from ``matchmaker`` up."""
        return self.can("matchmaker")


_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer KEY`")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: KEY`")


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def _too_many(seconds: int) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"too many wrong API keys from this address; try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


def require_role(role: str) -> Any:
    """A FastAPI dependency that admits keys of ``role`` or stronger and returns the :class:`Principal`.

    No key or an unknown key gives 401 (with ``WWW-Authenticate: Bearer``); a known
    key of a weaker role gives 403; an address locked out by the app's :class:`AuthLimiter`
    (``app.state.auth_limiter``) gives 429 with ``Retry-After``.
    """
    role_rank(role)

    async def dependency(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
        api_key: str | None = Depends(_api_key_header),
    ) -> Principal:
        keyring: KeyRing = request.app.state.keyring
        limiter: AuthLimiter | None = getattr(request.app.state, "auth_limiter", None)
        address = request.client.host if request.client is not None else "unknown"
        presented = bearer.credentials if bearer is not None else api_key
        if limiter is not None and (wait := limiter.retry_after(address)):
            raise _too_many(wait)
        if not presented:
            raise _unauthorised("an API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'")
        found = keyring.role_for(presented)
        if found is None:
            if limiter is not None and (wait := limiter.failed(address)):
                raise _too_many(wait)
            raise _unauthorised("the API key is not valid; ask the administrator for a key")
        principal = Principal(found)
        if not principal.can(role):
            raise HTTPException(
                status_code=status.HTTP_403_FORBIDDEN,
                detail=f"this needs the {role!r} role; your key has the {found!r} role",
            )
        return principal

    dependency.__name__ = f"require_{role}"
    dependency.required_role = role  # type: ignore[attr-defined]
    return dependency


def mask_name(name: Any) -> Any:
    """Keep the first character of a person's name and star the rest (``张三`` → ``张*``).

    >>> mask_name("李四"), mask_name("Alice Wang"), mask_name(None)
    ('李*', 'A***', None)
    """
    if not isinstance(name, str) or not name:
        return name
    stars = max(len(name) - 1, 1) if _is_cjk(name) else 3
    return name[0] + "*" * stars


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def mask_contact(value: Any) -> Any:
    """Replace a contact value (e-mail, phone) by ``***``; missing stays missing.

    >>> mask_contact("a@b.cn"), mask_contact(None)
    ('***', None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return value
    return "***"


def mask_frame(frame: pd.DataFrame, name_column: str = "name", kind_column: str = "kind") -> pd.DataFrame:
    """A copy of ``frame`` with talent names and contact fields masked on rows of :data:`MASKED_KINDS`.

    >>> f = pd.DataFrame({"id": ["t1", "e1"], "kind": ["Talent", "Enterprise"], "name": ["王小明", "宜兴甲"],
    ...                   "email": ["w@x.cn", None]}, dtype=object)
    >>> mask_frame(f)[["name", "email"]].values.tolist()
    [['王**', '***'], ['宜兴甲', None]]
    """
    if kind_column not in frame.columns or frame.empty:
        return frame
    rows = frame[kind_column].isin(list(MASKED_KINDS)).to_numpy()
    if not rows.any():
        return frame
    masked = frame.copy()
    if name_column in masked.columns:
        masked.loc[rows, name_column] = masked.loc[rows, name_column].map(mask_name)
    for column in CONTACT_FIELDS:
        if column in masked.columns:
            masked.loc[rows, column] = masked.loc[rows, column].map(mask_contact)
    return masked


class MaskedStore(GraphStore):
    """A read-only view of a store in which talent names and contact fields are masked.

    Routes hand it to analyses and map rendering when the caller may not see personal
    data, so nothing downstream can leak a name by accident.  Writes raise
    :class:`PermissionError`.

    >>> from graph import SQLiteStore
    >>> inner = SQLiteStore(":memory:")
    >>> _ = inner.upsert_nodes("Talent", [{"id": "t1", "name": "王小明", "phone": "138"}])
    >>> MaskedStore(inner).nodes().loc[0, ["name", "phone"]].tolist()
    ['王**', '***']
    """

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner

    def upsert_nodes(self, kind: str, rows: Any) -> int:
        raise PermissionError("a masked store view is read-only; write through the underlying store")

    def upsert_relationships(self, type: str, rows: Any) -> int:
        raise PermissionError("a masked store view is read-only; write through the underlying store")

    def delete_nodes(self, ids: Iterable[str]) -> int:
        raise PermissionError("a masked store view is read-only; write through the underlying store")

    def delete_relationships(self, type: str, rows: Iterable[tuple[str, str, str]]) -> int:
        raise PermissionError("a masked store view is read-only; write through the underlying store")

    def clear(self) -> None:
        raise PermissionError("a masked store view is read-only; write through the underlying store")

    def nodes(self, kind: str | None = None, ids: Iterable[str] | None = None) -> pd.DataFrame:
        return mask_frame(self.inner.nodes(kind=kind, ids=ids))

    def relationships(self, type: str | None = None) -> pd.DataFrame:
        return self.inner.relationships(type=type)

    def neighbours(self, node_id: str, type: str | None = None) -> pd.DataFrame:
        return mask_frame(self.inner.neighbours(node_id, type=type))

    def data_version(self) -> object:
        return self.inner.data_version()

    def counts(self) -> dict[str, dict[str, int]]:
        return self.inner.counts()

    def ping(self) -> None:
        self.inner.ping()

    def close(self) -> None:
        """Closing the view leaves the underlying store open."""

    @property
    def description(self) -> str:
        return f"masked view of {self.inner.description}"


def mask_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of one ``{kind, name, email, phone, ...}`` record, masked if its kind is personal."""
    out = dict(record)
    if out.get("kind") in MASKED_KINDS:
        if "name" in out:
            out["name"] = mask_name(out["name"])
        for column in CONTACT_FIELDS:
            if column in out:
                out[column] = mask_contact(out[column])
    return out
