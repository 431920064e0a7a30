"""``GET /health``: is the store reachable?  The only route that needs no key."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.http.deps import get_store
from api.http.errors import problem_responses
from graph.store import GraphStore

__all__ = ["Health", "router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server answers and its store is reachable."""

    status: str


@router.get(
    "/health",
    response_model=Health,
    responses={503: problem_responses(503)[503]},
    summary="Liveness and store reachability (no key needed)",
)
async def health(store: GraphStore = Depends(get_store)) -> Health:  # noqa: B008
    """``{"status": "ok"}`` when the store answers; 503 problem details when it does not."""
    await run_in_threadpool(store.ping)
    return Health(status="ok")
