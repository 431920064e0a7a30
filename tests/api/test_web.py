"""The web workbench without a browser: sessions, CSRF, roles and masking, search, the organisation page."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.security import ApiSettings, KeyRing
from api.http.web import session as web_session
from graph.sqlite_store import SQLiteStore
from tests.api.conftest import fill_pairing_world, fill_small_network

KEYS = {"viewer": "viewer-key-0123456789", "matchmaker": "matchmaker-key-0123456789", "admin": "admin-key-0123456789"}
HOSTILE = '<script>window.__xss=1</script>=HYPERLINK("http://x")'


def web_world(store: SQLiteStore) -> None:
    fill_small_network(store)
    fill_pairing_world(store, n_firms=40, n_unis=6)
    store.upsert_nodes("Enterprise", [{"id": "e-hostile", "name": HOSTILE, "town": "丁蜀镇"}])
    store.upsert_relationships("COLLABORATES_WITH", [{"source": "e-hostile", "target": "u1", "year": 2020}])


@pytest.fixture
def web_app(sqlite_store: SQLiteStore) -> FastAPI:
    web_world(sqlite_store)
    return create_app(store=sqlite_store, keyring=KeyRing(KEYS.items()),
                      api_settings=ApiSettings(innonet_max_upload_mb=2))


@pytest.fixture
def browser_client(web_app: FastAPI) -> Iterator[Callable[..., TestClient]]:
    """``browser_client(role)`` → a TestClient that signed in through the form (None: not signed in)."""
    opened: list[TestClient] = []

    def make(role: str | None = "matchmaker", base_url: str = "http://testserver") -> TestClient:
        client = TestClient(web_app, base_url=base_url, raise_server_exceptions=True)
        client.__enter__()
        web_app.state.cache.wait_idle()  # the start-up fit of the recommender (a background thread)
        opened.append(client)
        if role is not None:
            response = sign_in(client, KEYS[role])
            assert response.status_code == 303, response.text
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, key: str, next: str = "/web/") -> object:
    form = client.get("/web/signin")
    return client.post("/web/signin", data={"key": key, "csrf": csrf_of(form.text), "next": next},
                       follow_redirects=False)


def test_root_opens_the_workbench_and_pages_need_a_session(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client(None)
    assert client.get("/", follow_redirects=False).headers["location"] == "/web/"
    response = client.get("/web/org?id=e001", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/web/signin?why=signin&next=%2Fweb%2Forg%3Fid%3De001"
    assert client.get("/web/suggest?q=精陶", follow_redirects=False).status_code == 303


def test_sign_in_sets_a_strict_http_only_cookie_without_the_key(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client(None)
    response = sign_in(client, KEYS["matchmaker"], next="/web/org?id=e001")
    assert response.status_code == 303 and response.headers["location"] == "/web/org?id=e001"
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("innonet_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=32400" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert KEYS["matchmaker"] not in cookie
    assert client.get("/web/").status_code == 200


def test_sign_in_over_tls_sets_a_secure_host_cookie(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client(None, base_url="https://testserver")
    response = sign_in(client, KEYS["viewer"])
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "innonet_session" in v)
    assert cookie.startswith("__Host-innonet_session=") and "Secure" in cookie
    assert client.get("/web/").status_code == 200


def test_a_wrong_key_is_refused_and_the_next_target_never_leaves_the_site(
        browser_client: Callable[..., TestClient]) -> None:
    client = browser_client(None)
    response = sign_in(client, "not-a-key-at-all-0000")
    assert response.status_code == 401 and "密钥无效" in response.text
    assert "innonet_session" not in client.cookies
    for target in ("https://evil.example/", "//evil.example/", "/docs", "/web/\\evil"):
        assert sign_in(browser_client(None), KEYS["viewer"], next=target).headers["location"] == "/web/"


def test_forms_without_their_csrf_token_are_refused(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client(None)
    client.get("/web/signin")
    refused = client.post("/web/signin", data={"key": KEYS["admin"]}, follow_redirects=False)
    assert refused.status_code == 403 and "innonet_session" not in client.cookies
    other = browser_client(None)  # a token from another browser's form does not fit this one's cookie
    token = csrf_of(other.get("/web/signin").text)
    assert client.post("/web/signin", data={"key": KEYS["admin"], "csrf": token}).status_code == 403
    signed = browser_client("matchmaker")
    assert signed.post("/web/signout", data={}, follow_redirects=False).status_code == 403
    assert signed.post("/web/signout", data={"csrf": "x" * 43}, follow_redirects=False).status_code == 403
    cross = signed.post("/web/signout", data={"csrf": csrf_of(signed.get("/web/").text)},
                        headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert cross.status_code == 403
    assert signed.get("/web/", follow_redirects=False).status_code == 200  # still signed in


def test_sign_out_clears_the_cookie_and_revokes_the_session(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client("admin")
    stolen = client.cookies.get("innonet_session")
    response = client.post("/web/signout", data={"csrf": csrf_of(client.get("/web/").text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/web/signin?why=signout"
    assert client.get("/web/", follow_redirects=False).status_code == 303
    replay = browser_client(None)
    replay.cookies.set("innonet_session", stolen)
    assert replay.get("/web/", follow_redirects=False).status_code == 303


def test_an_expired_or_tampered_session_goes_back_to_sign_in(browser_client: Callable[..., TestClient],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    client = browser_client("viewer")
    cookie = client.cookies.get("innonet_session")
    body, mac = cookie.split(".")
    forged = web_session._b64(web_session._unb64(body).replace(b'"viewer"', b'"admin"')) + "." + mac
    tampered = browser_client(None)
    tampered.cookies.set("innonet_session", forged)
    assert tampered.get("/web/", follow_redirects=False).status_code == 303
    later = time.time() + 8 * 3600 + 5

    class Later:
        @staticmethod
        def time() -> float:
            return later

    monkeypatch.setattr(web_session, "time", Later)
    client.cookies.clear()  # a browser may drop the cookie at its Max-Age; the server refuses it anyway
    response = client.get("/web/search", headers={"Cookie": f"innonet_session={cookie}"}, follow_redirects=False)
    assert response.status_code == 303 and "why=expired" in response.headers["location"]
    assert "会话已过期" in client.get(response.headers["location"]).text


def test_the_search_box_finds_names_as_people_type_them(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client("viewer")
    suggestions = client.get("/web/suggest", params={"q": "精陶"}).json()
    assert suggestions[0]["name"] == "宜兴市精陶科技有限公司" and suggestions[0]["url"].startswith("/web/org?id=")
    # short name, no 市, no 有限公司: straight to the page
    assert client.get("/web/search", params={"q": "宜兴精陶科技"}, follow_redirects=False).headers["location"] \
        == "/web/org?id=91320282MA1XXXXXX1"
    assert client.get("/web/search", params={"q": "91320282MA1XXXXXX1"}, follow_redirects=False).status_code == 303
    assert client.get("/web/search", params={"q": "宜兴环保设备厂"}, follow_redirects=False).headers["location"] \
        == "/web/org?id=e2"  # an alias
    listing = client.get("/web/search", params={"q": "宜兴企业1", "all": "1"})
    assert listing.status_code == 200 and "宜兴企业10" in listing.text and "宜兴企业11" in listing.text


def test_viewers_see_masked_talents_and_no_pairings(browser_client: Callable[..., TestClient]) -> None:
    viewer = browser_client("viewer")
    page = viewer.get("/web/org", params={"id": "u1"}).text
    assert "王**" in page and "王小明" not in page and "wang@example.cn" not in page
    assert viewer.get("/web/suggest", params={"q": "王小明"}).json() == []
    assert "王小明" not in viewer.get("/web/org", params={"id": "t1"}).text
    firm = viewer.get("/web/org", params={"id": "e001"}).text
    assert 'id="pairings"' not in firm and "推荐对接" not in firm
    assert "对接会" not in viewer.get("/web/").text  # no events in the nav
    assert viewer.get("/web/events").status_code == 403
    workbook = openpyxl.load_workbook(io.BytesIO(viewer.get("/web/org/profile.xlsx", params={"id": "u1"}).content))
    cells = [str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if "王小明" in c] and "推荐对接" not in workbook.sheetnames


def test_matchmakers_read_pairing_cards_with_reasons(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client("matchmaker")
    page = client.get("/web/org", params={"id": "e001"}).text
    assert 'id="pairings"' in page and page.count('class="pair"') >= 3
    assert "推荐理由" in page and "匹配指数" in page  # a 0-100 match index with its meaning, not a probability
    assert "王小明" in client.get("/web/org", params={"id": "u1"}).text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/web/org/profile.xlsx", params={"id": "e001"}).content))
    assert "推荐对接" in workbook.sheetnames


def test_hostile_names_are_text_and_never_formulas(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client("matchmaker")
    page = client.get("/web/org", params={"id": "e-hostile"})
    assert "<script>window.__xss" not in page.text and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/web/org/profile.xlsx",
                                                         params={"id": "e-hostile"}).content))["概况"]
    name = next(row[1] for row in sheet.iter_rows() if row[0].value == "名称")
    assert name.value == HOSTILE and name.data_type == "s"
    suggestion = client.get("/web/suggest", params={"q": "HYPERLINK"}).json()
    assert suggestion[0]["name"] == HOSTILE  # JSON; the script writes it with textContent


def test_an_unknown_id_is_a_page_with_suggestions(browser_client: Callable[..., TestClient]) -> None:
    client = browser_client("viewer")
    missing = client.get("/web/org", params={"id": "宜兴精陶科枝"})  # a typo typed into the address
    assert missing.status_code in (200, 303) or missing.history
    assert "宜兴市精陶科技有限公司" in missing.text
    nothing = client.get("/web/org", params={"id": "完全不存在的单位名称"})
    assert nothing.status_code == 404 and "没有找到" in nothing.text


def _event(client: TestClient, name: str = "2022环保对接会") -> tuple[str, str]:
    token = csrf_of(client.get("/web/events").text)
    created = client.post("/web/events", data={"csrf": token, "name": name, "date": "2022-05-18", "town": "丁蜀镇"},
                          follow_redirects=False)
    assert created.status_code == 303
    return created.headers["location"], token


def test_an_uploaded_list_goes_through_the_one_attendee_reader(
        browser_client: Callable[..., TestClient], sqlite_store: SQLiteStore) -> None:
    """A header that only contains 单位 (参会单位名称（盖章）), a title row, 编号 1..N that are no ids, a 合计 row: the
    same reader as `innonet schedule --attendees` (ingest.attendees.read_attendee_list)."""
    client = browser_client("matchmaker")
    url, token = _event(client, "2022陶瓷对接会")
    event_id = url.split("id=")[1].replace("%3A", ":")
    signups = ("2022年陶瓷对接会报名表\n编号,参会单位名称（盖章）,联系人\n1,宜兴企业1,张\n2,大学,李\n3,大学2,王\n"
               "合计,3家,\n").encode("gb18030")
    uploaded = client.post("/web/event/signup", data={"csrf": token, "id": event_id},
                           files={"file": ("报名.csv", signups, "text/csv")})
    assert uploaded.status_code == 200 and "已加入 2 位参会方" in uploaded.text
    assert '<option value="u01">' in uploaded.text and ">4<" in uploaded.text  # 大学 on row 4: pick among candidates
    assert {"e001", "u02"} <= set(sqlite_store.neighbours(event_id, type="ATTENDED")["id"])
    nothing = client.post("/web/event/signup", data={"csrf": token, "id": event_id},
                          files={"file": ("名单.csv", b"x,y\n1,2\n", "text/csv")})
    assert nothing.status_code == 400 and "no attendee column" in nothing.text
    assert "名单.csv" in nothing.text and "innonet-web-signup" not in nothing.text  # the upload's name, not a temp path


def test_a_matchmaker_plans_an_event_from_an_uploaded_list_and_records_outcomes(
        browser_client: Callable[..., TestClient], sqlite_store: SQLiteStore) -> None:
    client = browser_client("matchmaker")
    url, token = _event(client)
    event_id = url.split("id=")[1].replace("%3A", ":")
    signups = ("单位名称,联系人\n宜兴企业1,张\n宜兴企业2,李\n宜兴企业3,王\n宜兴企业5,周\n大学1,赵\n大学2,钱\n大学3,孙\n"
               "宜兴企业99999,某\n大学,某\n").encode("gb18030")  # a GB18030 CSV, as such lists arrive
    uploaded = client.post("/web/event/signup", data={"csrf": token, "id": event_id},
                           files={"file": ("报名.csv", signups, "text/csv")})
    assert uploaded.status_code == 200 and "已加入 7 位参会方" in uploaded.text
    assert "宜兴企业99999" in uploaded.text and 'name="pick_1"' in uploaded.text  # unknown and ambiguous, listed
    fixed = client.post("/web/event/fix", data={"csrf": token, "id": event_id, "text_0": "宜兴企业99999",
                                                "fix_0": "宜兴企业7", "text_1": "大学", "pick_1": "u04"})
    assert "已加入 2 位参会方" in fixed.text
    attended = set(sqlite_store.neighbours(event_id, type="ATTENDED")["id"])
    assert {"e001", "e002", "e003", "e005", "e007", "u01", "u02", "u03", "u04"} <= attended
    planned = client.post("/web/event/plan", data={"csrf": token, "id": event_id, "slots": 3, "max_meetings": 2,
                                                   "tables": 2, "min_score": 0, "start": "09:30", "minutes": 15},
                          follow_redirects=False)
    assert planned.status_code == 303, planned.text
    page = client.get(url).text
    assert "09:30–09:45" in page and 'name="outcome_0"' in page
    meetings = page.count('name="outcome_')
    assert 1 <= meetings <= 6  # two tables in each of three slots
    assert client.post("/web/event/outcomes", data={"id": event_id, "outcome_0": "signed"}).status_code == 403
    client.post("/web/event/outcomes", data={"csrf": token, "id": event_id, "outcome_0": "signed",
                                             "outcome_1": "none"})
    met = sqlite_store.relationships("MET")
    met = met[met["event"] == event_id]
    assert sorted(met["outcome"]) == (["none", "signed"] if meetings > 1 else ["signed"])
    assert set(met["key"]) == {event_id.removeprefix("event:")}
    page = client.get(url).text
    assert "50%" in page or meetings == 1
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/web/event/agenda.xlsx", params={"id": event_id}).content))
    assert workbook.sheetnames == ["按时段", "按单位", "参会名单"]
    assert workbook["按时段"]["B1"].value == "时间 / time" and workbook["按时段"]["B2"].value == "09:30–09:45"
    event_map = client.get("/web/event/map.html", params={"id": event_id})
    assert event_map.status_code == 200 and "PROPOSED_MEETING" in event_map.text
    listing = client.get("/web/events").text
    assert "2022环保对接会" in listing


def test_maps_and_reports_pages_for_each_role(browser_client: Callable[..., TestClient], tmp_path) -> None:
    viewer = browser_client("viewer")
    assert "竹海全景" in viewer.get("/web/maps").text
    ecosystem = viewer.get("/web/maps/view", params={"view": "ecosystem"})
    assert ecosystem.status_code == 200 and "王小明" not in ecosystem.text
    ego = viewer.get("/web/maps/view", params={"view": "ego", "id": "江南大学"})
    assert ego.status_code == 200 and "王小明" not in ego.text and "matchmakers only" in ego.text
    saved = viewer.get("/web/maps/view", params={"view": "city", "download": "1"})
    assert saved.headers["content-disposition"] == 'attachment; filename="map-city.html"'
    assert viewer.get("/web/maps/view", params={"view": "ego"}).status_code == 422
    matchmaker = browser_client("matchmaker")
    assert "王小明" in matchmaker.get("/web/maps/view", params={"view": "ego", "id": "江南大学"}).text
    reports = viewer.get("/web/reports")
    assert reports.status_code == 200 and "run-report" not in reports.text
    assert viewer.post("/web/reports/run", data={"csrf": csrf_of(reports.text)}).status_code == 403
    assert viewer.get("/web/reports/file", params={"name": "../../etc/passwd"}).status_code == 404


def test_an_admin_runs_the_report_of_a_period_and_town(browser_client: Callable[..., TestClient], web_app: FastAPI,
                                                        tmp_path) -> None:
    web_app.state.web_report_dir = str(tmp_path / "reports")
    admin = browser_client("admin")
    page = admin.get("/web/reports", params={"period": "2022", "town": "丁蜀镇"}).text
    assert "run-report" in page and "no-report-files" in page
    started = admin.post("/web/reports/run", data={"csrf": csrf_of(page), "period": "2022", "town": "丁蜀镇"},
                         follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == "/web/reports?period=2022&town=%E4%B8%81%E8%9C%80%E9%95%87"
    deadline = time.monotonic() + 240
    while web_app.state.web_report_job["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
    job = web_app.state.web_report_job
    assert job["state"] == "done" and job["title"].endswith("2022年度 · 丁蜀镇"), job
    assert (tmp_path / "reports" / "2022-丁蜀镇" / "report.docx").is_file()
    page = admin.get("/web/reports", params={"period": "2022", "town": "丁蜀镇"}).text
    assert "analysis.xlsx" in page and "已完成" in page and "name=analysis.xlsx&amp;period=2022&amp;town=%E4%B8%81%E8%9C%80%E9%95%87" in page
    download = admin.get("/web/reports/file", params={"name": "report.docx", "period": "2022", "town": "丁蜀镇"})
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert admin.get("/web/reports/file", params={"name": "report.docx"}).status_code == 404  # not the latest's
    assert "no-report-files" in admin.get("/web/reports", params={"period": "2022-Q3"}).text  # another period


def test_the_reports_page_shows_the_chosen_period_and_town(browser_client: Callable[..., TestClient],
                                                           web_app: FastAPI) -> None:
    store = web_app.state.store
    store.upsert_nodes("Tier", [{"id": "tier:高新技术企业", "name": "高新技术企业", "rank": 2}])
    store.upsert_relationships("REACHED_TIER", [{"source": "e001", "target": "tier:高新技术企业", "key": "2022",
                                                 "year": 2022, "date": "2022-08-01"}])
    store.upsert_nodes("Target", [{"id": "t:丁蜀", "name": "丁蜀 高企", "town": "丁蜀镇", "period": "2022",
                                   "indicator": "新认定高新技术企业", "value": 2.0}])
    viewer = browser_client("viewer")
    page = viewer.get("/web/reports", params={"period": "2022-Q3", "town": "丁蜀镇"}).text
    assert "2022年第三季度 · 丁蜀镇" in page and 'value="2022-Q3" selected' in page and "<option selected>丁蜀镇" in page
    row = re.search(r"<tr class=\"behind\"><td data-label=\"行动\">3</td><td>新认定高企[^<]*</td>(.*?)</tr>", page, re.DOTALL)
    assert row, "the 高企 row is marked behind schedule"
    cells = re.findall(r'<td class="num" data-label="([^"]+)">(.*?)</td>', row.group(1), re.DOTALL)
    values = {label: re.sub(r"<[^>]+>", "", html).strip() for label, html in cells}
    # one new certificate in 2022-08 of a target of 2: 50 % done, 75 % of the year gone
    assert values["本期"] == "1" and values["累计"] == "1" and values["完成率"] == "50%" and values["序时进度"] == "75%"
    assert values["目标"].startswith("2")
    city = viewer.get("/web/reports", params={"period": "2022-11"}).text
    assert "2022年11月" in city and "全市 city-wide" in city and "run-report" not in city
    for bad, named in (({"period": "2022-Q7"}, "参数 period"), ({"town": "../../etc"}, "参数 town")):
        response = viewer.get("/web/reports", params=bad)
        assert response.status_code == 200 and named in response.text and 'role="alert"' in response.text
    assert viewer.get("/web/reports/file", params={"name": "report.pdf", "town": "../.."}).status_code == 422


def test_wrong_keys_on_the_sign_in_page_are_rate_limited(browser_client: Callable[..., TestClient],
                                                         web_app: FastAPI) -> None:
    client = browser_client(None)
    limit = web_app.state.auth_limiter.per_minute
    statuses = [sign_in(client, f"wrong-key-{n:04d}-abcdefgh").status_code for n in range(limit + 1)]
    assert statuses[:limit] == [401] * limit and statuses[-1] == 429  # the API's budget of wrong keys
    refused = sign_in(client, KEYS["matchmaker"])  # a right key waits too, so guessing cannot go on
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0 and "秒后再试" in refused.text


def test_the_reports_page_reads_traditional_towns_keeps_the_period_and_shows_every_target(
        browser_client: Callable[..., TestClient], web_app: FastAPI, tmp_path) -> None:
    web_app.state.web_report_dir = str(tmp_path / "reports")
    store = web_app.state.store
    store.upsert_nodes("Tier", [{"id": "tier:高新技术企业", "name": "高新技术企业", "rank": 2}])
    store.upsert_relationships("REACHED_TIER", [{"source": "e001", "target": "tier:高新技术企业", "key": "2022",
                                                 "year": 2022, "date": "2022-08-01"}])
    store.upsert_nodes("Target", [
        {"id": "t:y", "name": "丁蜀 高企", "town": "丁蜀镇", "period": "2022", "indicator": "新认定高新技术企业",
         "value": 4.0},
        {"id": "t:y2", "name": "丁蜀 高企2", "town": "丁蜀镇", "period": "2022", "indicator": "新认定高企(家)",
         "value": 3.0},  # the same indicator given another target: a conflict
        {"id": "t:q", "name": "丁蜀 高企 Q3", "town": "丁蜀镇", "period": "2022-Q3", "indicator": "新认定高新技术企业",
         "value": 2.0}])
    folder = tmp_path / "reports" / "2022-Q3-丁蜀镇"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    viewer = browser_client("viewer")
    page = viewer.get("/web/reports", params={"period": "2022-Q3", "town": "丁蜀鎮"}).text
    assert 'role="alert"' not in page and "2022年第三季度 · 丁蜀镇" in page
    rows = re.findall(r"<tr class=\"[^\"]*\"><td data-label=\"行动\">3</td><td>新认定高企.*?</tr>", page, re.DOTALL)
    assert len(rows) == 2 and "2022-Q3" in rows[1]  # the year's target and the quarter's
    assert "conflict" in rows[0] and "滞后 behind" in rows[0]  # 1 of 4 at 75 % of the year: both shown
    assert str(folder) in page and "--out" in page  # where the command line must write
    assert viewer.get("/web/reports/file", params={"name": "report.html", "period": "2022-Q3",
                                                   "town": "丁蜀鎮"}).status_code == 200
    wrong = viewer.get("/web/reports", params={"period": "2022-Q3", "town": "火星镇"}).text
    assert 'role="alert"' in wrong and "2022年第三季度" in wrong and 'value="2022-Q3" selected' in wrong


def test_analyze_help_names_the_folder_the_reports_page_reads() -> None:
    from click.testing import CliRunner

    from api.cli.analyze import analyze

    text = " ".join(CliRunner().invoke(analyze, ["--help"]).output.split())
    assert "INNONET_REPORT_DIR" in text and "<period>-<town>" in text
