"""Housekeeping: runs whose process is gone are closed `interrupted` (nothing stays
claimed after a crash); expired work-item leases go back to pending; options refuse
nonsense; a run that was never claimed is not started by `run-queued`."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from bots.records import RunState
from bots.scheduler.claims import claim_next, run_row
from bots.scheduler.firing import insert_run
from bots.scheduler.housekeeping import close_orphaned_runs, reclaim_expired_leases
from bots.scheduler.service import ServiceOptions
from bots.store import open_store
from bots.store.schema import runs, work_items
from tests.scheduler.sched_helpers import audit_rows, install, invoke

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def running_run(engine: object, schedule: object, *, host: str, pid: int,
                beat: datetime) -> int:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        run_id = insert_run(conn, schedule, state=RunState.QUEUED, trigger="manual",
                            fire_time=None, now=beat, code_hash=None)
        conn.execute(runs.update().where(runs.c.id == run_id).values(
            state=RunState.RUNNING, host=host, pid=pid, heartbeat_at=beat, started_at=beat))
    return run_id


def test_runs_whose_process_is_gone_are_closed_interrupted(sched_env: dict[str, str]) -> None:
    engine = open_store()
    schedule = install(engine, NOW, name="s", trigger={"every": "1m"}, max_concurrent=9).schedule
    here = socket.gethostname()
    crashed = running_run(engine, schedule, host=here, pid=dead_pid(), beat=NOW)
    alive = running_run(engine, schedule, host=here, pid=os.getpid(), beat=NOW)
    remote_silent = running_run(engine, schedule, host="elsewhere", pid=1,
                                beat=NOW - timedelta(minutes=6))
    remote_fresh = running_run(engine, schedule, host="elsewhere", pid=1,
                               beat=NOW - timedelta(seconds=30))
    mine = running_run(engine, schedule, host=here, pid=dead_pid(), beat=NOW)

    closed = close_orphaned_runs(engine, NOW + timedelta(seconds=10), own={mine})
    assert sorted(closed) == [crashed, remote_silent]
    assert run_row(engine, crashed)["state"] == RunState.INTERRUPTED
    assert "is gone" in run_row(engine, crashed)["error"]
    assert "no heartbeat from elsewhere" in run_row(engine, remote_silent)["error"]
    for untouched in (alive, remote_fresh, mine):
        assert run_row(engine, untouched)["state"] == RunState.RUNNING


def test_expired_leases_go_back_to_pending(sched_env: dict[str, str]) -> None:
    engine = open_store()
    with engine.begin() as conn:
        for key, expires in (("late", NOW - timedelta(seconds=1)),
                             ("held", NOW + timedelta(minutes=1))):
            conn.execute(work_items.insert().values(
                queue="q", key=key, payload={}, priority=0, state="in_progress", attempts=1,
                created_at=NOW, updated_at=NOW, lease_owner="w", lease_expires_at=expires))
    assert reclaim_expired_leases(engine, NOW) == 1
    with engine.connect() as conn:
        states = dict(conn.execute(work_items.select().with_only_columns(
            work_items.c.key, work_items.c.state)).all())
    assert states == {"late": "pending", "held": "in_progress"}
    (event,) = audit_rows(engine, "item.lease_expired")
    assert event.subject == "item:q/late" and event.actor.startswith("housekeeping ")
    assert reclaim_expired_leases(engine, NOW) == 0


def test_max_concurrent_holds_back_a_claim(sched_env: dict[str, str]) -> None:
    engine = open_store()
    schedule = install(engine, NOW, name="one", trigger={"every": "1m"}).schedule
    with engine.begin() as conn:
        first = insert_run(conn, schedule, state=RunState.QUEUED, trigger="manual",
                           fire_time=None, now=NOW, code_hash=None)
        insert_run(conn, schedule, state=RunState.QUEUED, trigger="manual", fire_time=None,
                   now=NOW, code_hash=None)
    claimed = claim_next(engine, NOW)
    assert claimed is not None and claimed.id == first
    assert claim_next(engine, NOW) is None  # one of `one` runs at a time
    (event,) = audit_rows(engine, "run.claimed")
    assert event.subject == f"run:{first}"


@pytest.mark.parametrize("options", [{"workers": -1}, {"poll": 0}, {"drain": -1},
                                     {"fire": False, "workers": 0}])
def test_service_options_refuse_nonsense(options: dict) -> None:
    with pytest.raises(ValueError):
        ServiceOptions(**options)


def test_run_queued_refuses_a_run_that_was_not_claimed(sched_env: dict[str, str]) -> None:
    engine = open_store()
    schedule = install(engine, NOW, name="q", trigger={"every": "1m"}).schedule
    with engine.begin() as conn:
        run_id = insert_run(conn, schedule, state=RunState.QUEUED, trigger="manual",
                            fire_time=None, now=NOW, code_hash=None)
    assert invoke("run-queued", str(run_id)).exit_code == 3
    assert run_row(engine, run_id)["state"] == RunState.QUEUED
