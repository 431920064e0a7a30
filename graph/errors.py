"""One error tree for innonet.  Every error also inherits the matching built-in,
so ``except ValueError`` or ``except LookupError`` catch them too.

>>> issubclass(SchemaError, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AmbiguousNameError",
    "IngestError",
    "InnonetError",
    "InsufficientDataError",
    "InvalidArgumentError",
    "InvalidUSCCError",
    "NameNotFoundError",
    "NotFittedError",
    "NotFoundError",
    "SchemaError",
    "StoreConnectionError",
    "UnsolvableScheduleError",
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


class InvalidArgumentError(InnonetError, ValueError):
    """A function argument out of its range or of the wrong form; the message names the Python parameter."""


class AmbiguousNameError(InnonetError, LookupError):
    """A text that fits several records equally well (:mod:`graph.lookup`); ``candidates`` lists them, best first.

    Attributes
    ----------
    text : str
        What was looked up.
    candidates : tuple of graph.lookup.Candidate
        The plausible records (``id, kind, name, score, matched_by, matched, town, affiliation``).
    """

    def __init__(self, message: str, text: str = "", candidates: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.text = text
        self.candidates = tuple(candidates)


class NameNotFoundError(NotFoundError):
    """Nothing matches the text (:mod:`graph.lookup`); ``suggestions`` holds up to 5 near candidates.

    A :class:`NotFoundError` (so also a ``LookupError``).
    """

    def __init__(self, message: str, text: str = "", suggestions: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.text = text
        self.suggestions = tuple(suggestions)


class InsufficientDataError(InnonetError, ValueError):
    """The store holds too little data for the request (e.g. no dated links to learn pairing from)."""


class UnsolvableScheduleError(InnonetError, RuntimeError):
    """The meeting schedule cannot be solved as asked (infeasible, or the solver's time limit passed)."""
