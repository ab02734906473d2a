"""Reading and writing the `sales` table."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from demo.portal.db import transaction
from demo.portal.money import to_db
from demo.portal.sale_form import Sale

PAGE_SIZE = 25


def now_text(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def insert_sale(conn: sqlite3.Connection, sale: Sale, keyed_by: str) -> str:
    """Store the sale and return its new reference, e.g. S-2026-000042."""
    keyed_at = datetime.now(UTC)
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO sales (external_id, sale_date, customer_name, customer_tax_id, product,"
            " quantity, amount, currency, payment_method, channel, seller, validator, consent,"
            " notes, keyed_by, keyed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sale.external_id, sale.sale_date.isoformat(), sale.customer_name,
             sale.customer_tax_id, sale.product, sale.quantity, to_db(sale.amount), sale.currency,
             sale.payment_method, sale.channel, sale.seller, sale.validator, int(sale.consent),
             sale.notes, keyed_by, now_text(keyed_at)),
        )
        sale_id = cursor.lastrowid
        reference = f"S-{keyed_at.year}-{sale_id:06d}"
        conn.execute("UPDATE sales SET reference = ? WHERE id = ?", (reference, sale_id))
    return reference


def find_by_external_id(conn: sqlite3.Connection, external_id: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM sales WHERE external_id = ? ORDER BY id", (external_id.strip(),)
    ).fetchall()


def count_sales(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])


def page_of_sales(conn: sqlite3.Connection, page: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM sales ORDER BY id LIMIT ? OFFSET ?", (PAGE_SIZE, (page - 1) * PAGE_SIZE)
    ).fetchall()


def all_sales(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM sales ORDER BY id").fetchall()
