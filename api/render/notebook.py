"""Plumbing the analyst notebooks share: the store, CJK charts, embedded maps, posters.

The notebooks in ``notebooks/`` hold no analysis of their own; they call the
library and use these few helpers so that every notebook opens the same store
the CLI and the API use, draws Chinese text with a real CJK font, and shows the
offline maps of :mod:`api.render.maps` inline.

* :func:`open_notebook_store` — the configured store (``INNONET_DB`` or
  ``NEO4J_URI``); when it is empty, the demo ecosystem is built into it first;
* :func:`store_summary` — its node and relationship counts as one table;
* :func:`setup_matplotlib` — Noto Sans CJK SC for every chart (no empty boxes);
* :func:`map_frame` — a map page as an ``<iframe srcdoc>`` for notebook output;
* :func:`call_in_thread` — run a blocking call such as :func:`api.render.poster.render_poster`
  off the kernel's event loop (Playwright's sync API refuses to run on it).

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
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

from graph.connect import open_store
from graph.errors import NotFoundError
from graph.settings import Settings
from graph.store import GraphStore

__all__ = ["CJK_FONT", "call_in_thread", "map_frame", "open_notebook_store", "setup_matplotlib", "store_summary"]

T = TypeVar("T")

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
    (a library may), so charts still show in the notebook.

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
    """A map page (from :func:`api.render.maps.render_map`) to show inline in a notebook.

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


def call_in_thread(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Call ``func(*args, **kwargs)`` on a worker thread and return its result (exceptions propagate).

    Inside a Jupyter kernel the cell runs on the thread of the kernel's asyncio loop, where
    Playwright's sync API refuses to run ("using Playwright Sync API inside the asyncio loop").
    Posters are therefore made with ``call_in_thread(api.render.poster.render_poster, page, png=...)``.

    >>> call_in_thread(sorted, [3, 1, 2])
    [1, 2, 3]
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args, **kwargs).result()
