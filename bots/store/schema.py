"""The store's tables (SQLAlchemy Core). Times are UTC; money never lives here as float."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

Ts = sa.DateTime(timezone=True)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("applied_at", Ts, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recipe", sa.String(200), nullable=False, index=True),
    sa.Column("code_hash", sa.String(64)),
    sa.Column("params", sa.JSON, nullable=False, default=dict),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("schedule", sa.String(200)),
    sa.Column("fire_time", Ts),
    sa.Column("host", sa.String(200)),
    sa.Column("pid", sa.Integer),
    sa.Column("user", sa.String(200)),
    sa.Column("state", sa.String(30), nullable=False, index=True),
    sa.Column("created_at", Ts, nullable=False, index=True),
    sa.Column("started_at", Ts),
    sa.Column("ended_at", Ts),
    sa.Column("heartbeat_at", Ts),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text),
    sa.Column("error_kind", sa.String(20)),
    sa.Column("summary", sa.JSON, nullable=False, default=dict),
    sa.Column("log_path", sa.String(500)),
    sa.UniqueConstraint("schedule", "fire_time", name="uq_runs_schedule_fire_time"),
)

steps = sa.Table(
    "steps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, default=1),
    sa.Column("started_at", Ts, nullable=False),
    sa.Column("ended_at", Ts),
    sa.Column("duration_ms", sa.Float),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("error", sa.Text),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("path", sa.String(1000), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", Ts, nullable=False),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("ts", Ts, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False, index=True),
    sa.Column("subject", sa.String(300), nullable=False, index=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # The chain is sharded by subject (bots/audit.py): each shard is its own line,
    # numbered 1, 2, 3... by seq (migration 4).
    sa.Column("shard", sa.Integer, nullable=False, server_default="0"),
    sa.Column("seq", sa.BigInteger, nullable=False, server_default="0"),
)

# One shard's events in chain order; unique, so two writers can never fork a shard.
ix_audit_events_shard_seq = sa.Index(
    "ix_audit_events_shard_seq", audit_events.c.shard, audit_events.c.seq, unique=True
)

# One row per shard: that shard's head. Appending locks only its shard's row, so writers
# of different runs or items do not wait for each other's commits (migration 4).
# `shards` (the same on every row) is the shard count the chain was written with;
# `legacy_seq` is how many of the shard's first events were written under the
# pre-shard digest rule (only shard 0 of a store created before migration 4).
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("shards", sa.Integer, nullable=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("last_id", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("legacy_seq", sa.BigInteger, nullable=False, server_default="0"),
    # how many of the shard's first events were hashed without their id (migration 5)
    sa.Column("sharded_seq", sa.BigInteger, nullable=False, server_default="0"),
)

work_items = sa.Table(
    "work_items",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("queue", sa.String(200), nullable=False),
    sa.Column("key", sa.String(500), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False, default=0),
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", Ts, nullable=False),
    sa.Column("updated_at", Ts, nullable=False),
    sa.Column("not_before", Ts),
    sa.Column("deadline", Ts),
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_expires_at", Ts),
    sa.Column("last_error", sa.Text),
    sa.Column("reason", sa.String(200)),
    sa.Column("output", sa.JSON),
    sa.Column("created_by_run", sa.Integer),
    sa.Column("last_run_id", sa.Integer),
    sa.Column("started_at", Ts),
    sa.Column("finished_at", Ts),
    sa.UniqueConstraint("queue", "key", name="uq_work_items_queue_key"),
    sa.Index("ix_work_items_claim", "queue", "state", "priority", "created_at"),
)

# The claim order is "highest priority, then oldest": mixed directions, which the index
# above cannot serve without sorting every pending row of the queue (migration 2).
ix_work_items_claim_order = sa.Index(
    "ix_work_items_claim_order",
    work_items.c.queue,
    work_items.c.state,
    work_items.c.priority.desc(),
    work_items.c.created_at,
    work_items.c.id,
)

work_item_events = sa.Table(
    "work_item_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("item_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("ts", Ts, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("from_state", sa.String(30)),
    sa.Column("to_state", sa.String(30), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("run_id", sa.Integer),
)
