"""Schedules as the store holds them, and what operators and the runtime decide about
them: pause, resume, park, unpark. Each decision is an audit event in the same
transaction as the change."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import audit
from bots.clock import as_utc
from bots.errors import UsageError
from bots.records import actor
from bots.scheduler.loading import schedule_from_dict
from bots.scheduler.model import Schedule
from bots.store import reading
from bots.store.schedule_schema import schedule_state, schedules


class ParkKind(enum.StrEnum):
    RECIPE_MISSING = "recipe_missing"  # lifted by itself when the recipe is back
    PARAMS_REFUSED = "params_refused"  # lifted by itself when the parameters pass again
    FAILURES = "failures"  # lifted only by `resume`


class Status(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    PARKED = "parked"
    DISABLED = "disabled"


class UnknownSchedule(UsageError, LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no schedule named {name!r} (see `runner.py schedules`)")
        self.name = name


@dataclass(frozen=True)
class StoredSchedule:
    schedule: Schedule
    source: str | None
    paused: bool
    parked_kind: ParkKind | None
    parked_reason: str | None
    since: datetime

    @property
    def name(self) -> str:
        return self.schedule.name

    @property
    def status(self) -> Status:
        if not self.schedule.enabled:
            return Status.DISABLED
        if self.parked_kind is not None:
            return Status.PARKED
        return Status.PAUSED if self.paused else Status.ACTIVE

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE


def _query() -> sa.Select[Any]:
    return sa.select(schedules.c.definition, schedules.c.source, schedule_state).join(
        schedule_state, schedule_state.c.name == schedules.c.name)


def _stored(row: sa.Row[Any]) -> StoredSchedule:
    # The store keeps the canonical form, time zone filled in, so no default applies.
    schedule = schedule_from_dict(row.definition, default_timezone="UTC")
    return StoredSchedule(schedule, row.source, bool(row.paused),
                          ParkKind(row.parked_kind) if row.parked_kind else None,
                          row.parked_reason, as_utc(row.since))  # type: ignore[arg-type]


def load_all(engine: Engine) -> dict[str, StoredSchedule]:
    with reading(engine) as conn:
        rows = conn.execute(_query().order_by(schedules.c.name)).all()
    return {row.name: _stored(row) for row in rows}


def load_one(engine: Engine, name: str) -> StoredSchedule:
    with reading(engine) as conn:
        row = conn.execute(_query().where(schedules.c.name == name)).first()
    if row is None:
        raise UnknownSchedule(name)
    return _stored(row)


def fingerprint(engine: Engine) -> tuple[Any, ...]:
    """Changes whenever a definition or a decision changes: the timer rebuilds on it."""
    query = sa.select(schedules.c.name, schedules.c.digest, schedule_state.c.paused,
                      schedule_state.c.parked_kind, schedule_state.c.since).join(
        schedule_state, schedule_state.c.name == schedules.c.name).order_by(schedules.c.name)
    with reading(engine) as conn:
        return tuple(tuple(row) for row in conn.execute(query))


def _change(engine: Engine, name: str, now: datetime, action: str, data: dict[str, Any],
            where: sa.ColumnElement[bool] | None, **values: Any) -> bool:
    """Update one state row (if `where` holds) and audit it; False if nothing changed."""
    with engine.begin() as conn:
        exists = conn.execute(sa.select(schedule_state.c.name).where(
            schedule_state.c.name == name).with_for_update()).first()
        if exists is None:
            raise UnknownSchedule(name)
        query = schedule_state.update().where(schedule_state.c.name == name)
        if where is not None:
            query = query.where(where)
        if conn.execute(query.values(updated_at=now, **values)).rowcount == 0:
            return False
        audit.append(conn, ts=now, actor=actor(), action=action, subject=f"schedule:{name}",
                     data=data)
    return True


def pause(engine: Engine, name: str, now: datetime) -> bool:
    return _change(engine, name, now, "schedule.paused", {}, schedule_state.c.paused.is_(False),
                   paused=True, paused_by=actor())


def resume(engine: Engine, name: str, now: datetime) -> bool:
    """Unpause and unpark. Fire times while it was stopped are not missed: it was meant."""
    stopped = sa.or_(schedule_state.c.paused.is_(True), schedule_state.c.parked_kind.is_not(None))
    return _change(engine, name, now, "schedule.resumed", {"since": now}, stopped,
                   paused=False, paused_by=None, parked_kind=None, parked_reason=None,
                   parked_at=None, since=now)


def park(engine: Engine, name: str, kind: ParkKind, reason: str, now: datetime) -> bool:
    return _change(engine, name, now, "schedule.parked", {"kind": kind.value, "reason": reason},
                   schedule_state.c.parked_kind.is_(None), parked_kind=kind.value,
                   parked_reason=reason, parked_at=now)


def unpark(engine: Engine, name: str, kind: ParkKind, why: str, now: datetime) -> bool:
    """Lift an automatic park of this kind; the fire times while parked are not missed."""
    return _change(engine, name, now, "schedule.unparked", {"kind": kind.value, "why": why},
                   schedule_state.c.parked_kind == kind.value, parked_kind=None,
                   parked_reason=None, parked_at=None, since=now)
