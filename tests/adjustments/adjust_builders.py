"""Builders shared by the adjustment tests: invoices and requests."""

from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from bots.money import tax_at
from connectors.invoice_model import AdjustmentKind, Invoice, InvoiceLine, PostedAdjustment
from recipes.invoice_adjustments.requests import AdjustmentRequest


def make_invoice(*lines: tuple[str, str], status: str = "open", invoice_id: str = "INV-1",
                 adjustments: tuple[PostedAdjustment, ...] = (),
                 balance: D | None = None) -> Invoice:
    """Lines as (net, rate); each line's tax rounded half up, as the portal issues them."""
    built = tuple(InvoiceLine(n, f"line {n}", D(net), D(rate), tax_at(D(net), D(rate)))
                  for n, (net, rate) in enumerate(lines, start=1))
    invoice = Invoice(invoice_id, status, built, D("0"), adjustments)
    shown = invoice.adjusted_net + invoice.adjusted_tax if balance is None else balance
    return Invoice(invoice_id, status, built, shown, adjustments)


def make_request(**changes: Any) -> AdjustmentRequest:
    values: dict[str, Any] = dict(
        request_id="REQ-1", invoice_id="INV-1", kind=AdjustmentKind.CREDIT, amount=D("10.00"),
        percentage=None, reason_code="GOODWILL", requested_by="c.soto", approved_by="r.delgado",
        second_approver="", note="")
    values.update(changes)
    return AdjustmentRequest(**values)


REQUEST_HEADER = ("request_id", "invoice_id", "kind", "amount", "percentage", "reason_code",
                  "requested_by", "approved_by", "second_approver", "note")


def write_requests_xlsx(path: Path, rows: list[tuple[object, ...]]) -> Path:
    """A request workbook as people make them: amounts typed as numbers, percent cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Requests"
    sheet.append(REQUEST_HEADER)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        cells[3].number_format, cells[4].number_format = "#,##0.00", "0%"
    workbook.save(path)  # openpyxl's own writer: 0.07 lands as 0.07000000000000001
    return path


def write_requests_csv(path: Path, rows: list[tuple[object, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(REQUEST_HEADER)
        writer.writerows(rows)
    return path


# A request file's rows: valid ones, a negative amount, a closed invoice, a repeated id.
ROWS = [
    ("R-1", "INV-1", "credit", D("10.00"), None, "GOODWILL", "c.soto", "r.delgado", None, None),
    ("R-2", "INV-2", "credit", None, D("0.1"), "BILLING_ERROR", "c.soto", "r.delgado", None, "10 %"),
    ("R-3", "INV-3", "abono", None, D("1"), "BILLING_ERROR", "l.vega", "a.fuentes", None, "all of it"),
    ("R-4", "INV-1", "charge", D("0.07"), None, "LATE_FEE", "l.vega", "a.fuentes", None, None),
    ("R-5", "INV-1", "credit", D("-5.00"), None, "GOODWILL", "l.vega", "a.fuentes", None, None),
    ("R-6", "INV-4", "credit", D("1.00"), None, "GOODWILL", "l.vega", "a.fuentes", None, None),
    ("R-1", "INV-2", "credit", D("99.00"), None, "GOODWILL", "c.soto", "r.delgado", None, None),
]
