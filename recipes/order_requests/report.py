"""The run's two workbooks, from the work items as the store holds them (never from logs).

order_requests.xlsx  every request: source, kind, order, outcome (done, converted, refused,
                     to review, pending), the portal's reference (cancellation, RMA, return
                     offer, address change, booking, claim number), the refund, and
                     whether the customer was told.
exceptions.xlsx      every request that was not applied, with its reason and message,
                     and the sheet's rows refused before queueing (row, column, reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from bots.money import minor_units
from bots.workitems import ItemRecord, ItemState
from connectors.sheets import CellKind, ReportWorkbook, RowProblem, TableColumn
from recipes.order_requests.notify import TOLD_REFUSALS

OUTPUT = (
    TableColumn("request_id", "Request"), TableColumn("source", "Source"),
    TableColumn("kind", "Kind"), TableColumn("order_id", "Order"),
    TableColumn("outcome", "Outcome"), TableColumn("reference", "Portal reference"),
    TableColumn("refund", "Refund", CellKind.MONEY), TableColumn("reason", "Reason"),
    TableColumn("found", "Found in portal"),
)
EXCEPTIONS = (
    TableColumn("request_id", "Request"), TableColumn("row", "Row", CellKind.INTEGER),
    TableColumn("order_id", "Order"), TableColumn("kind", "Kind"),
    TableColumn("state", "State"), TableColumn("reason", "Reason"),
    TableColumn("message", "Message", width=80),
)
_STATE = {ItemState.BUSINESS_EXCEPTION: "refused", ItemState.SYSTEM_EXCEPTION: "to review"}


def outcome_of(item: ItemRecord) -> str:
    if item.state is ItemState.DONE:
        return (item.output or {}).get("outcome", "done")
    if item.state is ItemState.BUSINESS_EXCEPTION and item.reason not in TOLD_REFUSALS:
        return "to review"
    return _STATE.get(item.state, str(item.state))


def _request_fields(item: ItemRecord) -> dict[str, Any]:
    payload, output = item.payload, item.output or {}
    orders = (payload.get("facts") or {}).get("order") or [""]
    return {"request_id": item.key, "source": payload.get("source", "sheet"),
            "kind": output.get("kind") or payload.get("kind") or payload.get("category", ""),
            "order_id": output.get("order_id") or payload.get("order_id") or orders[0]}


def output_rows(items: Iterable[ItemRecord]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        output = item.output or {}
        refund = output.get("refund")
        rows.append({**_request_fields(item), "outcome": outcome_of(item),
                     "reference": output.get("reference", ""),
                     "refund": minor_units(Decimal(refund)) if refund else None,
                     "reason": item.reason if item.state is not ItemState.DONE else "",
                     "found": "yes" if output.get("found_in_portal") else ""})
    return rows


def exception_rows(items: Iterable[ItemRecord],
                   problems: Sequence[RowProblem]) -> list[dict[str, Any]]:
    rows = [{**_request_fields(item), "row": None, "state": str(item.state),
             "reason": item.reason or "", "message": (item.last_error or "")[:500]}
            for item in items if item.state is not ItemState.DONE]
    rows += [{"request_id": p.key or "", "row": p.row, "order_id": "", "kind": "",
              "state": "not queued", "reason": f"{p.column}: {p.reason}",
              "message": str(p.value)[:500]} for p in problems]
    return rows


def write(path: Path, title: str, columns: Sequence[TableColumn],
          rows: list[dict[str, Any]], fill: str | None = None) -> Path:
    frame = pd.DataFrame(rows, columns=[c.name for c in columns])
    book = ReportWorkbook()
    book.add_table(title, frame, columns, fill=fill)
    return book.save(path)
