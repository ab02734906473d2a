"""Authorisations given on the portal (the customer's consent on its self-service screen,
posted here through headless Chromium's session): the screen checks them, the account
page and the export show them, and the recipe records them as evidence with channel
"portal": one in force leads to exactly one charge; an expired one, or one that allows
less than the invoice's balance, to none."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from collections_support import START, Book, DayClock, prepare
from pydantic import SecretStr

from bots import execute
from bots.browser import BrowserPool, LaunchOptions
from bots.settings import BROWSER_ARGS, get_settings
from bots.store import open_store
from connectors.portal import Credentials, Portal, load_map
from connectors.portal.accounts import with_account_screens

pytestmark = [pytest.mark.browser]

Give = Callable[..., str]


@pytest.fixture
def give(small_book: Book) -> Iterator[Give]:
    """Post the authorisation form (dd/mm/yyyy dates, amounts with a decimal comma) as the
    self-service screen does; returns the page the portal answers."""
    options = LaunchOptions(executable_path=get_settings().browser.executable_path,
                            args=BROWSER_ARGS)
    with BrowserPool.open(options) as pool:
        portal = Portal(pool.lane("customer"), with_account_screens(load_map("demo")),
                        base_url=small_book.server.url,
                        credentials=Credentials("robot", SecretStr("robot-pass")))
        portal.start()

        def post(**form: str) -> str:
            if set(form) == {"page"}:  # not a form: a page of the portal to read
                return portal.lane.run(_get, portal, form["page"])
            return portal.lane.run(_post, portal, form)

        yield post


def _form(customer: str, *, given: int, expires: int, limit: str = "200,00",
          method: str = "card", mandate: str = "", invoice: str = "") -> dict[str, str]:
    def day(n: int) -> str:
        return (START + timedelta(days=n)).strftime("%d/%m/%Y")

    return {"account_id": customer, "invoice_id": invoice, "method": method,
            "mandate_reference": mandate, "amount_limit": limit,
            "given_by": f"{customer.lower()}@customers.example", "given_on": day(given),
            "expires_on": day(expires)}


async def _post(portal: Portal, form: dict[str, str]) -> str:
    page = await portal.lane.context.request.get(portal.session.url("/accounts/authorisation/new"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    response = await portal.lane.context.request.post(
        portal.session.url("/accounts/authorisation"), form={**form, "csrf_token": token.group(1)})
    return await response.text()


async def _get(portal: Portal, path: str) -> str:
    response = await portal.lane.context.request.get(portal.session.url(path))
    return await response.text()


def test_the_screen_checks_a_consent_and_shows_it(small_book: Book, give: Give) -> None:
    refused = give(**_form("C0001", given=0, expires=10, method="debit", mandate="MNDT-NOPE"))
    assert 'data-field="mandate_reference"' in refused
    backwards = give(**_form("C0001", given=5, expires=1))
    assert 'data-field="expires_on"' in backwards
    bad_limit = give(**_form("C0001", given=0, expires=10, limit="200.00"))
    assert 'data-field="amount_limit"' in bad_limit
    saved = give(**_form("C0001", given=0, expires=10, limit="1.234,50"))
    assert "AU-000001" in saved
    rows = sqlite3.connect(small_book.db).execute(
        "select reference, account_id, method, amount_limit, given_on, expires_on"
        " from account_authorisations").fetchall()
    assert rows == [("AU-000001", "C0001", "card", "1234.50", START.isoformat(),
                     (START + timedelta(days=10)).isoformat())]
    page = give(page="/accounts/C0001")
    assert re.search(r'class="reference">AU-000001<.*class="amount-limit num">1\.234,50<', page)
    export = give(page="/accounts/authorisations.csv")
    assert f"AU-000001;C0001;;card;;1234,50;c0001@customers.example;{START.isoformat()}" in export


def test_a_portal_authorisation_leads_to_one_charge_an_expired_one_to_none(
        small_book: Book, give: Give, one_browser: None) -> None:
    due = START - timedelta(days=5)
    ok, expired, short = "C0001", "C0002", "C0003"
    invoices = {c: prepare(small_book.db, c, due=due, amount="99.00")
                for c in (ok, expired, short)}
    assert "AU-000001" in give(**_form(ok, given=-1, expires=20, invoice=invoices[ok]))
    assert "AU-000002" in give(**_form(expired, given=-40, expires=-10))
    assert "AU-000003" in give(**_form(short, given=-1, expires=20, limit="50,00"))
    clock = DayClock(START)
    for _ in range(3):  # the export is read every day: each consent recorded once
        result = execute("collections", {}, clock=clock)
        assert result.ok, result.error
        clock.next_day()
    portal = sqlite3.connect(small_book.db)
    charges = portal.execute("select account_id, invoice_id, amount, status from account_actions"
                             " where kind='charge'").fetchall()
    assert charges == [(ok, invoices[ok], "99.00", "approved")]
    with open_store().connect() as conn:
        auths = conn.execute(sa.text(
            "select id, customer, channel, evidence, recorded_by, amount_limit, expires_on"
            " from collections_authorisations order by id")).all()
        recorded = conn.execute(sa.text("select count(*) from audit_events where action ="
                                        " 'collections.authorisation_recorded'")).scalar()
    assert [(a.customer, a.channel, a.evidence, a.recorded_by, a.amount_limit)
            for a in auths] == [(ok, "portal", "AU-000001", "portal", "200.00"),
                                (expired, "portal", "AU-000002", "portal", "200.00"),
                                (short, "portal", "AU-000003", "portal", "50.00")]
    assert recorded == 3
    reference = portal.execute("select authorisation_reference from account_actions"
                               " where kind='charge'").fetchone()[0]
    assert reference == f"AUTH-{auths[0].id:06d}"
    # it expires on the customer's day (before the policy's 30 days are up)
    assert str(auths[0].expires_on)[:10] == (START + timedelta(days=20)).isoformat()
