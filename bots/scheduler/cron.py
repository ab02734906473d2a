"""Cron expressions and wall-clock time, with one documented rule for DST.

Five fields: `minute hour day-of-month month day-of-week`. Each field is `*`, a number,
a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those. Months and weekdays
take names (`jan`..`dec`, `mon`..`sun`). Weekday numbers are crontab's: 0 and 7 are
Sunday, 1 is Monday (APScheduler's `from_crontab` reads 0 as Monday, issue #286; names
avoid the question). Day-of-month and day-of-week cannot both be restricted: crontab
then fires when *either* matches, which surprises; write two schedules instead.

Daylight saving time (the rule every fire time obeys):
- a wall time that does not exist (spring-forward, e.g. 02:30 on the last Sunday of
  March in Europe/Madrid) fires once, at the first valid instant after it: the moment
  the clocks jump (03:00 local). Several wall times in the gap fire once, together;
- a wall time that happens twice (fall-back, 02:30 on the last Sunday of October)
  fires once, at its first occurrence (02:30 summer time).
APScheduler 3.11's CronTrigger instead fires at 03:30 on spring-forward and twice on
fall-back, which is why fire times are computed here.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Python's weekday()
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
               "dec")
# The longest wait for a valid cron: Feb 29 skips 2100, so up to 8 years.
SEARCH_DAYS = 366 * 9
# Wall times this far before `after` cannot map to an instant after it (DST moves
# clocks by at most two hours anywhere).
_DST_MARGIN = timedelta(hours=3)


@dataclass(frozen=True)
class CronSpec:
    minutes_of_day: tuple[int, ...]  # sorted hour*60+minute
    days: frozenset[int] | None  # None: any day of the month
    months: frozenset[int]
    weekdays: frozenset[int] | None  # Python numbering, 0 = Monday; None: any

    def matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        if self.days is not None and day.day not in self.days:
            return False
        return self.weekdays is None or day.weekday() in self.weekdays


def parse_cron(expression: str) -> CronSpec:
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"cron {expression!r}: expected 5 fields (minute hour day-of-month "
                         f"month day-of-week), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    minutes = _field(minute, 0, 59, "minute")
    hours = _field(hour, 0, 23, "hour")
    days = None if day == "*" else frozenset(_field(day, 1, 31, "day-of-month"))
    months = frozenset(_field(month, 1, 12, "month", MONTH_NAMES, first=1))
    weekdays = None if weekday == "*" else frozenset(_weekdays(weekday))
    if days is not None and weekdays is not None:
        raise ValueError(f"cron {expression!r}: restrict day-of-month or day-of-week, not "
                         "both (crontab would fire when either matches)")
    return CronSpec(tuple(sorted(h * 60 + m for h in hours for m in minutes)), days, months,
                    weekdays)


def _weekdays(text: str) -> set[int]:
    # crontab numbers: 0..7, Sunday both 0 and 7; convert to Python's Monday=0.
    crontab = _field(text, 0, 7, "day-of-week", WEEKDAY_NAMES, first=1)
    return {(n - 1) % 7 for n in crontab}


def _field(text: str, low: int, high: int, what: str, names: tuple[str, ...] = (),
           *, first: int = 0) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, what, (), 0) if step_text else 1
        if step < 1:
            raise ValueError(f"cron {what} {part!r}: the step must be at least 1")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            left, right = base.split("-", 1)
            start = _number(left, what, names, first)
            end = _number(right, what, names, first)
            if start > end:
                raise ValueError(f"cron {what} {part!r}: a range must go upwards")
        else:
            start = _number(base, what, names, first)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high):
            raise ValueError(f"cron {what} {part!r}: values must be within {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _number(text: str, what: str, names: tuple[str, ...], first: int) -> int:
    lowered = text.strip().lower()
    if lowered in names:
        # weekday names map onto crontab numbers 1..7 (mon..sun), months onto 1..12
        return names.index(lowered) + first
    if not lowered.isdigit():
        known = f" or a name ({', '.join(names)})" if names else ""
        raise ValueError(f"cron {what} {text!r}: expected a number{known}")
    return int(lowered)


def resolve_wall_time(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant a naive wall time stands for, by the module's DST rule."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # fold=0: first occurrence
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In the gap: fold=1 lands before the jump, fold=0 after it. Search the jump itself:
    # the first whole second whose local time is not earlier than the wanted wall time.
    low = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def iter_fire_times(spec: CronSpec, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Fire instants (UTC) strictly after `after`, in order, each once."""
    local_after = after.astimezone(zone).replace(tzinfo=None)
    floor = local_after - _DST_MARGIN
    day = floor.date()
    last: datetime | None = None
    idle_days = 0
    while idle_days < SEARCH_DAYS:
        idle_days += 1
        if spec.matches(day):
            start = 0
            if day == floor.date():
                start = bisect.bisect_left(spec.minutes_of_day, floor.hour * 60 + floor.minute)
            for minute_of_day in spec.minutes_of_day[start:]:
                wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60))
                instant = resolve_wall_time(wall, zone)
                if instant > after and instant != last:
                    last, idle_days = instant, 0
                    yield instant
        day += timedelta(days=1)
