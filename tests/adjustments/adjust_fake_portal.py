"""An in-memory portal with the invoice screens' behaviour, for tests without a browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal

from connectors.invoice_model import (
    AdjustmentInput,
    AppliedAdjustment,
    FoundAdjustment,
    Invoice,
    PostedAdjustment,
)
from connectors.portal.errors import PortalRejected


class FakePortal:
    def __init__(self, *invoices: Invoice) -> None:
        self.invoices = {invoice.id: invoice for invoice in invoices}
        self.keyed: list[str] = []  # request references, in the order they were keyed
        self.numbers = {"credit": 0, "charge": 0}

    def find_adjustments(self, request_reference: str) -> list[FoundAdjustment]:
        return [FoundAdjustment(invoice.id, adjustment)
                for invoice in self.invoices.values()
                for adjustment in invoice.by_reference(request_reference)]

    def invoice(self, invoice_id: str) -> Invoice | None:
        return self.invoices.get(invoice_id)

    def apply(self, invoice_id: str, adjustment: AdjustmentInput, *,
              before_submit: Callable[[], None] | None = None,
              subject: str | None = None) -> AppliedAdjustment:
        invoice = self.invoices[invoice_id]
        gross = adjustment.net + adjustment.tax
        if not invoice.is_open or (adjustment.kind.value == "credit" and gross > invoice.open_balance):
            raise PortalRejected(f"{adjustment.request_reference}: the portal refused it")
        if before_submit:
            before_submit()
        self.numbers[adjustment.kind.value] += 1
        prefix = "NC" if adjustment.kind.value == "credit" else "CG"
        number = f"{prefix}-{self.numbers[adjustment.kind.value]:06d}"
        posted = PostedAdjustment(number, adjustment.kind, adjustment.net, adjustment.tax,
                                  adjustment.reason_code, adjustment.request_reference,
                                  adjustment.note)
        balance = invoice.open_balance + adjustment.kind.sign * gross
        self.invoices[invoice_id] = replace(
            invoice, adjustments=invoice.adjustments + (posted,), open_balance=balance,
            status="closed" if balance == Decimal(0) else invoice.status)
        self.keyed.append(adjustment.request_reference)
        return AppliedAdjustment(invoice_id, number, balance, self.invoices[invoice_id].status)

    @contextmanager
    def watch(self, label: str) -> Iterator[None]:
        yield
