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

V_KEY, M_KEY, A_KEY = "viewer-key-0123456789", "matchmaker-key-0123456789", "admin-key-0123456789"


def test_keyring_parses_env_text_and_file(tmp_path):
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(f"# comment\nmatchmaker: {M_KEY}\n\nadmin:{A_KEY}\n", encoding="utf-8")
    ring = KeyRing.from_settings(ApiSettings(innonet_api_keys=f"viewer:{V_KEY}", innonet_api_keys_file=str(keys_file)))
    assert len(ring) == 3
    assert [ring.role_for(k) for k in (V_KEY, M_KEY, A_KEY, "x", "", None)] == [
        "viewer", "matchmaker", "admin", None, None, None,
    ]


def test_keyring_keeps_only_hashes():
    ring = KeyRing.from_text("admin:very-secret-key-0123")
    stored = vars(ring)
    assert "very-secret-key-0123" not in repr(stored)
    assert stored["_digests"][0][0] == hashlib.sha256(b"very-secret-key-0123").digest()


def test_same_key_for_two_roles_gets_the_stronger():
    assert KeyRing.from_text(f"viewer:{A_KEY},admin:{A_KEY}").role_for(A_KEY) == "admin"


@pytest.mark.parametrize(
    ("text", "message", "secret"),
    [
        ("viewer", "entry 1: expected 'role:key'", None),
        (f"viewer:{V_KEY},QZXWowner:QZXWpart-0123456789", "entry 2: the role before ':' is not one of", "QZXW"),
        ("admin:", "entry 1: expected 'role:key'", None),
        ("admin:Q", "entry 1 \\(admin\\): the key is too weak: use at least 16 random characters", "Q"),
        ("admin:QQQQQQQQQQQQQQQQQQQQQQQQ", "the key is too weak", "QQ"),
        ("admin:QZXW56789abcdef", "the key is too weak", "QZX"),
        ("QZXW7-secret-without-a-role-0123456789", "entry 1: expected 'role:key'", "QZX"),
    ],
)
def test_bad_key_entries_are_named_by_number_and_never_shown(text, message, secret):
    with pytest.raises(KeyConfigError, match=message) as raised:
        KeyRing.from_text(text)
    if secret is not None:
        assert secret not in str(raised.value)


def test_weak_keys_are_refused_when_built_in_code_too():
    with pytest.raises(KeyConfigError, match="key 1 \\(viewer\\): the key is too weak"):
        KeyRing([("viewer", "k")])


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


def test_wrong_keys_are_rate_limited_per_address_and_logged_without_the_key(api_store, api_keys, caplog):
    from fastapi.testclient import TestClient

    from api.http.app import create_app

    app = create_app(store=api_store, keyring=KeyRing(api_keys.items()),
                     api_settings=ApiSettings(innonet_auth_failures_per_minute=5))
    attacker = TestClient(app, client=("203.0.113.7", 50000), raise_server_exceptions=False)
    other = TestClient(app, client=("198.51.100.2", 50000), raise_server_exceptions=False)
    guesses = [f"guess-{i:04d}-abcdefghijkl" for i in range(40)]
    with caplog.at_level("WARNING", logger="innonet.api.auth"):
        codes = [attacker.get("/entities", headers={"X-API-Key": guess}).status_code for guess in guesses]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    locked = attacker.get("/entities", headers={"X-API-Key": api_keys["viewer"]})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0  # no more guessing, right or not
    assert locked.headers["content-type"] == "application/problem+json"
    assert other.get("/entities", headers={"X-API-Key": api_keys["viewer"]}).status_code == 200
    assert other.get("/health").status_code == 200
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "203.0.113.7" in logged and "refused for 60 s" in logged
    assert not any(guess in logged for guess in guesses)
    assert len(caplog.records) <= 7  # one line per counted failure and one for the lock-out, not 40


def test_the_limiter_doubles_each_lockout_and_forgets_quiet_addresses():
    from api.http.security import AuthLimiter

    limiter = AuthLimiter(per_minute=1, lockout=60, max_clients=2)
    assert limiter.failed("a", now=0) == 0 and limiter.failed("a", now=1) == 60
    assert limiter.retry_after("a", now=30) == 31 and limiter.retry_after("a", now=61) == 0
    assert limiter.failed("a", now=62) == 0 and limiter.failed("a", now=63) == 120
    limiter.failed("b", now=64), limiter.failed("c", now=65)
    assert limiter.retry_after("a", now=66) == 0  # evicted: at most max_clients addresses are kept


def test_docs_page_does_not_keep_the_key_in_the_browser(client):
    page = client(None).get("/docs").text
    assert '"persistAuthorization": false' in page
    assert '"persistAuthorization": true' not in page and "localStorage" not in page
