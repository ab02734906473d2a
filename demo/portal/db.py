"""The portal's own SQLite database: schema and connections.

Amounts are TEXT holding a plain decimal with two places ("1234.56"), never REAL.
`sales.external_id` is deliberately not unique: the legacy system stores a sale twice
if it is keyed twice, and the toolkit's tests count such duplicates here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from demo.portal.orders_schema import ORDERS_SCHEMA

SCHEMA = """
CREATE TABLE IF NOT EXISTS sales (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT,
    external_id TEXT NOT NULL,
    sale_date TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_tax_id TEXT NOT NULL,
    product TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    channel TEXT NOT NULL,
    seller TEXT NOT NULL,
    validator TEXT NOT NULL,
    consent INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    keyed_by TEXT NOT NULL,
    keyed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sales_external_id ON sales (external_id);

CREATE TABLE IF NOT EXISTS invoices (
    id TEXT PRIMARY KEY,
    customer_name TEXT NOT NULL,
    customer_tax_id TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed'))
);

CREATE TABLE IF NOT EXISTS invoice_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    line_no INTEGER NOT NULL,
    description TEXT NOT NULL,
    net_amount TEXT NOT NULL,
    tax_rate TEXT NOT NULL,
    tax_amount TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invoice_lines_invoice ON invoice_lines (invoice_id);

CREATE TABLE IF NOT EXISTS adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_number TEXT NOT NULL UNIQUE,
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    kind TEXT NOT NULL CHECK (kind IN ('charge', 'credit')),
    net_amount TEXT NOT NULL,
    tax_amount TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    request_reference TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS adjustments_invoice ON adjustments (invoice_id);
CREATE INDEX IF NOT EXISTS adjustments_request ON adjustments (request_reference);
"""


def connect(db_path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), so a writer takes
    # the lock before it reads the numbers it is about to allocate.
    conn = sqlite3.connect(db_path, timeout=10, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def create_schema(db_path: Path) -> None:
    """Create the database file and its tables if absent; safe to call any number of times."""
    from demo.portal import accounts_db  # it imports this module

    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(db_path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
        conn.executescript(ORDERS_SCHEMA)
        conn.executescript(accounts_db.SCHEMA)  # demo/portal/accounts_db.py
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
