"""Messages for the outbox tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from bots.outbox import OutboundMessage, Templates, enqueue
from connectors.outbound import Thread, compose_mail, compose_sms

SENDER = "Atención al cliente <clientes@example.com>"


def context(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        customer_name="Ana Pérez", kind="credit", document="NC-2026-000001",
        invoice="INV-2026-0001", amount=Decimal("1234.56"), balance=Decimal("100.00"),
        applied_on=date(2026, 1, 5))
    values.update(changes)
    return values


def mail(templates: Templates, now: datetime, *, case: str = "REQ-2026-0001",
         to: str = "ana.perez@example.com", locale: str = "es", step: str = "applied",
         thread: Thread | None = None, **ctx: Any) -> OutboundMessage:
    return compose_mail(templates, case=case, template="adjustment_applied", step=step, to=to,
                        context=context(**ctx), locale=locale, sender=SENDER, now=now,
                        thread=thread)


def sms(templates: Templates, *, case: str = "REQ-2026-0001", to: str = "600 12 34 56",
        locale: str = "es", step: str = "applied", **ctx: Any) -> OutboundMessage:
    return compose_sms(templates, case=case, template="adjustment_applied", step=step, to=to,
                       context=context(**ctx), locale=locale, sender="ACME")


def enqueue_for_many(store: Engine, templates: Templates, now: datetime, count: int, *,
                     width: int = 3) -> list[str]:
    """`count` messages, each to a customer of its own (c<n>@example.com); their cases,
    CASE-<n> with n in `width` digits (0: as it is), in order."""
    cases = [f"CASE-{n:0{width}d}" if width else f"CASE-{n}" for n in range(count)]
    for n, case in enumerate(cases):
        enqueue(store, mail(templates, now, case=case, to=f"c{n}@example.com"))
    return cases
