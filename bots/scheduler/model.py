"""A schedule as typed, frozen objects that refuse bad values when built.

    Schedule(name, recipe, trigger, params, enabled, catch_up, max_concurrent, timeout,
             retry, park_after, owner, notify, description)
    CatchUp(policy: skip | latest | all, grace, limit, late_after)
    NotifyPolicy(on, email, webhook)

Catch-up, for the fire times a schedule has not recorded yet when the scheduler looks
(after it was down, or stalled): a fire time at most `late_after` old is on time and
always runs. Of the late ones,
- `skip`   records every one as missed;
- `latest` runs the most recent if it is at most `grace` old, records the others missed;
- `all`    runs those at most `grace` old, oldest first, up to `limit`; the rest missed.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bots.errors import UsageError
from bots.retry import RetryPolicy
from bots.scheduler.durations import format_duration
from bots.scheduler.triggers import AnyTrigger

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
NOTICE_EVENTS = frozenset({"failed", "timed_out", "missed", "interrupted", "parked"})


class ScheduleError(UsageError, ValueError):
    """A schedule file or entry refused; the message names file, schedule and key."""

    def __init__(self, message: str, *, file: str | None = None, schedule: str | None = None,
                 key: str | None = None) -> None:
        where = [part for part in (file, f"schedule {schedule!r}" if schedule else None, key)
                 if part]
        super().__init__(": ".join([*where, message]))
        self.file, self.schedule, self.key = file, schedule, key


class CatchUpPolicy(enum.StrEnum):
    SKIP = "skip"
    LATEST = "latest"
    ALL = "all"


@dataclass(frozen=True)
class CatchUp:
    policy: CatchUpPolicy = CatchUpPolicy.LATEST
    grace: timedelta = timedelta(hours=1)
    limit: int | None = None
    late_after: timedelta = timedelta(minutes=1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy", CatchUpPolicy(self.policy))
        if self.grace <= timedelta(0):
            raise ValueError("grace must be positive (policy 'skip' never runs late)")
        if self.late_after <= timedelta(0):
            raise ValueError("late_after must be positive")
        if self.policy is CatchUpPolicy.ALL:
            if self.limit is None or isinstance(self.limit, bool) or self.limit < 1:
                raise ValueError("policy 'all' needs `limit`, a positive number of late runs")
        elif self.limit is not None:
            raise ValueError(f"`limit` only applies to policy 'all', not {self.policy.value!r}")

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"policy": self.policy.value,
                                 "grace": format_duration(self.grace),
                                 "late_after": format_duration(self.late_after)}
        if self.limit is not None:
            shown["limit"] = self.limit
        return shown


@dataclass(frozen=True)
class NotifyPolicy:
    """Which run outcomes send a notice; mail goes to the settings' recipients plus
    `email`, the webhook (when one is configured) unless `webhook` is false."""

    on: frozenset[str] = frozenset({"failed", "timed_out", "missed", "parked"})
    email: tuple[str, ...] = ()
    webhook: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.on) - NOTICE_EVENTS
        if unknown:
            raise ValueError(f"notify.on: unknown event(s) {', '.join(sorted(unknown))}; "
                             f"choose from {', '.join(sorted(NOTICE_EVENTS))}")
        for address in self.email:
            if "@" not in address or any(c.isspace() for c in address):
                raise ValueError(f"notify.email: {address!r} is not a mail address")

    def to_dict(self) -> dict[str, Any]:
        return {"on": sorted(self.on), "email": list(self.email), "webhook": self.webhook}


@dataclass(frozen=True)
class Schedule:
    name: str
    recipe: str
    trigger: AnyTrigger
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    catch_up: CatchUp = CatchUp()
    max_concurrent: int = 1
    timeout: timedelta = timedelta(hours=1)
    retry: RetryPolicy | None = None  # None: the recipe's own policy
    park_after: int = 3  # failed or timed-out runs in a row before the schedule parks
    owner: str | None = None
    notify: NotifyPolicy = NotifyPolicy()
    description: str = ""

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"name {self.name!r}: letters, digits, `_.-`, at most 100, "
                             "starting with a letter or digit")
        if not self.recipe or not isinstance(self.recipe, str):
            raise ValueError("recipe: a recipe name is required")
        if isinstance(self.max_concurrent, bool) or not 1 <= self.max_concurrent <= 100:
            raise ValueError(f"max_concurrent must be 1 to 100, got {self.max_concurrent!r}")
        if self.timeout <= timedelta(0):
            raise ValueError(f"timeout must be positive, got {format_duration(self.timeout)}")
        if isinstance(self.park_after, bool) or self.park_after < 1:
            raise ValueError(f"park_after must be at least 1, got {self.park_after!r}")

    def to_dict(self) -> dict[str, Any]:
        """The canonical form: what the store keeps, what sync diffs, what parses back."""
        shown: dict[str, Any] = {
            "name": self.name, "recipe": self.recipe, "trigger": self.trigger.to_dict(),
            "params": self.params, "enabled": self.enabled,
            "catch_up": self.catch_up.to_dict(), "max_concurrent": self.max_concurrent,
            "timeout": format_duration(self.timeout), "park_after": self.park_after,
            "notify": self.notify.to_dict(),
        }
        if self.retry is not None:
            shown["retry"] = retry_to_dict(self.retry)
        if self.owner:
            shown["owner"] = self.owner
        if self.description:
            shown["description"] = self.description
        return shown

    def digest(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def retry_to_dict(policy: RetryPolicy) -> dict[str, Any]:
    return {"attempts": policy.attempts, "initial": format_duration(policy.initial),
            "multiplier": policy.multiplier, "maximum": format_duration(policy.maximum),
            "jitter": policy.jitter}
