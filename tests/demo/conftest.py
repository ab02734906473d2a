"""Fixtures for the demo portal's tests: real threaded servers on free ports, clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from portal_http_client import PortalClient

from demo.portal import PortalConfig, PortalServer

PortalFactory = Callable[..., PortalServer]


@pytest.fixture
def portal_factory(tmp_path: Path) -> Iterator[PortalFactory]:
    """Start portals with any config override; each gets its own database file."""
    started: list[PortalServer] = []

    def start(**overrides: Any) -> PortalServer:
        db_path = overrides.pop("db_path", tmp_path / f"portal-{len(started)}.sqlite")
        server = PortalServer(PortalConfig(db_path=db_path, **overrides)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def portal(portal_factory: PortalFactory) -> PortalServer:
    return portal_factory()


@pytest.fixture
def client(portal: PortalServer) -> PortalClient:
    return PortalClient(portal.url)


@pytest.fixture
def logged_in(client: PortalClient) -> PortalClient:
    reply = client.login()
    assert reply.status == 302, reply.text
    return client
