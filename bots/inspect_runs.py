"""Reading runs back for `runs` and `show`, including whether a "running" run is alive.

`run_json` and `detail_json` are the documented `--json` shapes (README, "JSON output"):
field names are stable; times are UTC ISO 8601 when printed.
"""

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
from bots.reports.figures import RunFigures, figures_for, rejected_of
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
        return str(row["state"])
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
        figures = figures_for(conn, [row["id"] for row in rows])
    for row in rows:
        row["figures"] = figures[row["id"]]
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
        figures = figures_for(conn, [run_id])[run_id]
        rejected = rejected_of(conn, run_id, limit=REJECTED_SHOWN)
    run_row["shown_state"] = shown_state(run_row)
    duration = (run_row["ended_at"] - run_row["started_at"]).total_seconds() if (
        run_row["started_at"] and run_row["ended_at"]) else None
    run_row["duration_s"] = duration
    return {"run": run_row, "steps": step_rows, "artifacts": artifact_rows,
            "figures": figures, "rejected": rejected,
            "log_tail": _tail(run_row.get("log_path"), log_lines)}


REJECTED_SHOWN = 50
RUN_JSON_FIELDS = ("id", "recipe", "state", "shown_state", "trigger", "schedule", "fire_time",
                   "host", "pid", "user", "created_at", "started_at", "ended_at",
                   "duration_s", "attempts", "error_kind", "summary")


def run_json(row: dict[str, Any]) -> dict[str, Any]:
    """A run as `runs --json` prints it: its row's fields and its figures."""
    figures: RunFigures = row["figures"]
    return {**{k: row.get(k) for k in RUN_JSON_FIELDS}, **figures.as_json()}


def detail_json(detail: dict[str, Any]) -> dict[str, Any]:
    """A run as `show --json` prints it."""
    run_row = detail["run"]
    return {
        **run_json({**run_row, "figures": detail["figures"]}),
        "params": run_row["params"], "code_hash": run_row["code_hash"],
        "log_path": run_row["log_path"], "error": run_row["error"],
        "steps": [{k: s[k] for k in ("name", "attempt", "outcome", "started_at", "ended_at",
                                     "duration_ms", "error")} for s in detail["steps"]],
        "artifacts": [{k: a[k] for k in ("path", "kind", "size", "sha256", "created_at")}
                      for a in detail["artifacts"]],
        "rejected": detail["rejected"],
        "log_tail": detail["log_tail"],
    }


def distinct_errors(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """Step errors and the run's error, each once: a run that failed in a step records the
    step's traceback again (under the executor's frames), with the same message."""
    from bots.reports.run_extras import message_of

    seen: set[str] = set()
    out = []
    candidates = [(f"step {s['name']} error", s["error"]) for s in detail["steps"]]
    run_row = detail["run"]
    candidates.append((f"run error ({run_row['error_kind']})", run_row["error"]))
    for title, error in candidates:
        if not error or message_of(error) in seen:
            continue
        seen.add(message_of(error))
        out.append((title, error))
    return out


def known_recipes(engine: Engine) -> set[str]:
    """Recipes registered now, and any recipe a recorded run names (it may be gone)."""
    from bots.executor import load_recipes
    from bots.registry import all_recipes
    from bots.settings import get_settings

    load_recipes(get_settings())
    with engine.connect() as conn:
        recorded = set(conn.execute(sa.select(runs.c.recipe).distinct()).scalars())
    return {spec.name for spec in all_recipes()} | recorded


def _tail(path: str | None, lines: int) -> list[str]:
    if not path or not Path(path).exists():
        return []
    with open(path, encoding="utf-8", errors="replace") as handle:
        return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
