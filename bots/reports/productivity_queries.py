"""Store queries for the productivity report: every figure is a GROUP BY in the database.

Each query returns at most (days x recipes x outcomes) rows, whatever the number of work
items, so the report's cost is one scan of the period's items, not a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from bots.clock import as_utc
from bots.rejects import rejected_rows
from bots.reports.outcomes import (
    DONE,
    OPEN_STATES,
    REJECTED,
    REVIEWED_OUTCOMES,
    outcome_of_item,
)
from bots.reports.period import Period
from bots.reports.sqlexpr import json_integer, local_day, seconds_between
from bots.store.schema import runs, work_items

NO_RUN = "(no run recorded)"
SUMMARY_KEY = "items"
REVIEW_KEY = "outcomes.to_review"  # the run's own count (run.count(TO_REVIEW, n))
FINISHED_RUN_STATES = ("succeeded", "succeeded_with_exceptions")


@dataclass(frozen=True)
class ItemGroup:
    day: date
    recipe: str
    outcome: str
    items: int
    handle_seconds: float  # summed over the items that have both timestamps
    timed_items: int


@dataclass(frozen=True)
class ExceptionGroup:
    recipe: str
    outcome: str
    reason: str
    items: int
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class SummaryGroup:
    day: date
    recipe: str
    runs: int
    items: int
    to_review: int = 0  # of those items, results a person must look at (breaks)


@dataclass(frozen=True)
class RunGroup:
    day: date
    recipe: str
    state: str
    runs: int
    seconds: float


def _item_recipe() -> sa.ColumnElement[str]:
    return sa.func.coalesce(runs.c.recipe, NO_RUN)


def _items_in(period: Period) -> list[sa.ColumnElement[bool]]:
    return [
        work_items.c.finished_at >= period.utc_start,
        work_items.c.finished_at < period.utc_end,
        work_items.c.state.not_in(OPEN_STATES),
    ]


def _joined() -> sa.FromClause:
    # Outer join: an item whose run row is missing still counts, under NO_RUN.
    return work_items.outerjoin(runs, runs.c.id == work_items.c.last_run_id)


def item_groups(conn: sa.Connection, period: Period) -> list[ItemGroup]:
    """Items finished in the period, by local day, recipe of their last run, and outcome."""
    dialect = conn.dialect.name
    day = local_day(work_items.c.finished_at, period, dialect).label("day")
    outcome = outcome_of_item().label("outcome")
    timed = sa.and_(work_items.c.started_at.is_not(None),
                    work_items.c.finished_at >= work_items.c.started_at,
                    outcome.not_in(REVIEWED_OUTCOMES))
    handle = seconds_between(work_items.c.started_at, work_items.c.finished_at, dialect)
    recipe = _item_recipe().label("recipe")
    query = (
        sa.select(
            day, recipe, outcome,
            sa.func.count().label("items"),
            sa.func.coalesce(sa.func.sum(sa.case((timed, handle), else_=None)), 0.0),
            sa.func.count(sa.case((timed, 1), else_=None)),
        )
        .select_from(_joined())
        .where(*_items_in(period))
        .group_by(day, recipe, outcome)
    )
    return [
        ItemGroup(date.fromisoformat(d), r, s, int(n), float(secs or 0), int(t))
        for d, r, s, n, secs, t in conn.execute(query)
    ]


def exception_groups(conn: sa.Connection, period: Period) -> list[ExceptionGroup]:
    """Items finished in the period in any outcome other than done, by recipe, outcome
    and reason."""
    recipe = _item_recipe().label("recipe")
    outcome = outcome_of_item().label("outcome")
    reason = sa.func.coalesce(work_items.c.reason, "").label("reason")
    query = (
        sa.select(
            recipe, outcome, reason, sa.func.count(),
            sa.func.min(work_items.c.finished_at), sa.func.max(work_items.c.finished_at),
        )
        .select_from(_joined())
        .where(*_items_in(period), outcome != DONE)
        .group_by(recipe, outcome, reason)
        .order_by(sa.func.count().desc(), recipe, outcome, reason)
    )
    return [
        ExceptionGroup(r, s, why, int(n), as_utc(first), as_utc(last))
        for r, s, why, n, first, last in conn.execute(query)
    ]


def _rejects_joined() -> sa.FromClause:
    return rejected_rows.outerjoin(runs, runs.c.id == rejected_rows.c.run_id)


def _rejects_in(period: Period) -> list[sa.ColumnElement[bool]]:
    return [rejected_rows.c.recorded_at >= period.utc_start,
            rejected_rows.c.recorded_at < period.utc_end]


def reject_groups(conn: sa.Connection, period: Period) -> list[ItemGroup]:
    """Input rows rejected in the period (`bots.rejects`), by local day and recipe: the
    outcome `rejected`, processed but never done, with no handle time."""
    day = local_day(rejected_rows.c.recorded_at, period, conn.dialect.name).label("day")
    recipe = _item_recipe().label("recipe")
    query = (sa.select(day, recipe, sa.func.count()).select_from(_rejects_joined())
             .where(*_rejects_in(period)).group_by(day, recipe))
    return [ItemGroup(date.fromisoformat(d), r, REJECTED, int(n), 0.0, 0)
            for d, r, n in conn.execute(query)]


def reject_exception_groups(conn: sa.Connection, period: Period) -> list[ExceptionGroup]:
    """Rejected input rows by recipe and the columns at fault (their reasons vary by value)."""
    recipe = _item_recipe().label("recipe")
    reason = (sa.literal("invalid ") + rejected_rows.c.columns).label("reason")
    query = (
        sa.select(recipe, reason, sa.func.count(), sa.func.min(rejected_rows.c.recorded_at),
                  sa.func.max(rejected_rows.c.recorded_at))
        .select_from(_rejects_joined()).where(*_rejects_in(period))
        .group_by(recipe, reason)
    )
    return [ExceptionGroup(r, REJECTED, why, int(n), as_utc(first), as_utc(last))
            for r, why, n, first, last in conn.execute(query)]


def summary_groups(conn: sa.Connection, period: Period) -> list[SummaryGroup]:
    """Items counted by runs that worked no work item at all (e.g. reconcile's lines):
    the integer `items` of the summary of runs that ended well in the period."""
    dialect = conn.dialect.name
    counted = json_integer(runs.c.summary, SUMMARY_KEY, dialect)
    review = json_integer(runs.c.summary, REVIEW_KEY, dialect)
    worked = sa.select(work_items.c.last_run_id).where(
        work_items.c.last_run_id.is_not(None)).distinct().subquery()
    day = local_day(runs.c.ended_at, period, dialect).label("day")
    query = (
        sa.select(day, runs.c.recipe, sa.func.count(), sa.func.sum(counted),
                  sa.func.sum(review))
        .select_from(runs.outerjoin(worked, worked.c.last_run_id == runs.c.id))
        .where(
            worked.c.last_run_id.is_(None),
            runs.c.state.in_(FINISHED_RUN_STATES),
            runs.c.ended_at >= period.utc_start,
            runs.c.ended_at < period.utc_end,
            counted.is_not(None),
        )
        .group_by(day, runs.c.recipe)
    )
    return [
        SummaryGroup(date.fromisoformat(d), r, int(n), int(items or 0),
                     min(int(review or 0), int(items or 0)))
        for d, r, n, items, review in conn.execute(query)
    ]


def run_groups(conn: sa.Connection, period: Period) -> list[RunGroup]:
    """Runs created in the period by local day, recipe and state, with their run time."""
    dialect = conn.dialect.name
    day = local_day(runs.c.created_at, period, dialect).label("day")
    ran = sa.and_(runs.c.started_at.is_not(None), runs.c.ended_at.is_not(None))
    seconds = seconds_between(runs.c.started_at, runs.c.ended_at, dialect)
    query = (
        sa.select(day, runs.c.recipe, runs.c.state, sa.func.count(),
                  sa.func.coalesce(sa.func.sum(sa.case((ran, seconds), else_=None)), 0.0))
        .where(runs.c.created_at >= period.utc_start, runs.c.created_at < period.utc_end)
        .group_by(day, runs.c.recipe, runs.c.state)
    )
    return [
        RunGroup(date.fromisoformat(d), r, s, int(n), float(secs or 0))
        for d, r, s, n, secs in conn.execute(query)
    ]
