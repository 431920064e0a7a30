"""Stub."""

from fastapi import APIRouter

from api.http.web.common import PREFIX, PageRoute

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)
