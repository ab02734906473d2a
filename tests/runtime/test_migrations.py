"""Alembic revisions: a new store, stores made before Alembic (adopted, gaps filled), and
stores the code must refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bots import audit
from bots.audit import verify
from bots.clock import SystemClock
from bots.errors import NotAStore, StoreError
from bots.store import create_store_engine, migrate
from bots.store.migrate import LATEST, LEGACY, SCRIPTS, VERSION_TABLE, current_revision
from bots.store.opening import refuse_foreign
from bots.store.schema import runs, schema_version, work_items


def test_latest_is_the_head_of_the_revision_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    scripts = ScriptDirectory.from_config(config)
    assert scripts.get_heads() == [LATEST]  # one line of history, no forgotten branch
    chain = [s.revision for s in scripts.walk_revisions()]
    assert chain == [f"{n:04d}" for n in range(int(LATEST), 0, -1)]


def test_a_new_store_is_at_the_latest_revision_with_its_history(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    assert migrate(engine) == LATEST
    assert migrate(engine) == LATEST  # the second start does nothing
    with engine.connect() as conn:
        assert current_revision(conn) == LATEST
        history = conn.execute(sa.select(schema_version.c.version, schema_version.c.name)
                               .order_by(schema_version.c.version)).all()
    assert [v for v, _ in history] == list(range(1, int(LATEST) + 1))
    assert all(name for _, name in history)


def _legacy_store(url: str, versions: list[int]) -> sa.Engine:
    """A store as the code before Alembic left it: those steps applied, `schema_version`
    listing them, some runs, items and audit events in it."""
    engine = create_store_engine(url)
    now = SystemClock().now()
    with engine.begin() as conn:
        schema_version.create(conn)
        for version in versions:
            LEGACY[version](conn)
            conn.execute(schema_version.insert().values(version=version, name=f"v{version}",
                                                        applied_at=now))
        for n in range(3):
            conn.execute(runs.insert().values(recipe="old", state="succeeded", trigger="cli",
                                              params={}, created_at=now, attempts=1,
                                              summary={"n": n}))
            conn.execute(work_items.insert().values(
                queue="old", key=f"k{n}", state="done", payload={"n": n}, priority=0,
                attempts=1, created_at=now, updated_at=now))
    if 7 in versions:  # this code writes events as version 7 does (the old chains:
        # tests/runtime/test_audit_chain.py)
        with engine.begin() as conn:
            for n in range(5):
                audit.append(conn, ts=now, actor="old", action="run.done", subject=f"run:{n}")
    return engine


def _upgrade_legacy(url: str, versions: list[int]) -> None:
    engine = _legacy_store(url, versions)
    assert migrate(engine) == LATEST
    with engine.connect() as conn:
        assert current_revision(conn) == LATEST
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar() == 3
        assert conn.execute(sa.select(sa.func.count()).select_from(work_items)).scalar() == 3
        tables = set(sa.inspect(conn).get_table_names())
    assert {"outbox_messages", "rejected_rows", "schedules", VERSION_TABLE} <= tables
    with engine.begin() as conn:  # the chain goes on after the upgrade
        audit.append(conn, ts=SystemClock().now(), actor="new", action="run.done",
                     subject="run:9")
    result = verify(engine)
    assert result.ok, result.describe()
    engine.dispose()


def test_a_version_4_store_is_adopted_and_upgraded(tmp_path: Path) -> None:
    _upgrade_legacy(f"sqlite:///{tmp_path / 'store.db'}", [1, 2, 3, 4])


def test_a_version_7_store_with_events_is_adopted(tmp_path: Path) -> None:
    _upgrade_legacy(f"sqlite:///{tmp_path / 'store.db'}", [1, 2, 3, 4, 5, 6, 7])


@pytest.mark.postgres
def test_a_version_4_store_on_postgres_is_adopted_and_upgraded(pg_url: str) -> None:
    _upgrade_legacy(pg_url, [1, 2, 3, 4])


def test_a_legacy_version_merged_late_is_applied_before_adoption(tmp_path: Path) -> None:
    # versions 1-3 and 5 applied, 4 (the sharded audit chain) missing
    engine = _legacy_store(f"sqlite:///{tmp_path / 'store.db'}", [1, 2, 3, 5])
    assert migrate(engine) == LATEST
    with engine.connect() as conn:
        shards = conn.execute(sa.text("select count(*) from audit_head")).scalar()
    assert shards == 16


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(f"update {VERSION_TABLE} set version_num = '0999'"))
    with pytest.raises(StoreError, match="0999.*does not know"):
        migrate(engine)
    legacy = _legacy_store(f"sqlite:///{tmp_path / 'old.db'}", [1])
    with legacy.begin() as conn:
        conn.execute(schema_version.insert().values(version=42, name="future",
                                                    applied_at=SystemClock().now()))
    with pytest.raises(StoreError, match="version 42, newer than this code"):
        migrate(legacy)


def test_another_applications_alembic_database_is_not_a_store(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'theirs.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("create table alembic_version (version_num varchar(32))"))
        conn.execute(sa.text("create table customers (id integer primary key)"))
    with engine.connect() as conn, pytest.raises(NotAStore, match="not a store"):
        refuse_foreign(conn, "theirs.db")
