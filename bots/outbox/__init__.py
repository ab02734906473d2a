"""The outbound layer: what a customer is told goes through a transactional outbox.

    item.notify(message)              staged on a work item; written to the outbox in the
                                      transaction that records the item done (exactly once)
    enqueue(conn_or_engine, message)  the same for uses outside a work item
    Sender(engine, channels).run()    delivers what is due: rules, retries, crash recovery
    parse_dsn(raw) / mark_bounced()   a bounce marks the message bounced, the address failing

Channels (SMTP, an SMS gateway), addresses and MIME are in `connectors.outbound`.
"""

from __future__ import annotations

from bots.outbox.dsn import DsnReport, mark_bounced, parse_dsn
from bots.outbox.model import (
    Channel,
    ChannelKind,
    DeliveryFailure,
    DeliveryState,
    OutboundMessage,
    OutboxError,
    PermanentFailure,
    StoredMessage,
    TemplateError,
    TemporaryFailure,
)
from bots.outbox.rules import QuietHours, RateLimit, Rules
from bots.outbox.sender import Sender, SendReport
from bots.outbox.store import enqueue, enqueue_many, list_messages, opt_in, opt_out
from bots.outbox.templates import Rendered, Templates

__all__ = [
    "Channel", "ChannelKind", "DeliveryFailure", "DeliveryState", "DsnReport",
    "OutboundMessage", "OutboxError", "PermanentFailure", "QuietHours", "RateLimit",
    "Rendered", "Rules", "SendReport", "Sender", "StoredMessage", "TemplateError",
    "Templates", "TemporaryFailure", "enqueue", "enqueue_many", "list_messages",
    "mark_bounced", "opt_in", "opt_out", "parse_dsn",
]
