"""``POST /ingest``: upload one CSV / XLSX file and load it through :func:`ingest.pipeline.ingest_files` (admin).

The report says, per file, how many rows were written, merged, rejected or held for
review, and lists the rejections (row number and reason) and merges.  Bodies over
``INNONET_MAX_UPLOAD_MB`` are refused with 413 before they are read; a file the
pipeline cannot read is a 400 with the ingest error.  Cached results (search index,
summaries, the fitted recommender) are rebuilt in the background afterwards: other requests
keep getting the previous answers meanwhile (the file is written in one transaction, and reads do not
wait for it), and the upload's own answer comes once the rebuild is done.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.http.cache import AppCache
from api.http.common import json_records
from api.http.deps import admin, get_cache, get_store
from api.http.errors import problem_responses
from api.http.security import Principal
from graph.errors import InnonetError
from graph.store import GraphStore
from ingest.pipeline import ingest_files

__all__ = ["SUFFIXES", "IngestResult", "router"]

router = APIRouter(tags=["ingest"])

#: File types the pipeline reads.
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt", ".tsv")

_MAX_LISTED = 1000
_REBUILD_WAIT = 120.0  # seconds the upload's answer waits at most for the caches to be rebuilt


class IngestResult(BaseModel):
    """What happened to the upload's rows."""

    files: list[dict[str, Any]]
    totals: dict[str, int]
    rejections: list[dict[str, Any]]
    merges: list[dict[str, Any]]
    reviews: list[dict[str, Any]]


def _safe_name(filename: str | None) -> str:
    name = Path(filename or "").name
    name = re.sub(r"[^\w.\-\u3400-\u9fff]", "_", name)[:120].lstrip(".")
    return name or "upload.csv"


def _mapping(text: str | None) -> dict[str, str] | None:
    if text is None or not text.strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HTTPException(422, f"mapping must be a JSON object {{\"source header\": \"field\"}}: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str))
                                             for k, v in data.items()):
        raise HTTPException(422, "mapping must be a JSON object of header → field name (strings)")
    return data


@router.post(
    "/ingest",
    response_model=IngestResult,
    responses=problem_responses(400, 413),
    summary="Upload a CSV / XLSX file into the store (admin)",
)
async def ingest_upload(
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8-BOM, GB18030) or XLSX")],
    kind: Annotated[str | None, Form(max_length=40, description="Node kind for organisation rows")] = None,
    table: Annotated[str | None, Form(max_length=40, description="Force the table type")] = None,
    mapping: Annotated[str | None, Form(max_length=20000, description='JSON {"source header": "field"}')] = None,
    sheet: Annotated[str | None, Form(max_length=100, description="Only this sheet of a workbook")] = None,
    principal: Principal = Depends(admin),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
    cache: AppCache = Depends(get_cache),  # noqa: B008
) -> dict[str, Any]:
    """Load the file; returns the per-file counts, totals, and the rejected / merged / held rows (first 1000)."""
    name = _safe_name(file.filename)
    if not name.lower().endswith(SUFFIXES):
        raise HTTPException(400, f"cannot ingest {name!r}: upload a file ending in {', '.join(SUFFIXES)}")
    mapping_dict = _mapping(mapping)
    content = await file.read()
    with tempfile.TemporaryDirectory(prefix="innonet-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            report = await run_in_threadpool(
                ingest_files, store, [path], kind=kind or None, table=table or None, mapping=mapping_dict,
                sheet=sheet or None,
            )
        except InnonetError as exc:  # name the upload, not the server's temporary folder
            raise type(exc)(str(exc).replace(str(path), name)) from None
        finally:
            cache.invalidate()
    # other requests are answered from the previous values meanwhile; the uploader's answer waits for the
    # rebuild, so what it asks next shows its upload
    await run_in_threadpool(cache.wait_idle, _REBUILD_WAIT)
    files = report.to_dict()["files"]
    for entry in files:
        entry["path"] = name
    def listed(frame: Any) -> list[dict[str, Any]]:
        frame = frame.head(_MAX_LISTED)
        if "file" in frame.columns:
            frame = frame.assign(file=name)
        return json_records(frame)

    return {
        "files": files,
        "totals": report.totals(),
        "rejections": listed(report.rejections),
        "merges": listed(report.merges),
        "reviews": listed(report.reviews),
    }
