"""The rules a back office sends by: quiet hours, a per-customer rate limit.

    QuietHours(time(21), time(9), "Europe/Madrid")   nothing between 21:00 and 09:00
                                                     local time; a window may cross midnight
    RateLimit(count=3, window=timedelta(days=1))     at most 3 messages per customer a day

Both answer "when may this go out?" for a moment in time; the sender defers a message to
that moment. Opt-outs and failing addresses are data (the outbox_addresses table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bots.outbox.model import OutboxError
from bots.settings import Settings


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise OutboxError(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    tz: str = "Europe/Madrid"

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise OutboxError("quiet hours start and end at the same time: give a real window")
        zone(self.tz)

    def _quiet(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, now: datetime, tz: str | None = None) -> datetime | None:
        """None when `now` is outside the window; else when the window ends (UTC-aware)."""
        where = zone(tz or self.tz)
        local = now.astimezone(where)
        if not self._quiet(local.time().replace(tzinfo=None)):
            return None
        end = datetime.combine(local.date(), self.end, tzinfo=where)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=where)
        # a wall time skipped by DST resolves forward through the UTC round trip
        return end.astimezone(now.tzinfo)


@dataclass(frozen=True)
class RateLimit:
    count: int = 5
    window: timedelta = timedelta(days=1)

    def __post_init__(self) -> None:
        if self.count < 1 or self.window <= timedelta(0):
            raise OutboxError(f"a rate limit needs count >= 1 and a positive window: {self}")


@dataclass(frozen=True)
class Rules:
    quiet_hours: Mapping[str, QuietHours] = field(default_factory=dict)  # by channel
    rate_limit: RateLimit | None = None
    max_per_run: int | None = None
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.first_backoff.total_seconds() * 2 ** max(attempts - 1, 0)
        return min(timedelta(seconds=seconds), self.max_backoff)

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        box = settings.outbox
        return cls(
            quiet_hours={channel: QuietHours(q.start, q.end, settings.timezone)
                         for channel, q in box.quiet_hours.items()},
            rate_limit=RateLimit(box.rate_limit_count, timedelta(hours=box.rate_limit_hours)),
            max_per_run=box.max_per_run, max_attempts=box.max_attempts)
