"""Several scheduler processes on one PostgreSQL store: exactly one run per fire time,
and housekeeping moves to another process when its lock holder is killed."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bots.audit import verify
from bots.clock import as_utc
from bots.records import RunState
from bots.store import open_store
from bots.store.schema import work_items
from tests.scheduler.sched_helpers import audit_rows, run_rows, start_scheduler, stop, wait_for

pytestmark = pytest.mark.postgres
FAST = ("--poll", "0.2", "--housekeeping-every", "0.3")


def pid_of(actor: str) -> int:
    return int(actor.rsplit(":", 1)[1])


def started(log: Path) -> bool:
    return log.exists() and "scheduler started" in log.read_text()


def test_three_schedulers_fire_each_time_exactly_once(pg_url: str, sched_env: dict[str, str],
                                                      schedules_dir: Path,
                                                      tmp_path: Path) -> None:
    # One run at a time: fire times behind a waiting run become `missed` rows, which
    # keeps the machine free for the three schedulers while every fire time gets a row.
    (schedules_dir / "burst.toml").write_text(
        '[[schedule]]\nname = "burst"\nrecipe = "sched_ok"\ntrigger = { every = "1s" }\n'
        'catch_up = { policy = "all", limit = 100, late_after = "5s" }\n')
    env = {**sched_env, "RPA_STORE__URL": pg_url}
    logs = [tmp_path / f"s{n}.log" for n in range(3)]
    processes = [start_scheduler(env, log, "--dir", str(schedules_dir), "--drain", "2", *FAST)
                 for log in logs]
    engine = open_store()
    try:
        wait_for(lambda: all(started(log) for log in logs), what="three schedulers started")
        all_up = datetime.now(UTC)
        wait_for(lambda: len([r for r in run_rows(engine, "burst")
                              if as_utc(r.fire_time) > all_up]) >= 6,
                 what="six fire times with all three schedulers up")
    finally:
        codes = stop(*processes)
    assert codes == [0, 0, 0]

    rows = run_rows(engine, "burst")
    times = [as_utc(r.fire_time) for r in rows]
    assert len(times) == len(set(times)), "a fire time with two runs"
    ordered = sorted(times)
    assert all(b - a == timedelta(seconds=1) for a, b in zip(ordered, ordered[1:], strict=False))
    assert not [r for r in rows if r.state == RunState.RUNNING]
    executed = [r for r in rows if r.state not in (RunState.QUEUED, RunState.MISSED)]
    # a run still going when the drain period ended is interrupted, not left claimed
    assert {r.state for r in executed} <= {RunState.SUCCEEDED, RunState.INTERRUPTED}
    assert RunState.SUCCEEDED in {r.state for r in executed}
    claimed = [e.subject for e in audit_rows(engine, "run.claimed")]
    assert sorted(claimed) == sorted(f"run:{r.id}" for r in executed)  # each by one worker
    began = [e.subject for e in audit_rows(engine, "run.running")]
    assert len(began) == len(set(began)) and set(began) <= set(claimed)
    firing = {pid_of(e.actor) for e in audit_rows(engine) if e.action in ("run.queued",
                                                                          "run.missed")}
    assert firing <= {p.pid for p in processes}
    assert verify(engine).ok


def test_killing_the_lock_holder_hands_housekeeping_over(pg_url: str, sched_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    env = {**sched_env, "RPA_STORE__URL": pg_url}
    processes = {}
    for n in range(3):
        process = start_scheduler(env, tmp_path / f"h{n}.log", "--no-sync", "--workers", "0",
                                  *FAST)
        processes[process.pid] = process
    engine = open_store()
    try:
        first = wait_for(lambda: audit_rows(engine, "scheduler.leader"), what="a leader")
        leader = pid_of(first[0].actor)
        assert leader in processes
        os.kill(leader, signal.SIGKILL)
        processes.pop(leader).wait()
        now = datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(work_items.insert().values(
                queue="q", key="k1", payload={}, priority=0, state="in_progress", attempts=1,
                created_at=now, updated_at=now, lease_owner=f"dead:{leader}",
                lease_expires_at=now - timedelta(seconds=1)))
        leaders = wait_for(lambda: [e for e in audit_rows(engine, "scheduler.leader")
                                    if pid_of(e.actor) != leader], what="a new leader")
        assert pid_of(leaders[0].actor) in processes
        wait_for(lambda: _state(engine, "k1") == "pending", what="the lease reclaimed")
        (reclaimed,) = audit_rows(engine, "item.lease_expired")
        assert pid_of(reclaimed.actor) == pid_of(leaders[0].actor)
        assert reclaimed.subject == "item:q/k1"
        assert len(audit_rows(engine, "scheduler.leader")) == 2  # one handover, no flapping
    finally:
        codes = stop(*processes.values())
    assert codes == [0, 0]
    assert verify(engine).ok


def _state(engine: sa.Engine, key: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.select(work_items.c.state).where(
            work_items.c.key == key)).scalar())
