"""Scheduler down across K fire times: each catch-up policy runs what it promises and
records every other fire time as a `missed` run, with the reason (injected clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bots import FrozenClock
from bots.audit import verify
from bots.clock import as_utc
from bots.records import RunState
from bots.scheduler.catchup import plan
from bots.scheduler.firing import SCHEDULE_TRIGGER, _record, fire_due
from bots.scheduler.model import CatchUp
from bots.scheduler.state import load_one, pause, resume
from bots.store import open_store
from tests.scheduler.sched_helpers import audit_rows, install, run_rows

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_plan_known_answers() -> None:
    due = [minute(n) for n in range(1, 6)]
    now = minute(5) + timedelta(seconds=30)  # minute 5 is on time, 1..4 late
    policy = CatchUp(policy="latest", grace=timedelta(minutes=10),
                     late_after=timedelta(minutes=1))
    decided = plan(due, now, policy)
    assert decided.run == (minute(5),)  # the on-time one: no late one runs beside it
    assert [t for t, _ in decided.missed] == [minute(n) for n in range(1, 5)]
    skip = plan(due, now, CatchUp(policy="skip", late_after=timedelta(minutes=1)))
    assert skip.run == (minute(5),) and len(skip.missed) == 4


@pytest.mark.parametrize(("catch_up", "ran", "missed"), [
    ({"policy": "skip"}, [], [2, 3, 4, 5, 6]),
    ({"policy": "latest", "grace": "3m"}, [6], [2, 3, 4, 5]),
    ({"policy": "latest", "grace": "20s"}, [], [2, 3, 4, 5, 6]),
    ({"policy": "all", "limit": 2, "grace": "3m"}, [4, 5], [2, 3, 6]),
    ({"policy": "all", "limit": 9, "grace": "10m"}, [2, 3, 4, 5, 6], []),
])
def test_down_across_five_fire_times(sched_env: dict[str, str], catch_up: dict, ran: list[int],
                                     missed: list[int]) -> None:
    clock = FrozenClock(T0)
    engine = open_store()
    install(engine, clock.now(), name="every-minute", trigger={"every": "1m"}, max_concurrent=9,
            catch_up={**catch_up, "late_after": "10s"})
    clock.advance(minutes=1, seconds=1)
    report = fire_due(engine, load_one(engine, "every-minute"), clock.now(), code_hash=None)
    assert len(report.queued) == 1  # minute 1, on time
    clock.advance(minutes=5, seconds=29)  # down: minutes 2..6 pass unseen; now 6m30s
    report = fire_due(engine, load_one(engine, "every-minute"), clock.now(), code_hash=None)
    rows = run_rows(engine, "every-minute")[1:]
    by_state = {state: [int((as_utc(r.fire_time) - T0).total_seconds() // 60)
                        for r in rows if r.state == state]
                for state in (RunState.QUEUED, RunState.MISSED)}
    assert by_state == {RunState.QUEUED: ran, RunState.MISSED: missed}
    assert len(report.queued) == len(ran) and len(report.missed) == len(missed)
    for row in rows:
        assert row.trigger == SCHEDULE_TRIGGER
        if row.state == RunState.MISSED:
            assert row.error.startswith("missed:") and row.ended_at is not None
    assert len(audit_rows(engine, "run.missed")) == len(missed)
    assert verify(engine).ok
    # looking again changes nothing: every fire time has its one row
    fire_due(engine, load_one(engine, "every-minute"), clock.now(), code_hash=None)
    assert len(run_rows(engine, "every-minute")) == 1 + len(ran) + len(missed)


def test_an_on_time_fire_behind_a_waiting_run_is_missed_not_piled_up(
        sched_env: dict[str, str]) -> None:
    clock = FrozenClock(T0)
    engine = open_store()
    install(engine, clock.now(), name="overlap", trigger={"every": "1m"})
    for _ in range(3):
        clock.advance(minutes=1)
        fire_due(engine, load_one(engine, "overlap"), clock.now(), code_hash=None)
    states = [(r.state, r.error) for r in run_rows(engine, "overlap")]
    assert states[0] == (RunState.QUEUED, None)
    assert [s for s, _ in states[1:]] == [RunState.MISSED, RunState.MISSED]
    assert "still waiting" in states[1][1]


def test_a_second_scheduler_firing_the_same_time_is_not_an_error(
        sched_env: dict[str, str]) -> None:
    engine = open_store()
    stored = install(engine, T0, name="twice", trigger={"every": "1m"})
    first = _record(engine, stored.schedule, minute(1), None, minute(1), None, True)
    second = _record(engine, stored.schedule, minute(1), None, minute(1), None, True)
    assert isinstance(first, int) and second is None
    assert len(run_rows(engine, "twice")) == 1


def test_paused_time_is_not_missed_and_new_schedules_start_now(sched_env: dict[str, str]) -> None:
    clock = FrozenClock(T0 + timedelta(seconds=30))
    engine = open_store()
    install(engine, clock.now(), name="pausable", trigger={"every": "1m"},
            catch_up={"policy": "skip"})
    assert pause(engine, "pausable", clock.now())
    clock.advance(minutes=10)
    report = fire_due(engine, load_one(engine, "pausable"), clock.now(), code_hash=None)
    assert not report.queued and not report.missed
    assert resume(engine, "pausable", clock.now())
    clock.advance(seconds=31)  # minute 11 is due, on time
    fire_due(engine, load_one(engine, "pausable"), clock.now(), code_hash=None)
    rows = run_rows(engine, "pausable")
    assert [(as_utc(r.fire_time), r.state) for r in rows] == [(minute(11), RunState.QUEUED)]


def test_missed_rows_beyond_the_cap_are_counted_in_one_event(
        sched_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bots.scheduler.firing.MAX_MISSED_ROWS", 3)
    clock = FrozenClock(T0)
    engine = open_store()
    install(engine, clock.now(), name="capped", trigger={"every": "1m"},
            catch_up={"policy": "skip", "late_after": "10s"})
    clock.advance(minutes=10, seconds=30)
    report = fire_due(engine, load_one(engine, "capped"), clock.now(), code_hash=None)
    assert len(report.missed) == 3 and report.unrecorded_missed == 7
    assert [as_utc(r.fire_time) for r in run_rows(engine, "capped")] == [
        minute(8), minute(9), minute(10)]  # the newest; the next pass goes on from 10
    (event,) = audit_rows(engine, "schedule.missed_unrecorded")
    assert '"count":7' in event.data
