"""Sample invoices in the portal's database, and a workbook of adjustment requests.

`seed_invoices` writes straight into the portal's tables (it plays the legacy system's
past): invoice `INV-2026-0005`, `-0013`, `-0021`... (every 8th from the 5th) are closed,
cancelled by a full credit note; one in three mixes VAT rates (21 % with 10 % or 4 %).

The requests workbook (sheet "Requests", header on row 1) has the columns of `COLUMNS`.
A request gives either `amount` (net, before VAT) or `percentage` (a fraction of the
invoice's net with Excel's percent format: 0.1 shows as 10 %). Its VAT is charged at the
invoice's own rates (`expected_amounts`): the net is shared over the invoice's rates in
proportion to their nets (cents half up, what rounding leaves over to the largest, the
higher rate on a tie), and each share is taxed at its rate, rounded half up; a share equal
to its rate's whole net takes that rate's tax as invoiced. Not a blended rate (invoice VAT
/ invoice net): an invoice rounds its VAT line by line, so on 359.64 at 21 % the blend
gives 75.53 where 21 % of 359.64 is 75.52 (75.5244). `second_approver` is filled when the net is 500.00 or more.
Bad requests (`Problem`) are spread through the sheet.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from demo.portal.db import connect, create_schema, transaction
from demo.portal.ledger import Adjustment, Invoice, get_invoice, insert_adjustment
from demo.samples.sales import person, spread

CENT = Decimal("0.01")
DESCRIPTIONS = {
    "21": ("Fibre 600 Mb monthly fee", "Router rental", "Installation", "Mobile line 10 GB",
           "TV basic pack", "Technician visit"),
    "10": ("Catering for store event", "Passenger transport"),
    "4": ("Printed user manual", "Braille invoice copy"),
}
COLUMNS = ("request_id", "invoice_id", "kind", "amount", "percentage", "reason_code",
           "requested_by", "approved_by", "second_approver", "note")
REQUESTERS = ("c.soto", "m.iglesias", "p.marin", "l.vega")
APPROVERS = ("r.delgado", "a.fuentes")
SECOND_APPROVERS = ("dir.finanzas", "j.castillo")
SECOND_APPROVAL_FROM = Decimal("500.00")
_FIRST_DAY = date(2026, 1, 2)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _lines(rng: random.Random, mixed: bool) -> list[tuple[str, Decimal, str]]:
    rates = ["21", rng.choice(("10", "4"))] if mixed else [rng.choice(("21",) * 4 + ("10", "4"))]
    count = rng.randint(len(rates), 4)
    lines = []
    for n in range(count):
        rate = rates[n] if n < len(rates) else rng.choice(rates)
        net = Decimal(rng.randint(500, 90_000)) / 100
        lines.append((rng.choice(DESCRIPTIONS[rate]), net, rate))
    return lines


def seed_invoices(db_path: Path, count: int = 50, seed: int = 7) -> list[str]:
    """Create INV-2026-0001..count (skipping ids already there); returns all their ids."""
    create_schema(db_path)
    rng = random.Random(f"invoices:{seed}")
    ids = []
    conn = connect(db_path)
    try:
        with transaction(conn):
            for n in range(1, count + 1):
                invoice_id = f"INV-2026-{n:04d}"
                ids.append(invoice_id)
                customer, tax_id = person(rng)
                issued = _FIRST_DAY + timedelta(days=rng.randint(0, 80))
                lines = _lines(rng, mixed=n % 3 == 1)
                if conn.execute("SELECT 1 FROM invoices WHERE id = ?", (invoice_id,)).fetchone():
                    continue
                conn.execute("INSERT INTO invoices VALUES (?, ?, ?, ?, 'open')",
                             (invoice_id, customer, tax_id, issued.isoformat()))
                for line_no, (description, net, rate) in enumerate(lines, start=1):
                    tax = _cents(net * Decimal(rate) / 100)
                    conn.execute(
                        "INSERT INTO invoice_lines (invoice_id, line_no, description, net_amount,"
                        " tax_rate, tax_amount) VALUES (?, ?, ?, ?, ?, ?)",
                        (invoice_id, line_no, description, str(net), rate, str(tax)))
                if n % 8 == 5:
                    _cancel(conn, invoice_id)
    finally:
        conn.close()
    return ids


def _cancel(conn: sqlite3.Connection, invoice_id: str) -> None:
    invoice = get_invoice(conn, invoice_id)
    if invoice is None:
        raise LookupError(f"no invoice {invoice_id}")
    credit = Adjustment(kind="credit", net_amount=invoice.net, tax_amount=invoice.tax,
                        reason_code="BILLING_ERROR", request_reference="",
                        note="Invoice cancelled")
    insert_adjustment(conn, invoice_id, credit, created_by="migration")
    conn.execute("UPDATE invoices SET status = 'closed' WHERE id = ?", (invoice_id,))


class Problem(StrEnum):
    CREDIT_OVER_BALANCE = "credit larger than the open balance"
    NEGATIVE_AMOUNT = "negative amount"
    SELF_APPROVED = "requester approved their own request"
    UNKNOWN_INVOICE = "unknown invoice"
    DUPLICATE_REQUEST_ID = "request id already on an earlier row"
    UNKNOWN_REASON = "unknown reason code"
    INVOICE_CLOSED = "invoice is closed"


@dataclass(frozen=True)
class AdjustmentRequest:
    request_id: str
    invoice_id: str
    kind: str
    amount: Decimal | None
    percentage: Decimal | None
    reason_code: str
    requested_by: str
    approved_by: str
    second_approver: str
    note: str
    problem: Problem | None = None

    def cells(self) -> tuple[object, ...]:
        return (self.request_id, self.invoice_id, self.kind, self.amount, self.percentage,
                self.reason_code, self.requested_by, self.approved_by,
                self.second_approver or None, self.note or None)


def expected_amounts(invoice: Invoice, request: AdjustmentRequest) -> tuple[Decimal, Decimal]:
    """The net and VAT a correct bot keys for `request` on `invoice`."""
    if request.percentage is not None:
        net = _cents(invoice.net * request.percentage)
    elif request.amount is not None:
        net = request.amount
    else:
        raise ValueError(f"request {request.request_id} has neither amount nor percentage")
    return net, tax_at_rates(invoice, net)


def tax_at_rates(invoice: Invoice, net: Decimal) -> Decimal:
    """The VAT of `net` charged at the invoice's rates (see the module docstring)."""
    nets: dict[Decimal, Decimal] = {}
    taxes: dict[Decimal, Decimal] = {}
    for line in invoice.lines:
        rate = Decimal(line["tax_rate"])
        nets[rate] = nets.get(rate, Decimal(0)) + Decimal(line["net_amount"])
        taxes[rate] = taxes.get(rate, Decimal(0)) + Decimal(line["tax_amount"])
    rates = [rate for rate in sorted(nets, reverse=True) if nets[rate] != 0]
    whole = sum((nets[rate] for rate in rates), Decimal(0))
    shares = {rate: _cents(net * nets[rate] / whole) for rate in rates}
    largest = max(rates, key=lambda rate: (nets[rate], rate))
    shares[largest] += net - sum(shares.values(), Decimal(0))
    return sum((taxes[rate] if shares[rate] == nets[rate] else _cents(shares[rate] * rate / 100)
                for rate in rates), Decimal(0))


_CHARGE_REASONS = ("LATE_FEE", "SERVICE_CHANGE", "PRICE_CORRECTION")
_CREDIT_REASONS = ("GOODWILL", "BILLING_ERROR", "PRICE_CORRECTION", "SERVICE_CHANGE")


def _valid_request(rng: random.Random, number: int, invoice: Invoice) -> AdjustmentRequest:
    kind = "credit" if rng.random() < 0.6 else "charge"
    reason = rng.choice(_CREDIT_REASONS if kind == "credit" else _CHARGE_REASONS)
    amount: Decimal | None = None
    percentage: Decimal | None = None
    # Credits stay within 10 % of the balance, so that several on one invoice still fit.
    ceiling = invoice.balance / 10 if kind == "credit" else invoice.net / 4
    if rng.random() < 0.3:
        share = Decimal(rng.choice((2, 5, 10) if kind == "credit" else (5, 10, 25))) / 100
        if kind == "charge" or invoice.total * share <= ceiling:
            percentage = share
    if percentage is None:
        amount = max(Decimal("1.00"), _cents(ceiling * Decimal(rng.randint(20, 80)) / 100))
    net = amount if amount is not None else _cents(invoice.net * (percentage or 0))
    requester = rng.choice(REQUESTERS)
    return AdjustmentRequest(
        request_id=f"REQ-2026-{number:04d}", invoice_id=invoice.id, kind=kind, amount=amount,
        percentage=percentage, reason_code=reason, requested_by=requester,
        approved_by=rng.choice(APPROVERS),
        second_approver=rng.choice(SECOND_APPROVERS) if net >= SECOND_APPROVAL_FROM else "",
        note=rng.choice(("", "Customer complaint #" + str(rng.randint(1000, 9999)),
                         "Agreed by phone", "Late payment of last month")),
    )


def _spoil(request: AdjustmentRequest, problem: Problem, earlier: list[AdjustmentRequest],
           invoice: Invoice, closed: list[Invoice], rng: random.Random) -> AdjustmentRequest:
    request = replace(request, problem=problem)
    if problem is Problem.CREDIT_OVER_BALANCE:
        net = _cents(invoice.balance * Decimal(rng.randint(120, 200)) / 100)
        return replace(request, kind="credit", amount=net, percentage=None,
                       reason_code="BILLING_ERROR", second_approver=rng.choice(SECOND_APPROVERS))
    if problem is Problem.NEGATIVE_AMOUNT:
        return replace(request, amount=-(request.amount or Decimal("10.00")), percentage=None)
    if problem is Problem.SELF_APPROVED:
        return replace(request, approved_by=request.requested_by)
    if problem is Problem.UNKNOWN_INVOICE:
        return replace(request, invoice_id=f"INV-2025-{rng.randint(1, 9999):04d}")
    if problem is Problem.DUPLICATE_REQUEST_ID:
        original = rng.choice([r for r in earlier if r.problem is None])
        return replace(request, request_id=original.request_id)
    if problem is Problem.UNKNOWN_REASON:
        return replace(request, reason_code="DISCOUNT")
    return replace(request, invoice_id=rng.choice(closed).id, kind="credit",
                   amount=Decimal("25.00"), percentage=None, reason_code="GOODWILL",
                   second_approver="")


def _load(db_path: Path, invoice_ids: Sequence[str] | None) -> list[Invoice]:
    conn = connect(db_path)
    try:
        ids = list(invoice_ids) if invoice_ids is not None else [
            row[0] for row in conn.execute("SELECT id FROM invoices ORDER BY id")]
        return [invoice for invoice in (get_invoice(conn, i) for i in ids) if invoice]
    finally:
        conn.close()


def plan_adjustment_requests(db_path: Path, invoice_ids: Sequence[str] | None = None, *,
                             count: int = 30, seed: int = 7) -> list[AdjustmentRequest]:
    """The requests of the workbook, each with its `problem` (None when it is valid),
    drawn against the invoices as they stand now in the portal's database."""
    invoices = _load(db_path, invoice_ids)
    open_invoices = [invoice for invoice in invoices if invoice.status == "open"]
    closed = [invoice for invoice in invoices if invoice.status != "open"]
    if not open_invoices:
        raise ValueError(f"no open invoice to adjust in {db_path}")
    problems = [p for p in Problem if closed or p is not Problem.INVOICE_CLOSED]
    rng = random.Random(f"adjustments:{seed}")
    bad_at = dict(zip(spread(count, len(problems), rng), problems, strict=True))
    rng.shuffle(open_invoices)
    requests: list[AdjustmentRequest] = []
    for index in range(count):
        invoice = open_invoices[index % len(open_invoices)]
        request = _valid_request(rng, index + 1, invoice)
        if index in bad_at:
            request = _spoil(request, bad_at[index], requests, invoice, closed, rng)
        requests.append(request)
    return requests


def write_adjustment_requests(path: Path, db_path: Path,
                              invoice_ids: Sequence[str] | None = None, *, count: int = 30,
                              seed: int = 7) -> Path:
    path = Path(path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Requests"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, request in enumerate(plan_adjustment_requests(db_path, invoice_ids, count=count,
                                                           seed=seed), start=2):
        for col, value in enumerate(request.cells(), start=1):
            cell = sheet.cell(row=row, column=col, value=value)
            if COLUMNS[col - 1] == "amount":
                cell.number_format = "#,##0.00"
            elif COLUMNS[col - 1] == "percentage":
                cell.number_format = "0%"
            elif isinstance(value, str):
                cell.data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
