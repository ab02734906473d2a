"""Reading runs back for `runs` and `show`, including whether a "running" run is alive."""

from __future__ import annotations

import os
import socket
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import as_utc
from bots.records import RunState
from bots.store.schema import artifacts, runs, steps

STALE_AFTER = timedelta(seconds=60)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def shown_state(row: dict[str, Any], now: datetime | None = None) -> str:
    """A run that says "running" but whose process is gone is shown as not finished."""
    if row["state"] != RunState.RUNNING:
        return row["state"]
    now = now or datetime.now(UTC)
    if row["host"] == socket.gethostname() and row["pid"] and not pid_alive(row["pid"]):
        return "running (not finished: process gone)"
    beat = as_utc(row.get("heartbeat_at"))
    if beat and now - beat > STALE_AFTER:
        return f"running (not finished: no heartbeat for {int((now - beat).total_seconds())} s)"
    return RunState.RUNNING


def _row(row: sa.Row[Any]) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in ("created_at", "started_at", "ended_at", "heartbeat_at", "fire_time"):
        if key in data:
            data[key] = as_utc(data[key])
    return data


def list_runs(engine: Engine, *, recipe: str | None = None, state: str | None = None,
              since: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
    query = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
    if recipe:
        query = query.where(runs.c.recipe == recipe)
    if state:
        query = query.where(runs.c.state == state)
    if since:
        query = query.where(runs.c.created_at >= since)
    with engine.connect() as conn:
        rows = [_row(r) for r in conn.execute(query)]
    for row in rows:
        row["shown_state"] = shown_state(row)
        start, end = row["started_at"], row["ended_at"]
        row["duration_s"] = (end - start).total_seconds() if start and end else None
    return rows


def run_detail(engine: Engine, run_id: int, *, log_lines: int = 20) -> dict[str, Any] | None:
    with engine.connect() as conn:
        found = conn.execute(sa.select(runs).where(runs.c.id == run_id)).first()
        if found is None:
            return None
        run_row = _row(found)
        step_rows = [_row(r) for r in conn.execute(
            sa.select(steps).where(steps.c.run_id == run_id).order_by(steps.c.id))]
        artifact_rows = [_row(r) for r in conn.execute(
            sa.select(artifacts).where(artifacts.c.run_id == run_id).order_by(artifacts.c.id))]
    run_row["shown_state"] = shown_state(run_row)
    return {"run": run_row, "steps": step_rows, "artifacts": artifact_rows,
            "log_tail": _tail(run_row.get("log_path"), log_lines)}


def _tail(path: str | None, lines: int) -> list[str]:
    if not path or not Path(path).exists():
        return []
    with open(path, encoding="utf-8", errors="replace") as handle:
        return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
