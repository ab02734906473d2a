"""Tamper evidence: one changed byte, a deleted row, two rows swapped: verify names the place."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from bots import execute
from bots.audit import export_checkpoint, verify
from bots.clock import SystemClock
from bots.store import open_store
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


def test_truncated_tail_is_found_with_a_checkpoint(test_recipes: dict[str, str],
                                                   tmp_path: Path) -> None:
    engine = _three_runs()
    mark = tmp_path / "outside" / "checkpoint.json"
    export_checkpoint(engine, mark, now=SystemClock().now())
    with engine.begin() as conn:
        last = conn.execute(sa.text("select max(id) from audit_events")).scalar()
        conn.execute(sa.text("delete from audit_events where id = :id"), {"id": last})
        conn.execute(sa.text("update audit_head set last_id = last_id - 1, count = count - 1, "
                             "last_hash = (select hash from audit_events order by id desc limit 1)"))
    assert verify(engine).ok  # consistent without the checkpoint...
    result = verify(engine, checkpoint=mark)
    assert not result.ok and "tail deleted" in (result.problem or "")
