"""The mailbox's table: where each customer mail was seen and where it was filed.

    mail_seen   one row per (account, folder, UIDVALIDITY, UID): the triage work item it
                became (its key is the Message-ID's hash, so the same mail seen again
                after a UID reset or in a second folder is the same item, never a
                second case), and the folder it was moved to once handled; while a
                move is under way, its target and the target's UIDVALIDITY and UIDNEXT
                before it (a move cut short is finished from them, not made twice)
"""

from __future__ import annotations

import sqlalchemy as sa

from bots.store.schema import Ts, metadata

mail_seen = sa.Table(
    "mail_seen",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("account", sa.String(320), nullable=False),
    sa.Column("folder", sa.String(300), nullable=False),
    sa.Column("uidvalidity", sa.BigInteger, nullable=False),
    sa.Column("uid", sa.BigInteger, nullable=False),
    sa.Column("item_key", sa.String(100), nullable=False, index=True),
    sa.Column("message_id", sa.String(1000), nullable=False),
    sa.Column("seen_at", Ts, nullable=False),
    sa.Column("filed_to", sa.String(300)),
    sa.Column("filed_at", Ts),
    sa.Column("moving_to", sa.String(300)),
    sa.Column("moving_uidvalidity", sa.BigInteger),
    sa.Column("moving_uidnext", sa.BigInteger),
    sa.UniqueConstraint("account", "folder", "uidvalidity", "uid", name="uq_mail_seen_uid"),
)

TABLES = (mail_seen,)
MOVING = ("moving_to VARCHAR(300)", "moving_uidvalidity BIGINT", "moving_uidnext BIGINT")


def add_moving(conn: sa.Connection) -> None:
    """Migration 11. A store made by migration 8 from this schema has them already."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns("mail_seen")}
    for column in MOVING:
        if column.split()[0] not in columns:
            conn.execute(sa.text(f"ALTER TABLE mail_seen ADD COLUMN {column}"))
