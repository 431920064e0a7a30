"""Plumbing the analyst notebooks share: the store, CJK charts, embedded maps, posters.

The notebooks in ``notebooks/`` hold no analysis of their own; they call the
library and use these few helpers so that every notebook opens the same store
the CLI and the API use, draws Chinese text with a real CJK font, and shows the
offline maps of :mod:`api.maps` inline.

* :func:`open_notebook_store` — the configured store (``INNONET_DB`` or
  ``NEO4J_URI``); when it is empty, the demo ecosystem is built into it first;
* :func:`store_summary` — its node and relationship counts as one table;
* :func:`setup_matplotlib` — Noto Sans CJK SC for every chart (no empty boxes);
* :func:`map_frame` — a map page as an ``<iframe srcdoc>`` for notebook output;
* :func:`write_poster` — :func:`api.poster.render_poster` from inside a running
  Jupyter kernel (Playwright's sync API refuses to run on the kernel's event loop,
  so the poster is rendered on a worker thread).

Examples
--------
>>> from graph import SQLiteStore
>>> store = SQLiteStore(":memory:")
>>> _ = store.upsert_nodes("Enterprise", [{"id": "e1", "name": "甲"}])
>>> store_summary(store).values.tolist()
[['节点 nodes', 'Enterprise', 1]]
>>> "srcdoc=" in map_frame("<p>地图 &amp; map</p>").data
True
"""

from __future__ import annotations

import concurrent.futures
import html
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from graph.connect import open_store
from graph.errors import NotFoundError
from graph.settings import Settings
from graph.store import GraphStore

__all__ = ["CJK_FONT", "map_frame", "open_notebook_store", "setup_matplotlib", "store_summary", "write_poster"]

#: The font every chart uses (package fonts-noto-cjk).
CJK_FONT = "Noto Sans CJK SC"

_INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def open_notebook_store(
    settings: Settings | None = None,
    demo_dir: str | os.PathLike[str] = "innonet_demo",
    scale: str = "city",
    seed: int = 2023,
) -> GraphStore:
    """Open the configured store; build the demo ecosystem into it when it holds nothing.

    Parameters
    ----------
    settings : graph.Settings, optional
        Default: read from the environment (``INNONET_DB``, ``NEO4J_URI`` …), as the CLI does.
    demo_dir : path
        Where the demo's bureau files are written when the demo is built.
    scale : {"test", "city", "province"}
        Demo size when it is built (see :data:`ingest.demo.SCALES`).
    seed : int
        Demo seed.

    Returns
    -------
    GraphStore
        The open store; the caller closes it.

    Raises
    ------
    graph.errors.StoreConnectionError
        When Neo4j is configured but cannot be reached (never silently replaced by the demo).
    """
    store = open_store(settings)
    if sum(store.counts()["nodes"].values()) == 0:
        from ingest.demo import load_demo

        print(f"{store.description} 为空,正在生成演示数据 / the store is empty: building the {scale} demo "
              f"(seed {seed}) into it, files in {os.fspath(demo_dir)}/ …")
        load_demo(store, demo_dir, scale=scale, seed=seed)
    return store


def store_summary(store: GraphStore) -> pd.DataFrame:
    """The store's contents as a table.

    Returns
    -------
    pandas.DataFrame
        ``section`` ("节点 nodes" / "关系 relationships"), ``name`` (kind or type), ``count``.
    """
    counts = store.counts()
    rows = [("节点 nodes", kind, int(n)) for kind, n in counts["nodes"].items()]
    rows += [("关系 relationships", type_, int(n)) for type_, n in counts["relationships"].items()]
    return pd.DataFrame(rows, columns=["section", "name", "count"])


def setup_matplotlib(font: str = CJK_FONT) -> str:
    """Make every matplotlib chart draw Chinese with ``font``; returns the font file used.

    Inside a Jupyter kernel the inline backend is restored if a library switched to Agg
    (``analysis.report`` does, for its SVG charts), so charts still show in the notebook.

    Raises
    ------
    graph.errors.NotFoundError
        When the font is not installed (charts would show empty boxes).
    """
    import matplotlib
    from matplotlib import font_manager

    try:
        path = font_manager.findfont(font, fallback_to_default=False)
    except ValueError:
        raise NotFoundError(
            f"font {font!r} is not installed, so Chinese labels would be empty boxes; install it with "
            "`apt-get install -y fonts-noto-cjk` (then delete matplotlib's font cache) or pass another CJK font"
        ) from None
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    shell = sys.modules.get("IPython")
    in_kernel = shell is not None and getattr(shell.get_ipython(), "kernel", None) is not None
    if in_kernel and matplotlib.get_backend().lower() == "agg":
        matplotlib.use(_INLINE_BACKEND)
    return path


def map_frame(page: str, height: int = 640) -> Any:
    """A map page (from :func:`api.maps.render_map`) to show inline in a notebook.

    The page goes into the ``srcdoc`` of a sandboxed iframe (scripts allowed, nothing
    else), so its own Content-Security-Policy and scripts run as in a browser tab and
    it cannot touch the notebook.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    return HTML(  # in a <div>: IPython warns about a bare <iframe> and suggests IFrame, which has no srcdoc
        f'<div class="innonet-map"><iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ccc"></iframe></div>'
    )


def write_poster(page: str | os.PathLike[str], png: str | os.PathLike[str] | None = None,
                 pdf: str | os.PathLike[str] | None = None, scale: int = 1) -> list[Path]:
    """Render a map page as a PNG and / or A3 PDF poster with :func:`api.poster.render_poster`.

    Runs on a worker thread, because Playwright's sync API cannot run on the thread of a
    Jupyter kernel's event loop.

    Parameters
    ----------
    page : str or path
        The map HTML text or file.
    png, pdf : path, optional
        Where to write them.
    scale : int
        Device pixels per CSS pixel of the PNG (1 for a screen preview, 2 for print).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from api.poster import render_poster

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(render_poster, page, png=png, pdf=pdf, scale=scale).result()
