"""key_sales: key validated sales from a workbook into the legacy portal, exactly once.

    runner.py run key_sales -p workbook=sales.xlsx            # UI keying, 3 contexts
    runner.py run key_sales -p workbook=sales.xlsx -p mode=request

1. read: every row checked (types, allowed values, amount limits, four eyes, duplicate
   external ids); rejected rows go to `exceptions.xlsx` with row, column and reason.
2. queue: valid rows become work items keyed by external id (putting twice is harmless,
   so a resumed run queues nothing new).
3. key: one browser, one context per worker thread; each item is first looked up in
   the portal (found: its reference is recorded, nothing is keyed), then keyed, the
   lease renewed right before the submit. Evidence is kept for failed items only.
4. output: `sales_output.xlsx` lists every row with its outcome and portal reference.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from bots import RetryPolicy, Run, recipe
from bots.browser import BrowserPool, Lane, LaunchOptions, PageGone
from bots.params import DelaySeconds, LeaseSeconds
from bots.workitems import ItemRecord, ItemState, WorkItem, WorkQueue
from connectors.portal import Credentials, KeyMode, LoginRefused, Portal, load_map, run_audit
from connectors.sales_sheet import SalesRules, SalesSheet, read_sales
from connectors.sheets import CellKind, ReportWorkbook, TableColumn

FORM = SEARCH = "sale"


class KeySalesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workbook: Path | None = Field(default=None, description="xlsx or CSV; none: work the queue")
    sheet: str | None = None
    portal_map: str = Field(default="demo", description="a map name or a .toml path")
    mode: KeyMode = KeyMode.UI
    contexts: int | None = Field(default=None, ge=1, le=32, description="default: settings")
    queue: str = "sales"
    max_amount: Decimal = Field(default=Decimal("50000.00"), gt=0)
    decimal_comma: bool = Field(default=True, description="text amounts written 1.234,56")
    lease_seconds: LeaseSeconds = Field(default=60, gt=0)
    retry_attempts: int = Field(default=4, ge=1)
    retry_delay_seconds: DelaySeconds = Field(default=2, ge=0)
    spot_check_every: int = Field(default=25, ge=0, description="request mode: 1 in N; 0: none")
    keep_evidence: bool = Field(default=False, description="screenshots of good items too")


@recipe(consumes="sales")
def key_sales(run: Run, params: KeySalesParams) -> dict[str, Any]:
    """Key validated sales into the legacy portal: checked first, keyed once, with evidence."""
    sheet = None
    if params.workbook is not None:
        with run.step("read"):
            sheet = read_sales(params.workbook, sheet=params.sheet, decimal_comma=params.decimal_comma,
                               rules=SalesRules(max_amount=params.max_amount))
            run.log.info("{}: {} rows, {} valid, {} rejected", sheet.file, sheet.rows,
                         len(sheet.sales), len(sheet.rejected_rows))
            run.exceptions += len(sheet.rejected_rows)
            if sheet.problems:
                _write_exceptions(run, sheet)
        with run.step("queue"):
            added = _queue(run, params).put_many((s.external_id, s.payload()) for s in sheet.sales)
            run.log.info("queued {} new sales ({} already queued)", added.created, added.existing)
    with run.step("key"):
        started = time.monotonic()
        logins = _key(run, params)
        seconds = time.monotonic() - started
    with run.step("output"):
        records = _records(run.queue(params.queue), sheet)
        summary = _summary(run, params, sheet, records, logins, seconds)
        if sheet is not None:
            _write_output(run, sheet, records)
    run.summary.update(summary)
    return summary


def _queue(run: Run, params: KeySalesParams, stop: threading.Event | None = None) -> WorkQueue:
    """The queue with the recipe's lease and retry policy; `stop` ends its claim loops
    (the lanes' shared stop: one fatal error must not wear down every other item)."""
    retry = RetryPolicy(attempts=params.retry_attempts,
                        initial=timedelta(seconds=params.retry_delay_seconds), multiplier=2.0,
                        maximum=timedelta(minutes=2), jitter=0.1)
    return WorkQueue(run.engine, params.queue, clock=run.clock, run=run, stop=stop,
                     lease=timedelta(seconds=params.lease_seconds), retry=retry)


def _key(run: Run, params: KeySalesParams) -> int:
    """Work the queue with one lane per context until nothing is left to claim."""
    settings = run.settings
    portal_map = load_map(params.portal_map)
    contexts = params.contexts or settings.browser.contexts
    fatal = _Fatal(threading.Event())
    logins: list[int] = []

    def work(lane: Lane) -> None:
        portal = Portal(lane, portal_map, base_url=settings.portal.url,
                        credentials=Credentials.from_settings(settings.portal), sink=run,
                        audit=run_audit(run, f"bot:{run.recipe}:{lane.name}"),
                        keep_evidence=params.keep_evidence)
        try:
            with fatal.watch():
                portal.start()
            _drain(portal, _queue(run, params, fatal.stop), params, fatal)
        finally:
            logins.append(portal.logins)
        if fatal.errors:
            raise fatal.errors[0]

    with BrowserPool.open(LaunchOptions.from_settings(settings.browser)) as pool:
        pool.run_workers(work, contexts, stop=fatal.stop)
    return sum(logins)


class _Fatal:
    """Errors after which no item can succeed (refused credentials, a dead browser): the
    first one stops every lane and fails the run, instead of wearing down each item's
    retries. The items in hand at that moment are retried by a later run."""

    KINDS = (LoginRefused, PageGone)

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.errors: list[BaseException] = []

    @contextmanager
    def watch(self) -> Iterator[None]:
        try:
            yield
        except self.KINDS as exc:
            self.errors.append(exc)
            self.stop.set()
            raise


def _drain(portal: Portal, queue: WorkQueue, params: KeySalesParams, fatal: _Fatal) -> None:
    keyed = 0

    def check(item: WorkItem) -> dict[str, Any] | None:
        with fatal.watch():
            found = portal.find(SEARCH, item.key)
        if found is not None:
            item.log.info("already in the portal as {}: not keyed again", found.reference)
        return found.as_output() if found is not None else None

    while not fatal.stop.is_set():
        for item in queue.claim_iter(check=check):
            with item, portal.watch(item.key), fatal.watch():
                result = portal.key(FORM, item.payload, key=item.key, search=SEARCH,
                                    mode=params.mode, before_submit=item.ensure_lease)
                output = result.as_output()
                keyed += 1
                if params.mode is KeyMode.REQUEST and params.spot_check_every \
                        and keyed % params.spot_check_every == 1:
                    problems = portal.spot_check(SEARCH, item.key, item.payload, result.reference)
                    output["spot_check"] = "; ".join(problems) or "ok"
                    if problems:
                        item.log.warning("UI spot check: {}", "; ".join(problems))
                item.output = output
            if fatal.stop.is_set():
                return
        if not _more_to_come(queue, fatal.stop):
            return


def _more_to_come(queue: WorkQueue, stop: threading.Event) -> bool:
    """Wait while items back off before a retry or are held by another worker (whose
    lease may run out if it died); False once the queue is drained."""
    while not stop.is_set():
        left = queue.outstanding()
        if left.claimable:
            return True
        if not (left.waiting or left.in_progress):
            return False
        stop.wait(0.25)
    return False


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


def _records(queue: WorkQueue, sheet: SalesSheet | None) -> dict[str, ItemRecord | None]:
    """The work item of every valid sale of the sheet, as it stands now."""
    if sheet is None:
        return {}
    return {sale.external_id: queue.get(sale.external_id) for sale in sheet.sales}


def _summary(run: Run, params: KeySalesParams, sheet: SalesSheet | None,
             records: dict[str, ItemRecord | None], logins: int, seconds: float) -> dict[str, Any]:
    counts: dict[str, int] = {}
    if sheet is not None:
        counts["rows"], counts["invalid"] = sheet.rows, len(sheet.rejected_rows)
        for record in records.values():
            status = _status(record)
            counts[status] = counts.get(status, 0) + 1
    keyed = int(run.summary.get("items", {}).get("done", 0))
    return {"sales": counts, "logins": logins, "mode": str(params.mode),
            "contexts": params.contexts or run.settings.browser.contexts,
            "key_seconds": round(seconds, 1),
            "keyed_per_second": round(keyed / seconds, 2) if seconds else None}


def _cents(amount: Any) -> int | None:
    return int(Decimal(str(amount)) * 100) if amount not in (None, "") else None


def _write_exceptions(run: Run, sheet: SalesSheet) -> None:
    frame = pd.DataFrame([{"row": p.row, "external_id": p.external_id or "", "column": p.column,
                           "reason": p.reason, "value": p.value} for p in sheet.problems])
    book = ReportWorkbook()
    book.add_table("Exceptions", frame, [
        TableColumn("row", "Row", CellKind.INTEGER), TableColumn("external_id", "External ID"),
        TableColumn("column", "Column"), TableColumn("reason", "Reason", width=60),
        TableColumn("value", "Value")], fill="FCE4D6")
    path = book.save(run.artifact_path("exceptions.xlsx"))
    run.add_artifact(path, kind="xlsx")


def _write_output(run: Run, sheet: SalesSheet, records: dict[str, ItemRecord | None]) -> None:
    by_row = {s.row: s for s in sheet.sales}
    problems: dict[int, list[str]] = {}
    for p in sheet.problems:
        problems.setdefault(p.row, []).append(f"{p.column}: {p.reason}")
    rows = []
    for row, external_id in sheet.ids.items():
        sale = by_row.get(row)
        record = records.get(sale.external_id) if sale is not None else None
        output = (record.output or {}) if record is not None else {}
        detail = "; ".join(problems.get(row, [])) or (record.last_error or "" if record else "")
        rows.append({"row": row, "external_id": external_id or "",
                     "customer": sale.customer_name if sale else "",
                     "amount": _cents(sale.amount) if sale else None,
                     "currency": sale.currency if sale else "",
                     "status": STATUS.get(_status(record) if sale else "invalid", "?"),
                     "reference": output.get("reference") or "",
                     "detail": detail.strip().splitlines()[-1][:300] if detail else ""})
    book = ReportWorkbook()
    book.add_table("Sales", pd.DataFrame(rows), [
        TableColumn("row", "Row", CellKind.INTEGER), TableColumn("external_id", "External ID"),
        TableColumn("customer", "Customer"), TableColumn("amount", "Amount", CellKind.MONEY),
        TableColumn("currency", "Currency"), TableColumn("status", "Status"),
        TableColumn("reference", "Portal reference"), TableColumn("detail", "Detail", width=60)])
    path = book.save(run.artifact_path("sales_output.xlsx"))
    run.add_artifact(path, kind="xlsx")
