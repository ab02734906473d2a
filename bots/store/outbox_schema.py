"""The outbox's tables: messages to customers, the Message-IDs of each case, addresses.

    outbox_messages        one row per message, unique on (case, template, step, channel):
                           the idempotency key, so an outcome recorded twice (a retry, a
                           check-before-act that found the effect) still tells once
    outbox_case_messages   every Message-ID seen on a case's thread, ours and the customer's
    outbox_addresses       what we know of an address: opted out, failing (a bounce)
"""

from __future__ import annotations

import sqlalchemy as sa

from bots.store.schema import Ts, metadata

outbox_messages = sa.Table(
    "outbox_messages",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("case_ref", sa.String(200), nullable=False),
    sa.Column("template", sa.String(200), nullable=False),
    sa.Column("step", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False, index=True),
    sa.Column("customer", sa.String(320), nullable=False),
    sa.Column("locale", sa.String(20), nullable=False),
    sa.Column("tz", sa.String(64)),
    sa.Column("sender", sa.String(320), nullable=False, server_default=""),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    # mail: the whole MIME message (ASCII, CRLF line ends) exactly as it will be sent;
    # sms: the text
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("message_id", sa.String(300), index=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(200)),
    sa.Column("last_error", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("not_before", Ts),
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_expires_at", Ts),
    sa.Column("provider_id", sa.String(200)),
    sa.Column("item_id", sa.BigInteger),
    sa.Column("run_id", sa.Integer),
    sa.Column("created_at", Ts, nullable=False),
    sa.Column("updated_at", Ts, nullable=False),
    sa.Column("sent_at", Ts),
    sa.UniqueConstraint("case_ref", "template", "step", "channel", name="uq_outbox_key"),
    sa.Index("ix_outbox_due", "state", "not_before", "id"),
    sa.Index("ix_outbox_customer_sent", "customer", "sent_at"),
)

outbox_case_messages = sa.Table(
    "outbox_case_messages",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("case_ref", sa.String(200), nullable=False, index=True),
    sa.Column("message_id", sa.String(300), nullable=False),
    sa.Column("direction", sa.String(3), nullable=False),  # in | out
    sa.Column("outbox_id", sa.BigInteger),
    sa.Column("recorded_at", Ts, nullable=False),
    sa.UniqueConstraint("case_ref", "message_id", name="uq_outbox_case_message"),
)

outbox_addresses = sa.Table(
    "outbox_addresses",
    metadata,
    sa.Column("address", sa.String(320), primary_key=True),
    sa.Column("opted_out_at", Ts),
    sa.Column("opt_out_note", sa.Text),
    sa.Column("failing_at", Ts),
    sa.Column("failing_reason", sa.Text),
    sa.Column("updated_at", Ts, nullable=False),
)

TABLES = (outbox_messages, outbox_case_messages, outbox_addresses)
