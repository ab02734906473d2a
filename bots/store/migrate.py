"""Forward-only schema migrations: a small ordered list, applied at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import SystemClock
from bots.errors import StoreError
from bots.store import schedule_schema, schema

GENESIS_HASH = "0" * 64


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
    conn.execute(
        schema.audit_head.insert().values(id=1, last_id=0, last_hash=GENESIS_HASH, count=0)
    )


def _claim_order_index(conn: sa.Connection) -> None:
    schema.ix_work_items_claim_order.create(conn, checkfirst=True)


MIGRATIONS: list[Migration] = [
    Migration(1, "runs, steps, artifacts, audit, work items", _initial),
    Migration(2, "work items: index in claim order (priority desc, age)", _claim_order_index),
    Migration(3, "schedules and schedule state",
              _create(schedule_schema.schedules, schedule_schema.schedule_state)),
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
