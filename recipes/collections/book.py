"""The portal's open invoices, read from its export, as accounts with their invoices.

The export is `;`-separated with decimal commas (the portal's CSV); every row is validated
(`read_rows`), and a row the recipe cannot read stops the run before anything is done:
acting on half a book could chase an invoice whose row was the bad one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bots.errors import InputError
from connectors.sheets import ColumnMap, read_rows

EXPORT_COLUMNS = ColumnMap(decimal_comma=True, date_formats=("%Y-%m-%d",))


class ExportRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    account_id: str = Field(min_length=1)
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "es"
    grace_days: int = Field(ge=0)
    suspension_allowed: Literal["Y", "N"]
    suspend_after_days: int = Field(ge=0)
    service_status: Literal["active", "suspended"]
    card_method: str | None = None
    debit_method: str | None = None
    invoice_id: str | None = None
    due_date: date | None = None
    amount: Decimal | None = None
    balance: Decimal | None = None


@dataclass(frozen=True)
class OpenInvoice:
    id: str
    account_id: str
    due: date
    amount: Decimal
    balance: Decimal

    def days_past_due(self, today: date) -> int:
        return (today - self.due).days


@dataclass
class Account:
    id: str
    name: str
    email: str
    phone: str
    language: str
    grace_days: int
    suspension_allowed: bool
    suspend_after_days: int
    suspended: bool
    card_method: str
    debit_method: str
    invoices: list[OpenInvoice] = field(default_factory=list)

    def overdue(self, today: date) -> list[OpenInvoice]:
        return [i for i in self.invoices if i.days_past_due(today) > 0]


def read_book(path: Path) -> dict[str, Account]:
    rows = read_rows(path, ExportRow, columns=EXPORT_COLUMNS)
    if rows.problems:
        first = rows.problems[0]
        raise InputError(f"{path}: {len(rows.problems)} problem(s) in the portal's export; "
                         f"row {first.row}, column {first.column}: {first.reason}")
    book: dict[str, Account] = {}
    for valid in rows.valid:
        r = valid.value
        account = book.setdefault(r.account_id, Account(
            r.account_id, r.name, r.email or "", r.phone or "", r.language, r.grace_days,
            r.suspension_allowed == "Y", r.suspend_after_days, r.service_status == "suspended",
            r.card_method or "", r.debit_method or ""))
        if r.invoice_id:
            if r.due_date is None or r.amount is None or r.balance is None:
                raise InputError(f"{path}: invoice {r.invoice_id} without due date or amounts")
            account.invoices.append(OpenInvoice(r.invoice_id, r.account_id, r.due_date,
                                                r.amount, r.balance))
    return book
