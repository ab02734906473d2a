"""Telling the customer how their order request ended (messages/order_outcome, es and en).

One mail per request and outcome: done (with the cancellation, RMA, booking or claim
number), converted (a too-late cancellation answered with a return offer) or refused
(the reason in words). Staged on the work item, so it reaches the outbox in the
transaction that records the outcome: told once, even across a kill and a resume. A
mail item is answered in its thread (In-Reply-To the customer's Message-ID, `Re:` their
subject) under the case reference triage told them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.clock import Clock, SystemClock
from bots.errors import BusinessError
from bots.settings import Settings, get_settings
from connectors.outbound import Thread, compose_mail, normalize_email, templates_for

if TYPE_CHECKING:
    from bots.outbox import OutboundMessage, Templates
    from recipes.order_requests.requests import OrderRequest

MESSAGES = Path(__file__).with_name("messages")
TEMPLATE = "order_outcome"
# Refusals the customer hears about; any other business exception (four eyes, a portal
# that refused what the rules allowed) waits for a person, who answers after review.
TOLD_REFUSALS = frozenset({
    "return_window_passed", "quantity_above_delivered", "slot_full", "not_dispatched",
    "not_delivered", "already_dispatched", "picking_started", "already_cancelled",
    "cancelled", "already_returned", "no_order_number", "several_orders", "unknown_order",
    "no_new_address", "no_such_line", "nothing_to_return", "not_confirmed"})


@dataclass
class CustomerNotice:
    templates: Templates
    sender: str
    timezone: str
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CustomerNotice:
        settings = settings or get_settings()
        return cls(templates_for(settings, MESSAGES), settings.outbox.sender, settings.timezone)

    def message(self, request: OrderRequest, outcome: str, *, reference: str = "",
                reason: str = "", facts: Mapping[str, Any] | None = None,
                refund: Decimal | None = None) -> OutboundMessage | None:
        """The mail, or None when the request names nobody to write to."""
        if not request.customer_email:
            return None
        try:
            address = normalize_email(request.customer_email)
        except BusinessError:
            return None  # the output workbook shows "not told"; nothing to write to
        facts = dict(facts or {})
        context = {
            "outcome": outcome, "kind": str(request.kind), "order": request.order_id,
            "reference": reference, "reason": reason, "refund": refund or None,
            "address": facts.get("address", ""), "slot_window": facts.get("slot_window", ""),
            "slot_day": _day(facts.get("slot_day")), "until": _day(facts.get("until")),
        }
        thread = None
        if request.message_id:
            thread = Thread(message_id=request.message_id, subject=request.subject or "",
                            our_address=self.sender)
        return compose_mail(self.templates, case=request.case_reference, template=TEMPLATE,
                            step=f"{request.request_id}:{outcome}", to=address, context=context,
                            locale=request.language, sender=self.sender, now=self.clock.now(),
                            thread=thread, tz=self.timezone)


def _day(text: object) -> date | None:
    return date.fromisoformat(str(text)) if text else None
