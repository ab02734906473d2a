"""Telling the customer that their credit note or charge is applied.

The message is staged on the work item (`item.notify`) once the portal shows the
adjustment, whether this run keyed it or check-before-act found it keyed: it reaches the
outbox in the transaction that records the item done, so the customer is told once.
The request's `customer_email` / `customer_phone` say where, `customer_language` in
which language; the templates are `messages/adjustment_applied/` (copy them to
RPA_OUTBOX__TEMPLATES_DIR to change the wording; a language is one more catalog).
The case reference is the request id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.clock import Clock, SystemClock
from bots.settings import Settings, get_settings
from connectors.outbound import (
    compose_mail,
    compose_sms,
    normalize_email,
    normalize_phone,
    templates_for,
)
from recipes.invoice_adjustments.requests import AdjustmentRequest

if TYPE_CHECKING:
    from bots.outbox import OutboundMessage, Templates

MESSAGES = Path(__file__).with_name("messages")
TEMPLATE = "adjustment_applied"
STEP = "applied"


@dataclass
class CustomerNotice:
    templates: Templates
    sender: str
    default_region: str
    timezone: str
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CustomerNotice:
        settings = settings or get_settings()
        return cls(templates_for(settings, MESSAGES), settings.outbox.sender,
                   settings.outbox.sms.default_region, settings.timezone)

    def check_contact(self, request: AdjustmentRequest) -> None:
        """Before acting: a contact that cannot be written to is the request's exception."""
        if request.customer_email:
            normalize_email(request.customer_email)
        if request.customer_phone:
            normalize_phone(request.customer_phone, self.default_region)

    def messages(self, request: AdjustmentRequest, output: Mapping[str, Any],
                 customer_name: str) -> list[OutboundMessage]:
        if not (request.customer_email or request.customer_phone):
            return []
        now = self.clock.now()
        balance = output.get("portal_open_balance") or (output.get("after") or {}).get("total")
        context = {
            "customer_name": customer_name, "kind": output["kind"],
            "document": output["document_number"], "invoice": output["invoice_id"],
            "amount": Decimal(output["gross"]),
            "balance": None if balance is None else Decimal(balance),
            "applied_on": now.astimezone(_zone(self.timezone)).date(),
        }
        locale = request.customer_language or None
        found: list[OutboundMessage] = []
        if request.customer_email:
            found.append(compose_mail(self.templates, case=request.request_id, template=TEMPLATE,
                                      step=STEP, to=request.customer_email, context=context,
                                      locale=locale, sender=self.sender, now=now,
                                      tz=self.timezone))
        if request.customer_phone:
            found.append(compose_sms(self.templates, case=request.request_id, template=TEMPLATE,
                                     step=STEP, to=request.customer_phone, context=context,
                                     locale=locale, default_region=self.default_region,
                                     tz=self.timezone))
        return found


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
