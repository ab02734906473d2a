"""The ledger step: every applied adjustment into the invoice ledger workbook, once.

The ledger is edited in place (`connectors.xlsx_inplace`: only the intended cells change,
written to a temporary file, then renamed over it), with a copy of the workbook as it was
kept among the run's artifacts. Which cells changed (sheet, cell, before, after) goes into
`ledger-changes.json` among the artifacts and into the audit trail (`ledger.edited`); a
run that finds nothing to change says so there too (`ledger.unchanged`). The connector
skips a request already on the ledger's Adjustments sheet, so a rerun, or a run after a
crash, adds nothing twice. A request the ledger cannot take (the invoice is not in it, a
credit over its balance there) is an exception of the run; the others still go in.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bots import TO_REVIEW, Run
from bots import audit as chain
from bots.locks import file_lock
from bots.money import money_context
from bots.workitems import ItemRecord
from connectors.invoice_ledger import InvoiceLedger, LedgerChange, LedgerEntry, LedgerError
from connectors.invoice_model import AdjustmentKind
from connectors.xlsx_inplace import EditReport


@dataclass
class LedgerOutcome:
    applied: list[LedgerChange] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[tuple[ItemRecord, LedgerError]] = field(default_factory=list)
    report: EditReport | None = None


def entry_for(record: ItemRecord, run: Run) -> LedgerEntry:
    out = record.output or {}
    return LedgerEntry(
        request_id=record.key, invoice_id=out["invoice_id"], kind=AdjustmentKind(out["kind"]),
        net=Decimal(out["net"]), tax=Decimal(out["tax"]),
        document_number=out["document_number"],
        reason_code=str(record.payload.get("reason_code", "")),
        applied_on=(record.finished_at or run.clock.now()).astimezone(run.settings.tz).date(),
    )


def apply_to_ledger(run: Run, path: Path, records: Sequence[ItemRecord]) -> LedgerOutcome:
    outcome = LedgerOutcome()
    # two runs updating one ledger at once would each save over the other's changes
    with file_lock(path.with_name(f".{path.name}.lock")), money_context():
        ledger = InvoiceLedger.open(path)
        pending = [r for r in records if not ledger.is_applied(r.key)]
        outcome.already = [r.key for r in records if ledger.is_applied(r.key)]
        if pending:
            backup = run.artifact_path(f"ledger-before-{path.name}")
            shutil.copy2(path, backup)
            run.add_artifact(backup, kind="xlsx")
        for record in pending:
            try:
                outcome.applied.append(ledger.apply(entry_for(record, run)))
            except LedgerError as exc:
                outcome.refused.append((record, exc))
                run.count(TO_REVIEW)
                run.log.warning("ledger refused {}: {}", record.key, exc)
        outcome.report = ledger.save()
    record_changes(run, outcome.report)
    run.log.info("ledger {}: {} applied, {} already there, {} refused; {}", path.name,
                 len(outcome.applied), len(outcome.already), len(outcome.refused),
                 f"{len(outcome.report.cells)} cell(s) changed, {len(outcome.report.stale)} "
                 "formula cell(s) to be recalculated on opening" if outcome.report.written
                 else "nothing to change, the workbook was left as it was")
    return outcome


def record_changes(run: Run, report: EditReport) -> None:
    """The cell edits as an artifact and as one audit event; an unchanged workbook too."""
    changes = run.artifact_path("ledger-changes.json")
    changes.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    run.add_artifact(changes, kind="json")
    workbook = hashlib.sha256(str(report.path.resolve()).encode()).hexdigest()[:16]
    data = {"run_id": run.id, "workbook": report.path.name, "sha256_before": report.sha256_before,
            "sha256_after": report.sha256_after, "structure": list(report.structure),
            "stale_formulas": list(report.stale),
            "cells": [[e.sheet, e.cell, *(e.as_dict()[k] for k in ("before", "after"))]
                      for e in report.cells]}
    with run.engine.begin() as conn:
        chain.append(conn, ts=run.clock.now(), actor=f"bot:{run.recipe}",
                     action="ledger.edited" if report.written else "ledger.unchanged",
                     subject=f"workbook:{workbook}", data=data)
