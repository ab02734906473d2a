"""The demo world for end-to-end adjustment tests: a seeded portal, a request file, a ledger."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from adjust_ledger_builder import write_ledger

from demo.portal import PortalServer
from demo.portal.db import connect
from demo.samples.invoices import (
    AdjustmentRequest as PlannedRequest,
)
from demo.samples.invoices import (
    plan_adjustment_requests,
    seed_invoices,
    write_adjustment_requests,
)

CHROMIUM = Path("/usr/bin/chromium")
REFUSAL_OF_PROBLEM = {
    "credit larger than the open balance": "credit_over_balance",
    "negative amount": "amount_not_positive",
    "requester approved their own request": "self_approved",
    "unknown invoice": "invoice_not_found",
    "unknown reason code": "reason_not_allowed",
    "invoice is closed": "invoice_closed",
    "request id already on an earlier row": "duplicate_request_id",
}


@dataclass(frozen=True)
class World:
    db: Path
    requests: Path
    ledger: Path
    plan: list[PlannedRequest]

    def valid(self) -> list[PlannedRequest]:
        return [r for r in self.plan if r.problem is None]


def make_world(folder: Path, *, invoices: int = 40, requests: int = 20, seed: int = 7) -> World:
    db = folder / "portal.sqlite"
    seed_invoices(db, count=invoices, seed=seed)
    plan = plan_adjustment_requests(db, count=requests, seed=seed)
    path = write_adjustment_requests(folder / "requests.xlsx", db, count=requests, seed=seed)
    ledger = write_ledger(folder / "ledger.xlsx", ledger_rows(db))
    return World(db, path, ledger, plan)


def ledger_rows(db: Path) -> list[tuple[Any, ...]]:
    """The portal's invoices as the billing ledger holds them (charges, credits gross)."""
    conn = connect(db)
    try:
        rows = []
        for invoice in conn.execute("SELECT id, customer_name, status FROM invoices ORDER BY id"):
            net, tax = _sums(conn, "SELECT net_amount, tax_amount FROM invoice_lines"
                                   " WHERE invoice_id = ?", invoice["id"])
            charges = sum(_sums(conn, "SELECT net_amount, tax_amount FROM adjustments WHERE"
                                      " invoice_id = ? AND kind = 'charge'", invoice["id"]))
            credits = sum(_sums(conn, "SELECT net_amount, tax_amount FROM adjustments WHERE"
                                      " invoice_id = ? AND kind = 'credit'", invoice["id"]))
            rows.append((invoice["id"], invoice["customer_name"], net, tax, charges, credits,
                         invoice["status"]))
        return rows
    finally:
        conn.close()


def _sums(conn: sqlite3.Connection, sql: str, invoice_id: str) -> tuple[Decimal, Decimal]:
    net = tax = Decimal("0.00")
    for row in conn.execute(sql, (invoice_id,)):
        net += Decimal(row[0])
        tax += Decimal(row[1])
    return net, tax


def adjustments_by_reference(db: Path) -> dict[str, list[sqlite3.Row]]:
    conn = connect(db)
    try:
        found: dict[str, list[sqlite3.Row]] = {}
        for row in conn.execute("SELECT * FROM adjustments WHERE request_reference != ''"
                                " ORDER BY id"):
            found.setdefault(row["request_reference"], []).append(row)
        return found
    finally:
        conn.close()


def portal_snapshot(db: Path) -> list[tuple[Any, ...]]:
    conn = connect(db)
    try:
        return [tuple(r) for r in conn.execute("SELECT * FROM adjustments ORDER BY id")] + [
            tuple(r) for r in conn.execute("SELECT id, status FROM invoices ORDER BY id")]
    finally:
        conn.close()


def run_summary(store_url: str, run_id: int) -> dict[str, Any]:
    from bots.store.schema import runs

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.select(runs.c.state, runs.c.summary)
                               .where(runs.c.id == run_id)).one()
        return {"state": row.state, **(row.summary or {})}
    finally:
        engine.dispose()


def item_rows(store_url: str, keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    from bots.store.schema import work_items

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(work_items).where(
                work_items.c.queue == "invoice_adjustments")).mappings().all()
        wanted = set(keys) if keys is not None else None
        return {r["key"]: dict(r) for r in rows if wanted is None or r["key"] in wanted}
    finally:
        engine.dispose()


@dataclass(frozen=True)
class LivePortal:
    server: PortalServer
    hold: HoldAfterSave  # set hold.nth to hold the answer to that adjustment POST
    env: dict[str, str]


class HoldAfterSave:
    """WSGI middleware: the `nth` adjustment POST is saved by the portal, then its answer
    is held until `release` is set, so a test can kill the bot between the portal's save
    and the bot's record of it (the window check-before-act exists for)."""

    def __init__(self, app: Callable[..., Any], nth: int) -> None:
        self.app, self.nth, self.seen = app, nth, 0
        self.held, self.release = threading.Event(), threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = self.app(environ, start_response)
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/adjust"):
            with self._lock:
                self.seen += 1
                hold = self.seen == self.nth
            if hold:
                self.held.set()
                self.release.wait(120)
        return body
