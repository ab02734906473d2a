"""Taking a queued run for execution, and closing a run its process could not close.

A claim turns one `queued` run into `running` under this worker, inside a transaction
that first locks the schedule's state row: two workers cannot both start a run of a
schedule that is at its `max_concurrent`. On PostgreSQL the run row is taken with
FOR UPDATE SKIP LOCKED; on SQLite the engine's BEGIN IMMEDIATE makes claims one at a
time. Closing is compare-and-set on `state = 'running'`: whichever of the child, its
supervisor or the housekeeping gets there first records the outcome, once.
"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import audit
from bots.clock import as_utc
from bots.records import RunState, actor, sha256_file
from bots.redaction import redact
from bots.scheduler.loading import schedule_from_dict
from bots.scheduler.model import Schedule
from bots.store import reading
from bots.store.schedule_schema import schedule_state, schedules
from bots.store.schema import runs

CANDIDATES = 20


@dataclass(frozen=True)
class ClaimedRun:
    id: int
    schedule: Schedule
    trigger: str
    fire_time: datetime | None


def claim_next(engine: Engine, now: datetime, *, run_id: int | None = None) -> ClaimedRun | None:
    """The oldest queued run this worker may start now, claimed; None if there is none."""
    query = sa.select(runs.c.id, runs.c.schedule).where(
        runs.c.state == RunState.QUEUED, runs.c.schedule.is_not(None))
    if run_id is not None:
        query = query.where(runs.c.id == run_id)
    query = query.order_by(sa.func.coalesce(runs.c.fire_time, runs.c.created_at), runs.c.id)
    with reading(engine) as conn:
        candidates = conn.execute(query.limit(CANDIDATES)).all()
    for candidate_id, name in candidates:
        claimed = _try_claim(engine, candidate_id, name, now)
        if claimed is not None:
            return claimed
    return None


def _try_claim(engine: Engine, run_id: int, name: str, now: datetime) -> ClaimedRun | None:
    with engine.begin() as conn:
        conn.execute(sa.select(schedule_state.c.name).where(schedule_state.c.name == name)
                     .with_for_update())
        definition = conn.execute(sa.select(schedules.c.definition)
                                  .where(schedules.c.name == name)).scalar()
        if definition is None:
            _close(conn, run_id, RunState.MISSED, now, from_state=RunState.QUEUED,
                   error="missed: the schedule was removed before the run started",
                   error_kind="missed")
            return None
        schedule = schedule_from_dict(definition, default_timezone="UTC")
        running = conn.execute(sa.select(sa.func.count()).select_from(runs).where(
            runs.c.schedule == name, runs.c.state == RunState.RUNNING)).scalar_one()
        if running >= schedule.max_concurrent:
            return None
        row = conn.execute(sa.select(runs.c.trigger, runs.c.fire_time).where(
            runs.c.id == run_id, runs.c.state == RunState.QUEUED)
            .with_for_update(skip_locked=True)).first()
        if row is None:
            return None
        conn.execute(runs.update().where(runs.c.id == run_id).values(
            state=RunState.RUNNING, started_at=now, heartbeat_at=now,
            host=socket.gethostname(), pid=os.getpid(), user=getpass.getuser()))
        audit.append(conn, ts=now, actor=actor(), action="run.claimed", subject=f"run:{run_id}",
                     data={"schedule": name})
    return ClaimedRun(run_id, schedule, row.trigger, as_utc(row.fire_time))


def close_run(engine: Engine, run_id: int, state: str, now: datetime, *, error: str,
              error_kind: str, run_dir: Path | None = None) -> bool:
    """Record the outcome of a run still `running`; False if it was already closed."""
    with engine.begin() as conn:
        return _close(conn, run_id, state, now, error=error, error_kind=error_kind,
                      evidence=evidence(run_dir) if run_dir else {})


def _close(conn: sa.Connection, run_id: int, state: str, now: datetime, *, error: str,
           error_kind: str, from_state: str = RunState.RUNNING,
           evidence: dict[str, str] | None = None) -> bool:
    changed = conn.execute(runs.update().where(runs.c.id == run_id, runs.c.state == from_state)
                           .values(state=state, ended_at=now, error=redact(error),
                                   error_kind=error_kind)).rowcount
    if not changed:
        return False
    audit.append(conn, ts=now, actor=actor(), action=f"run.{state}", subject=f"run:{run_id}",
                 data={"error_kind": error_kind, "error": redact(error).splitlines()[-1],
                       "files": evidence or {}})
    return True


def evidence(run_dir: Path) -> dict[str, str]:
    """sha256 of every file the run left, for the audit chain (as the executor does)."""
    if not run_dir.exists():
        return {}
    return {str(path.relative_to(run_dir)): sha256_file(path)
            for path in sorted(run_dir.rglob("*")) if path.is_file()}


def run_row(engine: Engine, run_id: int) -> dict[str, Any] | None:
    with reading(engine) as conn:
        row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).first()
    return dict(row._mapping) if row is not None else None
