"""End to end in real headless Chromium on the real demo portal, forms filled in the page
(UI mode, the confirm() answered): a payment from the bank statement, a charge under a
call-sheet authorisation, letters into the outbox, the workbook and the call list."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from collections_support import START, Book, DayClock

from bots import execute
from bots.store import open_store
from demo.samples.collections import write_bank, write_call_sheet

pytestmark = [pytest.mark.browser]


def test_one_day_in_the_page(small_book: Book, tmp_path: Path) -> None:
    overdue = [c for c in small_book.customers if c.due < START and not c.card_expired]
    payer, caller = overdue[0], overdue[1]
    portal = sqlite3.connect(small_book.db, isolation_level=None)
    portal.execute("update account_payment_methods set soft_declines = 0 where account_id = ?",
                   (caller.id,))
    portal.execute("update account_invoices set amount = '99.00' where account_id = ?",
                   (caller.id,))
    bank = write_bank(tmp_path / "bank.csv", [{
        "booked": START.isoformat(), "concept": f"TRANSF {payer.invoice}",
        "amount": str(payer.amount), "reference": "BNK-1"}])
    calls = write_call_sheet(tmp_path / "calls.xlsx", START, [{
        "customer": caller.id, "invoice": caller.invoice, "outcome": "authorisation",
        "method": "card", "mandate_reference": "", "amount": "", "promised_date": "",
        "note": "agreed on the phone"}])
    result = execute("collections", {"bank": str(bank), "call_sheet": str(calls), "mode": "ui"},
                     clock=DayClock(START))
    assert result.ok, result.error
    assert result.summary["day"] == START.isoformat()
    actions = portal.execute("select kind, account_id, status, request_reference, created_by"
                             " from account_actions order by id").fetchall()
    assert actions == [("payment", payer.id, "received", "BNK-1", "robot"),
                       ("charge", caller.id, "approved", f"charge/{caller.invoice}/1", "robot")]
    assert portal.execute("select status from account_invoices where account_id in (?, ?)",
                          (payer.id, caller.id)).fetchall() == [("paid",), ("paid",)]
    with open_store().connect() as conn:
        letters = conn.execute(sa.text("select case_ref from outbox_messages")).scalars().all()
        auth = conn.execute(sa.text("select channel, evidence, recorded_by from"
                                    " collections_authorisations")).one()
    assert letters and payer.invoice not in letters and caller.invoice not in letters
    assert tuple(auth) == ("call", "agreed on the phone", "l.vega")
    folder = Path(small_book.env["RPA_DATA_DIR"]) / "runs" / str(result.run_id) / "artifacts"
    sheets = openpyxl.load_workbook(folder / "collections.xlsx").sheetnames
    assert sheets[:3] == ["Ageing", "Actions", "Collected"]
    assert (folder / "call_list.xlsx").is_file()
