"""Schedule files: `schedules/*.toml`, one `[[schedule]]` table per schedule.

    [[schedule]]
    name = "smoke-nightly"                 # unique across all files
    recipe = "smoke"
    params = { rows = 25 }                 # checked by the recipe's model
    trigger = { cron = "30 2 * * mon-fri", timezone = "Europe/Madrid" }
    # or    { every = "15m" }  or  { every = "2h", start = 2026-01-05T08:00:00+01:00 }
    # or    { at = 2026-03-01T09:00:00+01:00 }
    enabled = true
    timeout = "10m"                        # the run is killed and recorded timed_out
    max_concurrent = 1
    park_after = 3                         # failed/timed-out runs in a row: parked
    catch_up = { policy = "latest", grace = "2h", late_after = "1m" }   # or "skip", "all" + limit
    retry = { attempts = 3, initial = "30s", multiplier = 2, maximum = "5m" }
    owner = "billing-team@example.com"
    notify = { on = ["failed", "timed_out", "missed"], email = ["ops@example.com"] }

A bad file refuses the whole set with the file, schedule and key named, so a typo
never removes or changes a schedule. The same parser reads the canonical form the
store keeps (`Schedule.to_dict()`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bots.retry import RetryPolicy
from bots.scheduler.durations import parse_duration
from bots.scheduler.model import CatchUp, NotifyPolicy, Schedule, ScheduleError
from bots.scheduler.triggers import parse_trigger

_KEYS = {"name", "recipe", "trigger", "params", "enabled", "catch_up", "max_concurrent",
         "timeout", "retry", "park_after", "owner", "notify", "description"}


@dataclass(frozen=True)
class LoadedSchedule:
    schedule: Schedule
    source: str  # the file it came from


def load_dir(folder: Path, *, default_timezone: str) -> list[LoadedSchedule]:
    """Every schedule in `folder/*.toml`, validated; ScheduleError on the first problem."""
    if not folder.is_dir():
        raise ScheduleError(f"no such folder: {folder}")
    found: dict[str, LoadedSchedule] = {}
    for path in sorted(folder.glob("*.toml")):
        for loaded in load_file(path, default_timezone=default_timezone):
            name = loaded.schedule.name
            if name in found:
                raise ScheduleError(f"the name is also used in {found[name].source}",
                                    file=loaded.source, schedule=name, key="name")
            found[name] = loaded
    return list(found.values())


def load_file(path: Path, *, default_timezone: str) -> list[LoadedSchedule]:
    source = str(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScheduleError(f"not valid TOML: {exc}", file=source) from None
    extra = set(document) - {"schedule"}
    if extra:
        raise ScheduleError(f"unknown top-level key(s) {', '.join(sorted(extra))}; "
                            "write each schedule as a [[schedule]] table", file=source)
    entries = document.get("schedule", [])
    if not isinstance(entries, list):
        raise ScheduleError("write each schedule as a [[schedule]] table", file=source)
    return [LoadedSchedule(schedule_from_dict(entry, default_timezone=default_timezone,
                                              file=source), source) for entry in entries]


def schedule_from_dict(raw: Any, *, default_timezone: str, file: str | None = None) -> Schedule:
    name = raw.get("name") if isinstance(raw, dict) else None
    shown_name = name if isinstance(name, str) else None

    def refuse(key: str | None, message: str) -> ScheduleError:
        return ScheduleError(message, file=file, schedule=shown_name, key=key)

    if not isinstance(raw, dict):
        raise refuse(None, "a schedule must be a table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise refuse(None, f"unknown key(s) {', '.join(sorted(unknown))}")
    for required in ("name", "recipe", "trigger"):
        if required not in raw:
            raise refuse(required, "is required")
    values: dict[str, Any] = {}
    parsers: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: _typed(v, str), "recipe": lambda v: _typed(v, str),
        "trigger": lambda v: parse_trigger(v, default_timezone),
        "params": lambda v: dict(_typed(v, dict)), "enabled": lambda v: _typed(v, bool),
        "catch_up": _catch_up, "max_concurrent": lambda v: _typed(v, int),
        "timeout": parse_duration, "retry": _retry, "park_after": lambda v: _typed(v, int),
        "owner": lambda v: _typed(v, str), "notify": _notify,
        "description": lambda v: _typed(v, str),
    }
    for key, value in raw.items():
        try:
            values[key] = parsers[key](value)
        except (ValueError, TypeError) as exc:
            raise refuse(key, str(exc)) from None
    try:
        return Schedule(**values)
    except (ValueError, TypeError) as exc:
        raise refuse(None, str(exc)) from None


def _typed(value: Any, kind: type) -> Any:
    # bool is an int in Python; `max_concurrent = true` must not mean 1
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = {str: "text", int: "a whole number", bool: "true or false", dict: "a table"}
        raise ValueError(f"expected {names.get(kind, kind.__name__)}, got {value!r}")
    return value


def _table(value: Any, allowed: set[str], what: str) -> dict[str, Any]:
    table: dict[str, Any] = _typed(value, dict)
    unknown = set(table) - allowed
    if unknown:
        raise ValueError(f"unknown {what} key(s) {', '.join(sorted(unknown))}")
    return table


def _catch_up(value: Any) -> CatchUp:
    table = _table(value, {"policy", "grace", "limit", "late_after"}, "catch_up")
    options: dict[str, Any] = {}
    if "policy" in table:
        policy = _typed(table["policy"], str)
        if policy not in ("skip", "latest", "all"):
            raise ValueError(f"policy {policy!r}: choose skip, latest or all")
        options["policy"] = policy
    for key in ("grace", "late_after"):
        if key in table:
            options[key] = parse_duration(table[key])
    if "limit" in table:
        options["limit"] = _typed(table["limit"], int)
    return CatchUp(**options)


def _retry(value: Any) -> RetryPolicy:
    table = _table(value, {"attempts", "initial", "multiplier", "maximum", "jitter"}, "retry")
    options: dict[str, Any] = {}
    if "attempts" in table:
        options["attempts"] = _typed(table["attempts"], int)
    for key in ("initial", "maximum"):
        if key in table:
            options[key] = parse_duration(table[key])
    for key in ("multiplier", "jitter"):
        if key in table:
            number = table[key]
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise ValueError(f"retry.{key}: expected a number, got {number!r}")
            options[key] = float(number)
    if options.get("initial", timedelta(0)) > options.get("maximum", timedelta.max):
        raise ValueError("retry.initial is longer than retry.maximum")
    return RetryPolicy(**options)


def _notify(value: Any) -> NotifyPolicy:
    table = _table(value, {"on", "email", "webhook"}, "notify")
    options: dict[str, Any] = {}
    for key in ("on", "email"):
        if key in table:
            items = table[key]
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise ValueError(f"notify.{key}: expected a list of text")
            options[key] = frozenset(items) if key == "on" else tuple(items)
    if "webhook" in table:
        options["webhook"] = _typed(table["webhook"], bool)
    return NotifyPolicy(**options)
