"""Schedule files into the store: each added, changed or removed schedule is an audit
event carrying its before/after and a field-by-field diff.

The whole set is applied in one transaction, serialised between processes (a PostgreSQL
advisory lock; SQLite's BEGIN IMMEDIATE), so schedulers starting together on one store
agree and only the first records the changes. Operator decisions (paused, parked) live
in `schedule_state` and survive a re-sync.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine

from bots import audit
from bots.records import actor
from bots.scheduler.loading import LoadedSchedule, load_dir
from bots.scheduler.model import ScheduleError
from bots.store.schedule_schema import schedule_state, schedules

SYNC_LOCK = 727_031  # pg_advisory_xact_lock key; migrate.py uses 727001


@dataclass(frozen=True)
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed",
                 f"{len(self.removed)} removed", f"{len(self.unchanged)} unchanged"]
        return "schedules synced: " + ", ".join(parts)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """{"trigger.cron": [old, new], ...}; a missing side is None."""
    old, new = flatten(before or {}), flatten(after or {})
    return {key: [old.get(key), new.get(key)] for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)}


def sync_dir(engine: Engine, folder: Path, *, default_timezone: str, now: datetime,
             known_recipes: Collection[str] | None = None) -> SyncReport:
    """Load and sync a folder; an empty one is not taken to mean "remove everything".

    With `known_recipes` (an operator's `schedules --sync`), a schedule naming a recipe
    that does not exist refuses the whole sync: nothing goes live that cannot run. The
    scheduler's own start-up sync passes none and parks such a schedule instead (a recipe
    folder may be mounted late)."""
    loaded = load_dir(folder, default_timezone=default_timezone)
    if known_recipes is not None:
        for item in loaded:
            if item.schedule.recipe not in known_recipes:
                known = ", ".join(sorted(known_recipes)) or "none"
                raise ScheduleError(f"no recipe named {item.schedule.recipe!r} (known: {known})",
                                    file=item.source, schedule=item.schedule.name, key="recipe")
    if not loaded:
        logger.warning("no schedules in {}: the store's schedules are left as they are", folder)
        return SyncReport()
    return sync(engine, loaded, now)


def sync(engine: Engine, loaded: list[LoadedSchedule], now: datetime) -> SyncReport:
    report = SyncReport()
    events: list[tuple[str, str, dict[str, Any]]] = []
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SYNC_LOCK})
        existing = {row.name: row for row in conn.execute(sa.select(schedules))}
        for item in loaded:
            name, after = item.schedule.name, item.schedule.to_dict()
            row = existing.pop(name, None)
            if row is None:
                _add(conn, item, now)
                report.added.append(name)
                events.append(("schedule.added", name, _event(item.source, None, after)))
            elif row.digest != item.schedule.digest() or row.source != item.source:
                _change(conn, item, row.definition, now)
                report.changed.append(name)
                events.append(("schedule.changed", name,
                               _event(item.source, row.definition, after)))
            else:
                report.unchanged.append(name)
        for name, row in existing.items():
            conn.execute(schedule_state.delete().where(schedule_state.c.name == name))
            conn.execute(schedules.delete().where(schedules.c.name == name))
            report.removed.append(name)
            events.append(("schedule.removed", name, _event(row.source, row.definition, None)))
        # Audit last: the chain's head is locked until commit, and no other transaction
        # may wait on a row this one still has to write.
        for action, name, data in events:
            audit.append(conn, ts=now, actor=actor(), action=action, subject=f"schedule:{name}",
                         data=data)
    return report


def _event(source: str | None, before: dict[str, Any] | None,
           after: dict[str, Any] | None) -> dict[str, Any]:
    return {"source": source, "before": before, "after": after, "diff": diff(before, after)}


def _add(conn: sa.Connection, item: LoadedSchedule, now: datetime) -> None:
    schedule = item.schedule
    conn.execute(schedules.insert().values(
        name=schedule.name, recipe=schedule.recipe, definition=schedule.to_dict(),
        digest=schedule.digest(), source=item.source, created_at=now, updated_at=now))
    conn.execute(schedule_state.insert().values(name=schedule.name, paused=False, since=now,
                                                updated_at=now))


def _change(conn: sa.Connection, item: LoadedSchedule, before: dict[str, Any],
            now: datetime) -> None:
    schedule = item.schedule
    conn.execute(schedules.update().where(schedules.c.name == schedule.name).values(
        recipe=schedule.recipe, definition=schedule.to_dict(), digest=schedule.digest(),
        source=item.source, updated_at=now))
    # A new trigger, or switching back on, starts counting fire times afresh: the old
    # trigger's times, or those while it was off, are not misses.
    restarted = (before.get("trigger") != schedule.trigger.to_dict()
                 or (not before.get("enabled", True) and schedule.enabled))
    if restarted:
        conn.execute(schedule_state.update().where(schedule_state.c.name == schedule.name)
                     .values(since=now, updated_at=now))
