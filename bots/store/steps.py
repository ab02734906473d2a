"""What each schema revision does (bots/store/alembic/versions/ calls these).

Each step is written to be safe on a store that already has what it adds: the first
revision creates tables from the current schema, so later steps check before they alter.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from bots.store import schema

GENESIS_HASH = "0" * 64

# The audit chain's shard count (bots/audit.py). Written into the head rows when the
# store is created; changing it for an existing store would need a revision of its own.
AUDIT_SHARDS = 16


def create(*tables: sa.Table) -> Callable[[sa.Connection], None]:
    def apply(conn: sa.Connection) -> None:
        for table in tables:
            table.create(conn, checkfirst=True)

    return apply


def initial(conn: sa.Connection) -> None:
    create(
        schema.runs,
        schema.steps,
        schema.artifacts,
        schema.audit_events,
        schema.audit_head,
        schema.work_items,
        schema.work_item_events,
    )(conn)
    # The audit head rows are written by migration 4 (one per shard).


def claim_order_index(conn: sa.Connection) -> None:
    schema.ix_work_items_claim_order.create(conn, checkfirst=True)


def shard_audit(conn: sa.Connection) -> None:
    """Shard the audit chain: `shard` and `seq` on events, one head row per shard.

    A store created by this code already has the new tables (migration 1 creates them from
    the current schema) and only gets its head rows. A store created before has one chain
    written under the old digest rule: its events become shard 0's first events
    (shard = 0, seq = id: the old chain's ids were 1, 2, 3... without gaps), nothing is
    re-hashed, and shard 0's head records how many there are (`legacy_seq`), so `verify`
    checks those with the old rule and everything after them with the new one.
    """
    inspector = sa.inspect(conn)
    head_columns = {c["name"] for c in inspector.get_columns("audit_head")}
    event_columns = {c["name"] for c in inspector.get_columns("audit_events")}
    legacy = None
    if "shard" not in head_columns:
        legacy = conn.execute(
            sa.text("SELECT last_id, last_hash, count FROM audit_head WHERE id = 1")
        ).one_or_none()
        conn.execute(sa.text("DROP TABLE audit_head"))
        schema.audit_head.create(conn)
    if "shard" not in event_columns:
        conn.execute(sa.text("ALTER TABLE audit_events ADD COLUMN shard INTEGER NOT NULL DEFAULT 0"))
        conn.execute(sa.text("ALTER TABLE audit_events ADD COLUMN seq BIGINT NOT NULL DEFAULT 0"))
        conn.execute(sa.text("UPDATE audit_events SET shard = 0, seq = id"))
    schema.ix_audit_events_shard_seq.create(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":
        # The old code inserted explicit ids; from now on the table's sequence hands them out.
        conn.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
            "COALESCE(MAX(id), 0) + 1, false) FROM audit_events"
        ))
    present = set(conn.execute(sa.select(schema.audit_head.c.shard)).scalars())
    rows = []
    for shard in range(AUDIT_SHARDS):
        if shard in present:
            continue
        row = dict(shard=shard, shards=AUDIT_SHARDS, last_seq=0, last_id=0,
                   last_hash=GENESIS_HASH, count=0, legacy_seq=0)
        if shard == 0 and legacy is not None and legacy.last_id:
            row.update(last_seq=legacy.last_id, last_id=legacy.last_id,
                       last_hash=legacy.last_hash, count=legacy.count,
                       legacy_seq=legacy.last_id)
        rows.append(row)
    if rows:
        conn.execute(schema.audit_head.insert(), rows)


def hash_audit_ids(conn: sa.Connection) -> None:
    """From now on an audit event's id is hashed too. Nothing is re-hashed: each shard's
    events so far keep the rule they were written with, and its head records how many
    (`sharded_seq`), so verify checks them with that rule and the rest with the new one."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns("audit_head")}
    if "sharded_seq" not in columns:
        conn.execute(sa.text(
            "ALTER TABLE audit_head ADD COLUMN sharded_seq BIGINT NOT NULL DEFAULT 0"))
    conn.execute(sa.text("UPDATE audit_head SET sharded_seq = last_seq"))
