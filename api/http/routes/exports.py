"""``GET /exports/{format}``: the network as GraphML or GEXF (Gephi) or an Excel workbook (admin).

The workbook has one sheet per node kind (its properties as columns) and a ``relationships`` sheet
(:func:`api.render.export.store_workbook`: the project's one formula-safe writer).
"""

from __future__ import annotations

import tempfile
from enum import Enum
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.http.common import KindName
from api.http.deps import admin, get_store
from api.http.errors import problem_responses
from api.http.security import Principal
from api.render.export import export_graph, store_workbook
from graph.projection import to_networkx
from graph.schema import RELATIONSHIP_TYPES
from graph.store import GraphStore

__all__ = ["MEDIA_TYPES", "ExportFormat", "export_bytes", "router"]

router = APIRouter(tags=["exports"])


class ExportFormat(str, Enum):
    """Formats ``GET /exports/{format}`` writes."""

    graphml = "graphml"
    gexf = "gexf"
    xlsx = "xlsx"


MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

TypeName = Enum("TypeName", {t: t for t in RELATIONSHIP_TYPES}, type=str)  # type: ignore[misc]


def export_bytes(
    store: GraphStore,
    fmt: str,
    kinds: list[str] | None = None,
    types: list[str] | None = None,
    until_year: int | None = None,
) -> bytes:
    """The store as ``fmt`` (graphml, gexf, xlsx), filtered like ``innonet export``."""
    if fmt == "xlsx":
        return store_workbook(store, kinds, types)
    graph = to_networkx(store, kinds=kinds, types=types, until_year=until_year)
    with tempfile.TemporaryDirectory(prefix="innonet-export-") as tmp:
        (path,) = export_graph(graph, fmt, Path(tmp) / f"innonet.{fmt}")
        return path.read_bytes()


@router.get(
    "/exports/{format}",
    response_class=Response,
    responses={
        200: {"content": {media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES.values()},
              "description": "The file, as an attachment"},
        **problem_responses(),
    },
    summary="Download the network as GraphML, GEXF or Excel (admin)",
)
async def export(
    format: ExportFormat,
    principal: Principal = Depends(admin),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    kind: Annotated[list[KindName] | None, Query(description="Only these node kinds (repeatable)")] = None,
    type: Annotated[list[TypeName] | None, Query(description="Only these relationship types")] = None,
    until_year: Annotated[int | None, Query(ge=1900, le=2100, description="The network as at the end of this year (graphml, gexf)")] = None,
) -> Response:
    """The file as an attachment named ``innonet.<format>``."""
    kinds = [k.value for k in kind] if kind else None
    types = [t.value for t in type] if type else None
    body = await run_in_threadpool(export_bytes, store, format.value, kinds, types, until_year)
    return Response(
        content=body,
        media_type=MEDIA_TYPES[format.value],
        headers={"Content-Disposition": f'attachment; filename="innonet.{format.value}"'},
    )
