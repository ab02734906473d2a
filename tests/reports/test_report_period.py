"""Local days in SQL: the database's grouping agrees with Python's zoneinfo everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.reports.period import Period, offset_segments
from bots.reports.sqlexpr import json_integer, local_day

ZONES = ["Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
stamps = sa.Table("stamps", sa.MetaData(), sa.Column("at", sa.DateTime(timezone=True)),
                  sa.Column("doc", sa.JSON))


@pytest.fixture(scope="module")
def engine() -> sa.Engine:
    made = sa.create_engine("sqlite://")
    stamps.create(made)
    return made


def test_offset_segments_find_both_changes_of_a_year_to_the_second() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    found = offset_segments(madrid, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert found == [(datetime(2026, 3, 29, 1, tzinfo=UTC), 3600),
                     (datetime(2026, 10, 25, 1, tzinfo=UTC), 7200),
                     (datetime(2027, 1, 1, tzinfo=UTC), 3600)]


def test_period_bounds_are_local_midnights() -> None:
    week = Period(date(2026, 3, 23), date(2026, 3, 29), ZoneInfo("Europe/Madrid"))
    assert week.utc_start == datetime(2026, 3, 22, 23, tzinfo=UTC)
    assert week.utc_end == datetime(2026, 3, 29, 22, tzinfo=UTC)  # summer time by then
    assert len(week.days) == 7
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2026, 3, 29), date(2026, 3, 23), ZoneInfo("UTC"))


@pytest.mark.parametrize("now, monday", [
    (datetime(2026, 3, 30, 5, tzinfo=UTC), date(2026, 3, 23)),  # Monday 07:00 Madrid
    (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), date(2026, 3, 16)),  # still Sunday locally
    (datetime(2026, 4, 5, 22, 30, tzinfo=UTC), date(2026, 3, 30)),  # Monday 00:30 locally
])
def test_last_full_week_is_taken_in_local_time(now: datetime, monday: date) -> None:
    week = Period.last_full_week(now, ZoneInfo("Europe/Madrid"))
    assert (week.start, week.end) == (monday, monday + timedelta(days=6))


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES),
       instant=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                            timezones=st.just(UTC)))
def test_sql_local_day_matches_zoneinfo(engine: sa.Engine, zone: str, instant: datetime) -> None:
    tz = ZoneInfo(zone)
    local = instant.astimezone(tz).date()
    period = Period(local - timedelta(days=40), local + timedelta(days=40), tz)
    with engine.begin() as conn:
        conn.execute(stamps.delete())
        conn.execute(stamps.insert().values(at=instant))
        found = conn.execute(sa.select(local_day(stamps.c.at, period, "sqlite"))).scalar()
    assert found == local.isoformat()


def test_json_integer_takes_whole_numbers_only(engine: sa.Engine) -> None:
    docs = [{"items": 7}, {"items": "7"}, {"items": {"done": 3}}, {"items": 2.5}, {}, {"n": 1}]
    with engine.begin() as conn:
        conn.execute(stamps.delete())
        conn.execute(stamps.insert(), [{"at": datetime(2026, 1, 1, tzinfo=UTC), "doc": d} for d in docs])
        found = conn.execute(sa.select(json_integer(stamps.c.doc, "items", "sqlite"))).scalars()
        assert list(found) == [7, None, None, None, None, None]
    with pytest.raises(ValueError):
        json_integer(stamps.c.doc, "items'); drop table runs; --", "sqlite")
