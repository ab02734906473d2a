"""The portal's account screens through the connector, in headless Chromium: a charge
needs an authorisation reference, declines are told apart, the contract's terms hold,
the search finds an action by its request reference, and a card shows only its last four."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from bots.browser import BrowserPool, LaunchOptions
from bots.settings import BROWSER_ARGS, get_settings
from connectors.portal import Credentials, Portal, PortalRejected, RecordInvalid, load_map
from connectors.portal.accounts import AccountsPortal, with_account_screens
from demo.portal import PortalConfig, PortalServer
from demo.portal.db import connect
from demo.samples.collections import seed_book

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AccountsPortal, Path]]:
    db = tmp_path_factory.mktemp("accounts") / "portal.sqlite"
    seed_book(db, date(2026, 3, 2), 12)
    conn = connect(db)
    conn.execute("update account_payment_methods set expiry='2024-01' where id='PM0001C'")
    conn.execute("update account_payment_methods set expiry='2029-12', soft_declines=1"
                 " where id='PM0002C'")
    conn.execute("update accounts set suspension_allowed=0 where id='C0003'")
    conn.close()
    chromium = get_settings().browser.executable_path
    with PortalServer(PortalConfig(db_path=db)) as server, BrowserPool.open(
            LaunchOptions(executable_path=chromium, args=BROWSER_ARGS)) as pool:
        portal = Portal(pool.lane("accounts"), with_account_screens(load_map("demo")),
                        base_url=server.url,
                        credentials=Credentials("robot", SecretStr("robot-pass")))
        portal.start()
        yield AccountsPortal(portal), db


def _charge(customer: str, auth: str, key: str) -> dict[str, object]:
    number = int(customer[1:])
    return {"account_id": customer, "invoice_id": f"INV-2026-{number:05d}",
            "method_id": f"PM{number:04d}C", "amount": Decimal("1.00"),
            "authorisation_reference": auth, "request_reference": key}


def test_a_charge_needs_an_authorisation_reference(accounts) -> None:  # noqa: ANN001
    portal, _ = accounts
    with pytest.raises(RecordInvalid):  # the map says so before anything is sent
        portal.charge(_charge("C0004", "", "K-1"), key="K-1")
    # and the portal itself refuses a post without one
    form = {k: str(v) for k, v in _charge("C0004", "", "K-1").items()}
    page = portal.portal.lane.run(_post, portal.portal, "/accounts/charge", form)
    assert 'data-field="authorisation_reference"' in page
    assert portal.find("K-1") == []


def test_declines_hard_and_soft_and_the_search_finds_them(accounts) -> None:  # noqa: ANN001
    portal, _ = accounts
    hard = portal.charge(_charge("C0001", "AUTH-1", "K-2"), key="K-2")
    soft = portal.charge(_charge("C0002", "AUTH-2", "K-3"), key="K-3")
    again = portal.charge(_charge("C0002", "AUTH-2", "K-4"), key="K-4")
    assert (hard.status, hard.decline_code) == ("declined", "expired_card")
    assert (soft.status, soft.decline_code) == ("declined", "insufficient_funds")
    assert (again.status, again.decline_code) == ("approved", "")
    assert [a.reference for a in portal.find("K-3")] == [soft.reference]


def test_suspension_follows_the_contract(accounts) -> None:  # noqa: ANN001
    portal, db = accounts
    with pytest.raises(PortalRejected, match="does not allow suspension"):
        portal.service({"account_id": "C0003", "operation": "suspend", "reason": "unpaid",
                        "request_reference": "S-1"}, key="S-1")
    done = portal.service({"account_id": "C0005", "operation": "suspend", "reason": "unpaid",
                           "request_reference": "S-2"}, key="S-2")
    assert done.status == "suspended"
    back = portal.service({"account_id": "C0005", "operation": "reactivate", "reason": "paid",
                           "request_reference": "S-3"}, key="S-3")
    assert back.status == "active"
    row = connect(db).execute("select service_status from accounts where id='C0005'").fetchone()
    assert row[0] == "active"


def test_the_account_page_masks_the_card(accounts) -> None:  # noqa: ANN001
    portal, db = accounts
    page = portal.portal.lane.run(_text, portal.portal, "/accounts/C0006")
    token = connect(db).execute("select last4 from account_payment_methods where"
                                " id='PM0006C'").fetchone()[0]
    assert f"**** {token}" in page
    assert "Account C0006" in page


async def _text(portal: Portal, path: str) -> str:
    response = await portal.lane.context.request.get(portal.session.url(path))
    return await response.text()


async def _post(portal: Portal, path: str, form: dict[str, str]) -> str:
    import re

    page = await _text(portal, "/accounts/charge/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = await portal.lane.context.request.post(portal.session.url(path),
                                                      form={**form, "csrf_token": token})
    return await response.text()
