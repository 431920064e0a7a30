"""Maps and posters for the workbench pages: the network graph cached per masking, a view drawn as the caller's
role may see it (viewers: no recommended partners, no meeting plans), a poster printed from a map."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from analysis.views import Note, build_view
from api.http.cache import AppCache
from api.http.common import analysis_snapshot
from api.http.web.session import Session
from api.render.maps import render_view
from api.render.poster import render_poster
from graph.errors import InnonetError
from graph.projection import to_networkx
from graph.store import GraphStore

__all__ = ["map_html", "network_graph", "poster_bytes"]

_VIEWER_NOTE = Note("matchmakers_only", "推荐对接方和对接日程仅对对接专员可见",
                    "recommended partners and meeting plans are shown to matchmakers only")


def network_graph(session: Session, store: GraphStore, cache: AppCache) -> nx.MultiDiGraph:
    """The whole network as the caller may see it (the same cache entry the maps API uses)."""
    masked = not session.principal.sees_personal_data
    return cache.get(("graph", masked), lambda: to_networkx(analysis_snapshot(session.principal, store, cache)))


def _no_recommendations() -> pd.DataFrame:
    return pd.DataFrame(columns=["id", "score", "explanation"])


def _no_meetings() -> pd.DataFrame:
    return pd.DataFrame(columns=["enterprise_id", "partner_id", "slot"])


def map_html(session: Session, store: GraphStore, cache: AppCache, view: str, *, title: str | None = None,
             schedule: pd.DataFrame | None = None, recommender: Any = None, k: int = 10,
             max_nodes: int = 2000, **filters: Any) -> str:
    """The self-contained HTML map of ``view`` with ``filters`` (``id``, ``tier``, ``town``, ``industry``,
    ``community``).  The ego view draws ``k`` recommendations of ``recommender`` (matchmakers); the event view
    draws ``schedule`` (matchmakers)."""
    graph = network_graph(session, store, cache)
    notes: list[Note] = []
    drawn: dict[str, Any] = {}
    if view in ("ego", "event"):
        if not session.can("matchmaker"):
            drawn = {"recommendations": _no_recommendations(), "schedule": _no_meetings()}
            notes.append(_VIEWER_NOTE)
        elif view == "ego":
            recommendations = _no_recommendations()
            if recommender is not None and filters.get("id") is not None and k:
                try:
                    recommendations = recommender.recommend(filters["id"], k=k)
                except InnonetError as exc:
                    notes.append(Note("recommendations_failed", f"未绘制推荐: {exc}", f"no recommendations drawn: {exc}"))
            drawn = {"recommendations": recommendations}
        else:
            drawn = {"schedule": schedule if schedule is not None else _no_meetings()}
    subgraph = build_view(graph, view, **drawn, **{k_: v for k_, v in filters.items() if v is not None})
    if notes:
        kept = [n for n in subgraph.graph.get("notes", []) if n.code != "no_recommendations"]
        subgraph.graph["notes"] = kept + notes
    return render_view(subgraph, title=title, max_nodes=max_nodes)


def poster_bytes(html: str, fmt: str, *, kind: str = "map", paper: str = "A3", orientation: str = "landscape",
                 dpi: int = 150, title: str | None = None) -> bytes:
    """A poster (``fmt`` "png" or "pdf") of the map page ``html``, printed by the system Chromium."""
    with tempfile.TemporaryDirectory(prefix="innonet-web-poster-") as folder:
        target = Path(folder) / f"poster.{fmt}"
        render_poster(html, png=target if fmt == "png" else None, pdf=target if fmt == "pdf" else None,
                      paper=paper, orientation=orientation, dpi=dpi, kind=kind, title=title)
        return target.read_bytes()
