"""Declined charges: a hard decline (expired card, no mandate) is never retried; a soft one
(insufficient funds) is retried on the policy's schedule (2 days, then 5), at most 3 tries."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from collections_support import START, Book, DayClock

from bots import execute
from bots.store import open_store
from demo.samples.collections import write_call_sheet

SETUP = {  # customer: (card expiry, soft declines, debit mandate or None for a card)
    "C0001": ("2024-01", 0, None),
    "C0002": ("2029-12", 1, None),
    "C0003": ("2029-12", 9, None),
    "C0004": ("2029-12", 0, ""),
}


def test_hard_declines_are_not_retried_soft_ones_follow_the_schedule(
        small_book: Book, tmp_path: Path, one_browser: None) -> None:
    portal = sqlite3.connect(small_book.db, isolation_level=None)
    calls = []
    for customer, (expiry, soft, mandate) in SETUP.items():
        portal.execute("update account_payment_methods set expiry=?, soft_declines=? where"
                       " account_id=? and kind='card'", (expiry, soft, customer))
        portal.execute("update account_invoices set due_date=?, amount='120.00' where"
                       " account_id=?", ((START - timedelta(days=3)).isoformat(), customer))
        if mandate is not None:
            portal.execute("delete from account_payment_methods where account_id=? and"
                           " kind='debit'", (customer,))
            portal.execute("insert into account_payment_methods (id, account_id, kind, iban,"
                           " mandate_reference) values (?, ?, 'debit', 'ES00', ?)",
                           (f"PMX{customer}", customer, mandate))
        calls.append({"customer": customer, "invoice": f"INV-2026-{int(customer[1:]):05d}",
                      "outcome": "authorisation", "method": "card" if mandate is None else "debit",
                      "mandate_reference": "MNDT-TOLD-ON-THE-PHONE" if mandate is not None else "",
                      "amount": "", "promised_date": "", "note": "agreed"})
    sheet = write_call_sheet(tmp_path / "calls.xlsx", START, calls)
    clock = DayClock(START)
    for day in range(10):
        params = {"call_sheet": str(sheet)} if day == 0 else {}
        result = execute("collections", params, clock=clock)
        assert result.ok, result.error
        clock.next_day()
    tries = {}
    for customer in SETUP:
        tries[customer] = [r[0] or "approved" for r in portal.execute(
            "select decline_code from account_actions where kind='charge' and account_id=?"
            " order by id", (customer,))]
    assert tries == {
        "C0001": ["expired_card"],
        "C0002": ["insufficient_funds", "approved"],
        "C0003": ["insufficient_funds"] * 3,
        "C0004": ["mandate_missing"],
    }
    days = [r[0] for r in portal.execute(
        "select request_reference from account_actions where account_id='C0003' order by id")]
    assert days == [f"charge/INV-2026-00003/{n}" for n in (1, 2, 3)]
    with open_store().connect() as conn:
        finished = [str(r[0])[:10] for r in conn.execute(sa.text(
            "select finished_at from work_items where key like 'charge:INV-2026-00003:%'"
            " order by key"))]
    assert finished == [(START + timedelta(days=d)).isoformat() for d in (0, 2, 7)]
    paid = portal.execute("select status from account_invoices where account_id='C0002'").fetchone()
    assert paid == ("paid",)
