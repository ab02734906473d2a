"""The collections recipe's evidence and state (migration 9).

    collections_authorisations  who authorised charging what, when, through which channel,
                                with the evidence (the Message-ID of their mail, the
                                agent's call note) and, for a debit, the mandate reference
    collections_promises        promises to pay: date and amount; open, kept or broken
    collections_disputes        disputed invoices: not chased while open
    collections_payments        payments seen on bank statements, matched to an invoice
    collections_requests        charges and suspensions asked for, with who asked and who
                                approved (four eyes), and where they stand
    collections_bumps           levels an invoice moved up for broken promises
    collections_calls           the call list: each invoice put on it, per level and day
                                (migration 10; so is an authorisation's `amount_limit`)

Each row that comes from an outside event carries that event's key (`source_key`, unique),
so recording the same mail or call-sheet row twice records it once. Money is text.
"""

from __future__ import annotations

import sqlalchemy as sa

from bots.store.schema import Ts, metadata

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

collections_authorisations = sa.Table(
    "collections_authorisations", metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("source_key", sa.String(200), nullable=False, unique=True),
    sa.Column("customer", sa.String(100), nullable=False, index=True),
    sa.Column("invoice", sa.String(100), nullable=False, server_default=""),  # "": any
    sa.Column("channel", sa.String(10), nullable=False),  # mail | call | portal
    sa.Column("method", sa.String(10), nullable=False),  # card | debit
    sa.Column("mandate_reference", sa.String(100), nullable=False, server_default=""),
    sa.Column("evidence", sa.Text, nullable=False),  # Message-ID, call note, portal reference
    sa.Column("given_by", sa.String(320), nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("given_at", Ts, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("amount_limit", sa.String(30)),  # the most it allows to charge; NULL: no limit
)

collections_promises = sa.Table(
    "collections_promises", metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("source_key", sa.String(200), nullable=False, unique=True),
    sa.Column("customer", sa.String(100), nullable=False, index=True),
    sa.Column("invoice", sa.String(100), nullable=False),
    sa.Column("amount", sa.String(30), nullable=False),
    sa.Column("promised_on", sa.Date, nullable=False),
    sa.Column("made_at", Ts, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # open | kept | broken
    sa.Column("settled_on", sa.Date),
)

collections_disputes = sa.Table(
    "collections_disputes", metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("source_key", sa.String(200), nullable=False, unique=True),
    sa.Column("customer", sa.String(100), nullable=False, index=True),
    sa.Column("invoice", sa.String(100), nullable=False, index=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("opened_at", Ts, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # open | closed
)

collections_payments = sa.Table(
    "collections_payments", metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("bank_reference", sa.String(100), nullable=False, unique=True),
    sa.Column("customer", sa.String(100), nullable=False, index=True),
    sa.Column("invoice", sa.String(100), nullable=False),
    sa.Column("amount", sa.String(30), nullable=False),
    sa.Column("booked_on", sa.Date, nullable=False),
    sa.Column("seen_on", sa.Date, nullable=False),
)

collections_requests = sa.Table(
    "collections_requests", metadata,
    sa.Column("id", sa.String(100), primary_key=True),  # SUS-<customer>-<invoice>, CHG-<invoice>
    sa.Column("kind", sa.String(12), nullable=False),  # charge | suspension
    sa.Column("customer", sa.String(100), nullable=False, index=True),
    sa.Column("invoice", sa.String(100), nullable=False),
    sa.Column("amount", sa.String(30), nullable=False, server_default="0.00"),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("requested_on", sa.Date, nullable=False),
    sa.Column("approved_by", sa.String(200)),
    sa.Column("decided_on", sa.Date),
    # awaiting_approval | approved | done | declined | cancelled | reactivated | withdrawn
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),  # charges tried
    sa.Column("last_attempt_on", sa.Date),
    sa.Column("last_decline", sa.String(50), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)

collections_bumps = sa.Table(
    "collections_bumps", metadata,
    sa.Column("invoice", sa.String(100), primary_key=True),
    sa.Column("bumps", sa.Integer, nullable=False),
)

collections_calls = sa.Table(
    "collections_calls", metadata,
    sa.Column("invoice", sa.String(100), primary_key=True),
    sa.Column("level", sa.String(100), primary_key=True),
    sa.Column("listed_on", sa.Date, primary_key=True),
    sa.Column("customer", sa.String(100), nullable=False),
)

TABLES = (collections_authorisations, collections_promises, collections_disputes,
          collections_payments, collections_requests, collections_bumps, collections_calls)


def add_limits_and_calls(conn: sa.Connection) -> None:
    """Migration 10. A store made by migration 9 from this schema has both already."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns("collections_authorisations")}
    if "amount_limit" not in columns:
        conn.execute(sa.text("ALTER TABLE collections_authorisations"
                             " ADD COLUMN amount_limit VARCHAR(30)"))
    collections_calls.create(conn, checkfirst=True)
