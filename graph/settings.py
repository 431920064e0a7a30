"""Settings from the environment (and a ``.env`` file): which store to open.

``NEO4J_URI`` set → :class:`graph.Neo4jStore`; otherwise the SQLite file ``INNONET_DB``.

A plain dataclass over ``os.environ`` (names matched case-insensitively, as pydantic-settings did): every
``innonet`` command reads it at start, and pydantic alone took most of ``innonet stats``' start-up time.

>>> Settings(innonet_db="x.db").uses_neo4j
False
>>> Settings.from_env({"NEO4J_URI": "bolt://db:7687", "neo4j_password": "pw"}).neo4j_password
'pw'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

__all__ = ["Settings"]

_UNSET = object()


def _dotenv(path: str | os.PathLike[str] = ".env") -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file (comments, ``export`` and quotes allowed); {} when there is none."""
    file = Path(path)
    if not file.is_file():
        return {}
    values: dict[str, str] = {}
    for line in file.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass
class Settings:
    """Where the data lives.

    Construct it with keywords, or with no arguments to read the environment (``INNONET_DB``, ``NEO4J_URI``,
    ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``, any case), then a ``.env`` file in the working
    folder; a keyword given wins over both.

    Attributes
    ----------
    innonet_db : str
        SQLite file of the embedded store (``INNONET_DB``), default ``./innonet.db``.
    neo4j_uri, neo4j_user, neo4j_password, neo4j_database : str
        Bolt connection (``NEO4J_URI`` …); used when ``NEO4J_URI`` is set.
    """

    innonet_db: str = _UNSET  # type: ignore[assignment]
    neo4j_uri: str | None = _UNSET  # type: ignore[assignment]
    neo4j_user: str = _UNSET  # type: ignore[assignment]
    neo4j_password: str = _UNSET  # type: ignore[assignment]
    neo4j_database: str = _UNSET  # type: ignore[assignment]

    _DEFAULTS: ClassVar[Mapping[str, str | None]] = MappingProxyType({
        "innonet_db": "innonet.db", "neo4j_uri": None, "neo4j_user": "neo4j", "neo4j_password": "",
        "neo4j_database": "neo4j"})

    def __post_init__(self) -> None:
        environment: dict[str, str] | None = None
        for spec in fields(self):
            if getattr(self, spec.name) is not _UNSET:
                continue
            if environment is None:
                environment = {k.lower(): v for k, v in {**_dotenv(), **os.environ}.items()}
            setattr(self, spec.name, environment.get(spec.name, self._DEFAULTS[spec.name]))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from ``environ`` alone (names in any case), defaults for the rest."""
        lowered = {k.lower(): v for k, v in environ.items()}
        return cls(**{name: lowered.get(name, default) for name, default in cls._DEFAULTS.items()})

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)
