"""Tamper evidence: one changed byte, a deleted row, two rows swapped: verify names the place."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from bots import audit, execute
from bots.audit import _legacy_digest, canonical_json, export_checkpoint, verify
from bots.clock import SystemClock
from bots.store import create_store_engine, migrate, open_store
from bots.store.migrate import GENESIS_HASH, LATEST
from tests.helpers import run_cli


def _three_runs() -> sa.Engine:
    for who in ("a", "b", "c"):
        assert execute("greet", {"who": who}).ok
    engine = open_store()
    assert verify(engine).ok
    return engine


def test_chain_intact_through_the_cli(test_recipes: dict[str, str]) -> None:
    _three_runs()
    result = run_cli("audit", "verify", env=test_recipes)
    assert result.returncode == 0 and "intact" in result.stdout


def test_one_changed_byte_is_found(test_recipes: dict[str, str]) -> None:
    engine = _three_runs()
    with engine.begin() as conn:
        conn.execute(sa.text("update audit_events set data = replace(data, '\"b\"', '\"B\"') "
                             "where id = 4"))
    result = verify(engine)
    assert not result.ok and result.broken_at == 4 and "altered" in (result.problem or "")
    cli = run_cli("audit", "verify", env=test_recipes)
    assert cli.returncode == 1 and "event 4" in cli.stdout


def test_deleted_row_is_found(test_recipes: dict[str, str]) -> None:
    engine = _three_runs()
    with engine.begin() as conn:
        conn.execute(sa.text("delete from audit_events where id = 3"))
    result = verify(engine)
    assert not result.ok and result.broken_at == 3 and "missing" in (result.problem or "")


def test_swapped_rows_are_found(test_recipes: dict[str, str]) -> None:
    engine = _three_runs()
    with engine.begin() as conn:
        rows = {r.id: r for r in conn.execute(sa.text("select * from audit_events "
                                                      "where id in (5, 6)"))}
        for target, source in ((5, 6), (6, 5)):
            r = rows[source]
            conn.execute(sa.text("update audit_events set ts=:ts, actor=:actor, action=:action, "
                                 "subject=:subject, data=:data, prev_hash=:prev, hash=:hash "
                                 "where id=:id"),
                         dict(ts=r.ts, actor=r.actor, action=r.action, subject=r.subject,
                              data=r.data, prev=r.prev_hash, hash=r.hash, id=target))
    result = verify(engine)
    assert not result.ok and result.broken_at == 5


def _drop_tail_of_shard_of(engine: sa.Engine, event_id: int) -> int:
    """Delete the last event of `event_id`'s shard and rewind that shard's head row to the
    event before it, as a careful forger would: returns the deleted event's id."""
    with engine.begin() as conn:
        shard = conn.execute(sa.text("select shard from audit_events where id = :id"),
                             {"id": event_id}).scalar_one()
        last = conn.execute(sa.text("select id from audit_events where shard = :s "
                                    "order by seq desc limit 1"), {"s": shard}).scalar_one()
        conn.execute(sa.text("delete from audit_events where id = :id"), {"id": last})
        conn.execute(sa.text(
            "update audit_head set last_seq = last_seq - 1, count = count - 1, "
            "last_id = (select id from audit_events where shard = :s order by seq desc limit 1), "
            "last_hash = (select hash from audit_events where shard = :s order by seq desc limit 1) "
            "where shard = :s"), {"s": shard})
    return int(last)


@pytest.mark.parametrize("which", ["the newest event's shard", "the oldest event's shard"])
def test_truncated_tail_is_found_with_a_checkpoint(test_recipes: dict[str, str],
                                                   tmp_path: Path, which: str) -> None:
    engine = _three_runs()
    mark = tmp_path / "outside" / "checkpoint.json"
    export_checkpoint(engine, mark, now=SystemClock().now())
    with engine.connect() as conn:
        target = conn.execute(sa.text("select max(id), min(id) from audit_events")).one()
    deleted = _drop_tail_of_shard_of(engine, target[0] if "newest" in which else target[1])
    assert verify(engine).ok  # consistent without the checkpoint...
    result = verify(engine, checkpoint=mark)
    assert not result.ok and "tail deleted" in (result.problem or "")
    assert result.broken_at == deleted and f"event {deleted} (shard " in (result.problem or "")


def test_an_event_moved_to_another_shard_is_found(test_recipes: dict[str, str]) -> None:
    engine = _three_runs()
    with engine.begin() as conn:
        conn.execute(sa.text("update audit_events set shard = shard + 1 where id = 9"))
    result = verify(engine)
    assert not result.ok and result.broken_at is not None and result.broken_at <= 9


def test_appends_from_four_threads_on_sqlite_make_one_chain_per_shard(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    _append_from_threads(engine)


@pytest.mark.postgres
def test_appends_from_four_threads_on_postgres_make_one_chain_per_shard(pg_url: str) -> None:
    engine = create_store_engine(pg_url)
    migrate(engine)
    _append_from_threads(engine)


def _append_from_threads(engine: sa.Engine, threads: int = 4, each: int = 60) -> None:
    now = SystemClock().now()

    def work(n: int) -> None:
        for i in range(each):
            with engine.begin() as conn:
                audit.append(conn, ts=now, actor=f"t{n}", action="test.event",
                             subject=f"item:{i % 10}", data={"thread": n, "i": i})

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    result = verify(engine)
    assert result.ok, result.describe()
    assert result.checked == threads * each
    with engine.connect() as conn:
        shards = conn.execute(sa.text("select count(distinct shard) from audit_events")).scalar()
    assert shards > 1
    engine.dispose()


# The audit tables as created before migration 4: one chain, one head row.
_old = sa.MetaData()
_old_events = sa.Table(
    "audit_events", _old,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
_old_head = sa.Table(
    "audit_head", _old,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_id", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
)


def _version_3_store(url: str, events: int) -> tuple[sa.Engine, str]:
    """A store as the code before migration 4 left it, with `events` chained events."""
    engine = create_store_engine(url)
    migrate(engine)
    now = SystemClock().now()
    with engine.begin() as conn:
        conn.execute(sa.text("drop table audit_events"))
        conn.execute(sa.text("drop table audit_head"))
        conn.execute(sa.text("drop table rpa_schema_revision"))  # made before Alembic
        conn.execute(sa.text("delete from schema_version where version >= 4"))
        _old.create_all(conn)
        prev = GENESIS_HASH
        for n in range(1, events + 1):
            subject, data = f"run:{n % 3}", canonical_json({"n": n})
            digest = _legacy_digest(prev, n, now, "old", "run.done", subject, data)
            conn.execute(_old_events.insert().values(
                id=n, ts=now, actor="old", action="run.done", subject=subject, data=data,
                prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(_old_head.insert().values(id=1, last_id=events, last_hash=prev,
                                               count=events))
    return engine, prev


def _upgrade_and_verify(url: str, tmp_path: Path) -> None:
    engine, _ = _version_3_store(url, 5)
    old_mark = tmp_path / "old-checkpoint.json"
    old_mark.write_text(json.dumps({"last_id": 5, "last_hash": _}))
    engine.dispose()
    engine = create_store_engine(url)
    assert migrate(engine) == LATEST  # up to the newest, whatever later migrations add
    result = verify(engine, checkpoint=old_mark)
    assert result.ok and result.checked == 5, result.describe()
    now = SystemClock().now()
    with engine.begin() as conn:  # new events: shard 0 continues after the old chain
        for n in range(40):
            audit.append(conn, ts=now, actor="new", action="run.done", subject=f"run:{n}")
    result = verify(engine, checkpoint=old_mark)
    assert result.ok and result.checked == 45, result.describe()
    with engine.connect() as conn:
        ids = [r.id for r in conn.execute(sa.text("select id from audit_events order by id"))]
    assert ids == list(range(1, 46))  # the id sequence carries on after the old ids
    with engine.begin() as conn:
        conn.execute(sa.text("update audit_events set actor = 'forger' where id = 3"))
    result = verify(engine)
    assert not result.ok and result.broken_at == 3 and "altered" in (result.problem or "")
    engine.dispose()


def test_a_version_3_store_upgrades_and_verifies(tmp_path: Path) -> None:
    _upgrade_and_verify(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)


@pytest.mark.postgres
def test_a_version_3_store_upgrades_and_verifies_on_postgres(pg_url: str,
                                                              tmp_path: Path) -> None:
    _upgrade_and_verify(pg_url, tmp_path)
