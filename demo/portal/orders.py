"""The order program's rules: what each action may do in each state, and its journal.

    cancel          draft, confirmed, picking            -> cancelled          CAN-000001
    return lines    delivered, partially_returned, each line within its product's window
                    (delivered_on + return_days), quantity <= delivered - returned
                                                         -> (partially_)returned RMA-000001
    offer return    dispatched, delivered, partially_returned (a too-late cancellation)
                                                                             RO-000001
    change address  draft, confirmed                                         ADR-000001
    book slot       confirmed, picking; the slot has room (capacity)         BKG-000001
    open incident   dispatched, delivered, partially_returned                CLM-000001

Every action writes one `order_history` row carrying its reference and the caller's
request reference; an action is refused (`OrderRefused`) with the field to blame.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from demo.portal.db import transaction

STATES = ("draft", "confirmed", "picking", "dispatched", "delivered", "partially_returned",
          "returned", "cancelled")
CANCELLABLE = ("draft", "confirmed", "picking")
RETURNABLE = ("delivered", "partially_returned")
SHIPPED = ("dispatched", "delivered", "partially_returned")
ADDRESS_CHANGEABLE = ("draft", "confirmed")
SLOT_BOOKABLE = ("confirmed", "picking")
RETURN_REASONS = {"R01": "Damaged on arrival", "R02": "Wrong item", "R03": "No longer wanted",
                  "R04": "Defective", "R05": "Late delivery"}
CANCEL_REASONS = {"C01": "Customer request", "C02": "Duplicate order", "C03": "Payment problem"}
INCIDENT_KINDS = {"lost": "Parcel lost", "damaged": "Parcel damaged", "late": "Delivery late"}
MAX_LINES = 6  # the return screen's grid has six rows, as the old program's had


class OrderRefused(ValueError):
    def __init__(self, message: str, field: str = "form") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Order:
    id: str
    customer_name: str
    customer_email: str
    state: str
    ordered_on: str
    delivered_on: str | None
    address: str
    slot: sqlite3.Row | None
    lines: list[sqlite3.Row] = field(default_factory=list)
    history: list[sqlite3.Row] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((Decimal(line["unit_price"]) * line["quantity"] for line in self.lines),
                   Decimal("0.00"))

    def return_until(self, line: sqlite3.Row) -> str | None:
        if not self.delivered_on:
            return None
        return (date.fromisoformat(self.delivered_on)
                + timedelta(days=line["return_days"])).isoformat()

    def actions(self) -> list[str]:
        """The buttons the detail screen shows in this state."""
        shown = []
        if self.state in CANCELLABLE:
            shown.append("cancel")
        if self.state in RETURNABLE:
            shown.append("return")
        if self.state in SHIPPED:
            shown += ["offer-return", "incident"]
        if self.state in ADDRESS_CHANGEABLE:
            shown.append("address")
        if self.state in SLOT_BOOKABLE:
            shown.append("slot")
        return shown


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def get_order(conn: sqlite3.Connection, order_id: str) -> Order | None:
    row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        return None
    slot = conn.execute("SELECT * FROM dispatch_slots WHERE id = ?",
                        (row["slot_id"],)).fetchone() if row["slot_id"] else None
    lines = conn.execute("SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no",
                         (order_id,)).fetchall()
    history = conn.execute("SELECT * FROM order_history WHERE order_id = ? ORDER BY id",
                           (order_id,)).fetchall()
    return Order(row["id"], row["customer_name"], row["customer_email"], row["state"],
                 row["ordered_on"], row["delivered_on"], row["address"], slot, lines, history)


def search_orders(conn: sqlite3.Connection, order_id: str = "", customer: str = "",
                  state: str = "") -> list[sqlite3.Row]:
    sql, args = "SELECT * FROM orders WHERE 1 = 1", []
    if order_id:
        sql, args = sql + " AND id = ?", [*args, order_id]
    if customer:
        sql, args = sql + " AND customer_name LIKE ?", [*args, f"%{customer}%"]
    if state:
        sql, args = sql + " AND state = ?", [*args, state]
    return conn.execute(sql + " ORDER BY id LIMIT 200", args).fetchall()


def free_slots(conn: sqlite3.Connection, today: date | None = None) -> list[sqlite3.Row]:
    """Every slot from tomorrow on, earliest first, with its free room."""
    start = ((today or date.today()) + timedelta(days=1)).isoformat()
    return conn.execute("SELECT *, capacity - booked AS free FROM dispatch_slots "
                        "WHERE day >= ? ORDER BY day, window", (start,)).fetchall()


def _journal(conn: sqlite3.Connection, order_id: str, prefix: str, action: str, user: str,
             request_reference: str, detail: str) -> str:
    cursor = conn.execute(
        "INSERT INTO order_history (order_id, at, user_name, action, request_reference, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)", (order_id, _now(), user, action, request_reference, detail))
    reference = f"{prefix}-{cursor.lastrowid:06d}"
    conn.execute("UPDATE order_history SET reference = ? WHERE id = ?",
                 (reference, cursor.lastrowid))
    return reference


def _locked(conn: sqlite3.Connection, order_id: str) -> Order:
    order = get_order(conn, order_id)
    if order is None:
        raise OrderRefused(f"Order {order_id} does not exist.")
    return order


def _in_state(order: Order, allowed: tuple[str, ...], what: str) -> None:
    if order.state not in allowed:
        raise OrderRefused(f"{what} is not allowed: order {order.id} is "
                           f"{order.state.replace('_', ' ').upper()}.")


def cancel(conn: sqlite3.Connection, order_id: str, reason: str, request_reference: str,
           user: str) -> str:
    with transaction(conn):
        order = _locked(conn, order_id)
        _in_state(order, CANCELLABLE, "Cancellation")
        if order.slot is not None:
            conn.execute("UPDATE dispatch_slots SET booked = booked - 1 WHERE id = ?",
                         (order.slot["id"],))
        conn.execute("UPDATE orders SET state = 'cancelled', slot_id = NULL WHERE id = ?",
                     (order_id,))
        return _journal(conn, order_id, "CAN", "CANCELLED", user, request_reference,
                        f"reason {reason}")


def return_lines(conn: sqlite3.Connection, order_id: str, quantities: dict[int, int],
                 reason: str, request_reference: str, user: str,
                 today: date | None = None) -> str:
    today = today or date.today()
    with transaction(conn):
        order = _locked(conn, order_id)
        _in_state(order, RETURNABLE, "A return")
        by_no = {line["line_no"]: line for line in order.lines}
        for line_no, qty in quantities.items():
            line = by_no.get(line_no)
            if line is None:
                raise OrderRefused(f"Line {line_no} does not exist.", f"qty_{line_no}")
            if qty > line["delivered"] - line["returned"]:
                raise OrderRefused(f"Line {line_no}: {qty} is more than the "
                                   f"{line['delivered'] - line['returned']} returnable.",
                                   f"qty_{line_no}")
            until = order.return_until(line)
            if until is None or today.isoformat() > until:
                raise OrderRefused(f"Line {line_no}: the return window ended on {until}.",
                                   f"qty_{line_no}")
        for line_no, qty in quantities.items():
            conn.execute("UPDATE order_lines SET returned = returned + ? WHERE order_id = ? "
                         "AND line_no = ?", (qty, order_id, line_no))
        left = conn.execute("SELECT SUM(delivered - returned) FROM order_lines WHERE "
                            "order_id = ?", (order_id,)).fetchone()[0]
        conn.execute("UPDATE orders SET state = ? WHERE id = ?",
                     ("returned" if not left else "partially_returned", order_id))
        detail = ", ".join(f"line {n} x{q}" for n, q in sorted(quantities.items()))
        return _journal(conn, order_id, "RMA", "RETURN", user, request_reference,
                        f"reason {reason}: {detail}")


def offer_return(conn: sqlite3.Connection, order_id: str, note: str, request_reference: str,
                 user: str) -> str:
    with transaction(conn):
        order = _locked(conn, order_id)
        _in_state(order, SHIPPED, "A return offer")
        return _journal(conn, order_id, "RO", "RETURN OFFERED", user, request_reference, note)


def change_address(conn: sqlite3.Connection, order_id: str, address: str,
                   request_reference: str, user: str) -> str:
    with transaction(conn):
        order = _locked(conn, order_id)
        _in_state(order, ADDRESS_CHANGEABLE, "An address change")
        conn.execute("UPDATE orders SET address = ? WHERE id = ?", (address, order_id))
        return _journal(conn, order_id, "ADR", "ADDRESS CHANGED", user, request_reference,
                        f"from {order.address!r} to {address!r}")


def book_slot(conn: sqlite3.Connection, order_id: str, slot_id: int, request_reference: str,
              user: str) -> str:
    with transaction(conn):
        order = _locked(conn, order_id)
        _in_state(order, SLOT_BOOKABLE, "Booking a dispatch slot")
        slot = conn.execute("SELECT * FROM dispatch_slots WHERE id = ?", (slot_id,)).fetchone()
        if slot is None:
            raise OrderRefused(f"Slot {slot_id} does not exist.", "slot_id")
        if slot["booked"] >= slot["capacity"]:
            raise OrderRefused(f"Slot {slot['day']} {slot['window']} is full.", "slot_id")
        if order.slot is not None:
            conn.execute("UPDATE dispatch_slots SET booked = booked - 1 WHERE id = ?",
                         (order.slot["id"],))
        conn.execute("UPDATE dispatch_slots SET booked = booked + 1 WHERE id = ?", (slot_id,))
        conn.execute("UPDATE orders SET slot_id = ? WHERE id = ?", (slot_id, order_id))
        return _journal(conn, order_id, "BKG", "SLOT BOOKED", user, request_reference,
                        f"{slot['day']} {slot['window']}")


def open_incident(conn: sqlite3.Connection, order_id: str, kind: str, description: str,
                  request_reference: str, user: str) -> str:
    with transaction(conn):
        order = _locked(conn, order_id)
        _in_state(order, SHIPPED, "An incident")
        return _journal(conn, order_id, "CLM", f"INCIDENT {kind.upper()}", user,
                        request_reference, description)
