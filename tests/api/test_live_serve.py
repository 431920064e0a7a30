"""``innonet serve`` as a real process on a loopback port, called over HTTP with httpx."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from graph.sqlite_store import SQLiteStore
from graph.testing import free_port
from tests.api.conftest import fill_small_network

KEYS = "viewer:live-view-0123456789,matchmaker:live-match-0123456789,admin:live-admin-0123456789"



def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNONET_", "NEO4J_"))}
    env.update({"INNONET_DB": str(tmp_path / "live.db"), **extra})
    return env


def _serve(args: list[str], env: dict[str, str], cwd) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "serve", *args],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


@pytest.fixture
def live_server(tmp_path):
    store = SQLiteStore(tmp_path / "live.db")
    fill_small_network(store)
    store.close()
    port = free_port()
    process = _serve(["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                     _env(tmp_path, INNONET_API_KEYS=KEYS), tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"innonet serve exited early: {process.communicate()[1]}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("innonet serve did not answer /health within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=10)  # also closes the pipes
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def test_live_server_keys_roles_and_masking(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as http:
        assert http.get("/health").json() == {"status": "ok"}
        assert http.get("/entities").status_code == 401
        assert http.get("/entities", headers={"Authorization": "Bearer nope"}).status_code == 401
        viewer = {"Authorization": "Bearer live-view-0123456789"}
        talents = http.get("/entities", params={"kind": "Talent"}, headers=viewer).json()["items"]
        assert {t["name"] for t in talents} == {"王**", "李*"}
        matchmaker = {"X-API-Key": "live-match-0123456789"}
        talents = http.get("/entities", params={"kind": "Talent"}, headers=matchmaker).json()["items"]
        assert {t["name"] for t in talents} == {"王小明", "李四"}
        assert http.get("/exports/gexf", headers=matchmaker).status_code == 403
        assert http.get("/exports/gexf", headers={"X-API-Key": "live-admin-0123456789"}).status_code == 200
        docs = http.get("/docs")
        assert docs.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in docs.text


def test_serve_refuses_a_public_bind_without_keys(tmp_path):
    process = _serve(["--host", "0.0.0.0", "--port", str(free_port())], _env(tmp_path), tmp_path)
    try:
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "refusing to bind '0.0.0.0'" in lines[0] and "INNONET_API_KEYS" in lines[0]


def test_serve_rejects_a_bad_key_entry(tmp_path):
    process = _serve(["--port", str(free_port())], _env(tmp_path, INNONET_API_KEYS="root:x"), tmp_path)
    try:
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 2 and "entry 1: the role before ':' is not one of" in err and "root" not in err
