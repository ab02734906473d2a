"""Fixtures for the keying tests: the demo portal on a free port, its database as the
truth, settings pointing at it, and one headless Chromium shared by a module's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keying_support import DemoPortal

from bots.browser import BrowserPool, LaunchOptions
from bots.settings import reset_settings
from demo.portal import PortalConfig, PortalServer


@pytest.fixture
def demo_portal_factory(tmp_path: Path) -> Iterator[Callable[..., DemoPortal]]:
    started: list[PortalServer] = []

    def start(**config: Any) -> DemoPortal:
        db_path = tmp_path / f"portal-{len(started)}.db"
        server = PortalServer(PortalConfig(db_path=db_path, port=0, **config)).start()
        started.append(server)
        return DemoPortal(server, db_path)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def demo_portal(demo_portal_factory: Callable[..., DemoPortal]) -> DemoPortal:
    return demo_portal_factory()


@pytest.fixture
def keying_env(rpa_env: dict[str, str], demo_portal: DemoPortal,
               monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """RPA_* settings for a run against the demo portal (2 contexts: the CI has 2 cores)."""
    extra = {"RPA_PORTAL__URL": demo_portal.url, "RPA_BROWSER__CONTEXTS": "2",
             "RPA_LOG__LEVEL": "INFO"}
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    return {**rpa_env, **extra}


@pytest.fixture(scope="module")
def browser_pool() -> Iterator[BrowserPool]:
    """One Chromium for a whole test module (contexts are cheap, browsers are not)."""
    with BrowserPool.open(LaunchOptions()) as pool:
        yield pool
