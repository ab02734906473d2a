"""Working one adjustment request as a work item: check before act, validate, key, record.

    check(item)  the portal is searched for an adjustment whose request reference is the
                 item's key (the request id). Found: the item is done without acting,
                 its output rebuilt from what the portal shows. This is what makes a
                 rerun change nothing and a crash-resume never credit twice.
    work(item)   the request's rules (`adjustment_rules.validate`) against the invoice as
                 the portal shows it now; then the lease is confirmed and the adjustment
                 keyed, the request id as its reference; the output records the document
                 number and the invoice's net, tax and total before and after.

The output (JSON in the store, money as text) is what the reports are written from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from bots.errors import BusinessError
from bots.money import money_context
from connectors.invoice_model import (
    AdjustmentInput,
    AppliedAdjustment,
    FoundAdjustment,
    Invoice,
    PostedAdjustment,
)
from recipes.invoice_adjustments.policy import AdjustmentPolicy
from recipes.invoice_adjustments.requests import AdjustmentRequest
from recipes.invoice_adjustments.rules import Resolution, check_request, validate

if TYPE_CHECKING:
    from loguru import Logger

    from bots.workitems import WorkItem


class InvoicePortal(Protocol):
    """The seam to the portal: `connectors.portal.invoices.PortalInvoices` in production."""

    def find_adjustments(self, request_reference: str) -> list[FoundAdjustment]: ...

    def invoice(self, invoice_id: str) -> Invoice | None: ...

    def apply(self, invoice_id: str, adjustment: AdjustmentInput, *,
              before_submit: Callable[[], None] | None = None,
              subject: str | None = None) -> AppliedAdjustment: ...

    def watch(self, label: str) -> AbstractContextManager[None]: ...


def _money(value: Decimal) -> str:
    return str(value)


def _state(net: Decimal, tax: Decimal) -> dict[str, str]:
    return {"net": _money(net), "tax": _money(tax), "total": _money(net + tax)}


def applied_output(invoice: Invoice, resolution: Resolution,
                   applied: AppliedAdjustment) -> dict[str, Any]:
    sign = resolution.kind.sign
    net, tax = invoice.adjusted_net, invoice.adjusted_tax
    return {
        "invoice_id": invoice.id, "kind": resolution.kind.value,
        "document_number": applied.document_number, "found_in_portal": False,
        "net": _money(resolution.net), "tax": _money(resolution.tax),
        "gross": _money(resolution.gross),
        "parts": [{"rate": str(p.rate), "net": _money(p.net), "tax": _money(p.tax)}
                  for p in resolution.parts],
        "before": _state(net, tax),
        "after": _state(net + sign * resolution.net, tax + sign * resolution.tax),
        "portal_open_balance": None if applied.open_balance is None else _money(applied.open_balance),
        "portal_status": applied.status,
    }


def found_output(invoice: Invoice | None, found: FoundAdjustment) -> dict[str, Any]:
    adjustment: PostedAdjustment = found.adjustment
    output: dict[str, Any] = {
        "invoice_id": found.invoice_id, "kind": adjustment.kind.value,
        "document_number": adjustment.document_number, "found_in_portal": True,
        "net": _money(adjustment.net), "tax": _money(adjustment.tax),
        "gross": _money(adjustment.gross),
    }
    if invoice is not None:
        net, tax = invoice.amounts_before(adjustment.document_number)
        sign = adjustment.kind.sign
        output["before"] = _state(net, tax)
        output["after"] = _state(net + sign * adjustment.net, tax + sign * adjustment.tax)
    return output


@dataclass
class Applier:
    portal: InvoicePortal
    policy: AdjustmentPolicy
    log: Logger

    def check(self, item: WorkItem) -> Mapping[str, Any] | None:
        found = self.portal.find_adjustments(item.key)
        if not found:
            return None
        first, *others = found
        if others:
            # Keyed more than once already (by hand, or by another tool): a person must
            # cancel the extra ones, so the item goes to review instead of "done".
            numbers = ", ".join(f"{f.adjustment.document_number} on {f.invoice_id}" for f in found)
            raise BusinessError(f"request {item.key} is posted {len(found)} times in the portal:"
                                f" {numbers}", reason="posted_more_than_once")
        invoice = self.portal.invoice(first.invoice_id)
        with money_context():
            output = found_output(invoice, first)
        self.log.info("request {} already applied as {}: nothing keyed", item.key,
                      first.adjustment.document_number)
        return output

    def work(self, item: WorkItem) -> None:
        """Inside `with item:`; a BusinessError here is the request's exception."""
        with money_context():
            request = AdjustmentRequest.from_payload(item.payload)
            check_request(request, self.policy)  # no portal round trip for a bad row
            invoice = self.portal.invoice(request.invoice_id)
            resolution = validate(request, invoice, self.policy)  # refuses a missing invoice
            adjustment = AdjustmentInput(request.kind, resolution.net, resolution.tax,
                                         request.reason_code, request.request_id, request.note)
            # the lease is confirmed right before the submit: never key an item that
            # another worker holds now
            with self.portal.watch(f"request {item.key}"):  # evidence if keying fails
                applied = self.portal.apply(resolution.invoice_id, adjustment,
                                            before_submit=item.ensure_lease, subject=item.subject)
            output = applied_output(invoice, resolution, applied)  # type: ignore[arg-type]
        expected = Decimal(output["after"]["total"])
        if applied.open_balance is not None and applied.open_balance != expected:
            # The adjustment is posted: record it as done, but flag the disagreement.
            output["balance_mismatch"] = True
            self.log.error("{}: the portal shows balance {} after {}, expected {}", item.key,
                           applied.open_balance, applied.document_number, expected)
        item.output = output
        self.log.info("{} applied to {} as {} ({} {}, balance {} -> {})", item.key, applied.invoice_id,
                      applied.document_number, request.kind.value, resolution.gross,
                      output["before"]["total"], output["after"]["total"])

