"""A charge or a suspension waiting for approval is withdrawn (audited) once its invoice
is paid: no longer pending in the workbook, and an approval that comes later applies
nothing."""

from __future__ import annotations

import csv
import sqlite3
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from collections_support import START, Book, DayClock, prepare

from bots import execute
from bots.store import open_store
from demo.samples.collections import write_bank, write_call_sheet

pytestmark = [pytest.mark.browser]


def test_paid_invoices_withdraw_their_waiting_requests(small_book: Book, tmp_path: Path,
                                                       one_browser: None) -> None:
    charged, suspended, still = "C0001", "C0002", "C0003"
    inv = {charged: prepare(small_book.db, charged, due=START - timedelta(days=3),
                            amount="700.00"),  # a charge this large needs an approver
           suspended: prepare(small_book.db, suspended, due=START - timedelta(days=40),
                              amount="80.00"),
           still: prepare(small_book.db, still, due=START - timedelta(days=40), amount="80.00")}
    portal = sqlite3.connect(small_book.db, isolation_level=None)
    portal.execute("update accounts set suspension_allowed=1, suspend_after_days=30 where id in"
                   " (?, ?)", (suspended, still))
    calls = write_call_sheet(tmp_path / "calls.xlsx", START, [{
        "customer": charged, "invoice": inv[charged], "outcome": "authorisation",
        "method": "card", "mandate_reference": "", "amount": "", "promised_date": "",
        "note": "agreed"}])
    clock = DayClock(START)
    first = execute("collections", {"call_sheet": str(calls)}, clock=clock)
    assert first.ok, first.error
    ours = {f"CHG-{inv[charged]}", f"SUS-{suspended}-{inv[suspended]}", f"SUS-{still}-{inv[still]}"}
    with open_store().connect() as conn:
        waiting = set(conn.execute(sa.text("select id from collections_requests where"
                                           " state = 'awaiting_approval'")).scalars())
    assert ours <= waiting  # a charge and two suspensions
    clock.next_day()
    bank = write_bank(tmp_path / "bank.csv", [
        {"booked": clock.day.isoformat(), "concept": f"TRANSF {inv[c]}", "amount": amount,
         "reference": f"B-{c}"} for c, amount in ((charged, "700.00"), (suspended, "80.00"))])
    paid = execute("collections", {"bank": str(bank)}, clock=clock)
    assert paid.ok, paid.error
    assert paid.value["withdrawn"] == 2
    folder = Path(small_book.env["RPA_DATA_DIR"]) / "runs" / str(paid.run_id) / "artifacts"
    sheet = openpyxl.load_workbook(folder / "collections.xlsx")["Requests"]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] in ours]
    states = {r[0]: r[2] for r in rows}
    assert all("no longer open" in r[-1] for r in rows if r[2] == "withdrawn")
    assert states == {f"CHG-{inv[charged]}": "withdrawn",
                      f"SUS-{suspended}-{inv[suspended]}": "withdrawn",
                      f"SUS-{still}-{inv[still]}": "awaiting_approval"}
    # another person approves all three the next day: only the one still waiting is applied
    clock.next_day()
    approvals = tmp_path / "approvals.csv"
    with approvals.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["request", "approver", "decision"])
        writer.writerows([[request, "m.campos", "approve"] for request in states])
    later = execute("collections", {"approvals": str(approvals)}, clock=clock)
    assert later.ok, later.error
    assert later.value["approvals"] == {"approved": 1, "refused": 0, "four_eyes_refused": 0,
                                        "not_waiting": 2}
    assert portal.execute("select kind, account_id from account_actions where kind in"
                          " ('charge', 'suspend')").fetchall() == [("suspend", still)]
    with open_store().connect() as conn:
        audited = conn.execute(sa.text(
            "select subject, data from audit_events where action = 'collections.request_withdrawn'"
            " order by id")).all()
    assert [a.subject for a in audited] == [f"request:CHG-{inv[charged]}",
                                            f"request:SUS-{suspended}-{inv[suspended]}"]
    assert all("no longer open" in str(a.data) for a in audited)
