"""Writing run, step and artifact records; each state change also goes to the audit chain."""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import audit
from bots.clock import as_utc
from bots.redaction import redact, redact_value
from bots.store.engine import inserted_id
from bots.store.schema import artifacts, runs, steps


class RunState:
    """How a run ended (or that it has not): the values of `runs.state`."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_EXCEPTIONS = "succeeded_with_exceptions"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    INTERRUPTED = "interrupted"
    MISSED = "missed"

    FINISHED = frozenset({SUCCEEDED, SUCCEEDED_WITH_EXCEPTIONS, FAILED, TIMED_OUT,
                          INTERRUPTED, MISSED})


def actor() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}:{os.getpid()}"


def create_run(engine: Engine, *, recipe: str, code_hash: str, params: dict[str, Any],
               trigger: str, now: datetime, state: str = RunState.RUNNING,
               schedule: str | None = None, fire_time: datetime | None = None) -> int:
    values = dict(
        recipe=recipe, code_hash=code_hash, params=redact_value(params), trigger=trigger,
        schedule=schedule, fire_time=fire_time, host=socket.gethostname(), pid=os.getpid(),
        user=getpass.getuser(), state=state, created_at=now, attempts=0, summary={},
    )
    if state == RunState.RUNNING:
        values.update(started_at=now, heartbeat_at=now)
    with engine.begin() as conn:
        run_id = inserted_id(conn.execute(runs.insert().values(**values)))
        audit.append(conn, ts=now, actor=actor(), action=f"run.{state}", subject=f"run:{run_id}",
                     data={"recipe": recipe, "trigger": trigger, "code_hash": code_hash,
                           "params": params, "schedule": schedule, "fire_time": fire_time})
    return int(run_id)


def start_run(engine: Engine, run_id: int, *, now: datetime) -> None:
    """A queued run (made by a schedule) is taken by this process."""
    with engine.begin() as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(
            state=RunState.RUNNING, started_at=now, heartbeat_at=now, host=socket.gethostname(),
            pid=os.getpid(), user=getpass.getuser()))
        audit.append(conn, ts=now, actor=actor(), action="run.running", subject=f"run:{run_id}")


def set_log_path(engine: Engine, run_id: int, path: str) -> None:
    with engine.begin() as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(log_path=path))


def heartbeat(engine: Engine, run_id: int, *, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(heartbeat_at=now))


def finish_run(engine: Engine, run_id: int, *, state: str, now: datetime, attempts: int,
               summary: dict[str, Any], error: str | None = None, error_kind: str | None = None,
               evidence: dict[str, str] | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(
            state=state, ended_at=now, attempts=attempts, summary=redact_value(summary),
            error=redact(error) if error else None, error_kind=error_kind))
        audit.append(conn, ts=now, actor=actor(), action=f"run.{state}", subject=f"run:{run_id}",
                     data={"summary": summary, "error_kind": error_kind,
                           "error": (redact(error).splitlines() or [""])[-1] if error else None,
                           "files": evidence or {}})


def record_step_start(engine: Engine, run_id: int, name: str, attempt: int,
                      now: datetime) -> int:
    with engine.begin() as conn:
        result = conn.execute(steps.insert().values(
            run_id=run_id, name=name, attempt=attempt, started_at=now, outcome="running"))
        return inserted_id(result)


def record_step_end(engine: Engine, step_id: int, *, started: datetime, now: datetime,
                    outcome: str, error: str | None = None) -> None:
    duration = (as_utc(now) - as_utc(started)).total_seconds() * 1000  # type: ignore[operator]
    with engine.begin() as conn:
        conn.execute(steps.update().where(steps.c.id == step_id).values(
            ended_at=now, duration_ms=duration, outcome=outcome,
            error=redact(error) if error else None))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record_artifact(engine: Engine, run_id: int, path: Path, *, relative_to: Path, kind: str,
                    now: datetime) -> dict[str, Any]:
    size, digest = path.stat().st_size, sha256_file(path)
    try:
        shown = str(path.resolve().relative_to(relative_to.resolve()))
    except ValueError:
        shown = str(path.resolve())
    row = dict(run_id=run_id, path=shown, kind=kind, size=size, sha256=digest, created_at=now)
    with engine.begin() as conn:
        conn.execute(artifacts.insert().values(**row))
        audit.append(conn, ts=now, actor=actor(), action="artifact.added",
                     subject=f"run:{run_id}", data={"path": shown, "sha256": digest, "size": size})
    return row


def load_run(engine: Engine, run_id: int) -> sa.Row[Any] | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(runs).where(runs.c.id == run_id)).first()
