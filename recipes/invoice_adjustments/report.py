"""The two workbooks of a run: before/after of every applied adjustment, and the exceptions.

Rows are built from the work items as the store holds them (their outputs), never from
log text. Money goes to `connectors.sheets` as integer cents (`bots.money.minor_units`),
so the xlsx holds exact decimals; text that starts like a formula is written as text.

before/after: request, invoice, kind, reason, status, document number; net, tax, total
of the invoice before; the adjustment signed (a credit is negative); net, tax, total after.
The invoice's net and tax "before" are its lines plus every earlier charge, minus every
earlier credit, so total = the open balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from bots.money import minor_units
from bots.workitems import ItemRecord, ItemState
from connectors.sheets.writer import CellKind, ReportWorkbook, TableColumn
from recipes.invoice_adjustments.requests import AdjustmentRequest

MONEY = CellKind.MONEY
BEFORE_AFTER = (
    TableColumn("request_id", "Request"), TableColumn("invoice_id", "Invoice"),
    TableColumn("kind", "Kind"), TableColumn("reason_code", "Reason"),
    TableColumn("status", "Status"), TableColumn("document_number", "Document"),
    TableColumn("net_before", "Net before", MONEY), TableColumn("tax_before", "Tax before", MONEY),
    TableColumn("total_before", "Total before", MONEY),
    TableColumn("adj_net", "Adjustment net", MONEY), TableColumn("adj_tax", "Adjustment tax", MONEY),
    TableColumn("adj_total", "Adjustment total", MONEY),
    TableColumn("net_after", "Net after", MONEY), TableColumn("tax_after", "Tax after", MONEY),
    TableColumn("total_after", "Total after", MONEY),
)
EXCEPTIONS = (
    TableColumn("request_id", "Request"), TableColumn("row", "Row", CellKind.INTEGER),
    TableColumn("invoice_id", "Invoice"), TableColumn("kind", "Kind"),
    TableColumn("amount", "Amount", CellKind.DECIMAL),
    TableColumn("percentage", "Percentage", CellKind.DECIMAL),
    TableColumn("state", "State"), TableColumn("reason", "Reason"),
    TableColumn("message", "Message", width=80), TableColumn("attempts", "Attempts", CellKind.INTEGER),
)
STATUS = {
    "done": "applied in this run", "found_done": "already in the portal (not keyed again)",
    "earlier": "applied by an earlier run",
}


@dataclass
class ReportRows:
    applied: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)


def _cents(text: str | None) -> int | None:
    return None if text is None else minor_units(Decimal(text))


def applied_row(record: ItemRecord, status: str) -> dict[str, Any]:
    out, payload = record.output or {}, record.payload
    sign = -1 if out.get("kind") == "credit" else 1
    before, after = out.get("before") or {}, out.get("after") or {}
    row: dict[str, Any] = {
        "request_id": record.key, "invoice_id": out.get("invoice_id", payload.get("invoice_id")),
        "kind": out.get("kind", payload.get("kind")), "reason_code": payload.get("reason_code"),
        "status": STATUS[status], "document_number": out.get("document_number"),
    }
    for name in ("net", "tax", "total"):
        row[f"{name}_before"] = _cents(before.get(name))
        row[f"{name}_after"] = _cents(after.get(name))
    for name, key in (("adj_net", "net"), ("adj_tax", "tax"), ("adj_total", "gross")):
        value = _cents(out.get(key))
        row[name] = None if value is None else sign * value
    return row


def _decimal(text: Any) -> Decimal | None:
    """A number for the sheet (a person sums it), not text; the payload holds it as text."""
    return None if text in (None, "") else Decimal(str(text))


def exception_row(request: AdjustmentRequest | None, record: ItemRecord | None, *, state: str,
                  reason: str, message: str) -> dict[str, Any]:
    payload = record.payload if record is not None else (request.to_payload() if request else {})
    return {
        "request_id": payload.get("request_id") or (record.key if record else ""),
        "row": request.row if request is not None else payload.get("row"),
        "invoice_id": payload.get("invoice_id"), "kind": payload.get("kind"),
        "amount": _decimal(payload.get("amount")),
        "percentage": _decimal(payload.get("percentage")),
        "state": state, "reason": reason, "message": message,
        "attempts": record.attempts if record is not None else None,
    }


def item_row(rows: ReportRows, request: AdjustmentRequest, record: ItemRecord | None,
             outcome_now: str | None) -> None:
    """File the request under the workbook its item's state belongs to."""
    if record is None:
        rows.exceptions.append(exception_row(request, None, state="not queued", reason="",
                                             message="the request was not queued"))
    elif record.state is ItemState.DONE:
        status = outcome_now if outcome_now in ("done", "found_done") else "earlier"
        rows.applied.append(applied_row(record, status))
    elif record.state in (ItemState.BUSINESS_EXCEPTION, ItemState.SYSTEM_EXCEPTION):
        rows.exceptions.append(exception_row(request, record, state=str(record.state),
                                             reason=record.reason or "",
                                             message=_first_line(record.last_error)))
    elif record.state is not ItemState.SKIPPED:
        rows.exceptions.append(exception_row(
            request, record, state=str(record.state), reason="not finished",
            message=_first_line(record.last_error) or "waiting for a retry or a worker"))


def _first_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    # a traceback ends with the error itself; a business message is one line
    return lines[-1].strip() if lines else ""


def _frame(rows: Sequence[dict[str, Any]], columns: Sequence[TableColumn]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=[c.name for c in columns])
    for column in columns:
        if column.kind in (CellKind.MONEY, CellKind.INTEGER):
            frame[column.name] = pd.array(list(frame[column.name]), dtype="Int64")
        else:
            frame[column.name] = frame[column.name].astype("string")
    return frame


def write_before_after(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    book = ReportWorkbook()
    book.add_table("Before and after", _frame(rows, BEFORE_AFTER), BEFORE_AFTER)
    return book.save(path)


def write_exceptions(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    book = ReportWorkbook()
    book.add_table("Exceptions", _frame(rows, EXCEPTIONS), EXCEPTIONS, fill="FCE4D6")
    return book.save(path)
