"""Fixtures of the adjustment tests (builders live in adjust_builders.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from adjust_builders import make_invoice
from adjust_fake_portal import FakePortal
from adjust_world import HoldAfterSave, LivePortal, World, make_world

from bots.money import Rounding
from bots.settings import reset_settings
from demo.portal import PortalConfig, PortalServer
from recipes.invoice_adjustments.policy import AdjustmentPolicy, load_policy


@pytest.fixture
def policy() -> AdjustmentPolicy:
    return load_policy()


@pytest.fixture
def half_even(policy: AdjustmentPolicy) -> AdjustmentPolicy:
    return replace(policy, rounding=Rounding.HALF_EVEN)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "world")


@pytest.fixture
def live_portal(rpa_env: dict[str, str], world: World,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[LivePortal]:
    """The demo portal on a free port, seeded; settings pointing at it."""
    server = PortalServer(PortalConfig(db_path=world.db))
    hold = HoldAfterSave(server.app.wsgi_app, nth=0)
    server.app.wsgi_app = hold  # type: ignore[method-assign]
    server.start()
    monkeypatch.setenv("RPA_PORTAL__URL", server.url)
    reset_settings()
    try:
        yield LivePortal(server, hold, {**rpa_env, "RPA_PORTAL__URL": server.url})
    finally:
        hold.release.set()
        server.stop()
        reset_settings()


@pytest.fixture
def fake_portal(rpa_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> FakePortal:
    """The recipe's portal replaced by an in-memory one with four open invoices."""
    import recipes.invoice_adjustments.recipe as recipe_module

    portal = FakePortal(
        make_invoice(("100.00", "21"), invoice_id="INV-1"),
        make_invoice(("100.00", "21"), ("50.00", "10"), invoice_id="INV-2"),
        make_invoice(("1.50", "21"), ("1.50", "21"), ("20.05", "10"), invoice_id="INV-3"),
        make_invoice(("10.00", "21"), invoice_id="INV-4", status="closed"),
    )

    def fake_portal_for(run: object, lane: object, portal_map: str) -> FakePortal:
        return portal

    monkeypatch.setattr(recipe_module, "portal_for", fake_portal_for)
    monkeypatch.setattr(recipe_module, "USES_BROWSER", False)
    return portal
