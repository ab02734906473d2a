"""SIGKILL of collections runs at random moments, then a resumed run: no reminder, no
charge, no payment and no suspension twice, a consent given on the portal recorded and
charged once, a partial payment applied once (real processes, the real demo portal,
headless Chromium)."""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from collections_support import Book, start_book

from demo.portal import accounts_db
from demo.portal.db import connect
from demo.samples.collections import Customer, write_bank, write_call_sheet
from tests.helpers import ROOT, queue_env, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _actions(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("select count(*) from account_actions").fetchone()[0])
    finally:
        conn.close()


def _kill_midway(args: list[str], env: dict[str, str], cwd: Path, db: Path,
                 rng: random.Random) -> bool:
    """Start a run and SIGKILL it once the portal shows 1-4 more actions (or after a random
    while); False when it finished first."""
    before, more = _actions(db), rng.randint(1, 4)
    process = subprocess.Popen([sys.executable, str(ROOT / "runner.py"), *args],
                               env={**os.environ, **env, "RPA_SKIP_SETUP": "1"}, cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + rng.uniform(3, 12)
        while process.poll() is None and _actions(db) < before + more \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        if process.poll() is not None:
            return False
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        return True
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture
def kill_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              rpa_env: dict[str, str]) -> Iterator[Book]:
    book = start_book(tmp_path, monkeypatch, rpa_env, 80, latency_ms=30,
                      start=datetime.now(UTC).date())
    yield book
    book.server.stop()


def test_killed_runs_resumed_act_exactly_once(kill_book: Book, tmp_path: Path) -> None:
    env = {**kill_book.env, **queue_env(collections={"lease_seconds": 2},
                                        collections_inbox={"lease_seconds": 2})}
    first = run_cli("run", "collections", env=env, cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    engine = sa.create_engine(f"sqlite:///{Path(env['RPA_DATA_DIR']) / 'store.db'}")
    with engine.connect() as conn:
        waiting = [r.id for r in conn.execute(sa.text(
            "select id from collections_requests where state = 'awaiting_approval'"))]
    assert waiting, "the first day asks for suspensions"
    approvals = tmp_path / "approvals.csv"
    with approvals.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["request", "approver", "decision"])
        writer.writerows([r, "m.campos", "approve"] for r in waiting)
    today = datetime.now(UTC).date()
    calls = [{"customer": c.id, "invoice": c.invoice, "outcome": "authorisation",
              "method": "card", "mandate_reference": "", "amount": "", "promised_date": "",
              "note": "agreed on the phone"}
             for c in kill_book.customers if c.due < today and not c.card_expired
             and not any(r.startswith(f"SUS-{c.id}-") for r in waiting)][:12]
    sheet = write_call_sheet(tmp_path / "calls.xlsx", today, calls)
    called = {c["customer"] for c in calls}
    others = [c for c in kill_book.customers if c.due < today and not c.card_expired
              and not c.soft_declines and c.amount < Decimal("500") and c.id not in called
              and not any(r.startswith(f"SUS-{c.id}-") for r in waiting)]
    consenting, partial = others[:3], others[3:6]
    assert len(partial) == 3
    _consent(kill_book.db, consenting, today)
    bank = write_bank(tmp_path / "bank.csv", [
        {"booked": today.isoformat(), "concept": f"TRANSF {c.invoice}",
         "amount": str((c.amount / 2).quantize(Decimal("0.01"))), "reference": f"B-{c.id}"}
        for c in partial])
    args = ["run", "collections", "-p", f"approvals={approvals}", "-p", f"call_sheet={sheet}",
            "-p", f"bank={bank}"]
    rng = random.Random(16)
    kills = sum(_kill_midway(args, env, tmp_path, kill_book.db, rng) for _ in range(4))
    assert kills >= 2
    resumed = run_cli(*args, env=env, cwd=tmp_path, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr

    portal = sqlite3.connect(kill_book.db)
    twice = portal.execute("select request_reference, count(*) from account_actions"
                           " group by request_reference having count(*) > 1").fetchall()
    assert twice == []
    per_account = portal.execute("select account_id, count(*) from account_actions where"
                                 " kind = 'suspend' group by account_id having count(*) > 1"
                                 ).fetchall()
    assert per_account == []
    assert portal.execute("select count(*) from account_actions where kind='suspend'"
                          ).fetchone()[0] == len(waiting)
    charged = portal.execute("select count(*) from account_actions where kind='charge'"
                             ).fetchone()[0]
    assert charged > 0
    for c in consenting:  # charged once, under the consent given on the portal
        assert portal.execute("select status from account_actions where kind='charge' and"
                              " account_id=?", (c.id,)).fetchall() == [("approved",)]
    for c in partial:
        assert portal.execute("select paid, status from account_invoices where id=?",
                              (c.invoice,)).fetchone() == (
            str((c.amount / 2).quantize(Decimal("0.01"))), "open")
    with engine.connect() as conn:
        letters = conn.execute(sa.text(
            "select case_ref, step, count(*) from outbox_messages where template ="
            " 'collections_letter' group by case_ref, step having count(*) > 1")).all()
        done_letters = conn.execute(sa.text(
            "select count(*) from work_items where queue='collections' and key like 'letter:%'"
            " and state='done'")).scalar()
        outbox = conn.execute(sa.text("select count(*) from outbox_messages where template ="
                                      " 'collections_letter'")).scalar()
        left = conn.execute(sa.text("select count(*) from work_items where queue like"
                                    " 'collections%' and state not in ('done')")).scalar()
        consents = conn.execute(sa.text("select count(*) from collections_authorisations"
                                        " where channel = 'portal'")).scalar()
    assert letters == []
    assert done_letters == outbox
    assert left == 0
    assert consents == len(consenting)


def _consent(db: Path, customers: list[Customer], today: date) -> None:
    """The customers consent on the portal's self-service screen (the world's doing)."""
    conn = connect(db)
    try:
        for c in customers:
            accounts_db.authorise(conn, account_id=c.id, invoice_id=c.invoice, method="card",
                                  mandate_reference="", amount_limit=c.amount, given_by=c.id,
                                  given_on=today.isoformat(),
                                  expires_on=(today + timedelta(days=9)).isoformat(),
                                  user="customer")
    finally:
        conn.close()
