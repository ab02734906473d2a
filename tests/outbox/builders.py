"""Messages for the outbox tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bots.outbox import OutboundMessage, Templates
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
