"""Payments received: the bank statement's lines matched to open invoices by the
reconciliation engine (`bots.reconcile`), so a paid invoice is never chased.

A line matches when its concept names an open invoice and its amount is that invoice's
open balance to the cent (booked any day: early payers pay early). A line naming an open
invoice for less than what is still open is a **partial payment**: applied too, so the
invoice stays open with the remainder, and letters and charges ask for the remainder
(several lines for one invoice are applied in statement order while they fit). A line
for more than what is open (an **overpayment**) is not applied: the portal keeps no
credit on account, so a person decides between a refund and applying it elsewhere; it is
listed for review with the reason `overpayment`, and the invoice is chased as before. So
is a line that names no open invoice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from bots.errors import InputError
from bots.reconcile import MatchClass, reconcile, ruleset_from_mapping
from connectors.sheets import ColumnMap, read_rows
from recipes.collections.book import Account

BANK_COLUMNS = ColumnMap(decimal_comma=True, date_formats=("%Y-%m-%d", "%d/%m/%Y"))
INVOICE = r"INV-\d{4}-\d{5}"
RULES = ruleset_from_mapping({
    "left": {"label": "invoice", "amount": "amount", "date": "due"},
    "right": {"label": "bank", "amount": "amount", "date": "booked"},
    "rules": [{"name": "invoice-in-concept", "left_on": ["invoice"],
               "right_extract": {"column": "concept", "pattern": INVOICE},
               "amount": {"absolute": "0"}, "dates": {"before": 3650, "after": 3650},
               "breaks": True}],
}, "collections payments")


class BankLine(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    booked: date
    concept: str
    amount: Decimal = Field(decimal_places=2)
    reference: str = Field(min_length=1)


@dataclass(frozen=True)
class Received:
    bank_reference: str
    customer: str
    invoice: str
    amount: Decimal
    booked: date


def read_bank(path: Path) -> list[BankLine]:
    rows = read_rows(path, BankLine, columns=BANK_COLUMNS)
    if rows.problems:
        first = rows.problems[0]
        raise InputError(f"{first.reason} ({len(rows.problems)} problem(s) in the bank "
                         "statement; nothing applied)",
                         file=str(path), row=first.row, column=first.column)
    return [v.value for v in rows.valid if v.value.amount > 0]


def match_payments(book: dict[str, Account], lines: list[BankLine]
                   ) -> tuple[list[Received], list[dict[str, Any]]]:
    """The lines that pay an open invoice in full or in part, and the rest (with the
    engine's class, or `overpayment`)."""
    invoices = [i for a in book.values() for i in a.invoices]
    left = pd.DataFrame({
        "invoice": [i.id for i in invoices], "customer": [i.account_id for i in invoices],
        "amount": pd.array([int(i.balance * 100) for i in invoices], dtype="int64"),
        "due": pd.to_datetime([i.due for i in invoices])})
    right = pd.DataFrame({
        "concept": [line.concept for line in lines],
        "reference": [line.reference for line in lines],
        "amount": pd.array([int(line.amount * 100) for line in lines], dtype="int64"),
        "booked": pd.to_datetime([line.booked for line in lines])})
    if left.empty or right.empty:
        return [], [{"reference": line.reference, "concept": line.concept,
                     "amount": str(line.amount), "class": "missing_left"} for line in lines]
    lines_out = reconcile(left, right, RULES).lines()
    received: list[Received] = []
    rest: list[dict[str, Any]] = []
    for row in lines_out.to_dict("records"):
        reference = row.get("bank reference")
        if reference is None or pd.isna(reference):
            continue  # an invoice nobody paid
        if row["class"] == MatchClass.MATCHED:
            received.append(Received(str(reference), str(row["invoice customer"]),
                                     str(row["invoice invoice"]),
                                     Decimal(int(row["bank amount"])).scaleb(-2),
                                     pd.Timestamp(row["bank booked"]).date()))
        else:
            rest.append({"reference": str(reference), "concept": str(row["bank concept"]),
                         "amount": str(Decimal(int(row["bank amount"])).scaleb(-2)),
                         "class": str(row["class"])})
    return received, _partials(invoices, lines, received, rest)


def _partials(invoices: list[Any], lines: list[BankLine], received: list[Received],
              rest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move the lines that pay part of an open invoice from `rest` to `received`; tell an
    overpayment apart; the lines still not applied."""
    left = {i.id: i.balance for i in invoices}
    owner = {i.id: i.account_id for i in invoices}
    for r in received:
        left[r.invoice] -= r.amount
    by_reference = {line.reference: line for line in lines}
    still, applied = [], {r.bank_reference for r in received}
    for row in rest:
        line = by_reference[row["reference"]]
        if line.reference in applied:
            continue  # the engine listed it twice (a break and a miss): applied once
        named = re.search(INVOICE, line.concept)
        invoice = named.group(0) if named else ""
        if invoice not in left:
            still.append(row)
        elif line.amount <= left[invoice]:
            left[invoice] -= line.amount
            applied.add(line.reference)
            received.append(Received(line.reference, owner[invoice], invoice, line.amount,
                                     line.booked))
        else:
            still.append({**row, "class": "overpayment"})
    return still
