"""The demo portal's invoice screens: read an invoice, find adjustments, key one.

    invoices = invoice_portal_on(run, lane)              # a lane of run.work, logged in
        invoices.find_adjustments("REQ-2026-0001")      # check before act
        invoice = invoices.invoice("INV-2026-0001")      # lines, rates, balance, adjustments
        applied = invoices.apply("INV-2026-0001", AdjustmentInput(...), before_submit=...)

The form and the search are declared in `invoices.toml` (beside this module) in the
portal-map format and added to the portal's map, so keying goes through the connector's
common path (`Portal.key`: fill in one round trip, the confirm() answered on purpose,
re-login, outcome detection, evidence, audit). Only the detail page, which is neither a
form nor a search, is read by code (`invoice_pages`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from bots import Run
from bots.browser import BrowserPool, Lane, LaunchOptions
from bots.money import ensure_decimal
from connectors.invoice_model import (
    AdjustmentInput,
    AppliedAdjustment,
    FoundAdjustment,
    Invoice,
)
from connectors.portal.errors import MapError, PortalUnavailable
from connectors.portal.invoice_pages import found_from_rows, read_invoice
from connectors.portal.keying import open_portal
from connectors.portal.map import FormMap, PortalMap, SearchMap, load_map
from connectors.portal.portal import KeyMode, Portal

SCREENS_FILE = Path(__file__).with_name("invoices.toml")
FORM = SEARCH = "invoice_adjustment"


def with_invoice_screens(portal_map: PortalMap, screens: Path = SCREENS_FILE) -> PortalMap:
    """The map with the invoice form and search added (refused if it already has others)."""
    try:
        data = tomllib.loads(screens.read_text(encoding="utf-8"))
        forms = {name: FormMap.model_validate(spec) for name, spec in data["forms"].items()}
        searches = {name: SearchMap.model_validate(spec)
                    for name, spec in data["searches"].items()}
    except (OSError, KeyError, ValueError) as exc:
        raise MapError(f"invoice screens {screens}: {exc}") from None
    for mine, theirs in ((forms, portal_map.forms), (searches, portal_map.searches)):
        clash = sorted(n for n in mine if n in theirs and theirs[n] != mine[n])
        if clash:
            raise MapError(f"map {portal_map.name} already has a different {', '.join(clash)}")
    return portal_map.model_copy(update={"forms": {**portal_map.forms, **forms},
                                          "searches": {**portal_map.searches, **searches}})


class PortalInvoices:
    """Thread-side; one lane's logged-in view of the portal's invoices."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def find_adjustments(self, request_reference: str) -> list[FoundAdjustment]:
        found = self.portal.find(SEARCH, request_reference)
        return found_from_rows(found.rows) if found is not None else []

    def invoice(self, invoice_id: str) -> Invoice | None:
        return self.portal.lane.run(read_invoice, self.portal.session, invoice_id)

    def apply(self, invoice_id: str, adjustment: AdjustmentInput, *,
              before_submit: Callable[[], None] | None = None,
              subject: str | None = None) -> AppliedAdjustment:
        record = {
            "invoice_id": invoice_id, "kind": adjustment.kind.value,
            "net_amount": ensure_decimal(adjustment.net, "net"),
            "tax_amount": ensure_decimal(adjustment.tax, "tax"),
            "reason": adjustment.reason_code, "request_reference": adjustment.request_reference,
            "note": adjustment.note,
        }
        keyed = self.portal.key(FORM, record, key=adjustment.request_reference,
                                mode=KeyMode.UI, before_submit=before_submit, subject=subject)
        balance, status = self._after(invoice_id, keyed.reference)
        return AppliedAdjustment(invoice_id, keyed.reference, balance, status)

    def _after(self, invoice_id: str, document_number: str) -> tuple[Decimal | None, str]:
        """The invoice once more, to cross-check the balance; the adjustment is posted
        whatever this read says, so a failure here is only logged."""
        try:
            invoice = self.invoice(invoice_id)
        except PortalUnavailable as exc:
            self.portal.lane.log.warning("{} posted, but re-reading {} failed: {}",
                                         document_number, invoice_id, exc)
            return None, ""
        if invoice is None or not any(a.document_number == document_number
                                      for a in invoice.adjustments):
            raise PortalUnavailable(f"{document_number} is not listed on invoice {invoice_id}",
                                    after_submit=True)
        return invoice.open_balance, invoice.status

    @contextmanager
    def watch(self, label: str) -> Iterator[None]:
        with self.portal.watch(label):
            yield


def invoice_portal_on(run: Run, lane: Lane, map_name: str = "demo") -> PortalInvoices:
    """The invoice screens on a browser lane, logged in to the portal of the settings."""
    portal_map = with_invoice_screens(load_map(map_name))
    return PortalInvoices(open_portal(run, lane, portal_map))


@contextmanager
def open_invoice_portal(run: Run, map_name: str = "demo") -> Iterator[PortalInvoices]:
    """A browser of its own (the system Chromium) with one lane: for use outside run.work."""
    with BrowserPool.open(LaunchOptions.from_settings(run.settings.browser)) as pool:
        yield invoice_portal_on(run, pool.lane("invoices"), map_name)
