"""Forward-only schema migrations: a small ordered list, applied at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import rejects
from bots.clock import SystemClock
from bots.errors import StoreError
from bots.store import collections_schema, outbox_schema, schedule_schema, schema

GENESIS_HASH = "0" * 64

# The audit chain's shard count (bots/audit.py). Written into the head rows when the
# store is created; changing it for an existing store would need a migration of its own.
AUDIT_SHARDS = 16


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sa.Connection], None]


def _create(*tables: sa.Table) -> Callable[[sa.Connection], None]:
    def apply(conn: sa.Connection) -> None:
        for table in tables:
            table.create(conn, checkfirst=True)

    return apply


def _initial(conn: sa.Connection) -> None:
    _create(
        schema.runs,
        schema.steps,
        schema.artifacts,
        schema.audit_events,
        schema.audit_head,
        schema.work_items,
        schema.work_item_events,
    )(conn)
    # The audit head rows are written by migration 4 (one per shard).


def _claim_order_index(conn: sa.Connection) -> None:
    schema.ix_work_items_claim_order.create(conn, checkfirst=True)


def _shard_audit(conn: sa.Connection) -> None:
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


def _hash_audit_ids(conn: sa.Connection) -> None:
    """From now on an audit event's id is hashed too. Nothing is re-hashed: each shard's
    events so far keep the rule they were written with, and its head records how many
    (`sharded_seq`), so verify checks them with that rule and the rest with the new one."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns("audit_head")}
    if "sharded_seq" not in columns:
        conn.execute(sa.text(
            "ALTER TABLE audit_head ADD COLUMN sharded_seq BIGINT NOT NULL DEFAULT 0"))
    conn.execute(sa.text("UPDATE audit_head SET sharded_seq = last_seq"))


MIGRATIONS: list[Migration] = [
    Migration(1, "runs, steps, artifacts, audit, work items", _initial),
    Migration(2, "work items: index in claim order (priority desc, age)", _claim_order_index),
    Migration(3, "schedules and schedule state",
              _create(schedule_schema.schedules, schedule_schema.schedule_state)),
    Migration(4, "audit: the chain sharded by subject, one head row per shard", _shard_audit),
    Migration(5, "outbox: messages to customers, case Message-IDs, addresses",
              _create(*outbox_schema.TABLES)),
    Migration(6, "rejected input rows, counted as exceptions by every report",
              rejects.create_table),
    Migration(7, "audit: the event id hashed in", _hash_audit_ids),
    Migration(9, "collections: authorisations, promises, disputes, payments, requests",
              _create(*collections_schema.TABLES)),
]

LATEST = MIGRATIONS[-1].version


def current_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    found = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(engine: Engine) -> int:
    """Bring the store up to the code's schema; refuse a store newer than the code."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several processes may start at once against one database.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(727001)"))
        schema.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        applied = set(conn.execute(sa.select(schema.schema_version.c.version)).scalars())
        if version > LATEST:
            raise StoreError(
                f"the store is at schema version {version}, newer than this code ({LATEST});"
                " upgrade the toolkit"
            )
        for migration in MIGRATIONS:
            if migration.version in applied:
                continue  # by set, not by max: a version merged late is still applied
            migration.apply(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=migration.version,
                    name=migration.name,
                    applied_at=SystemClock().now(),
                )
            )
        return LATEST
