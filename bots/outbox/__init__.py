"""The outbound layer: what a customer is told goes through a transactional outbox.

    item.notify(message)              staged on a work item; written to the outbox in the
                                      transaction that records the item done (exactly once)
    enqueue(conn_or_engine, message)  the same for uses outside a work item
    Sender(engine, channels).run()    delivers what is due: rules, retries, crash recovery
    parse_dsn(raw) / mark_bounced()   a bounce marks the message bounced, the address failing

Channels (SMTP, an SMS gateway), addresses and MIME are in `connectors.outbound`.
Names are imported on first use: every work item imports this package, and a scheduled
child process should not pay for Jinja2 and Babel unless it sends.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "DsnReport": "dsn", "mark_bounced": "dsn", "parse_dsn": "dsn",
    "Channel": "model", "ChannelKind": "model", "DeliveryFailure": "model",
    "DeliveryState": "model", "OutboundMessage": "model", "OutboxError": "model",
    "PermanentFailure": "model", "StoredMessage": "model", "TemplateError": "model",
    "TemporaryFailure": "model",
    "QuietHours": "rules", "RateLimit": "rules", "Rules": "rules",
    "SendReport": "sender", "Sender": "sender",
    "enqueue": "store", "enqueue_many": "store", "list_messages": "store", "opt_in": "store",
    "opt_out": "store",
    "Rendered": "templates", "Templates": "templates",
}

__all__ = [
    "Channel", "ChannelKind", "DeliveryFailure", "DeliveryState", "DsnReport",
    "OutboundMessage", "OutboxError", "PermanentFailure", "QuietHours", "RateLimit",
    "Rendered", "Rules", "SendReport", "Sender", "StoredMessage", "TemplateError",
    "Templates", "TemporaryFailure", "enqueue", "enqueue_many", "list_messages",
    "mark_bounced", "opt_in", "opt_out", "parse_dsn",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'bots.outbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bots.outbox.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
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
