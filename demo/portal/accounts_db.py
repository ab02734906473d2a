"""Customer accounts: contract terms, service status, payment methods, invoices with due
dates, and what was done to them (charges, payments received, suspensions, reactivations).

Cards are kept as a provider token, brand, last four digits and expiry (YYYY-MM), never a
card number or security code; a debit as IBAN, mandate reference and date. The payment
provider is a stand-in: an expired card or a debit without mandate declines for good
(hard), and `soft_declines` makes the next N charges on a method decline for
insufficient funds (soft), so a test knows each charge's fate in advance.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from demo.portal.db import transaction
from demo.portal.money import from_db, to_db
from demo.portal.sales_store import now_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'es',
    grace_days INTEGER NOT NULL DEFAULT 0,
    suspension_allowed INTEGER NOT NULL DEFAULT 1,
    suspend_after_days INTEGER NOT NULL DEFAULT 30,
    service_status TEXT NOT NULL DEFAULT 'active'
        CHECK (service_status IN ('active', 'suspended'))
);
CREATE TABLE IF NOT EXISTS account_payment_methods (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('card', 'debit')),
    provider_token TEXT NOT NULL DEFAULT '',
    brand TEXT NOT NULL DEFAULT '',
    last4 TEXT NOT NULL DEFAULT '',
    expiry TEXT NOT NULL DEFAULT '',
    iban TEXT NOT NULL DEFAULT '',
    mandate_reference TEXT NOT NULL DEFAULT '',
    mandate_date TEXT NOT NULL DEFAULT '',
    soft_declines INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS account_invoices (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    amount TEXT NOT NULL,
    paid TEXT NOT NULL DEFAULT '0.00',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid'))
);
CREATE INDEX IF NOT EXISTS account_invoices_account ON account_invoices (account_id);
CREATE TABLE IF NOT EXISTS account_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    request_reference TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('charge', 'payment', 'suspend', 'reactivate')),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    invoice_id TEXT NOT NULL DEFAULT '',
    method_id TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL DEFAULT '0.00',
    authorisation_reference TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    decline_code TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS account_actions_request ON account_actions (request_reference);
CREATE TABLE IF NOT EXISTS account_authorisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    invoice_id TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL CHECK (method IN ('card', 'debit')),
    mandate_reference TEXT NOT NULL DEFAULT '',
    amount_limit TEXT NOT NULL,
    given_by TEXT NOT NULL,
    given_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""

PREFIX = {"charge": "CH", "payment": "PY", "suspend": "SV", "reactivate": "SV"}
HARD_DECLINES = ("expired_card", "mandate_missing")
SOFT_DECLINES = ("insufficient_funds",)


class ActionRefused(ValueError):
    """A rule of the portal refused the action; `field` names the culprit."""

    def __init__(self, message: str, field: str = "form") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Done:
    reference: str
    kind: str
    status: str
    decline_code: str = ""


def account(conn: sqlite3.Connection, account_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id.strip(),)).fetchone()


def accounts(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM accounts ORDER BY id").fetchall()


def methods(conn: sqlite3.Connection, account_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM account_payment_methods WHERE account_id = ? ORDER BY id",
                        (account_id,)).fetchall()


def invoices(conn: sqlite3.Connection, account_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM account_invoices WHERE account_id = ? ORDER BY due_date, id",
                        (account_id,)).fetchall()


def actions_for(conn: sqlite3.Connection, *, request_reference: str = "",
                account_id: str = "") -> list[sqlite3.Row]:
    column, value = (("request_reference", request_reference) if request_reference
                     else ("account_id", account_id))
    return conn.execute(f"SELECT * FROM account_actions WHERE {column} = ? ORDER BY id",
                        (value.strip(),)).fetchall()


def open_invoice_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every account with each of its open invoices (an account with none: one row with no
    invoice), for the export."""
    return conn.execute(
        "SELECT a.*, i.id AS invoice_id, i.issue_date, i.due_date, i.amount, i.paid,"
        " (SELECT id FROM account_payment_methods m WHERE m.account_id = a.id AND m.kind = 'card'"
        "  ORDER BY m.id LIMIT 1) AS card_method,"
        " (SELECT id FROM account_payment_methods m WHERE m.account_id = a.id AND m.kind = 'debit'"
        "  ORDER BY m.id LIMIT 1) AS debit_method"
        " FROM accounts a LEFT JOIN account_invoices i ON i.account_id = a.id AND i.status = 'open'"
        " ORDER BY a.id, i.due_date, i.id").fetchall()


def authorisations(conn: sqlite3.Connection, account_id: str = "") -> list[sqlite3.Row]:
    """The customers' consents to be charged (one account's, or every one)."""
    if account_id:
        return conn.execute("SELECT * FROM account_authorisations WHERE account_id = ?"
                            " ORDER BY id", (account_id,)).fetchall()
    return conn.execute("SELECT * FROM account_authorisations ORDER BY id").fetchall()


def authorise(conn: sqlite3.Connection, *, account_id: str, invoice_id: str, method: str,
              mandate_reference: str, amount_limit: Decimal, given_by: str, given_on: str,
              expires_on: str, user: str) -> Done:
    """A customer's consent recorded (the self-service screen): which invoice ('' = any of
    theirs), card or debit (a debit names the account's mandate), up to how much, until when.
    Dates as YYYY-MM-DD."""
    with transaction(conn):
        if account(conn, account_id) is None:
            raise ActionRefused(f"Account {account_id} does not exist", "account_id")
        if invoice_id and conn.execute("SELECT 1 FROM account_invoices WHERE id = ? AND"
                                       " account_id = ?", (invoice_id, account_id)).fetchone() is None:
            raise ActionRefused(f"Invoice {invoice_id} is not an invoice of account {account_id}",
                                "invoice_id")
        if method == "debit":
            mandates = {m["mandate_reference"] for m in methods(conn, account_id)
                        if m["kind"] == "debit" and m["mandate_reference"]}
            if mandate_reference not in mandates:
                raise ActionRefused(f"A direct debit needs a mandate of {account_id}; "
                                    f"{mandate_reference or '(none)'} is not one",
                                    "mandate_reference")
        if expires_on < given_on:
            raise ActionRefused("The authorisation expires before it is given", "expires_on")
        count = conn.execute("SELECT count(*) FROM account_authorisations").fetchone()[0]
        reference = f"AU-{count + 1:06d}"
        conn.execute(
            "INSERT INTO account_authorisations (reference, account_id, invoice_id, method,"
            " mandate_reference, amount_limit, given_by, given_on, expires_on, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (reference, account_id, invoice_id, method,
             mandate_reference if method == "debit" else "", to_db(amount_limit), given_by,
             given_on, expires_on, user, now_text()))
    return Done(reference, "authorisation", "recorded")


def balance(row: sqlite3.Row) -> Decimal:
    return from_db(row["amount"]) - from_db(row["paid"])


def _next_reference(conn: sqlite3.Connection, kind: str) -> str:
    prefix = PREFIX[kind]
    count = conn.execute("SELECT count(*) FROM account_actions WHERE reference LIKE ?",
                         (f"{prefix}-%",)).fetchone()[0]
    return f"{prefix}-{count + 1:06d}"


def _insert(conn: sqlite3.Connection, kind: str, values: dict[str, str], user: str) -> str:
    reference = _next_reference(conn, kind)
    row = {"reference": reference, "kind": kind, "created_by": user, "created_at": now_text(),
           **values}
    names = ", ".join(row)
    conn.execute(f"INSERT INTO account_actions ({names}) VALUES ({', '.join('?' * len(row))})",
                 list(row.values()))
    return reference


def _open_invoice(conn: sqlite3.Connection, account_id: str, invoice_id: str,
                  amount: Decimal) -> sqlite3.Row:
    invoice = conn.execute("SELECT * FROM account_invoices WHERE id = ? AND account_id = ?",
                           (invoice_id, account_id)).fetchone()
    if invoice is None:
        raise ActionRefused(f"Invoice {invoice_id} is not an invoice of account {account_id}",
                            "invoice_id")
    if invoice["status"] != "open":
        raise ActionRefused(f"Invoice {invoice_id} is already paid", "invoice_id")
    if amount > balance(invoice):
        raise ActionRefused(f"The amount exceeds the open balance of {invoice_id}", "amount")
    return invoice


def _settle(conn: sqlite3.Connection, invoice: sqlite3.Row, amount: Decimal) -> None:
    paid = from_db(invoice["paid"]) + amount
    status = "paid" if paid >= from_db(invoice["amount"]) else "open"
    conn.execute("UPDATE account_invoices SET paid = ?, status = ? WHERE id = ?",
                 (to_db(paid), status, invoice["id"]))


def _decline(method: sqlite3.Row, today: str) -> str:
    if method["kind"] == "card" and method["expiry"] < today[:7]:
        return "expired_card"
    if method["kind"] == "debit" and not method["mandate_reference"]:
        return "mandate_missing"
    if method["soft_declines"] > 0:
        return "insufficient_funds"
    return ""


def charge(conn: sqlite3.Connection, *, account_id: str, invoice_id: str, method_id: str,
           amount: Decimal, authorisation_reference: str, request_reference: str,
           user: str) -> Done:
    with transaction(conn):
        if account(conn, account_id) is None:
            raise ActionRefused(f"Account {account_id} does not exist", "account_id")
        invoice = _open_invoice(conn, account_id, invoice_id, amount)
        method = conn.execute("SELECT * FROM account_payment_methods WHERE id = ? AND "
                              "account_id = ?", (method_id, account_id)).fetchone()
        if method is None:
            raise ActionRefused(f"Payment method {method_id} is not one of {account_id}",
                                "method_id")
        code = _decline(method, datetime.now(UTC).date().isoformat())
        if code == "insufficient_funds":
            conn.execute("UPDATE account_payment_methods SET soft_declines = soft_declines - 1"
                         " WHERE id = ?", (method_id,))
        elif not code:
            _settle(conn, invoice, amount)
        status = "declined" if code else "approved"
        reference = _insert(conn, "charge", {
            "request_reference": request_reference, "account_id": account_id,
            "invoice_id": invoice_id, "method_id": method_id, "amount": to_db(amount),
            "authorisation_reference": authorisation_reference, "status": status,
            "decline_code": code}, user)
    return Done(reference, "charge", status, code)


def payment(conn: sqlite3.Connection, *, account_id: str, invoice_id: str, amount: Decimal,
            bank_reference: str, user: str) -> Done:
    with transaction(conn):
        invoice = _open_invoice(conn, account_id, invoice_id, amount)
        _settle(conn, invoice, amount)
        reference = _insert(conn, "payment", {
            "request_reference": bank_reference, "account_id": account_id,
            "invoice_id": invoice_id, "amount": to_db(amount), "status": "received"}, user)
    return Done(reference, "payment", "received")


def service(conn: sqlite3.Connection, *, account_id: str, action: str, reason: str,
            request_reference: str, user: str) -> Done:
    with transaction(conn):
        found = account(conn, account_id)
        if found is None:
            raise ActionRefused(f"Account {account_id} does not exist", "account_id")
        if action == "suspend" and not found["suspension_allowed"]:
            raise ActionRefused(f"The contract of {account_id} does not allow suspension",
                                "operation")
        wanted = "suspended" if action == "suspend" else "active"
        if found["service_status"] == wanted:
            raise ActionRefused(f"Account {account_id} is already {wanted}", "operation")
        conn.execute("UPDATE accounts SET service_status = ? WHERE id = ?", (wanted, account_id))
        reference = _insert(conn, action, {
            "request_reference": request_reference, "account_id": account_id,
            "status": wanted, "reason": reason}, user)
    return Done(reference, action, wanted)
