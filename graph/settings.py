"""Settings from the environment (and a ``.env`` file): which store to open.

``NEO4J_URI`` set → :class:`graph.Neo4jStore`; otherwise the SQLite file ``INNONET_DB``.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the data lives.

    Attributes
    ----------
    innonet_db : str
        SQLite file of the embedded store (``INNONET_DB``), default ``./innonet.db``.
    neo4j_uri, neo4j_user, neo4j_password, neo4j_database : str
        Bolt connection (``NEO4J_URI`` …); used when ``NEO4J_URI`` is set.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    innonet_db: str = "innonet.db"
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)
