"""Keys, roles and masking: api.http.security, and their effect on the routes."""

from __future__ import annotations

import hashlib

import pytest

from api.http.security import (
    ApiSettings,
    KeyConfigError,
    KeyRing,
    MaskedStore,
    Principal,
    is_loopback,
    mask_name,
)


def test_keyring_parses_env_text_and_file(tmp_path):
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("# comment\nmatchmaker: m-key\n\nadmin:a-key\n", encoding="utf-8")
    ring = KeyRing.from_settings(ApiSettings(innonet_api_keys="viewer:v-key", innonet_api_keys_file=str(keys_file)))
    assert len(ring) == 3
    assert [ring.role_for(k) for k in ("v-key", "m-key", "a-key", "x", "", None)] == [
        "viewer", "matchmaker", "admin", None, None, None,
    ]


def test_keyring_keeps_only_hashes():
    ring = KeyRing.from_text("admin:very-secret-key")
    stored = vars(ring)
    assert "very-secret-key" not in repr(stored)
    assert stored["_digests"][0][0] == hashlib.sha256(b"very-secret-key").digest()


def test_same_key_for_two_roles_gets_the_stronger():
    assert KeyRing.from_text("viewer:k,admin:k").role_for("k") == "admin"


@pytest.mark.parametrize(
    ("text", "message"),
    [("viewer", "expected 'role:key'"), ("owner:k", "unknown role 'owner'"), ("admin:", "expected 'role:key'")],
)
def test_bad_key_entries_are_named(text, message):
    with pytest.raises(KeyConfigError, match=message):
        KeyRing.from_text(text)


def test_missing_keys_file_is_named(tmp_path):
    with pytest.raises(KeyConfigError, match="nope.txt"):
        KeyRing.from_settings(ApiSettings(innonet_api_keys_file=str(tmp_path / "nope.txt")))


def test_roles_are_cumulative():
    assert Principal("admin").can("matchmaker") and Principal("admin").can("viewer")
    assert Principal("matchmaker").can("viewer") and not Principal("matchmaker").can("admin")
    assert not Principal("viewer").sees_personal_data and Principal("matchmaker").sees_personal_data


def test_loopback_detection():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "::", "example.org"))


def test_mask_name_keeps_only_first_character():
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张") == "张*"
    assert mask_name("Alice") == "A***"


def test_masked_store_masks_nodes_and_neighbours_and_refuses_writes(api_store):
    view = MaskedStore(api_store)
    talents = view.nodes(kind="Talent").set_index("id")
    assert talents.loc["t1", "name"] == "王**" and talents.loc["t1", "email"] == "***"
    assert talents.loc["t1", "phone"] == "***" and talents.loc["t2", "name"] == "李*"
    neighbours = view.neighbours("u1").set_index("id")
    assert neighbours.loc["t1", "name"] == "王**"
    assert view.nodes(ids=["u1"]).loc[0, "name"] == "江南大学"
    with pytest.raises(PermissionError):
        view.upsert_nodes("Talent", [{"id": "t9", "name": "x"}])
    with pytest.raises(PermissionError):
        view.delete_nodes(["t1"])
    assert api_store.nodes(ids=["t1"]).loc[0, "name"] == "王小明"


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_both_key_headers_are_accepted(client, api_keys, header):
    value = f"Bearer {api_keys['viewer']}" if header == "Authorization" else api_keys["viewer"]
    response = client(None).get("/entities", headers={header: value})
    assert response.status_code == 200


def test_missing_and_wrong_keys_give_401_with_bearer_challenge(client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-API-Key": "wrong"}, {"Authorization": "Basic abc"}):
        response = client(None).get("/entities", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401


def test_weaker_role_gets_403_naming_the_role(client):
    response = client("matchmaker").delete("/entities/e2")
    assert response.status_code == 403
    assert "'admin'" in response.json()["detail"] and "'matchmaker'" in response.json()["detail"]
    assert client("viewer").get("/exports/graphml").status_code == 403


def test_viewer_sees_masked_talents_matchmaker_sees_names(client):
    viewer = client("viewer").get("/entities", params={"kind": "Talent"}).json()["items"]
    assert {t["name"] for t in viewer} == {"王**", "李*"}
    assert next(t for t in viewer if t["id"] == "t1")["email"] == "***"
    matchmaker = client("matchmaker").get("/entities", params={"kind": "Talent"}).json()["items"]
    assert {t["name"] for t in matchmaker} == {"王小明", "李四"}
    assert next(t for t in matchmaker if t["id"] == "t1")["phone"] == "13800000001"


def test_viewer_cannot_find_a_talent_by_name_or_see_it_among_neighbours(client):
    assert client("viewer").get("/entities", params={"q": "王小明", "kind": "Talent"}).json()["total"] == 0
    assert client("matchmaker").get("/entities", params={"q": "王小明"}).json()["items"][0]["id"] == "t1"
    one = client("viewer").get("/entities/t1").json()
    assert one["name"] == "王**" and one["email"] == "***"
    university = client("viewer").get("/entities/u1").json()
    assert [n["name"] for n in university["neighbours"] if n["id"] == "t1"] == ["王**"]
    assert "王小明" not in client("viewer").get("/entities/u1").text
