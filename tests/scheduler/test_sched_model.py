"""Schedules as typed objects: bad values are refused with file, schedule and key named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.scheduler.cron import parse_cron
from bots.scheduler.durations import format_duration, parse_duration
from bots.scheduler.loading import load_dir, load_file, schedule_from_dict
from bots.scheduler.model import CatchUp, ScheduleError
from bots.scheduler.triggers import IntervalTrigger
from bots.settings import PROJECT_ROOT

BASE = {"name": "s", "recipe": "smoke", "trigger": {"cron": "0 3 * * *"}}


def parse(**changes: object) -> object:
    return schedule_from_dict({**BASE, **changes}, default_timezone="Europe/Madrid",
                              file="x.toml")


@pytest.mark.parametrize(("text", "expected"), [
    ("90s", timedelta(seconds=90)), ("1h30m", timedelta(hours=1, minutes=30)),
    ("2d", timedelta(days=2)), ("0.5s", timedelta(milliseconds=500)),
    ("250ms", timedelta(milliseconds=250)),
])
def test_durations_round_trip(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("bad", [60, "60", "1x", "m", "", "1h 30", True])
def test_durations_need_a_unit(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_zero_interval_is_an_error_not_one_second() -> None:
    with pytest.raises(ScheduleError, match=r"x.toml: schedule 's': trigger: .*positive"):
        parse(trigger={"every": "0s"})
    with pytest.raises(ValueError, match="positive"):
        IntervalTrigger(timedelta(0))


def test_weekday_numbers_are_crontabs_and_names_are_unambiguous() -> None:
    sunday = 6  # Python's weekday()
    assert parse_cron("0 9 * * 0").weekdays == {sunday}
    assert parse_cron("0 9 * * 7").weekdays == {sunday}
    assert parse_cron("0 9 * * sun").weekdays == {sunday}
    assert parse_cron("0 9 * * 1").weekdays == {0}  # Monday, not Tuesday (APScheduler #286)
    assert parse_cron("0 9 * * mon-fri").weekdays == {0, 1, 2, 3, 4}
    assert parse_cron("0 9 * * 0-2").weekdays == {sunday, 0, 1}


@pytest.mark.parametrize(("changes", "message"), [
    ({"trigger": {"cron": "0 9 1 * mon"}}, "not both"),
    ({"trigger": {"cron": "0 3 30 2 *"}}, "never fires"),
    ({"trigger": {"cron": "61 3 * * *"}}, "0-59"),
    ({"trigger": {"cron": "0 3 * * *", "timezone": "Mars/Olympus"}}, "unknown time zone"),
    ({"trigger": {"cron": "0 3 * * *", "every": "1h"}}, "exactly one"),
    ({"trigger": {"at": "2026-03-01T09:00:00", "every": "1h"}}, "exactly one"),
    ({"timout": "1m"}, "unknown key"),
    ({"timeout": 600}, "unit"),
    ({"timeout": "0s"}, "timeout must be positive"),
    ({"max_concurrent": 0}, "max_concurrent"),
    ({"max_concurrent": True}, "whole number"),
    ({"park_after": 0}, "park_after"),
    ({"catch_up": {"policy": "all"}}, "needs `limit`"),
    ({"catch_up": {"policy": "latest", "limit": 2}}, "only applies"),
    ({"catch_up": {"policy": "sometimes"}}, "skip, latest or all"),
    ({"catch_up": {"grace": "0s"}}, "grace must be positive"),
    ({"notify": {"on": ["exploded"]}}, "unknown event"),
    ({"notify": {"email": ["not an address"]}}, "not a mail address"),
    ({"retry": {"attempts": 0}}, "attempts"),
    ({"name": "has space"}, "name"),
    ({"params": "rows=3"}, "table"),
])
def test_bad_values_are_refused_and_located(changes: dict, message: str) -> None:
    with pytest.raises(ScheduleError, match=message) as caught:
        parse(**changes)
    assert str(caught.value).startswith("x.toml")


def test_canonical_form_parses_back_to_the_same_schedule() -> None:
    schedule = parse(trigger={"every": "15m", "start": "2026-01-05T08:00:00+01:00"},
                     catch_up={"policy": "all", "limit": 3, "grace": "2h"},
                     retry={"attempts": 3, "initial": "10s"}, params={"rows": 3},
                     notify={"email": ["ops@example.com"]}, owner="me")
    again = schedule_from_dict(schedule.to_dict(), default_timezone="UTC")
    assert again == schedule and again.digest() == schedule.digest()
    assert schedule.to_dict()["trigger"] == {"every": "15m",
                                             "start": "2026-01-05T07:00:00+00:00"}


def test_default_time_zone_is_written_into_the_definition() -> None:
    assert parse().to_dict()["trigger"] == {"cron": "0 3 * * *", "timezone": "Europe/Madrid"}


def test_local_date_trigger_is_read_in_its_zone() -> None:
    schedule = parse(trigger={"at": datetime(2026, 7, 1, 9, 0), "timezone": "Europe/Madrid"})
    assert schedule.trigger.next_after(datetime(2026, 1, 1, tzinfo=UTC)) == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC)
    assert schedule.trigger.next_after(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) is None


def test_interval_counts_from_a_fixed_epoch_so_processes_agree() -> None:
    trigger = IntervalTrigger(timedelta(minutes=15))
    after = datetime(2026, 5, 4, 10, 7, 31, tzinfo=UTC)
    assert trigger.next_after(after) == datetime(2026, 5, 4, 10, 15, tzinfo=UTC)
    assert trigger.next_after(datetime(2026, 5, 4, 10, 15, tzinfo=UTC)) == datetime(
        2026, 5, 4, 10, 30, tzinfo=UTC)


def test_catch_up_defaults() -> None:
    assert CatchUp().policy == "latest" and CatchUp().late_after == timedelta(minutes=1)


def test_toml_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[schedule]]\nname = "a"\nrecipe = "smoke"\ntrigger = { every = "0m" }\n')
    with pytest.raises(ScheduleError, match=r"bad.toml: schedule 'a': trigger"):
        load_file(bad, default_timezone="UTC")
    bad.write_text("[[schedule]\nname=")
    with pytest.raises(ScheduleError, match="bad.toml: not valid TOML"):
        load_file(bad, default_timezone="UTC")
    bad.write_text('[smoke]\nrecipe = "smoke"\n')
    with pytest.raises(ScheduleError, match=r"\[\[schedule\]\]"):
        load_file(bad, default_timezone="UTC")


def test_duplicate_names_across_files_are_refused(tmp_path: Path) -> None:
    entry = '[[schedule]]\nname = "same"\nrecipe = "smoke"\ntrigger = { every = "1h" }\n'
    (tmp_path / "a.toml").write_text(entry)
    (tmp_path / "b.toml").write_text(entry)
    with pytest.raises(ScheduleError, match=r"b.toml: schedule 'same': name: .*a.toml"):
        load_dir(tmp_path, default_timezone="UTC")


def test_the_repositorys_schedule_files_are_valid() -> None:
    loaded = {item.schedule.name: item.schedule
              for item in load_dir(PROJECT_ROOT / "schedules", default_timezone="Europe/Madrid")}
    smoke = [s for s in loaded.values() if s.recipe == "smoke"]
    assert any(s.enabled for s in smoke) and any(not s.enabled for s in smoke)
