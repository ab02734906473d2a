"""The collections workbook (ageing by bucket, today's actions, amounts collected,
promises, disputes, requests) and the agents' call list.

Ageing is counted from the portal's export read at the end of the run; the amounts
collected from what the portal confirmed (payments recorded, charges approved), as the
store recorded them; so each figure can be checked against the portal's own database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.sheets import CellKind, ReportWorkbook, TableColumn
from recipes.collections.book import Account
from recipes.collections.evidence import Evidence
from recipes.collections.policy import CollectionsPolicy

M, INT = CellKind.MONEY, CellKind.INTEGER


def cents(value: Decimal | str) -> int:
    return int(Decimal(value).scaleb(2))


def ageing(book: dict[str, Account], policy: CollectionsPolicy, today: date
           ) -> list[dict[str, Any]]:
    names = ["current", *(b.name for b in policy.ageing), "beyond"]
    rows = {n: {"bucket": n, "invoices": 0, "amount": 0} for n in names}
    for account in book.values():
        for invoice in account.invoices:
            row = rows[policy.bucket(invoice.days_past_due(today))]
            row["invoices"] += 1
            row["amount"] += cents(invoice.balance)
    return [r for r in rows.values() if r["bucket"] != "beyond" or r["invoices"]]


def collected(evidence: Evidence) -> list[dict[str, Any]]:
    """To date: payments recorded, charges approved, suspensions applied, reactivations."""
    payments = evidence.payments()
    charges = evidence.requests(kind="charge", state="done")
    suspensions = [r for r in evidence.requests(kind="suspension")
                   if r.state in ("done", "reactivated")]
    reactivated = [r for r in suspensions if r.state == "reactivated"]
    return [
        {"what": "payments", "count": len(payments),
         "amount": sum(cents(p.amount) for p in payments)},
        {"what": "charges", "count": len(charges), "amount": sum(cents(c.amount) for c in charges)},
        {"what": "suspensions", "count": len(suspensions), "amount": 0},
        {"what": "reactivations", "count": len(reactivated), "amount": 0},
    ]


def _frame(rows: list[dict[str, Any]], columns: list[TableColumn]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[c.name for c in columns])
    for column in columns:
        if column.kind in (M, INT):
            frame[column.name] = frame[column.name].fillna(0).astype("int64")
    return frame


def write_workbook(path: Path, *, today: date, book: dict[str, Account],
                   policy: CollectionsPolicy, evidence: Evidence,
                   actions: list[dict[str, Any]], unmatched: list[dict[str, Any]]) -> Path:
    wb = ReportWorkbook()
    tables: list[tuple[str, list[dict[str, Any]], list[TableColumn]]] = [
        ("Ageing", ageing(book, policy, today),
         [TableColumn("bucket", "Bucket"), TableColumn("invoices", "Invoices", INT),
          TableColumn("amount", "Open amount", M)]),
        ("Actions", actions,
         [TableColumn("key", "Item"), TableColumn("kind", "Action"),
          TableColumn("customer", "Customer"), TableColumn("invoice", "Invoice"),
          TableColumn("reference", "Portal reference"), TableColumn("status", "Status"),
          TableColumn("decline_code", "Decline"), TableColumn("amount", "Amount", M)]),
        ("Collected", collected(evidence),
         [TableColumn("what", "To date"), TableColumn("count", "Count", INT),
          TableColumn("amount", "Amount", M)]),
        ("Promises", [{"customer": p.customer, "invoice": p.invoice, "amount": cents(p.amount),
                       "promised_on": str(p.promised_on), "state": p.state}
                      for p in evidence.promises()],
         [TableColumn("customer", "Customer"), TableColumn("invoice", "Invoice"),
          TableColumn("amount", "Amount", M), TableColumn("promised_on", "Promised for"),
          TableColumn("state", "State")]),
        ("Disputes", [{"customer": d.customer, "invoice": d.invoice, "reason": d.reason,
                       "opened": str(d.opened_at)[:10]} for d in evidence.open_disputes().values()],
         [TableColumn("customer", "Customer"), TableColumn("invoice", "Invoice"),
          TableColumn("opened", "Opened"), TableColumn("reason", "Reason")]),
        ("Requests", [{"id": r.id, "kind": r.kind, "state": r.state,
                       "requested_by": r.requested_by, "approved_by": r.approved_by or "",
                       "amount": cents(r.amount), "attempts": r.attempts,
                       "last_decline": r.last_decline, "note": r.note}
                      for r in evidence.requests()],
         [TableColumn("id", "Request"), TableColumn("kind", "Kind"), TableColumn("state", "State"),
          TableColumn("requested_by", "Requested by"), TableColumn("approved_by", "Approved by"),
          TableColumn("amount", "Amount", M), TableColumn("attempts", "Charge attempts", INT),
          TableColumn("last_decline", "Last decline"),
          TableColumn("note", "Note (portal reference, or why withdrawn)")]),
        ("Unmatched payments", unmatched,
         [TableColumn("reference", "Bank reference"), TableColumn("concept", "Concept"),
          TableColumn("amount", "Amount"), TableColumn("class", "Why not applied")]),
    ]
    for title, rows, columns in tables:
        wb.add_table(title, _frame(rows, columns), columns)
    return wb.save(path)


def write_call_list(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = [TableColumn("customer", "Customer"), TableColumn("name", "Name"),
               TableColumn("phone", "Phone"), TableColumn("language", "Language"),
               TableColumn("invoice", "Invoice"), TableColumn("due", "Due"),
               TableColumn("days_late", "Days late", INT), TableColumn("balance", "Balance", M),
               TableColumn("level", "Level"), TableColumn("listed_before", "Last listed"),
               TableColumn("outcome", "Outcome (authorisation / promise / dispute)"),
               TableColumn("note", "Note")]
    data = [{**r, "due": str(r["due"]), "balance": cents(r["balance"]), "outcome": "", "note": "",
             "listed_before": str(r["listed_before"] or "")} for r in rows]
    wb = ReportWorkbook()
    wb.add_table("Calls", _frame(data, columns), columns)
    return wb.save(path)
