"""Injected faults: deterministic for a seed, changeable at run time, and nasty as promised."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time

import pytest
from portal_http_client import REFERENCE, PortalClient

from demo.portal import PortalConfig, PortalServer
from demo.portal.faults import Fault, FaultInjector


def _count_sales(portal: PortalServer) -> int:
    conn = sqlite3.connect(portal.config.db_path)
    try:
        return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])
    finally:
        conn.close()


def _statuses(portal: PortalServer, saves: int) -> list[int]:
    client = PortalClient(portal.url)
    client.login()
    statuses = []
    for n in range(saves):
        # Reading pages in between must not shift the sequence of save faults.
        client.get(f"/sales/search?external_id=F-{n}")
        statuses.append(client.save_sale(external_id=f"F-{n}").status)
    return statuses


def test_the_same_seed_fails_the_same_saves(portal_factory) -> None:
    faults = {"error_before_save_rate": 0.4, "seed": 11}
    first = _statuses(portal_factory(**faults), 12)
    second = _statuses(portal_factory(**faults), 12)
    assert first == second
    assert 500 in first and 200 in first
    assert _statuses(portal_factory(error_before_save_rate=0.4, seed=12), 12) != first


def test_fault_streams_are_independent_of_other_rates() -> None:
    def draws(**rates: float) -> list[bool]:
        injector = FaultInjector(PortalConfig(db_path="unused.sqlite", seed=3, **rates))
        result = []
        for _ in range(50):
            injector.roll(Fault.SLOW)
            result.append(injector.roll(Fault.ERROR_AFTER_SAVE))
        return result

    assert draws(error_after_save_rate=0.3) == draws(error_after_save_rate=0.3, slow_rate=0.9)
    assert not any(draws())


def test_error_before_save_stores_nothing(portal_factory) -> None:
    portal = portal_factory(error_before_save_rate=1)
    client = PortalClient(portal.url)
    client.login()
    reply = client.save_sale()
    assert reply.status == 500 and 'data-status="500"' in reply.text
    assert _count_sales(portal) == 0


def test_error_after_save_stores_then_answers_500(portal_factory) -> None:
    portal = portal_factory(error_after_save_rate=1)
    client = PortalClient(portal.url)
    client.login()
    reply = client.save_sale(external_id="LOST-1")
    assert reply.status == 500 and REFERENCE.search(reply.text) is None
    assert _count_sales(portal) == 1
    assert 'class="external-id">LOST-1<' in client.get("/sales/search?external_id=LOST-1").text


def test_faults_change_at_run_time(logged_in: PortalClient, portal: PortalServer) -> None:
    changed = logged_in.admin("/_admin/faults", json.dumps({"error_before_save_rate": 1}).encode())
    assert changed.status == 200 and json.loads(changed.text)["error_before_save_rate"] == 1
    assert logged_in.save_sale().status == 500
    logged_in.admin("/_admin/faults", b'{"error_before_save_rate": 0}')
    assert logged_in.save_sale().status == 200
    assert json.loads(logged_in.admin("/_admin/faults", b"{}").text)["latency_ms"] == 0


@pytest.mark.parametrize("payload", [b'{"slow_rate": 2}', b'{"latency_ms": -1}',
                                     b'{"bogus": 1}', b"[1]", b"not json",
                                     b'{"session_max_requests": 0}'])
def test_bad_fault_settings_are_refused(logged_in: PortalClient, payload: bytes) -> None:
    reply = logged_in.admin("/_admin/faults", payload)
    assert reply.status == 400 and "error" in json.loads(reply.text)


def test_config_refuses_bad_fault_values(tmp_path) -> None:
    with pytest.raises(ValueError, match="drop_session_rate"):
        PortalConfig(db_path=tmp_path / "x.sqlite", drop_session_rate=1.5)


def test_dropped_session_sends_the_next_page_to_login(logged_in: PortalClient) -> None:
    logged_in.admin("/_admin/faults", b'{"drop_session_rate": 1}')
    assert logged_in.get("/sales").location == "/login?next=/sales&expired=1"
    logged_in.admin("/_admin/faults", b'{"drop_session_rate": 0}')
    logged_in.login()
    assert logged_in.get("/sales").status == 200


def test_latency_and_slow_pages(logged_in: PortalClient) -> None:
    logged_in.admin("/_admin/faults", b'{"latency_ms": 150}')
    started = time.monotonic()
    logged_in.get("/")
    assert time.monotonic() - started >= 0.15
    logged_in.admin("/_admin/faults", b'{"latency_ms": 0, "slow_rate": 1, "slow_seconds": 5}')
    logged_in.timeout = 0.5
    with pytest.raises((TimeoutError, socket.timeout)):
        logged_in.get("/")


def test_stop_wakes_a_page_sleeping_in_a_slow_fault(portal_factory) -> None:
    portal = portal_factory(slow_rate=1, slow_seconds=60)
    client = PortalClient(portal.url, timeout=30)
    waiter = threading.Thread(target=lambda: client.get("/login"), daemon=True)
    waiter.start()
    time.sleep(0.2)
    started = time.monotonic()
    portal.stop()
    waiter.join(timeout=5)
    assert not waiter.is_alive() and time.monotonic() - started < 5
