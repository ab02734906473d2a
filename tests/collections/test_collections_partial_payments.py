"""Partial payments are applied: the invoice stays open with the remainder, the letters
and the charge ask for the remainder, and promises count them (FIFO). An overpayment is
not applied: it goes to review with its reason. On SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from collections_support import START, Book, DayClock, prepare

from bots import execute
from bots.records import RunState
from bots.settings import reset_settings
from bots.store import close_stores, open_store
from demo.samples.collections import write_bank, write_call_sheet

pytestmark = [pytest.mark.browser]


def _line(day: int, invoice: str, amount: str, reference: str) -> dict[str, str]:
    return {"booked": (START + timedelta(days=day)).isoformat(),
            "concept": f"TRANSF FRA {invoice}", "amount": amount, "reference": reference}


def _call(customer: str, invoice: str, outcome: str, amount: str = "",
          promised: int = 0) -> dict[str, str]:
    return {"customer": customer, "invoice": invoice, "outcome": outcome,
            "method": "card" if outcome == "authorisation" else "", "mandate_reference": "",
            "amount": amount, "note": "on the phone", "promised_date":
            (START + timedelta(days=promised)).isoformat() if outcome == "promise" else ""}


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_partial_payments_leave_the_remainder_due(small_book: Book, tmp_path: Path,
                                                  one_browser: None, store: str,
                                                  request: pytest.FixtureRequest,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if store == "postgres":  # the whole day's work on a PostgreSQL store
        monkeypatch.setenv("RPA_STORE__URL", request.getfixturevalue("pg_url"))
        reset_settings()
        close_stores()
    due = START - timedelta(days=5)
    part, over, charged, kept, broken = "C0001", "C0002", "C0003", "C0004", "C0005"
    inv = {part: prepare(small_book.db, part, due=due, amount="300.00"),
           over: prepare(small_book.db, over, due=due, amount="50.00"),
           charged: prepare(small_book.db, charged, due=due, amount="99.00"),
           kept: prepare(small_book.db, kept, due=due, amount="120.00"),
           broken: prepare(small_book.db, broken, due=due, amount="120.00")}
    bank = {0: [_line(0, inv[part], "100.00", "B-1"), _line(0, inv[part], "0.10", "B-2"),
                _line(0, inv[over], "80.00", "B-3"), _line(0, inv[charged], "40.00", "B-4")],
            1: [_line(1, inv[kept], "50.00", "B-5"), _line(1, inv[broken], "50.00", "B-6")],
            3: [_line(3, inv[kept], "70.00", "B-7")]}
    calls = {0: [_call(kept, inv[kept], "promise", "120.00", promised=4),
                 _call(broken, inv[broken], "promise", "120.00", promised=4)],
             1: [_call(charged, inv[charged], "authorisation")]}
    clock = DayClock(START)
    results = []
    for day in range(6):
        params = {}
        if day in bank:
            params["bank"] = str(write_bank(tmp_path / f"bank-{day}.csv", bank[day]))
        if day in calls:
            params["call_sheet"] = str(write_call_sheet(tmp_path / f"calls-{day}.xlsx",
                                                        clock.day, calls[day]))
        result = execute("collections", params, clock=clock)
        assert result.ok, result.error
        results.append(result)
        clock.next_day()
    portal = sqlite3.connect(small_book.db)
    state = {c: portal.execute("select paid, status from account_invoices where id=?",
                               (inv[c],)).fetchone() for c in inv}
    assert state == {part: ("100.10", "open"), over: ("0.00", "open"),
                     charged: ("99.00", "paid"), kept: ("120.00", "paid"),
                     broken: ("50.00", "open")}
    # the charge asked for what was left after the partial payment
    assert portal.execute("select amount, status from account_actions where kind='charge'"
                          ).fetchall() == [("59.00", "approved")]
    # the overpayment went to review with its reason, listed in the workbook
    assert results[0].value["unmatched_payments"] == 1
    assert results[0].state == RunState.SUCCEEDED_WITH_EXCEPTIONS  # counted to review
    artifacts = Path(small_book.env["RPA_DATA_DIR"]) / "runs" / str(results[0].run_id)
    sheet = openpyxl.load_workbook(artifacts / "artifacts" / "collections.xlsx")
    unmatched = list(sheet["Unmatched payments"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3]) for r in unmatched] == [("B-3", "overpayment")]
    with open_store().connect() as conn:
        letters = dict(conn.execute(sa.text(
            "select case_ref, content from outbox_messages where step='reminder'")).all())
        promises = dict(conn.execute(sa.text(
            "select customer, state from collections_promises")).all())
        bumps = dict(conn.execute(sa.text("select invoice, bumps from collections_bumps")).all())
    # the reminder of day 0 asked for the remainder, 199,90, not the invoice's 300,00
    assert "199,90" in letters[inv[part]] or "199.90" in letters[inv[part]]
    assert "300" not in letters[inv[part]]
    assert promises == {kept: "kept", broken: "broken"}
    assert bumps == {inv[broken]: 1}
    assert Decimal(state[part][0]) + Decimal("199.90") == Decimal("300.00")
