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
