"""DST in Europe/Madrid: a daily 02:30 fires once on each transition night, at the
documented instants (spring-forward: when the clocks jump, 03:00 CEST; fall-back: the
first 02:30, still CEST), through the trigger, APScheduler's alarm and the firing path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bots import FrozenClock
from bots.clock import as_utc
from bots.records import RunState
from bots.scheduler.firing import fire_due
from bots.scheduler.service import _Alarm
from bots.scheduler.state import load_one
from bots.scheduler.triggers import CronTrigger
from bots.store import open_store
from tests.scheduler.sched_helpers import install, run_rows

MADRID = ZoneInfo("Europe/Madrid")
SPRING = [datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 02:30 CET
          datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 02:30 does not exist: 03:00 CEST
          datetime(2026, 3, 30, 0, 30, tzinfo=UTC)]  # 02:30 CEST
AUTUMN = [datetime(2026, 10, 24, 0, 30, tzinfo=UTC),  # 02:30 CEST
          datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # first of two 02:30s (CEST) only
          datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]  # 02:30 CET


def fire_times(trigger: CronTrigger, start: datetime, count: int) -> list[datetime]:
    found, after = [], start
    for _ in range(count):
        after = trigger.next_after(after)
        found.append(after)
    return found


@pytest.mark.parametrize(("start", "expected"), [
    (datetime(2026, 3, 27, 12, tzinfo=UTC), SPRING),
    (datetime(2026, 10, 23, 12, tzinfo=UTC), AUTUMN),
])
def test_daily_0230_fires_once_per_night(start: datetime, expected: list[datetime]) -> None:
    trigger = CronTrigger("30 2 * * *", "Europe/Madrid")
    assert fire_times(trigger, start, 3) == expected
    alarm, previous, rung = _Alarm(trigger), None, []
    for _ in range(3):  # APScheduler asks the same objects
        previous = alarm.get_next_fire_time(previous, start)
        rung.append(previous)
    assert rung == expected


def test_spring_forward_gap_fires_at_the_jump_in_local_time() -> None:
    trigger = CronTrigger("30 2 * * *", "Europe/Madrid")
    jump = trigger.next_after(datetime(2026, 3, 28, 12, tzinfo=UTC)).astimezone(MADRID)
    assert (jump.hour, jump.minute, jump.utcoffset()) == (3, 0, timedelta(hours=2))


def test_several_wall_times_in_the_gap_fire_once_together() -> None:
    trigger = CronTrigger("0,20,40 2 * * *", "Europe/Madrid")
    times = fire_times(trigger, datetime(2026, 3, 28, 12, tzinfo=UTC), 4)
    assert times == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                     datetime(2026, 3, 30, 0, 0, tzinfo=UTC),
                     datetime(2026, 3, 30, 0, 20, tzinfo=UTC),
                     datetime(2026, 3, 30, 0, 40, tzinfo=UTC)]


def test_fall_back_hourly_cron_skips_the_repeated_hour_once() -> None:
    trigger = CronTrigger("30 * * * *", "Europe/Madrid")
    times = fire_times(trigger, datetime(2026, 10, 24, 23, 0, tzinfo=UTC), 4)
    # 01:30 CEST, 02:30 CEST, (02:30 CET is the same wall time: not again), 03:30 CET
    assert times == [datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
                     datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                     datetime(2026, 10, 25, 2, 30, tzinfo=UTC),
                     datetime(2026, 10, 25, 3, 30, tzinfo=UTC)]


@pytest.mark.parametrize(("start", "expected"), [
    (datetime(2026, 3, 28, 0, 0, tzinfo=UTC), SPRING),
    (datetime(2026, 10, 23, 23, 0, tzinfo=UTC), AUTUMN),
])
def test_firing_path_records_one_run_per_night(sched_env: dict[str, str], start: datetime,
                                               expected: list[datetime]) -> None:
    clock = FrozenClock(start)
    engine = open_store()
    # nothing executes the queued runs here: allow them to wait side by side
    install(engine, clock.now(), name="nightly", trigger={"cron": "30 2 * * *"},
            catch_up={"late_after": "15m"}, max_concurrent=5)
    while clock.now() < start + timedelta(hours=72):
        clock.advance(minutes=10)  # a scheduler looking every ten minutes for three days
        fire_due(engine, load_one(engine, "nightly"), clock.now(), code_hash=None)
    rows = run_rows(engine, "nightly")
    assert [as_utc(row.fire_time) for row in rows] == expected
    assert {row.state for row in rows} == {RunState.QUEUED}
