"""Helpers the command modules share: opening the configured store, printing tables."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pandas as pd

    from graph.store import GraphStore

__all__ = ["echo_frame", "store_from_settings"]

@contextlib.contextmanager
def store_from_settings() -> Iterator[GraphStore]:
    """Open the store the environment configures, and close it afterwards."""
    from graph.connect import open_store
    from graph.settings import Settings

    store = open_store(Settings())
    try:
        yield store
    finally:
        store.close()


def echo_frame(frame: pd.DataFrame, max_rows: int = 50) -> None:
    """Print a DataFrame as a readable table (Chinese columns aligned as well as a terminal can)."""
    import pandas as pd

    with pd.option_context("display.max_rows", max_rows, "display.max_columns", 50, "display.width", 200,
                           "display.unicode.east_asian_width", True):
        click.echo(frame.to_string(index=False) if len(frame) else "(no rows)")


def resolve_name(source: object, text: str, kinds: str | tuple[str, ...] | None = None) -> str:
    """The id ``text`` names, through the one resolver (:func:`graph.lookup.resolve`).

    When the match is not exact (a short name, 宜兴 for 宜兴市, a typo), the line saying which record was used
    goes to stderr, so the user sees it and scripts reading stdout are not disturbed.  Several candidates or
    none raise :class:`graph.errors.AmbiguousNameError` / :class:`graph.errors.NameNotFoundError`, which the
    CLI prints as one line with the candidates or suggestions.
    """
    from graph.lookup import resolve

    found = resolve(source, text, kinds=kinds)
    if found.matched_by not in ("id", "uscc", "moe_code", "name"):
        click.echo(f"innonet: {found.describe()}", err=True)
    return found.id
