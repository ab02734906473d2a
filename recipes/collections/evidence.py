"""What the collections recipe keeps in the store (bots/store/collections_schema.py), each
write with its audit event in one transaction.

Rows that come from an outside event (a mail, a call-sheet row, a bank line) are written
with that event's key and skipped when the key is already there, so recording the same
event twice records it once (a retried item, a resumed run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import audit as chain
from bots.clock import Clock
from bots.store import collections_schema as tables

auths = tables.collections_authorisations
bumps = tables.collections_bumps
calls = tables.collections_calls
WAITING = ("awaiting_approval", "approved")  # a request not yet applied nor refused
disputes = tables.collections_disputes
payments = tables.collections_payments
promises = tables.collections_promises
requests = tables.collections_requests


@dataclass(frozen=True)
class Authorisation:
    id: int
    customer: str
    invoice: str
    channel: str
    method: str
    mandate_reference: str
    evidence: str
    given_by: str
    expires_on: date
    limit: Decimal | None = None  # the most it allows to charge (a portal consent's limit)

    @property
    def reference(self) -> str:
        return f"AUTH-{self.id:06d}"


class Evidence:
    def __init__(self, engine: Engine, clock: Clock, actor: str) -> None:
        self.engine, self.clock, self.actor = engine, clock, actor

    def _audit(self, conn: sa.Connection, action: str, subject: str, data: dict[str, Any]) -> None:
        chain.append(conn, ts=self.clock.now(), actor=self.actor, action=action, subject=subject,
                     data=data)

    def _insert_once(self, table: sa.Table, values: dict[str, Any], action: str,
                     subject: str, unique: str = "source_key") -> bool:
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(table.c[unique]).where(
                table.c[unique] == values[unique])).first()
            if found is not None:
                return False
            conn.execute(table.insert().values(**values))
            self._audit(conn, action, subject, {k: str(v) for k, v in values.items()})
        return True

    # -- authorisations, promises, disputes ----------------------------------------------
    def authorise(self, *, source_key: str, customer: str, invoice: str, channel: str,
                  method: str, mandate_reference: str, evidence: str, given_by: str,
                  recorded_by: str, given_at: datetime, valid_days: int,
                  expires_on: date | None = None, amount_limit: Decimal | None = None) -> bool:
        """Record an authorisation; it expires `valid_days` after it was given, or on
        `expires_on` (the customer's own expiry) when that comes first."""
        expires = given_at.date() + timedelta(days=valid_days)
        if expires_on is not None:
            expires = min(expires, expires_on)
        return self._insert_once(auths, dict(
            source_key=source_key, customer=customer, invoice=invoice, channel=channel,
            method=method, mandate_reference=mandate_reference, evidence=evidence,
            given_by=given_by, recorded_by=recorded_by, given_at=given_at, expires_on=expires,
            amount_limit=None if amount_limit is None else str(amount_limit)),
            "collections.authorisation_recorded", f"customer:{customer}")

    def authorisation(self, customer: str, invoice: str, today: date,
                      amount: Decimal | None = None) -> Authorisation | None:
        """The newest unexpired authorisation covering the invoice (or any of the customer's)
        and, when `amount` is given, allowing that much."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(auths).where(
                auths.c.customer == customer, auths.c.invoice.in_(["", invoice]),
                auths.c.expires_on >= today,
                # given by the end of today (a date compared as text fails on PostgreSQL)
                auths.c.given_at < datetime.combine(today + timedelta(days=1), time.min, UTC)
            ).order_by(auths.c.given_at.desc(), auths.c.id.desc())).all()
        for row in rows:
            limit = None if row.amount_limit is None else Decimal(row.amount_limit)
            if amount is not None and limit is not None and amount > limit:
                continue
            return Authorisation(row.id, row.customer, row.invoice, row.channel, row.method,
                                 row.mandate_reference, row.evidence, row.given_by,
                                 row.expires_on, limit)
        return None

    def promise(self, *, source_key: str, customer: str, invoice: str, amount: Decimal,
                promised_on: date, made_at: datetime) -> bool:
        return self._insert_once(promises, dict(
            source_key=source_key, customer=customer, invoice=invoice, amount=str(amount),
            promised_on=promised_on, made_at=made_at, state="open"),
            "collections.promise_recorded", f"customer:{customer}")

    def dispute(self, *, source_key: str, customer: str, invoice: str, reason: str,
                opened_at: datetime) -> bool:
        return self._insert_once(disputes, dict(
            source_key=source_key, customer=customer, invoice=invoice, reason=reason,
            opened_at=opened_at, state="open"), "collections.dispute_opened",
            f"customer:{customer}")

    def open_disputes(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return {r.invoice: r for r in conn.execute(
                sa.select(disputes).where(disputes.c.state == "open"))}

    def promises(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(promises).order_by(promises.c.made_at,
                                                                  promises.c.id)))

    def settle_promise(self, promise_id: int, state: str, today: date, customer: str,
                       invoice: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(promises.update().where(promises.c.id == promise_id,
                                                 promises.c.state == "open")
                         .values(state=state, settled_on=today))
            self._audit(conn, f"collections.promise_{state}", f"customer:{customer}",
                        {"promise": promise_id, "invoice": invoice, "on": today.isoformat()})
            if state == "broken":  # the invoice moves on to its next level
                found = conn.execute(sa.select(bumps.c.bumps).where(
                    bumps.c.invoice == invoice)).scalar()
                if found is None:
                    conn.execute(bumps.insert().values(invoice=invoice, bumps=1))
                else:
                    conn.execute(bumps.update().where(bumps.c.invoice == invoice)
                                 .values(bumps=found + 1))

    def bumps(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {r.invoice: r.bumps for r in conn.execute(sa.select(bumps))}

    # -- payments ------------------------------------------------------------------------
    def payment(self, *, bank_reference: str, customer: str, invoice: str, amount: Decimal,
                booked_on: date, seen_on: date) -> bool:
        return self._insert_once(payments, dict(
            bank_reference=bank_reference, customer=customer, invoice=invoice,
            amount=str(amount), booked_on=booked_on, seen_on=seen_on),
            "collections.payment_seen", f"customer:{customer}", unique="bank_reference")

    def payments(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(payments).order_by(payments.c.booked_on,
                                                                  payments.c.id)))

    # -- requests (charges, suspensions) --------------------------------------------------
    def request(self, request_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(requests).where(requests.c.id == request_id)).first()

    def requests(self, *, kind: str | None = None, state: str | None = None) -> list[Any]:
        query = sa.select(requests).order_by(requests.c.id)
        if kind:
            query = query.where(requests.c.kind == kind)
        if state:
            query = query.where(requests.c.state == state)
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def ask(self, *, request_id: str, kind: str, customer: str, invoice: str, amount: Decimal,
            requested_by: str, today: date, needs_approval: bool) -> bool:
        return self._insert_once(requests, dict(
            id=request_id, kind=kind, customer=customer, invoice=invoice, amount=str(amount),
            requested_by=requested_by, requested_on=today,
            state="awaiting_approval" if needs_approval else "approved"),
            f"collections.{kind}_requested", f"request:{request_id}", unique="id")

    def update_request(self, request_id: str, action: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(requests.update().where(requests.c.id == request_id).values(**values))
            self._audit(conn, action, f"request:{request_id}",
                        {k: str(v) for k, v in values.items()})

    def withdraw(self, request_id: str, reason: str) -> bool:
        """A request still waiting (for approval, or to be charged or applied) withdrawn,
        audited with its reason; False when it was no longer waiting."""
        with self.engine.begin() as conn:
            done = conn.execute(requests.update().where(
                requests.c.id == request_id,
                requests.c.state.in_(WAITING))
                .values(state="withdrawn", note=reason)).rowcount
            if done:
                self._audit(conn, "collections.request_withdrawn", f"request:{request_id}",
                            {"reason": reason})
        return bool(done)

    # -- the call list --------------------------------------------------------------------
    def listings(self) -> dict[tuple[str, str], list[date]]:
        """{(invoice, level): the days it was put on the call list, oldest first}."""
        out: dict[tuple[str, str], list[date]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(sa.select(calls).order_by(calls.c.listed_on)):
                out.setdefault((r.invoice, r.level), []).append(r.listed_on)
        return out

    def listed(self, rows: list[dict[str, Any]], today: date) -> None:
        """Today's call list recorded (once: a resumed run lists the same rows again)."""
        with self.engine.begin() as conn:
            for row in rows:
                key = dict(invoice=row["invoice"], level=row["level"], listed_on=today)
                if conn.execute(sa.select(calls.c.invoice).filter_by(**key)).first() is None:
                    conn.execute(calls.insert().values(**key, customer=row["customer"]))
                    self._audit(conn, "collections.call_listed", f"customer:{row['customer']}",
                                {k: str(v) for k, v in key.items()})

    def audit(self, action: str, subject: str, data: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            self._audit(conn, action, subject, data)
