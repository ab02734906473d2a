"""kill -9 of an order_requests run mid-batch, twice, then a resumed run: nothing applied
twice in the portal, no request lost, every customer told once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from orders_support import CHROMIUM, history, items, messages, outcome

from bots.settings import get_settings, reset_settings
from bots.store import open_store
from bots.workitems import WorkQueue
from demo.orders_world import OrdersWorld
from demo.portal import PortalConfig, PortalServer
from tests.helpers import ROOT, pid_alive, queue_env, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")]


@pytest.fixture
def slow_portal(rpa_env: dict[str, str], orders_world: OrdersWorld,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[PortalServer]:
    # Latency gives the kills room to land mid-batch, between a save and its record too.
    server = PortalServer(PortalConfig(db_path=orders_world.db, latency_ms=60))
    server.start()
    monkeypatch.setenv("RPA_PORTAL__URL", server.url)
    reset_settings()
    try:
        yield server
    finally:
        server.stop()
        reset_settings()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, rpa_env: dict[str, str],
              monkeypatch: pytest.MonkeyPatch) -> str:
    """The store the killed and the resumed runs share: SQLite, then PostgreSQL."""
    if request.param == "postgres":
        monkeypatch.setenv("RPA_STORE__URL", request.getfixturevalue("pg_url"))
    reset_settings()
    return get_settings().store_url


def _kill_after(args: list[str], env: dict[str, str], cwd: Path, world: OrdersWorld,
                applied: int) -> int:
    """Start the run, SIGKILL it once the portal shows `applied` actions; returns them."""
    process = subprocess.Popen([sys.executable, str(ROOT / "runner.py"), *args],
                               env={**os.environ, **env, "RPA_SKIP_SETUP": "1"}, cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while sum(map(len, history(world.db).values())) < applied \
                and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        assert process.poll() is None, "the run ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    assert not pid_alive(process.pid)
    return sum(map(len, history(world.db).values()))


def test_killed_twice_and_resumed_applies_and_tells_each_request_once(
        store_url: str, slow_portal: PortalServer, orders_world: OrdersWorld,
        tmp_path: Path) -> None:
    WorkQueue(open_store(), "order_requests").put_many(orders_world.mails)  # triage's items
    env = {"RPA_PORTAL__URL": slow_portal.url, "RPA_LOG__LEVEL": "INFO",
           **queue_env(order_requests={"lease_seconds": 3})}
    args = ["run", "order_requests", "-p", f"requests={orders_world.requests}"]
    queued = {k: v for k, v in orders_world.expected.items() if v[0] != "rejected"}
    to_apply = sum(1 for o, _ in queued.values() if o in ("done", "converted"))

    first = _kill_after(args, env, tmp_path, orders_world, applied=3)
    second = _kill_after(args, env, tmp_path, orders_world, applied=first + 3)
    assert 3 <= first < second < to_apply

    resumed = run_cli(*args, env=env, cwd=tmp_path, timeout=300)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]

    shown = history(orders_world.db)
    assert {k: len(v) for k, v in shown.items() if len(v) != 1} == {}  # none applied twice
    found = items(store_url)
    assert {k: outcome(found[k]) for k in queued} == queued  # none lost, each as expected
    applied = {k for k, (o, _) in queued.items() if o in ("done", "converted")}
    assert set(shown) == applied
    assert all(found[k]["output"]["reference"] == shown[k][0]["reference"] for k in applied)

    cases = [str(m["case_ref"]) for m in messages(store_url)]
    expected_cases = sorted(found[k]["payload"].get("case") or k
                            for k, (o, _) in queued.items() if o != "to review")
    assert sorted(cases) == expected_cases  # every customer told, once
