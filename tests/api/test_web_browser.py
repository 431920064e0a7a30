"""The web workbench in Debian's Chromium (Playwright): each page and each role, as people use them.

A uvicorn server runs the app in a thread over a small SQLite world; every request the pages make is
recorded, and anything not addressed to that server fails the test.  Screenshots at 1280 and 390 px go
to ``INNONET_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.http.app import create_app
from api.http.security import ApiSettings, KeyRing
from api.http.web.session import SessionSettings
from graph.sqlite_store import SQLiteStore
from graph.testing import free_port
from tests.api.test_web import HOSTILE, KEYS, web_world

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    folder = tmp_path_factory.mktemp("web")
    store = SQLiteStore(folder / "web.db")
    web_world(store)
    app = create_app(store=store, keyring=KeyRing(KEYS.items()), api_settings=ApiSettings(innonet_max_upload_mb=2))
    app.state.web_report_dir = str(folder / "reports")
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        instance.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("INNONET_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Visit:
    """A browser context (its own cookies) on the test server, recording requests, errors and console."""

    def __init__(self, browser: Any, base: str, width: int = 1280) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))

        def guard(route: Any, request: Any) -> None:
            if request.url.startswith(base):
                route.continue_()
            else:
                self.outside.append(request.url)
                route.abort()

        self.context.route("**/*", guard)

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def sign_in(self, role: str) -> None:
        self.go("/web/")
        assert "/web/signin" in self.page.url
        self.page.fill("input[name=key]", KEYS[role])
        self.page.click("form.stack button[type=submit]")
        self.page.wait_for_url(f"{self.base}/web/")

    def shot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def clean(self) -> None:
        assert self.outside == []
        assert self.errors == []
        assert not [c for c in self.console if c.startswith("error")], self.console

    def close(self) -> None:
        self.context.close()


def test_matchmaker_signs_in_finds_a_firm_reads_pairings_and_signs_out(browser: Any, server: Any,
                                                                      shots: Path) -> None:
    base, _ = server
    visit = Visit(browser, base)
    try:
        visit.go("/web/")
        visit.shot(shots, "signin-1280")
        visit.sign_in("matchmaker")
        visit.shot(shots, "home-1280")
        box = visit.page.locator("main input[type=search]")
        box.type("宜兴精陶", delay=30)  # no 市, no 有限公司
        visit.page.wait_for_selector("ul.suggest li")
        assert visit.page.locator("ul.suggest li").first.inner_text().startswith("宜兴市精陶科技有限公司")
        visit.page.locator("ul.suggest li").first.click()
        visit.page.wait_for_url("**/web/org?id=91320282MA1XXXXXX1")
        assert visit.page.locator("h1").first.inner_text().startswith("宜兴市精陶科技有限公司")
        visit.go("/web/org?id=e001")
        cards = visit.page.locator("#pairings article.pair")
        assert cards.count() >= 3
        assert "推荐理由" in cards.first.inner_text()
        visit.shot(shots, "organisation-matchmaker-1280")
        visit.page.click("#signout")
        visit.page.wait_for_url("**/web/signin?why=signout")
        assert "已退出登录" in visit.page.content()
        visit.go("/web/org?id=e001")
        assert "/web/signin" in visit.page.url
        visit.clean()
    finally:
        visit.close()


def test_phone_width_pages_fit_the_screen(browser: Any, server: Any, shots: Path) -> None:
    base, _ = server
    visit = Visit(browser, base, width=390)
    try:
        visit.sign_in("matchmaker")
        for name, path in (("home", "/web/"), ("organisation", "/web/org?id=e001"), ("events", "/web/events"),
                           ("maps", "/web/maps"), ("reports", "/web/reports"), ("search", "/web/search?q=宜兴企业1&all=1")):
            visit.go(path)
            width = visit.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{name} is {width} px wide at phone width"
            visit.shot(shots, f"{name}-390")
        visit.clean()
    finally:
        visit.close()


def test_viewer_sees_no_talent_names_and_no_pairings(browser: Any, server: Any, shots: Path) -> None:
    base, _ = server
    visit = Visit(browser, base)
    try:
        visit.sign_in("viewer")
        assert visit.page.locator("header nav a", has_text="对接会").count() == 0
        visit.go("/web/org?id=u1")
        text = visit.page.inner_text("main")
        assert "王**" in text and "王小明" not in text and "wang@example.cn" not in text
        visit.go("/web/org?id=e001")
        assert visit.page.locator("#pairings").count() == 0
        visit.shot(shots, "organisation-viewer-1280")
        box = visit.page.locator("header input[type=search]")
        box.type("王小明", delay=30)
        time.sleep(0.6)
        assert "王小明" not in visit.page.inner_text("body")
        visit.clean()
        response = visit.go("/web/events")
        assert response.status == 403
    finally:
        visit.close()


def test_hostile_names_are_shown_as_text(browser: Any, server: Any) -> None:
    base, _ = server
    visit = Visit(browser, base)
    try:
        visit.sign_in("matchmaker")
        visit.go("/web/org?id=e-hostile")
        assert visit.page.locator("h1").first.inner_text().startswith(HOSTILE)
        visit.page.locator("header input[type=search]").type("HYPERLINK", delay=20)
        visit.page.wait_for_selector("ul.suggest li")
        assert visit.page.locator("ul.suggest li span").first.inner_text() == HOSTILE
        visit.go("/web/search?q=script&all=1")
        assert visit.page.evaluate("window.__xss") is None
        assert visit.page.evaluate("document.querySelectorAll('main script').length") == 0
        visit.clean()
    finally:
        visit.close()


def test_a_form_without_its_csrf_token_is_refused(browser: Any, server: Any) -> None:
    base, _ = server
    visit = Visit(browser, base)
    try:
        visit.sign_in("admin")
        visit.page.evaluate("document.querySelector('#signout').form.querySelector('[name=csrf]').remove()")
        with visit.page.expect_navigation():
            visit.page.click("#signout")
        assert "表单已失效" in visit.page.content()
        visit.go("/web/")
        assert visit.page.url.endswith("/web/")  # still signed in: the refused form did nothing
    finally:
        visit.close()


def test_an_expired_session_asks_to_sign_in_again(browser: Any, server: Any) -> None:
    base, app = server
    before = getattr(app.state, "web_session", None)
    app.state.web_session = SessionSettings(b"e" * 32, seconds=5.0)  # long enough to sign in on a busy machine
    visit = Visit(browser, base)
    try:
        visit.sign_in("viewer")
        time.sleep(5.5)
        visit.go("/web/maps")
        assert "why=expired" in visit.page.url and "会话已过期" in visit.page.content()
    finally:
        app.state.web_session = before
        visit.close()


def test_matchmaker_plans_an_event_from_an_uploaded_list_and_records_outcomes(
        browser: Any, server: Any, shots: Path, tmp_path: Path) -> None:
    base, _ = server
    signups = tmp_path / "报名表.csv"
    signups.write_bytes("序号,单位名称,联系人\n1,宜兴企业1,张\n2,宜兴企业2,李\n3,宜兴企业3,王\n4,宜兴企业4,周\n"
                        "5,大学1,赵\n6,大学2,钱\n7,大学3,孙\n8,宜兴某某不存在材料厂,吴\n".encode("gb18030"))
    visit = Visit(browser, base)
    try:
        visit.sign_in("matchmaker")
        visit.go("/web/events")
        visit.page.fill("#new-event input[name=name]", "2022 环保产业对接会")
        visit.page.fill("#new-event input[name=date]", "2022-06-01")
        visit.page.click("#new-event button")
        visit.page.wait_for_url("**/web/event?id=*")
        visit.page.set_input_files("#signup input[type=file]", str(signups))
        visit.page.click("#signup form button")
        visit.page.wait_for_selector("#problems")
        assert "宜兴某某不存在材料厂" in visit.page.inner_text("#problems")
        visit.shot(shots, "event-signup-problems-1280")
        visit.page.fill("#problems input[name=fix_0]", "宜兴企业8")
        visit.page.click("#fix-form button")
        visit.page.wait_for_selector("text=已加入 1 位参会方")
        visit.page.fill("#plan-form input[name=slots]", "3")
        visit.page.fill("#plan-form input[name=max_meetings]", "2")
        visit.page.click("#plan-form button")
        visit.page.wait_for_selector("#meetings")
        rows = visit.page.locator("#meetings tbody tr").count()
        assert rows >= 2
        visit.page.select_option("#meetings select >> nth=0", "signed")
        visit.page.select_option("#meetings select >> nth=1", "follow-up")
        visit.page.click("#outcome-form button")
        visit.page.wait_for_selector(".stat")
        assert visit.page.inner_text(".stat") == f"{round(2 / 2 * 100)}%"  # two recorded, both hits
        visit.shot(shots, "event-1280")
        with visit.page.expect_download() as download:
            visit.page.click("text=日程 Excel")
        assert download.value.suggested_filename.endswith("agenda.xlsx")
        visit.clean()
    finally:
        visit.close()


def test_maps_page_opens_a_map_and_reports_page_lists_files(browser: Any, server: Any, shots: Path) -> None:
    base, _ = server
    visit = Visit(browser, base)
    try:
        visit.sign_in("viewer")
        visit.go("/web/maps")
        visit.shot(shots, "maps-1280")
        with visit.context.expect_page() as opened:
            visit.page.click("#open-map")
        map_page = opened.value
        map_page.wait_for_function("window.__mapReady === true", timeout=30_000)
        assert "王小明" not in map_page.content()
        map_page.close()
        visit.go("/web/reports")
        assert visit.page.locator("#run-report").count() == 0
        visit.shot(shots, "reports-viewer-1280")
        visit.clean()
    finally:
        visit.close()


def test_reports_page_chooses_a_period_and_a_town(browser: Any, server: Any, shots: Path) -> None:
    base, app = server
    store = app.state.store
    store.upsert_nodes("Tier", [{"id": "tier:高新技术企业", "name": "高新技术企业", "rank": 2}])
    store.upsert_relationships("REACHED_TIER", [{"source": "e001", "target": "tier:高新技术企业", "key": "2022",
                                                 "year": 2022, "date": "2022-08-01"}])
    store.upsert_nodes("Target", [{"id": "t:丁蜀", "name": "丁蜀 高企", "town": "丁蜀镇", "period": "2022",
                                   "indicator": "新认定高新技术企业", "value": 2.0}])
    app.state.cache.invalidate()
    app.state.cache.wait_idle()
    for width in (1280, 390):
        visit = Visit(browser, base, width=width)
        try:
            visit.sign_in("viewer")
            visit.go("/web/reports")
            visit.page.select_option("#period", "2022-Q3")
            visit.page.select_option("#town", "丁蜀镇")
            visit.page.click("#show-period")
            visit.page.wait_for_url("**/web/reports?period=2022-Q3&town=*")
            heading = visit.page.locator("#targets h2").inner_text()
            assert "2022年第三季度" in heading and "丁蜀镇" in heading
            behind = visit.page.locator("#period-table tr.behind")
            assert behind.count() == 1 and "新认定高企" in behind.inner_text() and "50%" in behind.inner_text()
            assert visit.page.locator("#period").input_value() == "2022-Q3"
            assert visit.page.locator("#run-report").count() == 0 and visit.page.locator("#no-report-files").count()
            visit.shot(shots, f"reports-period-town-{width}")
            visit.clean()
        finally:
            visit.close()


def test_profile_pdf_and_map_poster_downloads(server: Any, browser: Any) -> None:
    import httpx

    base, _ = server
    with httpx.Client(base_url=base, timeout=300) as http:
        form = http.get("/web/signin").text
        token = form.split('name="csrf" value="')[1].split('"')[0]
        http.post("/web/signin", data={"key": KEYS["matchmaker"], "csrf": token})
        pdf = http.get("/web/org/profile.pdf", params={"id": "e001"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        png = http.get("/web/maps/poster", params={"view": "city", "fmt": "png", "paper": "A4"})
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
