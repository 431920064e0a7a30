"""GET /exports/{format}: GraphML, GEXF, Excel (admin only)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import networkx as nx
import openpyxl
import pytest


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_formats_round_trip(client, api_store, fmt):
    response = client("admin").get(f"/exports/{fmt}")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="innonet.{fmt}"'
    ET.fromstring(response.content)  # well-formed XML
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    graph = reader(io.BytesIO(response.content))
    counts = api_store.counts()
    assert graph.number_of_nodes() == sum(counts["nodes"].values())
    assert graph.number_of_edges() == sum(counts["relationships"].values())


def test_graph_export_filters_like_the_cli(client):
    response = client("admin").get("/exports/graphml", params={"kind": ["Enterprise", "University"],
                                                             "type": "COLLABORATES_WITH"})
    graph = nx.read_graphml(io.BytesIO(response.content))
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 1
    assert client("admin").get("/exports/graphml", params={"until_year": 2021}).status_code == 200
    assert client("admin").get("/exports/graphml", params={"kind": "Firm"}).status_code == 422


def test_xlsx_has_a_sheet_per_kind_and_relationships(client, api_store):
    response = client("admin").get("/exports/xlsx")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert set(book.sheetnames) == set(api_store.counts()["nodes"]) | {"relationships"}
    rows = list(book["Enterprise"].values)
    header = rows[0]
    keywords = [dict(zip(header, r, strict=True))["keywords"] for r in rows[1:]]
    assert "陶瓷; 新材料" in keywords
    assert len(list(book["relationships"].values)) == 1 + sum(api_store.counts()["relationships"].values())


def test_xlsx_strips_control_characters(client, api_store):
    api_store.upsert_nodes("Department", [{"id": "d1", "name": "科技局\x07"}])
    book = openpyxl.load_workbook(io.BytesIO(client("admin").get("/exports/xlsx").content), read_only=True)
    assert list(book["Department"].values)[1][1] == "科技局"


def test_unknown_format_is_422_and_non_admins_are_refused(client):
    assert client("admin").get("/exports/pdf").status_code == 422
    assert client("matchmaker").get("/exports/xlsx").status_code == 403
