"""`runner.py schedule` as real processes on SQLite: it fires and executes, holds the
store's lock file against a second scheduler, records the fire times it was down for, and on
SIGTERM drains, then interrupts, leaving nothing claimed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.audit import verify
from bots.clock import as_utc
from bots.records import RunState
from bots.scheduler.claims import run_row
from bots.scheduler.leader import InstanceLock, SchedulerBusy
from bots.scheduler.state import load_all
from bots.store import open_store
from tests.scheduler.sched_helpers import (
    audit_rows,
    invoke,
    pid_alive,
    run_rows,
    start_scheduler,
    stop,
    wait_for,
)

FAST = ("--poll", "0.2", "--housekeeping-every", "0.5")


def fire_seconds(rows: list) -> list[datetime]:
    return [as_utc(r.fire_time) for r in rows if r.fire_time is not None]


def test_fires_executes_refuses_a_second_and_records_its_downtime(
        sched_env: dict[str, str], schedules_dir: Path, tmp_path: Path) -> None:
    (schedules_dir / "tick.toml").write_text(
        '[[schedule]]\nname = "tick"\nrecipe = "sched_ok"\ntrigger = { every = "1s" }\n'
        'catch_up = { policy = "skip", late_after = "1s" }\ntimeout = "1m"\n')
    engine = open_store()

    def succeeded_after(moment: datetime) -> list:
        return [r for r in run_rows(engine, "tick")
                if r.state == RunState.SUCCEEDED and as_utc(r.fire_time) > moment]

    first = start_scheduler(sched_env, tmp_path / "first.log", "--dir", str(schedules_dir), *FAST)
    wait_for(lambda: succeeded_after(datetime.min.replace(tzinfo=UTC)),
             what="a run executed by the first scheduler")
    with pytest.raises(SchedulerBusy, match=f"another scheduler \\(pid {first.pid}\\)"):
        InstanceLock(Path(sched_env["RPA_DATA_DIR"]) / "scheduler.lock").acquire()
    assert stop(first) == [0]
    stopped_at = max(fire_seconds(run_rows(engine, "tick")))

    # down across at least three fire times, then back
    wait_for(lambda: datetime.now(UTC) > stopped_at + timedelta(seconds=3.5),
             what="three fire times to pass", every=0.1)
    again = start_scheduler(sched_env, tmp_path / "again.log", "--dir", str(schedules_dir), *FAST)
    restarted = stopped_at + timedelta(seconds=3)
    wait_for(lambda: [r for r in run_rows(engine, "tick") if as_utc(r.fire_time) > restarted],
             what="fire times after the restart")
    assert stop(again) == [0]

    rows = run_rows(engine, "tick")
    times = fire_seconds(rows)
    assert times == sorted(set(times)), "one row per fire time"
    assert all(b - a == timedelta(seconds=1) for a, b in zip(times, times[1:], strict=False)), \
        "no fire time without a row"
    gap = [r for r in rows if stopped_at < as_utc(r.fire_time) <= restarted]
    assert len(gap) >= 3 and all(r.state == RunState.MISSED for r in gap)
    assert all("not running" in r.error for r in gap)
    assert not [r for r in rows if r.state == RunState.RUNNING]
    assert verify(engine).ok


def test_sigterm_drains_then_interrupts_and_leaves_nothing_claimed(
        sched_env: dict[str, str], schedules_dir: Path, tmp_path: Path) -> None:
    (schedules_dir / "long.toml").write_text(
        '[[schedule]]\nname = "long"\nrecipe = "sched_sleep"\nparams = { seconds = 120 }\n'
        'trigger = { cron = "0 3 * * *" }\ntimeout = "10m"\n')
    assert invoke("schedules", "--sync", "--dir", str(schedules_dir)).exit_code == 0
    scheduler = start_scheduler(sched_env, tmp_path / "s.log", "--dir", str(schedules_dir),
                                "--drain", "1", *FAST)
    assert "queued run 1" in invoke("trigger", "long", "--no-wait").output
    log = Path(sched_env["RPA_DATA_DIR"]) / "runs" / "1" / "run.log.jsonl"
    wait_for(lambda: log.exists() and "tick" in log.read_text(), what="run 1 working")
    assert "queued run 2" in invoke("trigger", "long", "--no-wait").output  # waits its turn
    # an edit of the files while it runs is synced (and audited) by the running scheduler
    (schedules_dir / "more.toml").write_text(
        '[[schedule]]\nname = "added-live"\nrecipe = "sched_ok"\ntrigger = { every = "1h" }\n')
    wait_for(lambda: "added-live" in load_all(open_store()), what="the edit synced")
    assert [e.subject for e in audit_rows(open_store(), "schedule.added")][-1] == \
        "schedule:added-live"
    child = run_row(open_store(), 1)["pid"]

    assert stop(scheduler) == [0]
    first, second = run_row(open_store(), 1), run_row(open_store(), 2)
    assert first["state"] == RunState.INTERRUPTED and first["ended_at"] is not None
    assert second["state"] == RunState.QUEUED and second["started_at"] is None  # not claimed
    assert not [r for r in run_rows(open_store()) if r.state == RunState.RUNNING]
    assert not pid_alive(child)
    (event,) = audit_rows(open_store(), "run.interrupted")
    assert "run.log.jsonl" in json.loads(event.data)["files"]
    assert verify(open_store()).ok
