"""Store queries for the HTML run report.

Cheap, aggregated facts for every run listed (its row, its items by outcome: one GROUP
BY), and the expensive ones (steps, errors, artifacts) only for the few runs shown in
detail, each read through its indexed run_id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bots.clock import as_utc
from bots.rejects import rejected_rows
from bots.reports.figures import outcomes_by_run
from bots.reports.outcomes import REVIEW_STATES
from bots.store.schema import artifacts, runs, steps, work_item_events, work_items

PROBLEM_STATES = ("failed", "timed_out", "interrupted", "succeeded_with_exceptions")
_TIMES = ("created_at", "started_at", "ended_at", "heartbeat_at", "fire_time", "finished_at")
_LIST_COLUMNS = (runs.c.id, runs.c.recipe, runs.c.state, runs.c.trigger, runs.c.schedule,
                 runs.c.created_at, runs.c.started_at, runs.c.ended_at, runs.c.host,
                 runs.c.pid, runs.c.heartbeat_at, runs.c.error_kind, runs.c.summary,
                 runs.c.error)


@dataclass(frozen=True)
class RunFilter:
    since: datetime | None = None
    recipe: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found = []
        if self.since is not None:
            found.append(runs.c.created_at >= self.since)
        if self.recipe:
            found.append(runs.c.recipe == self.recipe)
        return found

    def describe(self) -> str:
        parts = []
        if self.recipe:
            parts.append(f"recipe {self.recipe}")
        if self.since is not None:
            parts.append(f"created since {self.since.isoformat(timespec='minutes')}")
        return ", ".join(parts) or "all runs"


def _plain(row: Any) -> dict[str, Any]:  # an sa.Row of any width
    data = dict(row._mapping)
    for key in _TIMES:
        if key in data:
            data[key] = as_utc(data[key])
    return data


def _item_runs(f: RunFilter) -> list[sa.ColumnElement[bool]]:
    conditions = f.conditions()
    if not conditions:
        return []
    return [work_items.c.last_run_id.in_(sa.select(runs.c.id).where(*conditions))]


def count_runs(conn: sa.Connection, f: RunFilter) -> dict[str, int]:
    query = sa.select(runs.c.state, sa.func.count()).where(*f.conditions()).group_by(runs.c.state)
    return {state: int(n) for state, n in conn.execute(query)}


def list_runs(conn: sa.Connection, f: RunFilter, limit: int) -> list[dict[str, Any]]:
    query = sa.select(*_LIST_COLUMNS).where(*f.conditions()).order_by(runs.c.id.desc())
    return [_plain(row) for row in conn.execute(query.limit(limit))]


def problem_run_ids(conn: sa.Connection, f: RunFilter, limit: int) -> list[int]:
    query = (sa.select(runs.c.id).where(*f.conditions(), runs.c.state.in_(PROBLEM_STATES))
             .order_by(runs.c.id.desc()).limit(limit))
    return [int(i) for i in conn.execute(query).scalars()]


def items_by_run(conn: sa.Connection, f: RunFilter,
                 first_id: int | None = None) -> dict[int, dict[str, int]]:
    """{run id: {outcome: items}} for items whose last attempt was in that run, and the
    input rows it rejected (`bots.reports.figures`), for run ids of at least `first_id`
    (the oldest run listed)."""
    lowest = [work_items.c.last_run_id >= first_id] if first_id is not None else []
    low_rejects = [rejected_rows.c.run_id >= first_id] if first_id is not None else []
    conditions = f.conditions()
    in_runs = ([rejected_rows.c.run_id.in_(sa.select(runs.c.id).where(*conditions))]
               if conditions else [])
    return outcomes_by_run(conn, item_where=[*lowest, *_item_runs(f)],
                           reject_where=[*low_rejects, *in_runs])


def run_detail(conn: sa.Connection, run_id: int, *, max_steps: int) -> dict[str, Any]:
    """One run's row, first steps (and how many there are), artifacts."""
    row = _plain(conn.execute(sa.select(runs).where(runs.c.id == run_id)).one())
    step_query = (sa.select(steps).where(steps.c.run_id == run_id)
                  .order_by(steps.c.started_at, steps.c.id).limit(max_steps))
    row["steps"] = [_plain(s) for s in conn.execute(step_query)]
    row["steps_total"] = int(conn.execute(
        sa.select(sa.func.count()).select_from(steps).where(steps.c.run_id == run_id)).scalar()
        or 0)
    row["artifacts"] = [_plain(a) for a in conn.execute(
        sa.select(artifacts).where(artifacts.c.run_id == run_id).order_by(artifacts.c.id))]
    return row


def review_counts(conn: sa.Connection, f: RunFilter) -> list[dict[str, Any]]:
    """Items awaiting review by recipe, state and reason."""
    recipe = sa.func.coalesce(runs.c.recipe, "").label("recipe")
    reason = sa.func.coalesce(work_items.c.reason, "").label("reason")
    query = (
        sa.select(recipe, work_items.c.state, reason, sa.func.count().label("count"))
        .select_from(work_items.outerjoin(runs, runs.c.id == work_items.c.last_run_id))
        .where(work_items.c.state.in_(REVIEW_STATES), *_item_runs(f))
        .group_by(recipe, work_items.c.state, reason)
        .order_by(sa.func.count().desc(), recipe, work_items.c.state, reason)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def review_items(conn: sa.Connection, f: RunFilter, limit: int) -> list[dict[str, Any]]:
    """The newest items awaiting review, with their reason and the last error's tail."""
    w = work_items.c
    query = (
        sa.select(w.id, w.queue, w.key, w.state, w.reason, w.attempts, w.finished_at,
                  w.last_run_id, runs.c.recipe, w.last_error)
        .select_from(work_items.outerjoin(runs, runs.c.id == w.last_run_id))
        .where(w.state.in_(REVIEW_STATES), *_item_runs(f))
        .order_by(w.finished_at.desc().nulls_last(), w.id.desc())
        .limit(limit)
    )
    return [_plain(row) for row in conn.execute(query)]


EXCEPTION_STATES = ("business_exception", "system_exception")


def exception_events(conn: sa.Connection, run_id: int) -> list[tuple[Any, str]]:
    """(time, state) of each move of an item into an exception during the run, to colour
    the step it happened in."""
    e = work_item_events.c
    query = (sa.select(e.ts, e.to_state)
             .where(e.run_id == run_id, e.to_state.in_(EXCEPTION_STATES)).order_by(e.ts))
    return [(as_utc(ts), str(state)) for ts, state in conn.execute(query)]


def evidence_artifacts(conn: sa.Connection, run_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each run's evidence files (screenshots, page snapshots), for links from its items."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not run_ids:
        return found
    query = (sa.select(artifacts.c.run_id, artifacts.c.path, artifacts.c.kind)
             .where(artifacts.c.run_id.in_(run_ids), artifacts.c.path.like("%evidence%"))
             .order_by(artifacts.c.id))
    for row in conn.execute(query):
        found.setdefault(int(row.run_id), []).append({"path": row.path, "kind": row.kind})
    return found
