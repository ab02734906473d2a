"""Invoices, their lines and their adjustments (charges and credit notes).

open balance = lines' net + lines' tax + charges (net + tax) - credits (net + tax).
An invoice whose balance reaches zero is closed; a closed invoice takes no adjustment.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from demo.portal.db import transaction
from demo.portal.money import from_db, to_db
from demo.portal.sales_store import now_text

PAGE_SIZE = 25
PREFIX = {"credit": "NC", "charge": "CG"}
ZERO = Decimal("0.00")


class AdjustmentRefused(ValueError):
    """A business rule of the portal refused the adjustment; `field` names the culprit."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Adjustment:
    kind: str
    net_amount: Decimal
    tax_amount: Decimal
    reason_code: str
    request_reference: str
    note: str

    @property
    def gross(self) -> Decimal:
        return self.net_amount + self.tax_amount


@dataclass
class Invoice:
    id: str
    customer_name: str
    customer_tax_id: str
    issue_date: str
    status: str
    lines: list[sqlite3.Row] = field(default_factory=list)
    adjustments: list[sqlite3.Row] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return sum((from_db(line["net_amount"]) for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((from_db(line["tax_amount"]) for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    def adjusted(self, kind: str) -> Decimal:
        return sum((from_db(a["net_amount"]) + from_db(a["tax_amount"])
                    for a in self.adjustments if a["kind"] == kind), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.total + self.adjusted("charge") - self.adjusted("credit")


def _attach(conn: sqlite3.Connection, invoices: list[Invoice]) -> list[Invoice]:
    if not invoices:
        return invoices
    by_id = {invoice.id: invoice for invoice in invoices}
    marks = ",".join("?" * len(by_id))
    lines: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in conn.execute(f"SELECT * FROM invoice_lines WHERE invoice_id IN ({marks})"
                            " ORDER BY invoice_id, line_no", list(by_id)):
        lines[row["invoice_id"]].append(row)
    adjustments: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in conn.execute(f"SELECT * FROM adjustments WHERE invoice_id IN ({marks})"
                            " ORDER BY id", list(by_id)):
        adjustments[row["invoice_id"]].append(row)
    for invoice_id, invoice in by_id.items():
        invoice.lines = lines[invoice_id]
        invoice.adjustments = adjustments[invoice_id]
    return invoices


def _from_row(row: sqlite3.Row) -> Invoice:
    return Invoice(id=row["id"], customer_name=row["customer_name"],
                   customer_tax_id=row["customer_tax_id"], issue_date=row["issue_date"],
                   status=row["status"])


def get_invoice(conn: sqlite3.Connection, invoice_id: str) -> Invoice | None:
    row = conn.execute("SELECT * FROM invoices WHERE id = ?", (invoice_id.strip(),)).fetchone()
    return None if row is None else _attach(conn, [_from_row(row)])[0]


def count_invoices(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM invoices").fetchone()[0])


def page_of_invoices(conn: sqlite3.Connection, page: int) -> list[Invoice]:
    rows = conn.execute("SELECT * FROM invoices ORDER BY id LIMIT ? OFFSET ?",
                        (PAGE_SIZE, (page - 1) * PAGE_SIZE)).fetchall()
    return _attach(conn, [_from_row(row) for row in rows])


def find_adjustments(conn: sqlite3.Connection, request_reference: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM adjustments WHERE request_reference = ? ORDER BY id",
                        (request_reference.strip(),)).fetchall()


def open_balance(conn: sqlite3.Connection, invoice_id: str) -> Decimal:
    """The invoice's open balance, for tests that read the database as the truth."""
    invoice = get_invoice(conn, invoice_id)
    if invoice is None:
        raise LookupError(f"no invoice {invoice_id}")
    return invoice.balance


def next_document_number(conn: sqlite3.Connection, kind: str) -> str:
    count = conn.execute("SELECT count(*) FROM adjustments WHERE kind = ?", (kind,)).fetchone()[0]
    return f"{PREFIX[kind]}-{count + 1:06d}"


def insert_adjustment(conn: sqlite3.Connection, invoice_id: str, adjustment: Adjustment,
                      created_by: str) -> str:
    """Insert without checks, inside the caller's transaction; returns the document number."""
    number = next_document_number(conn, adjustment.kind)
    conn.execute(
        "INSERT INTO adjustments (document_number, invoice_id, kind, net_amount, tax_amount,"
        " reason_code, request_reference, note, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (number, invoice_id, adjustment.kind, to_db(adjustment.net_amount),
         to_db(adjustment.tax_amount), adjustment.reason_code, adjustment.request_reference,
         adjustment.note, created_by, now_text()),
    )
    return number


def apply_adjustment(conn: sqlite3.Connection, invoice_id: str, adjustment: Adjustment,
                     created_by: str) -> tuple[str, Decimal]:
    """Check the portal's rules and store; returns the document number and the new balance."""
    with transaction(conn):
        invoice = get_invoice(conn, invoice_id)
        if invoice is None:
            raise AdjustmentRefused(f"Invoice {invoice_id} does not exist")
        if invoice.status != "open":
            raise AdjustmentRefused(f"Invoice {invoice.id} is closed and cannot be adjusted")
        if adjustment.kind == "credit" and adjustment.gross > invoice.balance:
            raise AdjustmentRefused(
                "The credit (net + tax) exceeds the open balance of the invoice", "net_amount")
        number = insert_adjustment(conn, invoice.id, adjustment, created_by)
        sign = 1 if adjustment.kind == "charge" else -1
        balance = invoice.balance + sign * adjustment.gross
        if balance == 0:
            conn.execute("UPDATE invoices SET status = 'closed' WHERE id = ?", (invoice.id,))
    return number, balance
