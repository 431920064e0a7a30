"""Fixtures of the API tests: a small populated store, keys for the three roles, clients per role.

Names are ``api_store``, ``api_keys``, ``api_app`` and ``client`` (a factory), so they never
shadow the shared ``store`` / ``sqlite_store`` fixtures of ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.security import ApiSettings, KeyRing
from graph.sqlite_store import SQLiteStore

API_KEYS = {"viewer": "view-key-1234567890", "matchmaker": "match-key-4567890123", "admin": "admin-key-7890123456"}


def fill_small_network(store: SQLiteStore) -> None:
    """A hand-made network: 3 firms, 2 universities, 2 talents, 2 towns, 1 industry."""
    store.upsert_nodes("Town", [{"id": "town:丁蜀镇", "name": "丁蜀镇"}, {"id": "town:高塍镇", "name": "高塍镇"}])
    store.upsert_nodes("Industry", [{"id": "ind:环保", "name": "节能环保"}])
    store.upsert_nodes("Tier", [{"id": "tier:高新技术企业", "name": "高新技术企业", "rank": 2}])
    store.upsert_nodes(
        "Enterprise",
        [
            {"id": "91320282MA1XXXXXX1", "uscc": "91320282MA1XXXXXX1", "name": "宜兴市精陶科技有限公司",
             "town": "丁蜀镇", "tier": "高新技术企业", "tier_year": 2021, "keywords": ["陶瓷", "新材料"]},
            {"id": "e2", "name": "宜兴环保装备有限公司", "town": "高塍镇", "industry": "节能环保",
             "aliases": ["宜兴环保设备厂"]},
            {"id": "e3", "name": "宜兴市紫砂文化传播有限公司", "tier": "科技型中小企业"},
        ],
    )
    store.upsert_nodes(
        "University",
        [{"id": "u1", "name": "江南大学", "category": "高校"}, {"id": "u2", "name": "南京工业大学", "category": "高校"}],
    )
    store.upsert_nodes(
        "Talent",
        [
            {"id": "t1", "name": "王小明", "field": "陶瓷材料", "email": "wang@example.cn", "phone": "13800000001"},
            {"id": "t2", "name": "李四", "field": "环保工程"},
        ],
    )
    store.upsert_relationships(
        "LOCATED_IN",
        [{"source": "91320282MA1XXXXXX1", "target": "town:丁蜀镇"}, {"source": "e3", "target": "town:丁蜀镇"}],
    )
    store.upsert_relationships("IN_INDUSTRY", [{"source": "e2", "target": "ind:环保"}])
    store.upsert_relationships(
        "COLLABORATES_WITH", [{"source": "91320282MA1XXXXXX1", "target": "u1", "year": 2022}]
    )
    store.upsert_relationships("EMPLOYS", [{"source": "u1", "target": "t1"}, {"source": "u2", "target": "t2"}])
    store.upsert_relationships(
        "REACHED_TIER", [{"source": "91320282MA1XXXXXX1", "target": "tier:高新技术企业", "key": "2021", "year": 2021}]
    )


@pytest.fixture
def api_keys() -> dict[str, str]:
    """Plain keys per role (the app only keeps their hashes)."""
    return dict(API_KEYS)


@pytest.fixture
def api_store(sqlite_store: SQLiteStore) -> SQLiteStore:
    """The shared fresh SQLite store, filled with :func:`fill_small_network`."""
    fill_small_network(sqlite_store)
    return sqlite_store


@pytest.fixture
def api_app(api_store: SQLiteStore, api_keys: dict[str, str]) -> FastAPI:
    """The app over ``api_store`` with a key per role and a 1 MiB upload limit."""
    keyring = KeyRing((role, key) for role, key in api_keys.items())
    return create_app(store=api_store, keyring=keyring, api_settings=ApiSettings(innonet_max_upload_mb=1))


@pytest.fixture
def client(api_app: FastAPI, api_keys: dict[str, str]) -> Iterator[Callable[..., TestClient]]:
    """``client(role)`` → a TestClient sending that role's key (``client(None)``: no key)."""
    opened: list[TestClient] = []

    def make(role: str | None = "admin", **kwargs: Any) -> TestClient:
        headers = {"Authorization": f"Bearer {api_keys[role]}"} if role else {}
        test_client = TestClient(api_app, headers=headers, raise_server_exceptions=False, **kwargs)
        test_client.__enter__()
        api_app.state.cache.wait_idle()  # the start-up fit of the recommender (a background thread)
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


TOPICS = [["膜材料", "水处理"], ["电线电缆", "高压输电"], ["紫砂陶瓷", "釉料"], ["锂电池", "新能源"]]


def fill_pairing_world(store: SQLiteStore, n_firms: int = 60, n_unis: int = 8, seed: int = 0) -> None:
    """Firms that mostly collaborate with universities of their own topic, a few new links a year."""
    import numpy as np

    rng = np.random.default_rng(seed)
    store.upsert_nodes("Enterprise", [
        {"id": f"e{i:03d}", "name": f"宜兴企业{i}", "keywords": [TOPICS[i % 4][0]], "town": "丁蜀镇" if i % 2 else "环科园",
         "founded": "2010-01-01"} for i in range(n_firms)])
    store.upsert_nodes("University", [
        {"id": f"u{j:02d}", "name": f"大学{j}", "keywords": TOPICS[j % 4], "category": "高校"} for j in range(n_unis)])
    store.upsert_nodes("Talent", [{"id": "t-expert", "name": "赵专家", "field": "膜材料", "email": "z@x.cn"}])
    store.upsert_relationships("EMPLOYS", [{"source": "u00", "target": "t-expert"}])
    rows = []
    linked: set[tuple[int, int]] = set()
    for year in range(2014, 2023):
        for i in rng.choice(n_firms, n_firms // 4, replace=False):
            weights = np.array([0.0 if (i, j) in linked else (20.0 if j % 4 == i % 4 else 1.0) for j in range(n_unis)])
            if weights.sum() == 0:
                continue
            j = int(rng.choice(n_unis, p=weights / weights.sum()))
            linked.add((int(i), j))
            rows.append({"source": f"e{i:03d}", "target": f"u{j:02d}", "year": year})
    store.upsert_relationships("COLLABORATES_WITH", rows)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (one per test module); skips when Chromium is not installed."""
    from pathlib import Path

    from api.render.poster import CHROMIUM_ARGS, chromium_path

    if not Path(chromium_path()).exists():
        pytest.skip(f"no Chromium at {chromium_path()} (apt-get install -y chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        yield instance
        instance.close()
