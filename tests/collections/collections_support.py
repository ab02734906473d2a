"""What the collections tests share: the demo portal seeded with a book of accounts, and a
clock the test moves day by day. (A module of its own: `conftest` is not importable by name
once several test folders have one.)"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bots.settings import reset_settings
from demo.portal import PortalConfig, PortalServer
from demo.samples.collections import Customer, seed_book

START = date(2026, 3, 2)


class DayClock:
    """Today's date at 09:00 UTC, then real time passing (so back-offs and leases run out);
    `next_day()` moves to 09:00 of the next day."""

    def __init__(self, day: date) -> None:
        self.day = day
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        base = datetime.combine(self.day, datetime.min.time(), UTC) + timedelta(hours=9)
        return base + timedelta(seconds=time.monotonic() - self._t0)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def next_day(self) -> None:
        self.day += timedelta(days=1)
        self._t0 = time.monotonic()


@dataclass
class Book:
    server: PortalServer
    db: Path
    customers: list[Customer]
    env: dict[str, str]


def start_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rpa_env: dict[str, str],
               customers: int, start: date = START, **config: Any) -> Book:
    db = tmp_path / "portal.sqlite"
    book = seed_book(db, start, customers)
    server = PortalServer(PortalConfig(db_path=db, **config))
    server.start()
    env = {"RPA_PORTAL__URL": server.url, "RPA_TIMEZONE": "UTC",
           "RPA_STAFF_FILE": str(Path(__file__).parents[2] / "demo" / "staff.toml")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    return Book(server, db, book, {**rpa_env, **env})


def prepare(db: Path, customer: str, *, due: date, amount: str, grace: int = 0,
            expiry: str = "2029-12", soft_declines: int = 0) -> str:
    """One account set up for a test: its invoice due on `due` for `amount`, no grace, a
    card that charges (unless told otherwise); returns the invoice."""
    import sqlite3

    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("update accounts set grace_days=? where id=?", (grace, customer))
        conn.execute("update account_invoices set due_date=?, amount=? where account_id=?",
                     (due.isoformat(), amount, customer))
        conn.execute("update account_payment_methods set expiry=?, soft_declines=? where"
                     " account_id=? and kind='card'", (expiry, soft_declines, customer))
        return str(conn.execute("select id from account_invoices where account_id=?",
                                (customer,)).fetchone()[0])
    finally:
        conn.close()
