"""The demo's order world: orders in every state in the portal's order program, dispatch
slots (tomorrow full), an agents' sheet of requests and the mails triage would route.

    world = make_orders_world(folder, portal_db)     # seeds the portal, writes the sheet
    world.requests, world.mails, world.expected

`expected` is what a correct run ends with, per request id: (outcome, reason), outcome
one of done, converted, refused, to review, rejected (a bad row, never queued). Dates are
relative to today (the portal judges return windows by its own clock). Like the rest of
demo/, this imports nothing of the toolkit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from demo.portal.db import connect, create_schema, transaction

PRODUCTS = {  # sku: (description, unit price, return window in days)
    "TV-55": ("Television 55in", "549.00", 14), "SB-200": ("Soundbar 200 W", "199.00", 30),
    "HDMI-2": ("HDMI cable 2 m", "12.50", 30), "RT-AX": ("Wi-Fi router AX", "89.90", 30),
    "PH-A5": ("Smartphone A5", "299.00", 14),
}
# order: (state, delivered days ago or None, [(sku, qty, returned)])
ORDERS: dict[str, tuple[str, int | None, list[tuple[str, int, int]]]] = {
    "ORD-1001": ("confirmed", None, [("RT-AX", 1, 0), ("HDMI-2", 2, 0)]),
    "ORD-1002": ("delivered", 5, [("SB-200", 1, 0), ("HDMI-2", 3, 0)]),
    "ORD-1003": ("dispatched", None, [("PH-A5", 1, 0)]),
    "ORD-1004": ("delivered", 40, [("RT-AX", 1, 0)]),
    "ORD-1005": ("delivered", 3, [("HDMI-2", 2, 0)]),
    "ORD-1006": ("confirmed", None, [("SB-200", 1, 0)]),
    "ORD-1007": ("picking", None, [("RT-AX", 2, 0)]),
    "ORD-1008": ("confirmed", None, [("HDMI-2", 4, 0)]),
    "ORD-1009": ("confirmed", None, [("PH-A5", 1, 0)]),
    "ORD-1010": ("delivered", 2, [("TV-55", 1, 0)]),
    "ORD-1011": ("delivered", 20, [("TV-55", 1, 0), ("SB-200", 1, 0)]),
    "ORD-1012": ("delivered", 4, [("TV-55", 1, 0)]),
    "ORD-1013": ("delivered", 4, [("TV-55", 1, 0), ("HDMI-2", 1, 0)]),
    "ORD-1014": ("dispatched", None, [("RT-AX", 1, 0)]),
    "ORD-1015": ("delivered", 6, [("HDMI-2", 2, 0), ("RT-AX", 1, 0)]),
    "ORD-1016": ("delivered", 50, [("PH-A5", 1, 0)]),
    "ORD-1017": ("draft", None, [("HDMI-2", 1, 0)]),
    "ORD-1018": ("cancelled", None, [("SB-200", 1, 0)]),
    "ORD-1019": ("returned", 8, [("HDMI-2", 1, 1)]),
    "ORD-1020": ("partially_returned", 7, [("HDMI-2", 3, 1), ("SB-200", 1, 0)]),
}
HEADERS = ["Request ID", "Kind", "Order", "Lines", "Reason", "New address", "Slot day",
           "Incident", "Description", "Requested by", "Approved by", "Customer e-mail",
           "Language"]


@dataclass(frozen=True)
class Req:
    request_id: str
    kind: str
    order: str
    expect: tuple[str, str]
    lines: str = ""
    reason: str = ""
    address: str = ""
    slot_day: str = ""
    incident: str = ""
    description: str = ""
    requested_by: str = "m.campos"
    approved_by: str = ""
    language: str = "es"
    email: bool = True  # False: the sheet leaves it blank (the portal's address is used)

    def row(self, today: date) -> list[Any]:
        email = f"{self.order.lower()}@customers.example" if self.order and self.email else ""
        return [self.request_id, self.kind, self.order, self.lines, self.reason, self.address,
                self.slot_day, self.incident, self.description, self.requested_by,
                self.approved_by, email, self.language]


def sheet_requests(today: date, tag: str = "") -> list[Req]:
    full_day = (today + timedelta(days=1)).strftime("%d/%m/%Y")
    plain = [
        Req("REQ-001", "cancel", "ORD-1001", ("done", ""), reason="C01"),
        Req("REQ-002", "return", "ORD-1002", ("done", ""), lines="2x2", reason="R03"),
        Req("REQ-003", "cancel", "ORD-1003", ("converted", "")),
        Req("REQ-004", "return", "ORD-1004", ("refused", "return_window_passed"), reason="R04"),
        Req("REQ-005", "return", "ORD-1005", ("refused", "quantity_above_delivered"),
            lines="1x5", reason="R02", language="en"),
        Req("REQ-006", "change", "ORD-1006", ("done", ""),
            address="Calle Mayor 12, 3º B, 28013 Madrid"),
        Req("REQ-007", "change", "ORD-1007", ("refused", "picking_started"),
            address="Avenida del Puerto 4, 46021 Valencia"),
        Req("REQ-008", "slot", "ORD-1008", ("refused", "slot_full"), slot_day=full_day),
        Req("REQ-009", "slot", "ORD-1009", ("done", ""), email=False),
        Req("REQ-010", "incident", "ORD-1010", ("done", ""), incident="damaged",
            description="Screen cracked on arrival", language="en"),
        Req("REQ-011", "cancel", "ORD-1011", ("converted", "")),
        Req("REQ-012", "return", "ORD-1012", ("done", ""), reason="R01",
            approved_by="c.herrera"),
        Req("REQ-013", "return", "ORD-1013", ("to review", "four_eyes_required"), reason="R03"),
        Req("REQ-014", "cancel", "ORD-1016", ("refused", "return_window_passed")),
        Req("REQ-015", "cancel", "ORD-1018", ("refused", "already_cancelled")),
        Req("REQ-016", "return", "ORD-1020", ("done", ""), lines="1x2", reason="R03"),
        Req("REQ-017", "fix", "ORD-1017", ("rejected", "")),  # not a kind
        Req("REQ-018", "return", "ORD-1002", ("rejected", ""), lines="2-1"),  # bad lines
    ]
    return [replace(r, request_id=r.request_id.replace("REQ", f"REQ{tag}")) for r in plain]


def mail_key(message_id: str) -> str:
    return "mail:" + hashlib.sha256(message_id.encode()).hexdigest()[:24]


def triaged_mails(today: date, tag: str = "") -> list[tuple[str, dict[str, Any], tuple[str, str]]]:
    """(key, payload, expected) as mail triage would queue them (the helpers' contract)."""
    def mail(n: int, category: str, orders: list[str], text: str, expect: tuple[str, str],
             language: str = "es", sender: str = "") -> tuple[str, dict[str, Any], tuple[str, str]]:
        message_id = f"<order-mail{tag}-{n}@customers.example>"
        sender = sender or (f"{orders[0].lower()}@customers.example" if orders
                            else f"mail{n}@customers.example")
        return mail_key(message_id), {
            "source": "mail", "message_id": message_id, "case": f"CASE-O{n:04d}",
            "received_at": f"{today.isoformat()}T08:{n:02d}:00Z",
            "from": sender, "language": language,
            "category": category, "subject": f"Pedido {orders[0] if orders else ''}".strip(),
            "text": text, "facts": {"invoice": [], "order": orders, "customer": [],
                                    "amount": [], "iban": [], "date": []}}, expect
    return [
        mail(1, "delivery_incident", ["ORD-1014"], "Hola, el paquete se ha perdido, "
             "no ha llegado nunca.", ("done", "")),
        mail(2, "order_return", ["ORD-1015"], "Quiero devolver el pedido completo.",
             ("done", "")),
        mail(3, "order_cancellation", [], "Please cancel my order, thanks.",
             ("refused", "no_order_number"), language="en"),
        mail(4, "order_change", ["ORD-1017"], "Buenos días,\nNueva dirección: Calle Luna 8, "
             "41001 Sevilla\nGracias", ("done", "")),
        # someone else's order: not answered, a person looks at it
        mail(5, "order_cancellation", ["ORD-1006"], "Cancel ORD-1006 now.",
             ("to review", "sender_not_customer"), language="en", sender="x@elsewhere.example"),
    ]


@dataclass
class OrdersWorld:
    db: Path
    requests: Path
    today: date
    mails: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)


def seed_orders(db_path: Path, today: date) -> None:
    create_schema(db_path)
    conn = connect(db_path)
    try:
        with transaction(conn):
            for order_id, (state, delivered_ago, lines) in ORDERS.items():
                delivered = (today - timedelta(days=delivered_ago)).isoformat() \
                    if delivered_ago is not None else None
                ordered = (today - timedelta(days=(delivered_ago or 0) + 3)).isoformat()
                conn.execute("INSERT INTO orders (id, customer_name, customer_email, state, "
                             "ordered_on, delivered_on, address) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (order_id, f"Customer {order_id[-4:]}",
                              f"{order_id.lower()}@customers.example", state, ordered,
                              delivered, "Calle Antigua 1, 28001 Madrid"))
                shipped = state in ("delivered", "partially_returned", "returned")
                for n, (sku, qty, returned) in enumerate(lines, start=1):
                    description, price, days = PRODUCTS[sku]
                    conn.execute("INSERT INTO order_lines (order_id, line_no, sku, description,"
                                 " quantity, delivered, returned, unit_price, return_days) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (order_id, n, sku, description, qty, qty if shipped else 0,
                                  returned, price, days))
            for offset, window, capacity, booked in (
                    (1, "09:00-13:00", 1, 1), (1, "14:00-18:00", 1, 1),
                    (2, "09:00-13:00", 2, 0), (2, "14:00-18:00", 2, 0),
                    (3, "09:00-13:00", 3, 0)):
                conn.execute("INSERT INTO dispatch_slots (day, window, capacity, booked) "
                             "VALUES (?, ?, ?, ?)",
                             ((today + timedelta(days=offset)).isoformat(), window, capacity,
                              booked))
    finally:
        conn.close()


def write_requests(path: Path, requests: list[Req], today: date) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Requests"
    sheet.append(HEADERS)
    for request in requests:
        sheet.append(request.row(today))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def make_orders_world(folder: Path, portal_db: Path, today: date | None = None,
                      tag: str = "") -> OrdersWorld:
    """The demo's whole order part: the portal seeded, the sheet written, the mails.
    `tag` goes into every request id and Message-ID, so that each demo's requests are new
    to a store that has seen an earlier demo."""
    today = today or date.today()
    seed_orders(portal_db, today)
    requests = sheet_requests(today, tag)
    world = OrdersWorld(portal_db, write_requests(folder / "order_requests.xlsx", requests,
                                                  today), today)
    world.expected = {r.request_id: r.expect for r in requests}
    for key, payload, expect in triaged_mails(today, tag):
        world.mails.append((key, payload))
        world.expected[key] = expect
    return world
