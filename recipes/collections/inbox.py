"""Authorisations, promises to pay and disputes arriving in the queue `collections_inbox`:
from mail triage (the contract: one item per mail, key `mail:<hash>`, the mail's facts in
its payload) and from the agents' call sheet (one item per row, key `call:<hash>`).

Each is validated like any request: what it needs (the invoice, for a promise its amount
and date) missing is the item's business exception, and a customer who wrote is told
what was missing, threaded to their mail. Recorded as evidence in the store, keyed by the
item's key, so a retried item records once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bots import BusinessError, WorkItem
from bots.outbox import enqueue
from connectors.sheets import ColumnMap, read_rows
from recipes.collections.book import Account
from recipes.collections.evidence import Evidence
from recipes.collections.letters import Letters
from recipes.collections.policy import CollectionsPolicy

KINDS = {"payment_authorisation": "authorisation", "payment_promise": "promise",
         "invoice_dispute": "dispute"}
CALL_COLUMNS = ColumnMap(date_formats=("%Y-%m-%d", "%d/%m/%Y"), decimal_comma=False)


class CallRow(BaseModel):
    """One row of the agents' call sheet."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    date: date
    agent: str = Field(min_length=1)
    customer: str = Field(min_length=1)
    invoice: str = Field(min_length=1)
    outcome: Literal["authorisation", "promise", "dispute"]
    method: Literal["card", "debit"] | None = None
    mandate_reference: str | None = None
    amount: Decimal | None = Field(default=None, gt=0, decimal_places=2)
    promised_date: date | None = None
    note: str | None = None


def call_items(path: Path) -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    """The call sheet's valid rows as inbox items (key, payload), and the sheet's problems."""
    rows = read_rows(path, CallRow, columns=CALL_COLUMNS)
    items = []
    for valid in rows.valid:
        row = valid.value
        payload = {"source": "call_sheet", "kind": row.outcome, "file": path.name,
                   "row": valid.row, **row.model_dump(mode="json", exclude={"outcome"})}
        digest = hashlib.sha256(repr(sorted(payload.items() - {("file", path.name),
                                                                  ("row", valid.row)}))
                                .encode()).hexdigest()[:24]
        items.append((f"call:{digest}", payload))
    return items, rows


class Inbox:
    """The handler of `collections_inbox`: record each item as evidence."""

    def __init__(self, evidence: Evidence, policy: CollectionsPolicy,
                 book: dict[str, Account], letters: Letters, actor: str) -> None:
        self.evidence, self.policy, self.book = evidence, policy, book
        self.letters, self.actor = letters, actor
        self.owner = {i.id: a.id for a in book.values() for i in a.invoices}

    def work(self, item: WorkItem) -> None:
        p = item.payload
        if p.get("source") == "mail":
            self._mail(item, p)
        else:
            self._call(item, p)

    def _refuse(self, item: WorkItem, p: dict[str, Any], what: str) -> None:
        if p.get("source") == "mail":
            # told now: an exception records no outcome messages; the outbox's key keeps it once
            enqueue(self.evidence.engine, self.letters.missing(p, what, self.evidence.clock.now()),
                    item_id=item.id)
        raise BusinessError(f"{item.key}: {what} missing", reason=f"missing_{what.split()[-1]}")

    def _mail(self, item: WorkItem, p: dict[str, Any]) -> None:
        kind = KINDS.get(p.get("category", ""))
        if kind is None:
            raise BusinessError(f"{item.key}: category {p.get('category')!r} is not for "
                                "collections", reason="wrong_queue")
        facts = p.get("facts") or {}
        invoice = next(iter(facts.get("invoice") or []), "")
        if not invoice:
            self._refuse(item, p, "the invoice number")
        customer = self.owner.get(invoice) or next(iter(facts.get("customer") or []), "")
        if not customer:
            raise BusinessError(f"{item.key}: invoice {invoice} is not an open invoice",
                                reason="unknown_invoice")
        at = datetime.fromisoformat(p["received_at"].replace("Z", "+00:00")).astimezone(UTC)
        if kind == "authorisation":
            self.evidence.authorise(
                source_key=item.key, customer=customer, invoice=invoice, channel="mail",
                method="card", mandate_reference="", evidence=p["message_id"],
                given_by=p.get("from", ""), recorded_by=self.actor, given_at=at,
                valid_days=self.policy.charges.authorisation_days)
        elif kind == "promise":
            amount = _amount(next(iter(facts.get("amount") or []), ""))
            day = next(iter(facts.get("date") or []), "")
            if amount is None:
                self._refuse(item, p, "the amount")
            if not day:
                self._refuse(item, p, "the date")
            self.evidence.promise(source_key=item.key, customer=customer, invoice=invoice,
                                  amount=amount, promised_on=date.fromisoformat(day),  # type: ignore[arg-type]
                                  made_at=at)
        else:
            self.evidence.dispute(source_key=item.key, customer=customer, invoice=invoice,
                                  reason=(p.get("text") or "")[:500], opened_at=at)
        item.output = {"kind": kind, "customer": customer, "invoice": invoice}

    def _call(self, item: WorkItem, p: dict[str, Any]) -> None:
        kind, customer, invoice = p["kind"], p["customer"], p["invoice"]
        at = datetime.combine(date.fromisoformat(p["date"]), datetime.min.time(), UTC)
        where = f"call sheet {p.get('file')} row {p.get('row')}"
        if self.owner.get(invoice, customer) != customer:
            raise BusinessError(f"{where}: invoice {invoice} is not {customer}'s",
                                reason="wrong_customer")
        if kind == "authorisation":
            method = p.get("method") or "card"
            if method == "debit" and not p.get("mandate_reference"):
                raise BusinessError(f"{where}: a debit authorisation needs the mandate "
                                    "reference", reason="missing_mandate")
            self.evidence.authorise(
                source_key=item.key, customer=customer, invoice=invoice, channel="call",
                method=method, mandate_reference=p.get("mandate_reference") or "",
                evidence=p.get("note") or "(no note)", given_by=f"call with {customer}",
                recorded_by=p["agent"], given_at=at,
                valid_days=self.policy.charges.authorisation_days)
        elif kind == "promise":
            if not p.get("amount") or not p.get("promised_date"):
                raise BusinessError(f"{where}: a promise needs its amount and date",
                                    reason="missing_promise_terms")
            self.evidence.promise(source_key=item.key, customer=customer, invoice=invoice,
                                  amount=Decimal(p["amount"]),
                                  promised_on=date.fromisoformat(p["promised_date"]), made_at=at)
        else:
            self.evidence.dispute(source_key=item.key, customer=customer, invoice=invoice,
                                  reason=p.get("note") or "", opened_at=at)
        item.output = {"kind": kind, "customer": customer, "invoice": invoice}


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    return value if value.is_finite() and value > 0 else None
