"""GET /maps/{view}: offline HTML maps, filters like the CLI, talent names masked for viewers."""

from __future__ import annotations

import json

import pytest

from api.maps import check_offline


def _contains(page: str, text: str) -> bool:
    return text in page or json.dumps(text)[1:-1] in page or json.dumps(text)[1:-1].lower() in page


@pytest.mark.parametrize(("path", "params"), [
    ("/maps/ecosystem", {}), ("/maps/ego", {"id": "u1"}), ("/maps/community", {"community": 0}),
    ("/maps/ecosystem", {"town": "丁蜀镇"}),
])
def test_views_render_offline_pages(client, path, params):
    response = client("viewer").get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    check_offline(response.text)


def test_viewer_map_masks_talent_names_matchmaker_map_shows_them(client):
    viewer_page = client("viewer").get("/maps/ego", params={"id": "u1"}).text
    matchmaker_page = client("matchmaker").get("/maps/ego", params={"id": "u1"}).text
    assert not _contains(viewer_page, "王小明") and _contains(viewer_page, "王**")
    assert _contains(matchmaker_page, "王小明")


def test_map_errors(client):
    viewer = client("viewer")
    assert viewer.get("/maps/ego", params={"id": "nope"}).status_code == 404
    assert viewer.get("/maps/ego").status_code == 422
    assert viewer.get("/maps/ecosystem", params={"tier": "xx"}).status_code == 422  # not a tier name
    assert viewer.get("/maps/globe").status_code == 422
    assert client(None).get("/maps/ecosystem").status_code == 401
