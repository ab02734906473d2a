"""key_sales: key validated sales from a workbook into the legacy portal, exactly once.

    runner.py run key_sales -p workbook=sales.xlsx            # UI keying, 3 contexts
    runner.py run key_sales -p workbook=sales.xlsx -p mode=request
    runner.py run key_sales -p workbook=ventas.xlsx -p columns=ventas.columns.toml

1. read: every row checked (types, allowed values, amount limits, four eyes, duplicate
   external ids) a batch at a time; valid rows are queued batch by batch (keyed by
   external id: putting twice is harmless, so a resumed run queues nothing new), rejected
   rows go to `exceptions.xlsx` with row, column and reason.
2. key: `key_records` with the map's `sale` form: its lookup first (found: the reference
   is recorded, nothing keyed), then keyed, the lease renewed right before the submit.
3. output: `sales_output.xlsx` lists every row with its outcome and portal reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from bots import Queue, RetryPolicy, Run, recipe
from bots.workitems import ItemRecord, ItemState
from connectors.portal import KeyMode, key_records
from connectors.sales_sheet import SalesRules, sales_reader
from connectors.sheets import (
    CellKind,
    ReportWorkbook,
    Rows,
    TableColumn,
    write_csv,
    write_exceptions,
)

SALES = Queue("sales", lease=timedelta(seconds=60),
              retry=RetryPolicy(attempts=4, initial=timedelta(seconds=2), multiplier=2.0,
                                maximum=timedelta(minutes=2), jitter=0.1))
OUTPUT_ROWS = 200_000  # above this the per-row output goes to CSV, not a workbook


class KeySalesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workbook: Path | None = Field(default=None, description="xlsx or CSV; none: work the queue")
    sheet: str | None = None
    columns: Path | None = Field(default=None, description="column mapping TOML (other headers)")
    portal_map: str = Field(default="demo", description="a map name or a .toml path")
    mode: KeyMode = KeyMode.UI
    contexts: int | None = Field(default=None, ge=1, le=32, description="default: settings")
    max_amount: Decimal = Field(default=Decimal("50000.00"), gt=0, allow_inf_nan=False)
    decimal_comma: bool = Field(default=True, description="text amounts written 1.234,56")
    spot_check_every: int = Field(default=25, ge=0, description="request mode: 1 in N; 0: none")
    keep_evidence: bool = Field(default=False, description="screenshots of good items too")
    read_only: bool = Field(default=False, description="read, validate and queue; key nothing "
                            "(a worker keys the queue later)")


@recipe(queue=SALES)
def key_sales(run: Run, params: KeySalesParams) -> dict[str, Any]:
    """Key validated sales into the legacy portal: checked first, keyed once, with evidence."""
    rows = _read_and_queue(run, params) if params.workbook is not None else None
    if params.read_only:
        return {"sales": _counts(rows, {}), "read_only": True}
    report = key_records(run, portal_map=params.portal_map, form="sale", contexts=params.contexts,
                         mode=params.mode, keep_evidence=params.keep_evidence,
                         spot_check_every=params.spot_check_every if params.mode is KeyMode.REQUEST else 0)
    with run.step("output"):
        records = run.queue().get_many(k for _, k in rows.keys) if rows is not None else {}
        if rows is not None:
            _write_output(run, rows, records)
    return {"sales": _counts(rows, records), "mode": str(params.mode), "contexts": report.lanes,
            "key_seconds": round(report.seconds, 1), "keyed_per_second": report.per_second}


@dataclass
class SalesRead:
    """What reading the sheet left: every valid row's (row, external id), the problems.
    Not the sales themselves: they are in the queue, and a sheet may have millions."""

    rows: Rows[Any]
    keys: list[tuple[int, str]] = field(default_factory=list)


def _read_and_queue(run: Run, params: KeySalesParams) -> SalesRead:
    assert params.workbook is not None
    with run.step("read"):
        reader = sales_reader(params.workbook, sheet=params.sheet, columns=params.columns,
                              decimal_comma=params.decimal_comma,
                              rules=SalesRules(max_amount=params.max_amount))
        queue, created, existing = run.queue(), 0, 0
        read = SalesRead(reader.result)
        with run.progress("valid rows queued") as bar:
            for batch in reader.batches():  # each batch its own transaction: flat memory
                put = queue.put_many((r.value.external_id, r.value.payload()) for r in batch)
                created, existing = created + put.created, existing + put.existing
                read.keys.extend((r.row, r.value.external_id) for r in batch)
                bar.advance(len(batch))
        rows = reader.result
        run.log.info("{}: {} rows, {} valid ({} new in the queue), {} rejected", rows.file,
                     rows.rows, len(read.keys), created, len(rows.rejected_rows))
        run.reject(rows.problems, source=rows.file)
        if rows.problems:
            path = write_exceptions(rows, run.artifact_path("exceptions.xlsx"), key_title="External ID")
            run.add_artifact(path, kind="xlsx")
    return read


# -- reporting -------------------------------------------------------------------------

STATUS = {"keyed": "keyed", "found": "already in the portal", "invalid": "rejected (validation)",
          ItemState.BUSINESS_EXCEPTION: "rejected by the portal",
          ItemState.SYSTEM_EXCEPTION: "failed (system error, to review)",
          ItemState.PENDING: "pending", ItemState.IN_PROGRESS: "in progress",
          ItemState.SKIPPED: "skipped"}


def _status(record: ItemRecord | None) -> str:
    if record is None:
        return "invalid"
    if record.state == ItemState.DONE:
        found = record.reason == "found_done" or (record.output or {}).get("found_in_portal")
        return "found" if found else "keyed"
    return str(record.state)


def _counts(read: SalesRead | None, records: dict[str, ItemRecord]) -> dict[str, int]:
    counts: dict[str, int] = {}
    if read is not None:
        counts["rows"], counts["invalid"] = read.rows.rows, len(read.rows.rejected_rows)
        counts["valid"] = len(read.keys)
        for record in records.values():
            status = _status(record)
            counts[status] = counts.get(status, 0) + 1
    return counts


def _write_output(run: Run, read: SalesRead, records: dict[str, ItemRecord]) -> None:
    problems: dict[int, list[str]] = {}
    keys: dict[int, str] = {}
    for p in read.rows.problems:
        problems.setdefault(p.row, []).append(f"{p.column}: {p.reason}")
        keys[p.row] = p.key or ""
    lines = []
    for row, external_id in read.keys:
        record = records.get(external_id)
        sale = record.payload if record is not None else {}
        output = (record.output or {}) if record is not None else {}
        detail = (record.last_error or "") if record is not None else ""
        amount = sale.get("amount")
        lines.append({"row": row, "external_id": external_id,
                      "customer": sale.get("customer_name", ""),
                      "amount": Decimal(amount) if amount is not None else None,
                      "currency": sale.get("currency", ""),
                      "status": STATUS.get(_status(record), "?"),
                      "reference": output.get("reference") or "",
                      "detail": detail.strip().splitlines()[-1][:300] if detail else ""})
    for row, reasons in problems.items():
        lines.append({"row": row, "external_id": keys[row], "customer": "", "amount": None,
                      "currency": "", "status": STATUS["invalid"], "reference": "",
                      "detail": "; ".join(reasons)[:300]})
    frame = pd.DataFrame(sorted(lines, key=lambda line: line["row"]))
    frame["amount"] = [int(a * 100) if a is not None else None for a in frame["amount"]]
    columns = [
        TableColumn("row", "Row", CellKind.INTEGER), TableColumn("external_id", "External ID"),
        TableColumn("customer", "Customer"), TableColumn("amount", "Amount", CellKind.MONEY),
        TableColumn("currency", "Currency"), TableColumn("status", "Status"),
        TableColumn("reference", "Portal reference"), TableColumn("detail", "Detail", width=60)]
    if len(frame) > OUTPUT_ROWS:  # past what a person reads in a workbook
        run.add_artifact(write_csv(run.artifact_path("sales_output.csv"), frame, columns),
                         kind="csv")
        return
    book = ReportWorkbook()
    book.add_table("Sales", frame, columns)
    run.add_artifact(book.save(run.artifact_path("sales_output.xlsx")), kind="xlsx")
