"""Drive the collections recipe day by day over a seeded book: the bank statement, the
call sheet, mail triage's items and the approvers' decisions of each day."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from collections_support import START, Book, DayClock

from bots import RunResult, execute
from bots.store import open_store
from bots.store.collections_schema import collections_requests
from bots.workitems import WorkQueue
from demo.samples.collections import Script, write_bank, write_call_sheet

SELF_APPROVER = "Collections Bot"  # the requester under another spelling: four eyes refuses it
APPROVER = "m.campos"


def day_params(folder: Path, script: Script, day: int, clock: DayClock) -> dict[str, Any]:
    today = START.toordinal() + day
    params: dict[str, Any] = {}
    if script.bank.get(day):
        params["bank"] = str(write_bank(folder / f"bank-{day:02d}.csv", script.bank[day]))
    if script.calls.get(day):
        params["call_sheet"] = str(write_call_sheet(folder / f"calls-{day:02d}.xlsx",
                                                    date.fromordinal(today), script.calls[day]))
    for mail in script.mails.get(day, []):
        key = "mail:" + hashlib.sha256(str(mail["message_id"]).encode()).hexdigest()[:24]
        WorkQueue(open_store(), "collections_inbox", clock=clock).put(key, mail)
    approvals = write_approvals(folder / f"approvals-{day:02d}.csv")
    if approvals is not None:
        params["approvals"] = str(approvals)
    return params


def write_approvals(path: Path) -> Path | None:
    """Every waiting request: first the requester tries to approve it himself (refused),
    the next day another person does."""
    with open_store().connect() as conn:
        waiting = list(conn.execute(sa.select(collections_requests).where(
            collections_requests.c.state == "awaiting_approval")))
    if not waiting:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["request", "approver", "decision"])
        for request in waiting:
            tried = path.parent / f"tried-{request.id}"
            approver = APPROVER if tried.exists() else SELF_APPROVER
            tried.touch()
            writer.writerow([request.id, approver, "approve"])
    return path


def run_day(book: Book, folder: Path, script: Script, day: int, clock: DayClock) -> RunResult:
    params = day_params(folder, script, day, clock)
    return execute("collections", params, clock=clock)
