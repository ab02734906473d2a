"""Fire times into run rows: `queued` to be executed, `missed` so analysts see the gaps.

Every fire time becomes at most one row: `runs` is unique on (schedule, fire_time), so
when several scheduler processes fire the same time, one insert wins and the others get
a unique violation, which here means "already fired", not an error. Fire times are
recorded oldest first, each in its own transaction: a crash leaves a prefix, and the
next pass starts after the newest recorded fire time.
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bots import audit
from bots.clock import as_utc
from bots.records import RunState, actor
from bots.redaction import redact_value
from bots.scheduler.catchup import plan
from bots.scheduler.model import Schedule
from bots.scheduler.state import StoredSchedule
from bots.scheduler.triggers import AnyTrigger
from bots.store import reading
from bots.store.engine import inserted_id
from bots.store.schedule_schema import schedule_state
from bots.store.schema import runs

SCHEDULE_TRIGGER = "schedule"
MANUAL_TRIGGER = "manual"
MAX_DUE = 100_000  # fire times looked at in one pass; the next pass goes on from there
MAX_MISSED_ROWS = 500  # per pass; older misses are counted in one audit event instead


@dataclass
class FireReport:
    schedule: str
    queued: list[int] = field(default_factory=list)
    missed: list[tuple[datetime, str]] = field(default_factory=list)
    already_recorded: int = 0  # fire times another process recorded first
    unrecorded_missed: int = 0  # beyond MAX_MISSED_ROWS


def last_fire_time(conn: sa.Connection, name: str) -> datetime | None:
    query = sa.select(sa.func.max(runs.c.fire_time)).where(
        runs.c.schedule == name, runs.c.trigger == SCHEDULE_TRIGGER)
    return as_utc(conn.execute(query).scalar())


def due_fire_times(trigger: AnyTrigger, after: datetime, now: datetime) -> list[datetime]:
    found: list[datetime] = []
    for fire_time in trigger.iter_after(after):
        if fire_time > now or len(found) >= MAX_DUE:
            break
        found.append(fire_time)
    return found


def fire_due(engine: Engine, stored: StoredSchedule, now: datetime, *,
             code_hash: str | None) -> FireReport:
    """Record every fire time of an active schedule that is due and not yet recorded."""
    schedule = stored.schedule
    report = FireReport(schedule.name)
    if not stored.active:
        return report
    with reading(engine) as conn:
        last = last_fire_time(conn, schedule.name)
    after = max(stored.since, last) if last else stored.since
    due = due_fire_times(schedule.trigger, after, now)
    if not due:
        return report
    decisions = plan(due, now, schedule.catch_up).ordered()
    misses = [t for t, why in decisions if why is not None]
    if len(misses) > MAX_MISSED_ROWS:
        dropped = set(misses[:-MAX_MISSED_ROWS])
        decisions = [(t, why) for t, why in decisions if t not in dropped]
        report.unrecorded_missed = len(dropped)
        _audit_unrecorded(engine, schedule.name, sorted(dropped), now)
    for fire_time, why in decisions:
        on_time = now - fire_time <= schedule.catch_up.late_after
        outcome = _record(engine, schedule, fire_time, why, now, code_hash, on_time)
        if outcome is None:
            report.already_recorded += 1
        elif isinstance(outcome, int):
            report.queued.append(outcome)
        else:
            report.missed.append((fire_time, outcome))
    return report


def _record(engine: Engine, schedule: Schedule, fire_time: datetime, why: str | None,
            now: datetime, code_hash: str | None, on_time: bool) -> int | str | None:
    """The run id if queued, the reason if missed, None if another process was first."""
    try:
        with engine.begin() as conn:
            if why is None and on_time:
                why = _overlap(conn, schedule)
            state = RunState.QUEUED if why is None else RunState.MISSED
            run_id = insert_run(conn, schedule, state=state, trigger=SCHEDULE_TRIGGER,
                                fire_time=fire_time, now=now, code_hash=code_hash, reason=why)
    except IntegrityError:
        if not _recorded(engine, schedule.name, fire_time):
            raise
        return None
    return run_id if why is None else why


def _overlap(conn: sa.Connection, schedule: Schedule) -> str | None:
    waiting = conn.execute(sa.select(sa.func.count()).select_from(runs).where(
        runs.c.schedule == schedule.name, runs.c.state == RunState.QUEUED)).scalar_one()
    if waiting >= schedule.max_concurrent:
        return (f"missed: {waiting} earlier run(s) still waiting to start "
                f"(max_concurrent {schedule.max_concurrent})")
    return None


def _recorded(engine: Engine, name: str, fire_time: datetime) -> bool:
    with reading(engine) as conn:
        return conn.execute(sa.select(runs.c.id).where(
            runs.c.schedule == name, runs.c.fire_time == fire_time)).first() is not None


def insert_run(conn: sa.Connection, schedule: Schedule, *, state: str, trigger: str,
               fire_time: datetime | None, now: datetime, code_hash: str | None,
               reason: str | None = None) -> int:
    """One scheduled run row and its audit event (last: the chain head stays locked)."""
    values: dict[str, Any] = dict(
        recipe=schedule.recipe, code_hash=code_hash, params=redact_value(schedule.params),
        trigger=trigger, schedule=schedule.name, fire_time=fire_time,
        host=socket.gethostname(), pid=os.getpid(), user=getpass.getuser(), state=state,
        created_at=now, attempts=0, summary={},
    )
    if state == RunState.MISSED:
        values.update(ended_at=now, error=reason, error_kind="missed")
    run_id = inserted_id(conn.execute(runs.insert().values(**values)))
    data = {"recipe": schedule.recipe, "trigger": trigger, "code_hash": code_hash,
            "params": schedule.params, "schedule": schedule.name, "fire_time": fire_time}
    if reason:
        data["reason"] = reason
    audit.append(conn, ts=now, actor=actor(), action=f"run.{state}", subject=f"run:{run_id}",
                 data=data)
    return run_id


def _audit_unrecorded(engine: Engine, name: str, dropped: list[datetime], now: datetime) -> None:
    logger.warning("schedule {}: {} older missed fire times ({} .. {}) counted, not listed",
                   name, len(dropped), dropped[0].isoformat(), dropped[-1].isoformat())
    with engine.begin() as conn:
        audit.append(conn, ts=now, actor=actor(), action="schedule.missed_unrecorded",
                     subject=f"schedule:{name}",
                     data={"count": len(dropped), "first": dropped[0], "last": dropped[-1]})


def trigger_now(engine: Engine, schedule: Schedule, now: datetime, *,
                code_hash: str | None) -> tuple[int, bool]:
    """Queue a manual run; if one is already waiting, that one (and False)."""
    with engine.begin() as conn:
        # Lock the schedule so two `trigger` commands cannot both see nothing waiting.
        conn.execute(sa.select(schedule_state.c.name).where(
            schedule_state.c.name == schedule.name).with_for_update())
        waiting = conn.execute(sa.select(runs.c.id).where(
            runs.c.schedule == schedule.name, runs.c.state == RunState.QUEUED)
            .order_by(runs.c.id).limit(1)).scalar()
        if waiting is not None:
            return int(waiting), False
        run_id = insert_run(conn, schedule, state=RunState.QUEUED, trigger=MANUAL_TRIGGER,
                            fire_time=None, now=now, code_hash=code_hash)
    return run_id, True
