"""The invoice page objects on the real demo portal in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from adjust_world import CHROMIUM, adjustments_by_reference
from pydantic import SecretStr

from bots.browser import BrowserPool, LaunchOptions
from bots.errors import BusinessError
from bots.settings import BROWSER_ARGS
from connectors.invoice_model import AdjustmentInput, AdjustmentKind
from connectors.portal import Credentials, Portal, load_map
from connectors.portal.invoices import PortalInvoices, with_invoice_screens
from demo.portal import PortalConfig, PortalServer
from demo.portal.db import connect
from demo.portal.ledger import get_invoice
from demo.samples.invoices import seed_invoices

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the system Chromium")]


@pytest.fixture(scope="module")
def portal_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("pages") / "portal.sqlite"
    seed_invoices(db, count=16)
    return db


@pytest.fixture(scope="module")
def invoices(portal_db: Path) -> Iterator[tuple[PortalInvoices, PortalServer]]:
    with PortalServer(PortalConfig(db_path=portal_db)) as server, BrowserPool.open(
            LaunchOptions(executable_path=CHROMIUM, args=BROWSER_ARGS)) as pool:
        portal = Portal(pool.lane("pages"), with_invoice_screens(load_map("demo")),
                        base_url=server.url,
                        credentials=Credentials("robot", SecretStr("robot-pass")))
        portal.start()
        yield PortalInvoices(portal), server


def test_reads_an_invoice_with_mixed_rates_exactly(invoices, portal_db: Path) -> None:  # noqa: ANN001
    pages, _ = invoices
    invoice = pages.invoice("INV-2026-0001")  # one in three mixes rates; the first does
    truth = get_invoice(connect(portal_db), "INV-2026-0001")
    assert invoice is not None and truth is not None
    assert [(line.net, line.rate, line.tax) for line in invoice.lines] == [
        (D(r["net_amount"]), D(r["tax_rate"]), D(r["tax_amount"])) for r in truth.lines]
    assert len(invoice.rate_groups()) == 2
    assert (invoice.status, invoice.open_balance) == ("open", truth.balance)
    assert pages.invoice("INV-1999-0404") is None


def test_reads_a_closed_invoice_with_its_credit_note(invoices, portal_db: Path) -> None:  # noqa: ANN001
    pages, _ = invoices
    invoice = pages.invoice("INV-2026-0005")  # cancelled by the seed with a full credit
    assert invoice is not None and invoice.status == "closed" and invoice.open_balance == 0
    (credit,) = invoice.adjustments
    assert credit.kind is AdjustmentKind.CREDIT and credit.gross == invoice.total
    assert invoice.amounts_before(credit.document_number) == (invoice.net, invoice.tax)


def test_keys_a_credit_and_finds_it_by_its_request_reference(invoices, portal_db: Path) -> None:  # noqa: ANN001
    pages, _ = invoices
    assert pages.find_adjustments("REQ-PAGES-1") == []
    before = pages.invoice("INV-2026-0002")
    assert before is not None
    applied = pages.apply("INV-2026-0002", AdjustmentInput(
        AdjustmentKind.CREDIT, D("10.05"), D("2.11"), "GOODWILL", "REQ-PAGES-1", "=not a formula"))
    assert applied.document_number.startswith("NC-")
    assert applied.open_balance == before.open_balance - D("12.16")
    (row,) = adjustments_by_reference(portal_db)["REQ-PAGES-1"]
    assert (row["net_amount"], row["tax_amount"], row["note"]) == ("10.05", "2.11", "=not a formula")
    (found,) = pages.find_adjustments("REQ-PAGES-1")
    assert (found.invoice_id, found.adjustment.document_number) == ("INV-2026-0002",
                                                                    applied.document_number)
    assert (found.adjustment.net, found.adjustment.tax) == (D("10.05"), D("2.11"))


def test_a_refusal_of_the_portal_is_a_business_error(invoices, portal_db: Path) -> None:  # noqa: ANN001
    pages, _ = invoices
    invoice = pages.invoice("INV-2026-0003")
    assert invoice is not None
    too_much = AdjustmentInput(AdjustmentKind.CREDIT, invoice.open_balance, D("1.00"),
                               "GOODWILL", "REQ-PAGES-2")
    with pytest.raises(BusinessError, match="open balance"):
        pages.apply("INV-2026-0003", too_much)
    assert "REQ-PAGES-2" not in adjustments_by_reference(portal_db)


def test_a_dropped_session_is_logged_in_again(invoices) -> None:  # noqa: ANN001
    import urllib.request

    pages, server = invoices
    logins = pages.portal.logins
    request = urllib.request.Request(f"{server.url}/_admin/drop-sessions", method="POST",
                                     headers={"X-Admin-Token": "demo-admin"})
    urllib.request.urlopen(request, timeout=10).read()  # noqa: S310 - the local test portal
    assert pages.invoice("INV-2026-0004") is not None
    assert pages.portal.logins == logins + 1
