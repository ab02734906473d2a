"""Invoices: balances, charges and credit notes, and the portal's refusals."""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal

import pytest
from portal_http_client import PortalClient

from demo.portal import PortalServer
from demo.portal.db import connect
from demo.portal.ledger import open_balance
from demo.samples.invoices import seed_invoices

OPEN_ID, CLOSED_ID = "INV-2026-0002", "INV-2026-0005"
DOCUMENT = re.compile(r'<strong class="document-number">([^<]+)</strong>')


@pytest.fixture
def invoices_portal(portal_factory) -> PortalServer:
    portal = portal_factory()
    seed_invoices(portal.config.db_path, count=30, seed=7)
    return portal


@pytest.fixture
def agent(invoices_portal: PortalServer) -> PortalClient:
    client = PortalClient(invoices_portal.url)
    client.login("agent", "agent-pass")
    return client


def _balance(portal: PortalServer, invoice_id: str) -> Decimal:
    conn = connect(portal.config.db_path)
    try:
        return open_balance(conn, invoice_id)
    finally:
        conn.close()


def _euro(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _adjust(client: PortalClient, invoice_id: str, **fields: str) -> str:
    form = {"kind": "credit", "net_amount": "10,00", "tax_amount": "2,10",
            "reason": "GOODWILL", "request_reference": "REQ-1", "note": "", **fields}
    token = client.csrf(f"/invoices/{invoice_id}")
    reply = client.post(f"/invoices/{invoice_id}/adjust", {**form, "csrf_token": token})
    assert reply.status == 200, reply.text
    return reply.text


def test_list_and_detail(agent: PortalClient, invoices_portal: PortalServer) -> None:
    listing = agent.get("/invoices").text
    assert listing.count('class="invoice-row"') == 25 and 'id="page-info">1 of 2<' in listing
    assert "CLOSED" in listing and "OPEN" in listing
    assert agent.get("/invoices?page=2").text.count('class="invoice-row"') == 5
    detail = agent.get(f"/invoices/{OPEN_ID}").text
    assert 'id="invoice-status">OPEN<' in detail
    assert "onsubmit=\"return confirm('Apply this adjustment?')\"" in detail
    balance = _balance(invoices_portal, OPEN_ID)
    assert f'id="open-balance" class="num"><b>{_euro(balance)}</b>' in detail
    conn = sqlite3.connect(invoices_portal.config.db_path)
    mixed = conn.execute("SELECT invoice_id FROM invoice_lines GROUP BY 1 "
                         "HAVING count(DISTINCT tax_rate) > 1 LIMIT 1").fetchone()[0]
    conn.close()
    rates = set(re.findall(r'<td class="rate num">(\d+)%</td>', agent.get(f"/invoices/{mixed}").text))
    assert len(rates) > 1
    assert agent.get("/invoices/INV-1999-0001").status == 404


def test_credit_and_charge_update_the_balance(agent: PortalClient,
                                              invoices_portal: PortalServer) -> None:
    before = _balance(invoices_portal, OPEN_ID)
    page = _adjust(agent, OPEN_ID, net_amount="100,00", tax_amount="21,00",
                   request_reference="REQ-2026-0001")
    assert re.search(r'<p id="adjustment-result">Adjustment saved\. Document '
                     r'<strong class="document-number">NC-\d{6}</strong></p>', page)
    assert _balance(invoices_portal, OPEN_ID) == before - Decimal("121.00")
    page = _adjust(agent, OPEN_ID, kind="charge", net_amount="1.000,50", tax_amount="0",
                   reason="LATE_FEE", request_reference="REQ-2026-0002")
    assert DOCUMENT.search(page).group(1) == "CG-000001"
    after = before - Decimal("121.00") + Decimal("1000.50")
    assert _balance(invoices_portal, OPEN_ID) == after
    assert f'id="open-balance">{_euro(after)}<' in page
    detail = agent.get(f"/invoices/{OPEN_ID}").text
    assert '<td class="request-reference">REQ-2026-0002</td>' in detail
    found = agent.get("/invoices/search?request_reference=REQ-2026-0001").text
    assert f">{OPEN_ID}</a>" in found and 'class="document-number">NC-' in found


def test_credit_above_balance_is_refused(agent: PortalClient,
                                         invoices_portal: PortalServer) -> None:
    balance = _balance(invoices_portal, OPEN_ID)
    page = _adjust(agent, OPEN_ID, net_amount=_euro(balance), tax_amount="0,01")
    assert 'id="error-summary"' in page and "exceeds the open balance" in page
    assert _balance(invoices_portal, OPEN_ID) == balance


def test_credit_of_the_whole_balance_closes_the_invoice(agent: PortalClient,
                                                        invoices_portal: PortalServer) -> None:
    balance = _balance(invoices_portal, OPEN_ID)
    page = _adjust(agent, OPEN_ID, net_amount=_euro(balance), tax_amount="0")
    assert 'id="invoice-status">CLOSED<' in page
    assert "is closed" in _adjust(agent, OPEN_ID, kind="charge", reason="LATE_FEE")


def test_closed_invoice_is_refused(agent: PortalClient, invoices_portal: PortalServer) -> None:
    page = _adjust(agent, CLOSED_ID, kind="charge", reason="LATE_FEE")
    assert 'id="invoice-closed-warning"' in page
    assert f"Invoice {CLOSED_ID} is closed" in page
    assert _balance(invoices_portal, CLOSED_ID) == 0


@pytest.mark.parametrize(("fields", "field"), [
    ({"net_amount": "-10,00"}, "net_amount"), ({"net_amount": "10.5"}, "net_amount"),
    ({"net_amount": "0"}, "net_amount"), ({"tax_amount": ""}, "tax_amount"),
    ({"reason": "DISCOUNT"}, "reason"), ({"kind": "refund"}, "kind"),
])
def test_invalid_adjustment_shows_errors(agent: PortalClient, invoices_portal: PortalServer,
                                         fields, field) -> None:
    page = _adjust(agent, OPEN_ID, **fields)
    assert f'<li data-field="{field}">' in page and f'id="error-{field}"' in page
    conn = sqlite3.connect(invoices_portal.config.db_path)
    assert conn.execute("SELECT count(*) FROM adjustments WHERE invoice_id = ?",
                        (OPEN_ID,)).fetchone() == (0,)
    conn.close()


def test_error_after_save_applies_to_adjustments(agent: PortalClient,
                                                 invoices_portal: PortalServer) -> None:
    agent.admin("/_admin/faults", b'{"error_after_save_rate": 1}')
    token = agent.csrf(f"/invoices/{OPEN_ID}")
    reply = agent.post(f"/invoices/{OPEN_ID}/adjust", {
        "kind": "charge", "net_amount": "5,00", "tax_amount": "1,05", "reason": "LATE_FEE",
        "request_reference": "REQ-LOST", "csrf_token": token})
    assert reply.status == 500
    found = agent.get("/invoices/search?request_reference=REQ-LOST").text
    assert 'class="document-number">CG-000001<' in found


def test_seeding_twice_adds_nothing(invoices_portal: PortalServer) -> None:
    ids = seed_invoices(invoices_portal.config.db_path, count=30, seed=7)
    assert ids[0] == "INV-2026-0001" and len(ids) == 30
    conn = sqlite3.connect(invoices_portal.config.db_path)
    assert conn.execute("SELECT count(*) FROM invoices").fetchone() == (30,)
    assert conn.execute("SELECT count(*) FROM invoices WHERE status = 'closed'").fetchone()[0] >= 3
    conn.close()
