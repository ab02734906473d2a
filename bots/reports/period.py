"""A reporting period: whole local days in the settings' time zone, and their UTC bounds.

The store keeps UTC; a supervisor's "Monday" is a local day. A period turns one into the
other once, so every query filters on plain UTC bounds (index-friendly) and groups on a
local-day expression built from the zone's offset changes inside the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """Local days `start` to `end`, both included."""

    start: date
    end: date
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def last_full_week(cls, now: datetime, tz: ZoneInfo) -> Period:
        """Monday to Sunday of the week before the one `now` falls in (local time)."""
        today = now.astimezone(tz).date()
        monday = today - timedelta(days=today.weekday() + 7)
        return cls(monday, monday + timedelta(days=6), tz)

    @property
    def utc_start(self) -> datetime:
        return local_midnight(self.start, self.tz)

    @property
    def utc_end(self) -> datetime:
        """Exclusive: the local midnight after the last day."""
        return local_midnight(self.end + timedelta(days=1), self.tz)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def offset_segments(self) -> list[tuple[datetime, int]]:
        """[(until_utc, offset_seconds), ...]: the zone's UTC offset up to each instant;
        the last segment's `until` is the period's end."""
        return offset_segments(self.tz, self.utc_start, self.utc_end)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant of local midnight (the first valid local time of that day)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _offset(tz: ZoneInfo, instant: datetime) -> int:
    delta = instant.astimezone(tz).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def offset_segments(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Where the offset changes between `start` and `end` (UTC), found to the second.

    Hourly samples find each change; a bisection pins its instant. Zones change offset
    at most a few times a year, so this is a handful of segments even for long periods.
    """
    segments: list[tuple[datetime, int]] = []
    current = _offset(tz, start)
    cursor = start
    step = timedelta(hours=1)
    while cursor < end:
        probe = min(cursor + step, end)
        found = _offset(tz, probe)
        if found != current:
            # offset(low) == current != offset(high); the change is at `high` once adjacent.
            low, high = int(cursor.timestamp()), int(probe.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(tz, datetime.fromtimestamp(middle, UTC)) == current:
                    low = middle
                else:
                    high = middle
            change = datetime.fromtimestamp(high, UTC)
            segments.append((change, current))
            current = _offset(tz, change)
        cursor = probe
    segments.append((end, current))
    return segments
