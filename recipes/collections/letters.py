"""The letters of the dunning levels, composed for the outbox.

The case is the invoice and the step the level's name, so the outbox's key (case,
template, step, channel) holds one letter per level per invoice: staged twice (a retried
item, a resumed run), it is written once. Templates: `messages/collections_letter/`
(es, en; copy them to RPA_OUTBOX__TEMPLATES_DIR to change the wording).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.settings import Settings, get_settings
from connectors.outbound import Thread, compose_mail, compose_sms, templates_for

if TYPE_CHECKING:
    from datetime import datetime

    from bots.outbox import OutboundMessage, Templates

MESSAGES = Path(__file__).with_name("messages")
TEMPLATE = "collections_letter"
MISSING = "collections_missing"


@dataclass
class Letters:
    templates: Templates
    sender: str
    default_region: str
    timezone: str

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Letters:
        settings = settings or get_settings()
        return cls(templates_for(settings, MESSAGES), settings.outbox.sender,
                   settings.outbox.sms.default_region, settings.timezone)

    def letter(self, payload: dict[str, Any], now: datetime) -> OutboundMessage:
        context = {"customer_name": payload["name"], "invoice": payload["invoice"],
                   "amount": Decimal(payload["balance"]), "due": date.fromisoformat(payload["due"]),
                   "action": payload["action"]}
        common = dict(case=payload["invoice"], template=TEMPLATE, step=payload["level"],
                      context=context, locale=payload["language"] or None,
                      customer=payload["customer"], tz=self.timezone)
        if payload["channel"] == "sms":
            return compose_sms(self.templates, to=payload["phone"],
                               default_region=self.default_region, **common)
        return compose_mail(self.templates, to=payload["email"], sender=self.sender, now=now,
                            **common)

    def missing(self, payload: dict[str, Any], what: str, now: datetime) -> OutboundMessage:
        """A threaded answer to a customer's mail the recipe could not act on."""
        thread = Thread(message_id=payload["message_id"], subject=payload.get("subject") or "",
                        our_address=self.sender)
        return compose_mail(self.templates, case=payload["case"], template=MISSING,
                            step="missing", to=payload["from"], context={"missing": what},
                            locale=payload.get("language") or None, sender=self.sender,
                            now=now, thread=thread, tz=self.timezone)
