"""Typed FastAPI dependencies, in one place: the store, the cache, the caller and its role.

Routes declare what they need as annotated parameters (``store: StoreDep``, ``principal: ViewerDep``), as in
FastAPI's full-stack template; tests build a fresh app per test with ``create_app(store=...)``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.http.cache import AppCache
from api.http.security import MaskedStore, Principal, require_role
from graph.errors import StoreConnectionError
from graph.store import GraphStore

__all__ = [
    "AdminDep",
    "CacheDep",
    "MatchmakerDep",
    "StoreDep",
    "ViewerDep",
    "ViewerStoreDep",
    "admin",
    "get_cache",
    "get_store",
    "matchmaker",
    "store_for",
    "viewer",
    "viewer_store",
]


async def get_store(request: Request) -> GraphStore:
    """FastAPI dependency: the store the lifespan opened (or the one injected into :func:`create_app`)."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreConnectionError("the store is not open; the server is starting or shutting down")
    return store


async def get_cache(request: Request) -> AppCache:
    """FastAPI dependency: the app's :class:`AppCache`."""
    return request.app.state.cache


viewer = require_role("viewer")
matchmaker = require_role("matchmaker")
admin = require_role("admin")


def store_for(principal: Principal, store: GraphStore) -> GraphStore:
    """The store as ``principal`` may see it: masked talent names and contacts below matchmaker."""
    return store if principal.sees_personal_data else MaskedStore(store)


async def viewer_store(
    principal: Principal = Depends(viewer),  # noqa: B008
    store: GraphStore = Depends(get_store),  # noqa: B008
) -> GraphStore:
    """Dependency: the store as the calling viewer (or stronger) may see it."""
    return store_for(principal, store)


StoreDep = Annotated[GraphStore, Depends(get_store)]
CacheDep = Annotated[AppCache, Depends(get_cache)]
ViewerDep = Annotated[Principal, Depends(viewer)]
MatchmakerDep = Annotated[Principal, Depends(matchmaker)]
AdminDep = Annotated[Principal, Depends(admin)]
ViewerStoreDep = Annotated[GraphStore, Depends(viewer_store)]
