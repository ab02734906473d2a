"""What the outbox holds and the two ways a delivery fails.

    OutboxError(RpaError)
      +-- TemplateError         a template or catalog is missing, or a variable is
      |                         (StrictUndefined): an error when rendering, never a blank
      +-- DeliveryFailure       raised by a channel
            +-- TemporaryFailure  server down, 4xx, 5xx of a gateway: deferred, retried
            +-- PermanentFailure  the address is refused (5xx to RCPT, 4xx of a gateway):
                                  failed, and the address marked failing
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bots.errors import RpaError


class OutboxError(RpaError):
    pass


class TemplateError(OutboxError):
    pass


class DeliveryFailure(OutboxError):
    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(DeliveryFailure):
    pass


class PermanentFailure(DeliveryFailure):
    pass


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a sender; after a crash, looked up before anything else
    SENT = "sent"
    DEFERRED = "deferred"  # waits for not_before: quiet hours, rate limit, a failed attempt
    FAILED = "failed"
    BOUNCED = "bounced"


class ChannelKind(StrEnum):
    MAIL = "mail"
    SMS = "sms"


@dataclass(frozen=True)
class OutboundMessage:
    """A rendered message, ready to be written to the outbox.

    (case, template, step, channel) is its idempotency key. `content` is the whole MIME
    message for mail, the text for SMS. `customer` is who the rate limit counts (the
    recipient unless told otherwise); `tz` the customer's time zone for quiet hours.
    """

    case: str
    template: str
    step: str
    channel: ChannelKind
    to: str
    locale: str
    content: str
    subject: str = ""
    sender: str = ""
    message_id: str | None = None
    thread_ids: tuple[str, ...] = ()  # the customer's Message-IDs this one answers
    customer: str = ""
    tz: str | None = None

    def __post_init__(self) -> None:
        for name in ("case", "template", "step", "to", "content"):
            if not getattr(self, name):
                raise OutboxError(f"an outbound message needs a {name}")

    @property
    def key(self) -> str:
        return idempotency_key(self.case, self.template, self.step, self.channel)


def idempotency_key(case: str, template: str, step: str, channel: str) -> str:
    text = "\x1f".join((case, template, step, str(channel)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class StoredMessage:
    """An outbox row as a sender or a listing sees it."""

    id: int
    case: str
    template: str
    step: str
    channel: ChannelKind
    to: str
    customer: str
    locale: str
    tz: str | None
    sender: str
    subject: str
    content: str
    message_id: str | None
    state: DeliveryState
    attempts: int
    reason: str | None
    last_error: str | None
    not_before: datetime | None
    created_at: datetime
    sent_at: datetime | None
    provider_id: str | None
    item_id: int | None
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        return idempotency_key(self.case, self.template, self.step, self.channel)


class Channel(Protocol):
    """One way to reach a customer (connectors.outbound: SMTP, an SMS gateway)."""

    kind: ChannelKind

    def send(self, message: StoredMessage) -> str | None:
        """Deliver; the provider's id if it gives one. Raises a DeliveryFailure."""

    def lookup(self, message: StoredMessage) -> bool | None:
        """After a crash mid-send: was it delivered? None when the channel cannot tell."""
