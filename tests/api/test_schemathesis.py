"""Property-based tests over the OpenAPI schema: with a valid admin key, no input gives a 5xx and every
response matches the schema (schemathesis over the ASGI app, against the small ``test`` demo store).

Bounded: a few examples per operation, so the whole module runs in well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.security import KeyRing
from graph.sqlite_store import SQLiteStore
from ingest.demo import load_demo

ADMIN_KEY = "schemathesis-admin"
MAX_EXAMPLES = 6

#: No 5xx, and status, content type, headers and body as documented.  (Schemathesis' "positive data
#: acceptance" is left out: a schema-valid id that is not in the store is rightly a 404, a valid
#: filter combination the data cannot satisfy rightly a 422 naming it.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _demo_app():
    import tempfile  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="innonet-schemathesis-")
    store = SQLiteStore(f"{folder}/demo.db")
    load_demo(store, f"{folder}/files", scale="test", seed=7)
    return create_app(store=store, keyring=KeyRing([("admin", ADMIN_KEY)]))


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def api_schema():
    return schemathesis.openapi.from_asgi("/openapi.json", _demo_app())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_KEY}"}, checks=CHECKS)


def test_schema_covers_every_route(api_schema):
    operations = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert ("GET", "/pairings/{entity_id}") in operations and ("POST", "/ingest") in operations
    assert ("DELETE", "/entities/{entity_id}") in operations and len(operations) >= 12
