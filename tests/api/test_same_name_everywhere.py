"""The same typed name gives the same record through the library, the CLI and the API (issue: one resolver).

Every case of the resolver's table (``tests/graph/test_lookup.py``: exact name, alias, USCC in lower case and
full-width, short name, 宜兴 for 宜兴市, typos, ambiguous names, unknown names, people) goes through
:func:`graph.lookup.resolve`, ``innonet find --json`` and ``GET /resolve``; the outcome and the record (or the
candidates) must agree.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import cli
from api.http.app import create_app
from api.http.security import KeyRing
from graph.errors import AmbiguousNameError, NameNotFoundError
from graph.lookup import resolve
from graph.sqlite_store import SQLiteStore
from tests.graph.test_lookup import CASES, Case, load_nodes

KEY = "matchmaker-key-same-name-0123"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("same-name") / "names.db"
    store = SQLiteStore(path)
    load_nodes(store)
    app = create_app(store=store, keyring=KeyRing([("matchmaker", KEY)]))
    with TestClient(app) as client:
        client.headers["X-API-Key"] = KEY
        yield store, path, client
    store.close()


def _library(store: SQLiteStore, case: Case) -> tuple[str, Any]:
    try:
        return "found", resolve(store, case.text, kinds=case.kinds).id
    except AmbiguousNameError as exc:
        return "ambiguous", sorted(c.id for c in exc.candidates)
    except NameNotFoundError:
        return "not_found", None


def _cli(path: Any, case: Case, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    monkeypatch.setenv("INNONET_DB", str(path))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    args = ["find", case.text, "--json"] + [part for kind in (case.kinds or ()) for part in ("--kind", kind)]
    result = CliRunner().invoke(cli, args)
    answer = json.loads(result.output)
    assert (result.exit_code == 0) == (answer["outcome"] == "found"), result.output
    if answer["outcome"] == "found":
        return "found", answer["id"]
    if answer["outcome"] == "ambiguous":
        return "ambiguous", sorted(c["id"] for c in answer["candidates"])
    return "not_found", None


def _api(client: TestClient, case: Case) -> tuple[str, Any]:
    response = client.get("/resolve", params={"q": case.text, "kind": list(case.kinds or ())})
    if response.status_code == 200:
        return "found", response.json()["id"]
    body = response.json()
    if response.status_code == 409:
        return "ambiguous", sorted(c["id"] for c in body["candidates"])
    assert response.status_code == 404, body
    return "not_found", None


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_library_cli_and_api_agree(world: Any, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    store, path, client = world
    expected = (case.outcome, case.ids[0] if case.outcome == "found"
                else sorted(case.ids) if case.outcome == "ambiguous" else None)
    assert _library(store, case) == expected
    assert _cli(path, case, monkeypatch) == expected
    assert _api(client, case) == expected
