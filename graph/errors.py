"""One error tree for innonet.  Every error also inherits the matching built-in,
so ``except ValueError`` or ``except LookupError`` catch them too.

>>> issubclass(SchemaError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "IngestError",
    "InnonetError",
    "InvalidUSCCError",
    "NotFittedError",
    "NotFoundError",
    "SchemaError",
    "StoreConnectionError",
]


class InnonetError(Exception):
    """Base of every error innonet raises on purpose."""


class SchemaError(InnonetError, ValueError):
    """A kind, relationship type, property or value that the graph model does not allow."""


class InvalidUSCCError(InnonetError, ValueError):
    """A 统一社会信用代码 that is malformed or fails its check digit."""


class NotFoundError(InnonetError, LookupError):
    """An id, USCC or name that is not in the store."""


class StoreConnectionError(InnonetError, ConnectionError):
    """The store cannot be reached (wrong URI, password, server down)."""


class IngestError(InnonetError, ValueError):
    """A file that cannot be read at all; the message names the file."""


class NotFittedError(InnonetError, AttributeError):
    """A recommender used before ``fit``."""
