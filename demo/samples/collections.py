"""A book of customer accounts for the collections recipe, and what its customers do.

`seed_book(db, start, customers)` writes accounts (contract terms, a card and/or a bank
account, contact and language) and their invoices, due from 40 days before `start` to 40
days after, into the portal's database. `book_script(start, customers, days)` says what
happens on each day after that, the same for the same seed: payments on the bank
statement, authorisations and promises from the agents' call sheet, disputes and
authorisations by mail. The provider stand-in's declines are set on the payment methods
(an expired card, a debit without mandate, a card that is short of funds N times), so a
test knows each charge's fate in advance.
"""

from __future__ import annotations

import csv
import hashlib
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from demo.portal.db import connect, create_schema, transaction

LANGUAGES = ("es", "es", "es", "en")


@dataclass(frozen=True)
class Customer:
    id: str
    invoice: str
    amount: Decimal
    due: date
    grace: int
    suspension_allowed: bool
    suspend_after: int
    card_expired: bool
    soft_declines: int
    has_debit: bool
    mandate: bool


@dataclass
class Script:
    """Per day (0 = start), what the outside world does."""

    customers: list[Customer]
    bank: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    calls: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    mails: dict[int, list[dict[str, object]]] = field(default_factory=dict)


def _customers(start: date, count: int, seed: int) -> list[Customer]:
    rng = random.Random(seed)
    out = []
    for n in range(1, count + 1):
        out.append(Customer(
            id=f"C{n:04d}", invoice=f"INV-{start.year}-{n:05d}",
            amount=Decimal(rng.randint(2000, 90000)) / 100,
            due=start + timedelta(days=rng.randint(-40, 40)),
            grace=rng.choice((0, 0, 3, 5)), suspension_allowed=rng.random() < 0.8,
            suspend_after=rng.choice((30, 40)), card_expired=rng.random() < 0.15,
            soft_declines=rng.choice((0, 0, 0, 1, 3)), has_debit=rng.random() < 0.3,
            mandate=rng.random() < 0.7))
    return out


def seed_book(db_path: Path, start: date, customers: int = 200, seed: int = 16) -> list[Customer]:
    create_schema(db_path)
    book = _customers(start, customers, seed)
    conn = connect(db_path)
    try:
        with transaction(conn):
            for c in book:
                _insert(conn, c, start)
    finally:
        conn.close()
    return book


def _insert(conn: sqlite3.Connection, c: Customer, start: date) -> None:
    number = int(c.id[1:])
    conn.execute(
        "INSERT INTO accounts (id, name, email, phone, language, grace_days, suspension_allowed,"
        " suspend_after_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (c.id, f"Cliente {number:04d} S.L.", f"c{number:04d}@customers.example",
         f"+34 600 {number:06d}"[:15], LANGUAGES[number % len(LANGUAGES)], c.grace,
         int(c.suspension_allowed), c.suspend_after))
    expiry = "2024-06" if c.card_expired else "2029-12"
    conn.execute(
        "INSERT INTO account_payment_methods (id, account_id, kind, provider_token, brand,"
        " last4, expiry, soft_declines) VALUES (?, ?, 'card', ?, 'VISA', ?, ?, ?)",
        (f"PM{number:04d}C", c.id, "tok_" + hashlib.sha256(c.id.encode()).hexdigest()[:16],
         f"{number % 10000:04d}", expiry, c.soft_declines))
    if c.has_debit:
        conn.execute(
            "INSERT INTO account_payment_methods (id, account_id, kind, iban, mandate_reference,"
            " mandate_date) VALUES (?, ?, 'debit', ?, ?, ?)",
            (f"PM{number:04d}D", c.id, f"ES91 2100 0418 4502 0005 {number:04d}",
             f"MNDT-{number:05d}" if c.mandate else "",
             (start - timedelta(days=400)).isoformat() if c.mandate else ""))
    conn.execute(
        "INSERT INTO account_invoices (id, account_id, issue_date, due_date, amount)"
        " VALUES (?, ?, ?, ?, ?)",
        (c.invoice, c.id, (c.due - timedelta(days=30)).isoformat(), c.due.isoformat(),
         str(c.amount)))


def book_script(book: list[Customer], start: date, days: int = 60, seed: int = 16) -> Script:
    """What the customers do over `days` days; see the module's docstring."""
    rng = random.Random(seed * 7919)
    script = Script(book)

    def pay(day: int, c: Customer, tag: str) -> None:
        booked = start + timedelta(days=day)
        script.bank.setdefault(day, []).append({
            "booked": booked.isoformat(), "concept": f"TRANSF {c.id} FRA {c.invoice}",
            "amount": str(c.amount), "reference": f"BNK-{c.id}-{tag}"})

    for c in book:
        roll = rng.random()
        day = rng.randint(1, days - 5)
        if roll < 0.30:
            pay(day, c, "p")
        elif roll < 0.45:
            script.calls.setdefault(day, []).append({
                "customer": c.id, "invoice": c.invoice, "outcome": "authorisation",
                "method": "debit" if c.has_debit else "card",
                "mandate_reference": f"MNDT-{int(c.id[1:]):05d}" if c.has_debit else "",
                "amount": "", "promised_date": "", "note": "customer agreed on the phone"})
        elif roll < 0.55:
            promised = day + 4
            script.calls.setdefault(day, []).append({
                "customer": c.id, "invoice": c.invoice, "outcome": "promise", "method": "",
                "mandate_reference": "", "amount": str(c.amount),
                "promised_date": (start + timedelta(days=promised)).isoformat(),
                "note": "will transfer this week"})
            if rng.random() < 0.5:
                pay(min(promised, days - 1), c, "promise")
        elif roll < 0.62:
            script.mails.setdefault(day, []).append(_mail(c, "invoice_dispute", day, start))
        elif roll < 0.67:
            script.mails.setdefault(day, []).append(_mail(c, "payment_authorisation", day, start))
    return script


def _mail(c: Customer, category: str, day: int, start: date) -> dict[str, object]:
    message_id = f"<{c.id}.{category}.{day}@customers.example>"
    return {
        "source": "mail", "message_id": message_id, "case": f"CASE-{c.id}-{day}",
        "received_at": f"{(start + timedelta(days=day)).isoformat()}T07:30:00Z",
        "from": f"c{int(c.id[1:]):04d}@customers.example", "language": "es",
        "category": category, "subject": f"Factura {c.invoice}",
        "text": "No estoy de acuerdo con esta factura." if category == "invoice_dispute"
        else "Autorizo el cargo en mi tarjeta.",
        "facts": {"invoice": [c.invoice], "order": [], "customer": [c.id], "amount": [],
                  "iban": [], "date": []},
    }


CALL_HEADERS = ("date", "agent", "customer", "invoice", "outcome", "method",
                "mandate_reference", "amount", "promised_date", "note")


def write_bank(path: Path, lines: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=("booked", "concept", "amount", "reference"),
                                delimiter=";")
        writer.writeheader()
        for line in lines:
            writer.writerow({**line, "amount": line["amount"].replace(".", ",")})
    return path


def write_call_sheet(path: Path, day: date, calls: list[dict[str, str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Calls"
    sheet.append(CALL_HEADERS)
    for call in calls:
        sheet.append([day.isoformat(), "l.vega", *(call[h] for h in CALL_HEADERS[2:])])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
