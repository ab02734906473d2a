"""The connector is not demo-shaped: a different portal, described by its own map."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from acme_portal import MAP_TOML, AcmePortal
from pydantic import SecretStr

from bots.browser import BrowserPool, Lane
from connectors.portal import (
    Credentials,
    KeyMode,
    LoginRefused,
    MapMismatch,
    Portal,
    PortalMap,
    PortalRejected,
    RecordInvalid,
)

pytestmark = pytest.mark.browser

ORDER: dict[str, Any] = {"ref": "R-1", "day": "2026-03-04", "kind": "B",
                         "amount": Decimal("1234.5"), "urgent": True, "lane": "south",
                         "memo": "leave at the door"}


@pytest.fixture
def acme() -> Iterator[AcmePortal]:
    server = AcmePortal().start()
    yield server
    server.stop()


@pytest.fixture
def acme_map() -> PortalMap:
    return PortalMap.model_validate(tomllib.loads(MAP_TOML))


@pytest.fixture
def lane(browser_pool: BrowserPool) -> Iterator[Lane]:
    lane = browser_pool.lane()
    yield lane
    lane.close()


def _portal(lane: Lane, acme: AcmePortal, acme_map: PortalMap, password: str = "s3cret-acme",
            **kwargs: Any) -> Portal:
    return Portal(lane, acme_map, base_url=acme.url,
                  credentials=Credentials("clerk", SecretStr(password)), **kwargs)


def test_keys_an_order_into_a_portal_with_other_markup(lane: Lane, acme: AcmePortal,
                                                       acme_map: PortalMap) -> None:
    portal = _portal(lane, acme, acme_map)
    portal.start()
    assert portal.find("order", "R-1") is None

    keyed = portal.key("order", ORDER, key="R-1")

    assert keyed.reference == "00001"  # the pattern's group, out of "Stored as ORD/00001"
    assert keyed.dialogs == ("confirm: Proceed with this order?",)
    stored = acme.state.orders[0]
    assert stored == {"number": "ORD/00001", "ref": "R-1", "when": "03/04/2026", "kind": "big",
                      "total": "1,234.50", "urgent": "yes", "lane": "south",
                      "memo": "leave at the door"}
    found = portal.find("order", "R-1")
    assert found is not None and found.reference == "00001"
    assert portal.spot_check("order", "R-1", ORDER, "ORD/00001") == []


def test_logs_in_again_when_the_portal_ends_the_session(lane: Lane, acme: AcmePortal,
                                                        acme_map: PortalMap) -> None:
    acme.state.max_requests = 3
    portal = _portal(lane, acme, acme_map)
    portal.start()
    for n in range(6):
        key = f"R-{n}"
        if portal.find("order", key) is None:
            portal.key("order", {**ORDER, "ref": key}, key=key)
    assert sorted(o["ref"] for o in acme.state.orders) == [f"R-{n}" for n in range(6)]
    assert portal.logins > 2


def test_request_mode_posts_the_same_form_with_a_fresh_token(lane: Lane, acme: AcmePortal,
                                                             acme_map: PortalMap) -> None:
    portal = _portal(lane, acme, acme_map)
    portal.start()
    for n in range(3):
        keyed = portal.key("order", {**ORDER, "ref": f"Q-{n}"}, key=f"Q-{n}",
                           mode=KeyMode.REQUEST)
        assert keyed.mode is KeyMode.REQUEST
    assert [o["kind"] for o in acme.state.orders] == ["big"] * 3
    assert acme.state.orders[0]["when"] == "03/04/2026"


def test_a_trusted_click_submit_works_on_a_minimised_window(lane: Lane, acme: AcmePortal,
                                                             acme_map: PortalMap) -> None:
    form = acme_map.forms["order"].model_copy(update={"submit_method": "click"})
    portal = _portal(lane, acme, acme_map.model_copy(update={"forms": {"order": form}}))
    portal.start()
    keyed = portal.key("order", ORDER, key="R-1")
    assert keyed.reference == "00001" and len(acme.state.orders) == 1


def test_refusals_are_business_errors_with_the_portals_words(lane: Lane, acme: AcmePortal,
                                                             acme_map: PortalMap) -> None:
    portal = _portal(lane, acme, acme_map)
    portal.start()
    with pytest.raises(PortalRejected, match="Total must be more than zero"):
        portal.key("order", {**ORDER, "amount": Decimal("0")}, key="R-0")
    with pytest.raises(RecordInvalid, match="kind: not one of the portal's options"):
        portal.key("order", {**ORDER, "kind": "X"}, key="R-x")  # no such label
    with pytest.raises(RecordInvalid, match="longer than the 12 characters"):
        portal.key("order", {**ORDER, "ref": "R" * 13}, key="R" * 13)
    assert acme.state.orders == []


def test_an_unmapped_confirm_is_dismissed_and_said_so(lane: Lane, acme: AcmePortal,
                                                      acme_map: PortalMap) -> None:
    no_dialog = acme_map.model_copy(update={"forms": {"order": acme_map.forms["order"].model_copy(
        update={"dialog": None})}})
    portal = _portal(lane, acme, no_dialog)
    portal.start()
    with pytest.raises(MapMismatch, match="dismissed"):
        portal.key("order", ORDER, key="R-1")
    assert acme.state.orders == []


def test_refused_credentials_stop_with_login_refused(lane: Lane, acme: AcmePortal,
                                                     acme_map: PortalMap) -> None:
    portal = _portal(lane, acme, acme_map, password="wrong-password")
    with pytest.raises(LoginRefused, match="Wrong user or password"):
        portal.start()


def test_failure_evidence_masks_sensitive_fields(lane: Lane, acme: AcmePortal,
                                                 acme_map: PortalMap, tmp_path: Path) -> None:
    class Sink:
        def __init__(self) -> None:
            self.added: list[tuple[Path, str]] = []

        def artifact_path(self, name: str) -> Path:
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            return path

        def add_artifact(self, path: Path, *, kind: str = "file") -> None:
            self.added.append((path, kind))

    sink = Sink()
    portal = _portal(lane, acme, acme_map, sink=sink)
    portal.start()
    with pytest.raises(PortalRejected), portal.watch("R-0"):
        portal.key("order", {**ORDER, "amount": Decimal("0"), "memo": "secret memo"}, key="R-0")
    kinds = sorted(kind for _, kind in sink.added)
    assert kinds == ["html", "screenshot"]
    html = next(path for path, kind in sink.added if kind == "html").read_text()
    assert "Total must be more than zero" in html  # the evidence shows the failure
    assert "secret memo" not in html and "s3cret-acme" not in html
