"""open_store and the store CLI commands, against SQLite and the test Bolt server."""

from __future__ import annotations

import json

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from api.cli import cli
from graph.connect import open_store
from graph.errors import StoreConnectionError
from graph.neo4j_store import Neo4jStore
from graph.settings import Settings
from graph.sqlite_store import SQLiteStore
from graph.testing import free_port

NEO4J_VARIABLES = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "INNONET_DB")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path):
    for name in NEO4J_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def _fill(store) -> None:
    store.upsert_nodes("Enterprise", [{"id": "e1", "name": "宜兴甲", "keywords": ["陶瓷"]}, {"id": "e2", "name": "乙"}])
    store.upsert_nodes("University", [{"id": "u1", "name": "江南大学"}])
    store.upsert_relationships(
        "COLLABORATES_WITH",
        [{"source": "e1", "target": "u1", "year": 2021}, {"source": "e2", "target": "u1", "key": "x"}],
    )


@pytest.fixture
def neo4j_env(monkeypatch, bolt_server, neo4j_driver):
    """Environment pointing the CLI at the test server, which holds the small graph."""
    store = Neo4jStore(neo4j_driver, database=bolt_server.database)
    store.clear()
    _fill(store)
    env = {
        "NEO4J_URI": bolt_server.uri,
        "NEO4J_USER": bolt_server.user,
        "NEO4J_PASSWORD": bolt_server.password,
        "NEO4J_DATABASE": bolt_server.database,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield store


def test_open_store_defaults_to_sqlite(tmp_path):
    store = open_store(Settings(innonet_db=str(tmp_path / "x.db")))
    assert isinstance(store, SQLiteStore) and store.description.endswith("x.db")
    store.close()
    assert isinstance(open_store(), SQLiteStore)  # INNONET_DB unset: ./innonet.db
    assert (tmp_path / "innonet.db").exists()


@pytest.mark.integration
def test_open_store_uses_neo4j_when_uri_is_set(neo4j_env, bolt_server):
    store = open_store()
    try:
        assert isinstance(store, Neo4jStore) and store.owns_driver
        assert bolt_server.uri.split("//")[1] in store.description
        assert store.counts() == neo4j_env.counts()
    finally:
        store.close()


@pytest.mark.integration
def test_wrong_password_is_a_one_line_error_naming_the_uri(bolt_server):
    settings = Settings(neo4j_uri=bolt_server.uri, neo4j_user=bolt_server.user, neo4j_password="wrong-password")
    with pytest.raises(StoreConnectionError) as info:
        open_store(settings)
    message = str(info.value)
    assert bolt_server.uri in message and "\n" not in message


def test_unreachable_port_is_a_one_line_error_naming_the_uri():
    uri = f"bolt://127.0.0.1:{free_port()}"
    with pytest.raises(StoreConnectionError) as info:
        open_store(Settings(neo4j_uri=uri, neo4j_password="x"))
    assert uri in str(info.value) and "\n" not in str(info.value)


def test_cli_unreachable_server_exits_2_with_one_line(monkeypatch):
    uri = f"bolt://127.0.0.1:{free_port()}"
    monkeypatch.setenv("NEO4J_URI", uri)
    result = CliRunner().invoke(cli, ["stats", "--json"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and uri in result.output


def test_stats_json_prints_exactly_counts_sqlite(tmp_path, monkeypatch):
    monkeypatch.setenv("INNONET_DB", str(tmp_path / "s.db"))
    store = SQLiteStore(tmp_path / "s.db")
    _fill(store)
    result = CliRunner().invoke(cli, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == store.counts()
    assert result.output.strip() == json.dumps(store.counts(), ensure_ascii=False)
    store.close()


@pytest.mark.integration
def test_stats_json_prints_exactly_counts_neo4j(neo4j_env):
    result = CliRunner().invoke(cli, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == json.dumps(neo4j_env.counts(), ensure_ascii=False)
    human = CliRunner().invoke(cli, ["stats"])
    assert "Neo4j bolt://" in human.output and "COLLABORATES_WITH" in human.output


def _read_back(fmt: str, out):
    if fmt == "graphml":
        return nx.read_graphml(out)
    if fmt == "gexf":
        return nx.read_gexf(out)
    nodes = pd.read_csv(out / "nodes.csv")
    edges = pd.read_csv(out / "edges.csv")
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(nodes.iloc[:, 0])
    graph.add_edges_from(zip(edges.iloc[:, 0], edges.iloc[:, 1]))
    return graph


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv"])
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("neo4j", marks=pytest.mark.integration)])
def test_export_writes_files_networkx_reads_back(fmt, backend, tmp_path, monkeypatch, request):
    if backend == "neo4j":
        request.getfixturevalue("neo4j_env")
    else:
        monkeypatch.setenv("INNONET_DB", str(tmp_path / "s.db"))
        store = SQLiteStore(tmp_path / "s.db")
        _fill(store)
        store.close()
    out = tmp_path / ("export" if fmt == "csv" else f"graph.{fmt}")
    result = CliRunner().invoke(cli, ["export", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    graph = _read_back(fmt, out)
    assert graph.number_of_nodes() == 3
    assert graph.number_of_edges() == 2
    assert set(map(str, graph.nodes)) == {"e1", "e2", "u1"}
