"""Fixtures of the order tests: the demo portal with the order world, on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.settings import reset_settings
from demo.orders_world import OrdersWorld, make_orders_world
from demo.portal import PortalConfig, PortalServer


@pytest.fixture
def orders_world(tmp_path: Path) -> OrdersWorld:
    return make_orders_world(tmp_path / "inputs", tmp_path / "portal.sqlite")


@pytest.fixture
def orders_portal(rpa_env: dict[str, str], orders_world: OrdersWorld,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[PortalServer]:
    server = PortalServer(PortalConfig(db_path=orders_world.db))
    server.start()
    monkeypatch.setenv("RPA_PORTAL__URL", server.url)
    monkeypatch.setenv("RPA_OUTBOX__SENDER", "pedidos@shop.example")
    reset_settings()
    try:
        yield server
    finally:
        server.stop()
        reset_settings()
