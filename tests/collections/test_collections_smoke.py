"""One day of collections on the real demo portal through headless Chromium."""

from __future__ import annotations

import sqlite3

from conftest import START, Book, DayClock

from bots import execute


def test_one_day_sends_letters_and_writes_the_workbook(small_book: Book) -> None:
    clock = DayClock(START)
    result = execute("collections", {}, clock=clock)
    assert result.ok, result.error
    print(result.summary)
    assert result.summary["day"] == START.isoformat()
    conn = sqlite3.connect(small_book.db)
    assert conn.execute("select count(*) from account_invoices").fetchone()[0] == 12
