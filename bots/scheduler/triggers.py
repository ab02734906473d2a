"""When a schedule fires: cron in a time zone, a fixed interval, or one date.

Each trigger is a frozen object that refuses bad values when built and answers one
question, `next_after(instant)`: the first fire instant (UTC) strictly after it, or
None when it never fires again. Every scheduler process computes the same answers from
the same definition, which is what lets several of them agree on fire times.

    cron  = "30 2 * * mon-fri", timezone = "Europe/Madrid"   wall-clock time, DST rule in cron.py
    every = "15m" [, start = 2026-01-05T08:00:00+01:00]     absolute time, from `start`
    at    = 2026-03-01T09:00:00+01:00                          once
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bots.scheduler.cron import CronSpec, iter_fire_times, parse_cron, resolve_wall_time
from bots.scheduler.durations import format_duration, parse_duration

# Intervals without a `start` count from this instant, so every process (and every
# restart) agrees on the fire times: `every = "15m"` fires at :00, :15, :30, :45 UTC.
INTERVAL_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class Trigger(Protocol):
    def next_after(self, after: datetime) -> datetime | None: ...

    def to_dict(self) -> dict[str, Any]: ...

    def describe(self) -> str: ...


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{what} must carry a time zone")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class CronTrigger:
    expression: str
    timezone: str
    _spec: CronSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_spec", parse_cron(self.expression))
        zone(self.timezone)
        if self.next_after(INTERVAL_EPOCH) is None:
            raise ValueError(f"cron {self.expression!r} never fires (no such date)")

    def next_after(self, after: datetime) -> datetime | None:
        return next(self.iter_after(after), None)

    def iter_after(self, after: datetime) -> Iterator[datetime]:
        return iter_fire_times(self._spec, zone(self.timezone), _aware(after, "after"))

    def to_dict(self) -> dict[str, Any]:
        return {"cron": self.expression, "timezone": self.timezone}

    def describe(self) -> str:
        return f"cron {self.expression} ({self.timezone})"


@dataclass(frozen=True)
class IntervalTrigger:
    every: timedelta
    start: datetime = INTERVAL_EPOCH

    def __post_init__(self) -> None:
        if self.every <= timedelta(0):
            raise ValueError(f"an interval must be positive, got {format_duration(self.every)}")
        object.__setattr__(self, "start", _aware(self.start, "an interval's start"))

    def next_after(self, after: datetime) -> datetime | None:
        after = _aware(after, "after")
        if after < self.start:
            return self.start
        steps = (after - self.start) // self.every + 1
        return self.start + steps * self.every

    def iter_after(self, after: datetime) -> Iterator[datetime]:
        current = self.next_after(after)
        while current is not None:
            yield current
            current = current + self.every

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"every": format_duration(self.every)}
        if self.start != INTERVAL_EPOCH:
            shown["start"] = self.start.isoformat()
        return shown

    def describe(self) -> str:
        return f"every {format_duration(self.every)}"


@dataclass(frozen=True)
class DateTrigger:
    at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _aware(self.at, "a date trigger's `at`"))

    def next_after(self, after: datetime) -> datetime | None:
        return self.at if self.at > _aware(after, "after") else None

    def iter_after(self, after: datetime) -> Iterator[datetime]:
        found = self.next_after(after)
        if found is not None:
            yield found

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat()}

    def describe(self) -> str:
        return f"once at {self.at.isoformat()}"


AnyTrigger = CronTrigger | IntervalTrigger | DateTrigger

_KEYS = {"cron": {"cron", "timezone"}, "every": {"every", "start", "timezone"},
         "at": {"at", "timezone"}}


def parse_trigger(raw: Any, default_timezone: str) -> AnyTrigger:
    """A trigger table from a schedule file (or the store) into a trigger object."""
    if not isinstance(raw, dict):
        raise ValueError("expected a table with one of `cron`, `every` or `at`")
    kinds = [kind for kind in _KEYS if kind in raw]
    if len(kinds) != 1:
        raise ValueError("give exactly one of `cron`, `every` or `at`")
    kind = kinds[0]
    unknown = set(raw) - _KEYS[kind]
    if unknown:
        raise ValueError(f"unknown key(s) for a `{kind}` trigger: {', '.join(sorted(unknown))}")
    timezone = raw.get("timezone", default_timezone)
    if not isinstance(timezone, str):
        raise ValueError(f"timezone: expected a name such as 'Europe/Madrid', got {timezone!r}")
    zone(timezone)
    if kind == "cron":
        if not isinstance(raw["cron"], str):
            raise ValueError(f"cron: expected a string such as '30 2 * * mon-fri', got "
                             f"{raw['cron']!r}")
        return CronTrigger(raw["cron"], timezone)
    if kind == "every":
        start = raw.get("start")
        every = parse_duration(raw["every"])
        if start is None:
            return IntervalTrigger(every)
        return IntervalTrigger(every, _instant(start, timezone, "start"))
    return DateTrigger(_instant(raw["at"], timezone, "at"))


def _instant(value: Any, timezone: str, what: str) -> datetime:
    """A TOML date-time or ISO text; a local one is read in the trigger's zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{what}: {value!r} is not an ISO date-time") from None
    if not isinstance(value, datetime):
        raise ValueError(f"{what}: expected a date-time such as 2026-03-01T09:00:00+01:00")
    if value.tzinfo is None:
        return resolve_wall_time(value, zone(timezone))
    return value.astimezone(UTC)
