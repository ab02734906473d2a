"""Schema migrations: Alembic revisions in bots/store/alembic/versions/, applied at start-up.

The revision table is `rpa_schema_revision`, not Alembic's default, so a PostgreSQL
database shared with an application that uses Alembic itself is not mistaken for ours.
A store made before Alembic (a `schema_version` table listing versions 1-7) is adopted:
any step it lacks is applied, the matching revision stamped, and Alembic goes on from there.
A new table: add a revision file after the newest one (same shape) and move `LATEST`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import rejects
from bots.clock import SystemClock
from bots.errors import StoreError
from bots.store import outbox_schema, schedule_schema, schema, steps
from bots.store.steps import AUDIT_SHARDS, GENESIS_HASH

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext, MigrationInfo

SCRIPTS = Path(__file__).parent / "alembic"
VERSION_TABLE = "rpa_schema_revision"
LATEST = "0011"  # the head revision; tests/runtime/test_migrations.py holds it to the scripts
_PG_LOCK = 727001  # several processes may start at once against one database

# The steps of the stores made before Alembic, by their old version number (= revision).
LEGACY: dict[int, Callable[[sa.Connection], None]] = {
    1: steps.initial,
    2: steps.claim_order_index,
    3: steps.create(schedule_schema.schedules, schedule_schema.schedule_state),
    4: steps.shard_audit,
    5: steps.create(*outbox_schema.TABLES),
    6: rejects.create_table,
    7: steps.hash_audit_ids,
}

__all__ = ["AUDIT_SHARDS", "GENESIS_HASH", "LATEST", "VERSION_TABLE", "current_revision",
           "migrate"]


def current_revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def migrate(engine: Engine) -> str:
    """Bring the store up to the code's schema; refuse a store newer than the code."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_PG_LOCK})"))
        current = current_revision(conn)
        if current == LATEST:
            return LATEST  # the usual start: Alembic is not even imported
        if current is None:
            current = _adopt_legacy(conn)
        _upgrade(conn, current)
    return LATEST


def _adopt_legacy(conn: sa.Connection) -> str | None:
    """The revision a pre-Alembic store is at, after applying any old step it missed."""
    if not sa.inspect(conn).has_table("schema_version"):
        return None
    applied = set(conn.execute(sa.select(schema.schema_version.c.version)).scalars())
    if not applied:
        return None
    newest = max(applied)
    if newest > max(LEGACY):
        raise StoreError(f"the store is at schema version {newest}, newer than this code; "
                         "upgrade the toolkit")
    for version in range(1, newest + 1):
        if version not in applied:  # a version merged late: by set, not by max
            LEGACY[version](conn)
    return f"{newest:04d}"


def _upgrade(conn: sa.Connection, current: str | None) -> None:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    scripts = ScriptDirectory.from_config(config)
    if current is not None:
        try:
            scripts.get_revision(current)
        except CommandError:
            raise StoreError(f"the store is at schema revision {current}, which this code "
                             f"does not know (its newest is {LATEST}); upgrade the toolkit"
                             ) from None
    env = EnvironmentContext(config, scripts, fn=lambda rev, _: scripts._upgrade_revs(
        "head", rev), destination_rev="head")
    with env:
        env.configure(connection=conn, version_table=VERSION_TABLE,
                      transaction_per_migration=False, on_version_apply=_record)
        if current is not None and env.get_context().get_current_revision() is None:
            env.get_context().stamp(scripts, current)
        env.run_migrations()


def _record(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any],
            run_args: Mapping[str, Any]) -> None:
    """Each revision applied, with when, in `schema_version` too: the store's history for
    people (and the audit verifier's "store created at")."""
    conn = ctx.connection
    if conn is None or step.up_revision_id is None:
        return
    script = step.up_revision
    name = getattr(script, "doc", "") or ""
    schema.schema_version.create(conn, checkfirst=True)
    conn.execute(schema.schema_version.insert().values(
        version=int(step.up_revision_id), name=name[:100],
        applied_at=SystemClock().now()))
