"""Errors as RFC 7807 problem details: one status table for every error the library raises on purpose.

>>> STATUS_OF[NotFoundError], STATUS_OF[UnsolvableScheduleError]
(404, 409)
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import (
    AmbiguousNameError,
    IngestError,
    InnonetError,
    InsufficientDataError,
    InvalidArgumentError,
    InvalidUSCCError,
    NameNotFoundError,
    NotFittedError,
    NotFoundError,
    SchemaError,
    StoreConnectionError,
    UnsolvableScheduleError,
)

__all__ = ["PROBLEM_JSON", "STATUS_OF", "Problem", "install_error_handlers", "problem", "problem_responses"]

log = logging.getLogger("innonet.api")

PROBLEM_JSON = "application/problem+json"

#: Every error innonet raises on purpose → its HTTP status.  Looked up along the class's MRO, so a subclass
#: not listed gets its nearest parent's status; ``InnonetError`` itself is a 400.
STATUS_OF: dict[type[Exception], int] = {
    NotFoundError: 404,
    AmbiguousNameError: 409,
    InsufficientDataError: 409,
    UnsolvableScheduleError: 409,
    IngestError: 400,
    InvalidUSCCError: 422,
    InvalidArgumentError: 422,
    SchemaError: 422,
    StoreConnectionError: 503,
    NotFittedError: 503,
    InnonetError: 400,
    PermissionError: 403,
}

_DESCRIPTIONS = {
    400: "The request cannot be processed (e.g. a broken upload); `detail` says why",
    401: "Missing or unknown API key",
    403: "The key's role does not allow this",
    404: "No such entity; `detail` names the id or name and suggests close names",
    409: "The request conflicts with the data: a name that fits several records (`candidates` lists them), "
         "too little data to learn from, or a schedule that cannot be solved",
    413: "The upload is larger than INNONET_MAX_UPLOAD_MB",
    422: "A parameter is invalid; `detail` names it",
    429: "Too many wrong API keys from this address; wait `Retry-After` seconds",
    503: "The store is not reachable, or a model is not ready yet (see Retry-After)",
}


class Problem(BaseModel):
    """RFC 7807 problem details."""

    type: str = Field("about:blank", description="A URI naming the problem type")
    title: str = Field(description="Short summary of the problem type, e.g. 'Not Found'")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong with this request and what to do")
    errors: list[dict[str, Any]] | None = Field(None, description="Validation errors (422 only)")
    candidates: list[dict[str, Any]] | None = Field(None, description="Records an ambiguous name fits (409), or close names (404)")


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error codes, each an ``application/problem+json`` :class:`Problem`.

    401, 403, 422, 429 and 503 are always included (every keyed route can answer them).
    """
    wanted = sorted({401, 403, 422, 429, 503, *codes})
    return {
        code: {"model": Problem, "description": _DESCRIPTIONS[code], "content": {PROBLEM_JSON: {}}}
        for code in wanted
    }


def problem(status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """An RFC 7807 problem-details response.

    >>> problem(404, "no node with id 'x'").body
    b'{"type":"about:blank","title":"Not Found","status":404,"detail":"no node with id \\'x\\'"}'
    """
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _candidate(candidate: Any) -> dict[str, Any]:
    record = candidate._asdict() if hasattr(candidate, "_asdict") else dict(candidate)
    return {key: value for key, value in record.items() if value is not None}


def _parameter(loc: list[Any]) -> str:
    """A validation error's place as a person reads it: ``behind`` for ``query.behind``, ``body.rows.0``.

    >>> _parameter(["query", "behind"]), _parameter(["body", "rows", 0])
    ('behind', 'body.rows.0')
    """
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in ("query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "?"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        parts = [f"参数 {_parameter(e['loc'])} 无效 / parameter {_parameter(e['loc'])}: {e['msg']}" for e in errors[:5]]
        return problem(422, "; ".join(parts) or "请求无效 / invalid request", errors=errors)

    for error_type, status in STATUS_OF.items():

        def handler(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            extra: dict[str, Any] = {}
            if isinstance(exc, AmbiguousNameError):
                extra["candidates"] = [_candidate(c) for c in exc.candidates]
            elif isinstance(exc, NameNotFoundError) and exc.suggestions:
                extra["candidates"] = [_candidate(c) for c in exc.suggestions]
            headers = {"Retry-After": "5"} if isinstance(exc, NotFittedError) else None
            return problem(status, str(exc), headers=headers, **extra)

        app.add_exception_handler(error_type, handler)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal error; the server log has the details")
