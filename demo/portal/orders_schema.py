"""The order module's tables (registered in db.create_schema with one line).

States: draft, confirmed, picking, dispatched, delivered, partially_returned, returned,
cancelled. `order_history` is the order program's journal: every action a user takes
on an order is one row, with the portal's reference (RMA, claim number...) and the
caller's request reference, which is how a bot tells whether it already acted.
"""

from __future__ import annotations

ORDERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    customer_name TEXT NOT NULL,
    customer_email TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('draft', 'confirmed', 'picking', 'dispatched',
        'delivered', 'partially_returned', 'returned', 'cancelled')),
    ordered_on TEXT NOT NULL,
    delivered_on TEXT,
    address TEXT NOT NULL,
    slot_id INTEGER REFERENCES dispatch_slots (id)
);

CREATE TABLE IF NOT EXISTS order_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    returned INTEGER NOT NULL DEFAULT 0,
    unit_price TEXT NOT NULL,
    return_days INTEGER NOT NULL,
    UNIQUE (order_id, line_no)
);

CREATE TABLE IF NOT EXISTS dispatch_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    day TEXT NOT NULL,
    window TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    UNIQUE (day, window)
);

CREATE TABLE IF NOT EXISTS order_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES orders (id),
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    request_reference TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS order_history_order ON order_history (order_id);
CREATE INDEX IF NOT EXISTS order_history_request ON order_history (request_reference);
"""
