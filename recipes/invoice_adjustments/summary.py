"""What a run of invoice_adjustments did: per-request outcomes, counts, the two workbooks.

Counts come from the store (each request's work item as it stands after the run) and
from what this run settled; nothing is re-derived from log text. `applied` counts the
adjustments this run keyed and recorded (their totals in `credits_applied` and
`charges_applied`); `found_applied` those it found already posted under their request id
(keyed by an attempt whose answer was lost, or by a run that died); `applied_earlier`
those finished by earlier runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from bots import REJECTED, Run
from bots.workitems import ItemRecord, ItemState, WorkItem, WorkQueue
from recipes.invoice_adjustments.ledger import LedgerOutcome
from recipes.invoice_adjustments.report import (
    ReportRows,
    exception_row,
    item_row,
    write_before_after,
    write_exceptions,
)
from recipes.invoice_adjustments.requests import AdjustmentRequest, Duplicate
from recipes.invoice_adjustments.rules import Refusal

Check = Callable[[WorkItem], Mapping[str, Any] | None]


class Tracker:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.requests: dict[str, AdjustmentRequest] = {}
        self.duplicates: list[Duplicate] = []
        self.conflicts: list[tuple[AdjustmentRequest, ItemRecord]] = []
        self.created = 0
        self.outcomes: dict[str, str] = {}  # item key -> how this run settled it
        self.ledger_outcome: LedgerOutcome | None = None
        self.states: Counter[str] = Counter()
        self.totals: dict[str, Decimal] = {"credit": Decimal("0.00"), "charge": Decimal("0.00")}

    # -- what happened -----------------------------------------------------------------
    def read(self, requests: list[AdjustmentRequest], duplicates: list[Duplicate]) -> None:
        for request in requests:
            self.requests.setdefault(request.request_id, request)
        self.duplicates = duplicates
        for duplicate in duplicates:
            self.run.count(REJECTED)
            self.run.log.warning("{}", duplicate.error())

    def conflict(self, request: AdjustmentRequest, existing: ItemRecord) -> None:
        self.conflicts.append((request, existing))
        self.run.count(REJECTED)
        self.run.log.warning("request id {} (row {}) was queued before with different content;"
                             " refused", request.request_id, request.row)

    def queued(self, created: int) -> None:
        self.created = created

    def checking(self, check: Check) -> Check:
        def wrapped(item: WorkItem) -> Mapping[str, Any] | None:
            found = check(item)
            if found is not None:
                self.outcomes[item.key] = "found_done"
            return found

        return wrapped

    def worked(self, item: WorkItem) -> None:
        self.outcomes[item.key] = str(item.outcome)

    def ledger(self, outcome: LedgerOutcome) -> None:
        self.ledger_outcome = outcome

    # -- reading the store -------------------------------------------------------------
    def keys(self) -> list[str]:
        conflicting = {r.request_id for r, _ in self.conflicts}
        keys = [k for k in self.requests if k not in conflicting]
        return keys + [k for k in self.outcomes if k not in self.requests]

    def records(self, queue: WorkQueue) -> dict[str, ItemRecord | None]:
        return {key: queue.get(key) for key in self.keys()}

    def done_records(self, queue: WorkQueue) -> list[ItemRecord]:
        return [r for r in self.records(queue).values()
                if r is not None and r.state is ItemState.DONE and (r.output or {}).get("document_number")]

    # -- the report --------------------------------------------------------------------
    def report(self, queue: WorkQueue) -> None:
        rows = ReportRows()
        for key, record in self.records(queue).items():
            request = self.requests.get(key) or (AdjustmentRequest.from_payload(record.payload)
                                                 if record is not None else None)
            if request is None:
                continue
            self.states[str(record.state) if record else "not queued"] += 1
            item_row(rows, request, record, self.outcomes.get(key))
            if record is not None and self.outcomes.get(key) == "done" and record.output:
                self.totals[record.output["kind"]] += Decimal(record.output["gross"])
        for duplicate in self.duplicates:
            rows.exceptions.append(exception_row(
                duplicate.request, None, state="refused", reason=Refusal.DUPLICATE_REQUEST_ID,
                message=str(duplicate.error())))
        for request, existing in self.conflicts:
            rows.exceptions.append(exception_row(
                request, None, state="refused", reason=Refusal.DUPLICATE_REQUEST_ID,
                message=f"request id {request.request_id} was queued before (item "
                        f"{existing.id}, {existing.state}) with different content; "
                        "a new request needs a new id"))
        for record, error in (self.ledger_outcome.refused if self.ledger_outcome else []):
            rows.exceptions.append(exception_row(None, record, state="ledger",
                                                 reason=error.reason, message=str(error)))
        self.write(rows)

    def write(self, rows: ReportRows) -> None:
        for name, writer, data in (("before_after.xlsx", write_before_after, rows.applied),
                                   ("exceptions.xlsx", write_exceptions, rows.exceptions)):
            path = writer(self.run.artifact_path(name), data)
            self.run.add_artifact(path, kind="xlsx")

    # -- the summary -------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        now = Counter(self.outcomes.values())
        done_total = self.states.get(str(ItemState.DONE), 0)
        summary: dict[str, Any] = {
            "requests_in_file": len(self.requests) + len(self.duplicates),
            "duplicate_rows": len(self.duplicates), "conflicting_ids": len(self.conflicts),
            "queued_new": self.created,
            "applied": now.get("done", 0), "found_applied": now.get("found_done", 0),
            "applied_earlier": done_total - now.get("done", 0) - now.get("found_done", 0),
            "business_exceptions": self.states.get(str(ItemState.BUSINESS_EXCEPTION), 0),
            "system_exceptions": self.states.get(str(ItemState.SYSTEM_EXCEPTION), 0),
            "waiting": self.states.get(str(ItemState.PENDING), 0)
            + self.states.get(str(ItemState.IN_PROGRESS), 0),
            "credits_applied": str(self.totals["credit"]),
            "charges_applied": str(self.totals["charge"]),
        }
        if self.ledger_outcome is not None:
            summary["ledger"] = {"applied": len(self.ledger_outcome.applied),
                                 "already": len(self.ledger_outcome.already),
                                 "refused": len(self.ledger_outcome.refused)}
        summary["message"] = self._message(summary)
        self.run.log.info("{}", summary["message"])
        self.run.summary.update(summary)  # beside the queue's own per-outcome counts
        return dict(self.run.summary)

    @staticmethod
    def _message(s: dict[str, Any]) -> str:
        if s["applied"] == 0 and s["found_applied"] == 0:
            return (f"nothing keyed: {s['applied_earlier']} request(s) were applied earlier,"
                    f" {s['business_exceptions'] + s['system_exceptions']} await review,"
                    f" {s['waiting']} wait for a retry")
        return (f"{s['applied']} adjustment(s) applied, {s['found_applied']} found already in the"
                f" portal, {s['applied_earlier']} applied earlier")
