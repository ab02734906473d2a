"""Claiming the next item safely under concurrency, per database dialect.

One statement claims: `UPDATE work_items SET state='in_progress', lease... WHERE id =
(SELECT id ... ORDER BY priority DESC, created_at, id LIMIT 1) RETURNING *`.

- PostgreSQL: the inner SELECT takes `FOR UPDATE SKIP LOCKED`, so concurrent workers on
  any number of hosts each take a different row without waiting on one another.
- SQLite: there is one writer at a time. The store engine starts every write transaction
  with BEGIN IMMEDIATE (with a busy timeout), so the claim transaction already holds the
  database's write lock when it picks its row: no other process can pick the same row,
  and no transaction ever upgrades from read to write (the source of "database is
  locked" errors that busy_timeout cannot cure).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine

from bots.store.schema import work_items
from bots.workitems.model import ItemRecord, ItemState
from bots.workitems.transitions import Change, record


@dataclass(frozen=True)
class ClaimStrategy:
    name: str
    skip_locked: bool

    def lock(self, query: sa.Select[tuple[int]]) -> sa.Select[tuple[int]]:
        return query.with_for_update(skip_locked=True) if self.skip_locked else query


SQLITE = ClaimStrategy("sqlite: immediate transactions, one writer", skip_locked=False)
SKIP_LOCKED = ClaimStrategy("row locks: FOR UPDATE SKIP LOCKED", skip_locked=True)


def strategy_for(engine: Engine) -> ClaimStrategy:
    return SQLITE if engine.dialect.name == "sqlite" else SKIP_LOCKED


# Highest priority first, then oldest; the id breaks ties inside one bulk insert.
CLAIM_ORDER = (work_items.c.priority.desc(), work_items.c.created_at, work_items.c.id)


def claimable(queue: Any, now: Any) -> sa.ColumnElement[bool]:
    return sa.and_(
        work_items.c.queue == queue,
        work_items.c.state == ItemState.PENDING,
        sa.or_(work_items.c.not_before.is_(None), work_items.c.not_before <= now),
    )


@functools.cache
def _claim_statement(strategy: ClaimStrategy) -> sa.Update:
    # Built once per strategy and run with parameters (see transitions.py for why).
    pick = strategy.lock(
        sa.select(work_items.c.id)
        .where(claimable(sa.bindparam("c_queue"), sa.bindparam("c_now")))
        .order_by(*CLAIM_ORDER)
        .limit(1)
    ).scalar_subquery()
    return (
        work_items.update()
        .where(work_items.c.id == pick)
        .values(
            state=ItemState.IN_PROGRESS, lease_owner=sa.bindparam("c_owner"),
            lease_expires_at=sa.bindparam("c_until"), attempts=work_items.c.attempts + 1,
            updated_at=sa.bindparam("c_now"), started_at=sa.bindparam("c_now"),
            not_before=None, last_run_id=sa.bindparam("c_run"),
        )
        .returning(*work_items.c)
    )


def claim_next(conn: sa.Connection, strategy: ClaimStrategy, *, queue: str, owner: str,
               now: datetime, lease_until: datetime, run_id: int | None) -> ItemRecord | None:
    row = conn.execute(_claim_statement(strategy), {
        "c_queue": queue, "c_now": now, "c_owner": owner, "c_until": lease_until,
        "c_run": run_id,
    }).first()
    return ItemRecord.from_row(row) if row is not None else None


def expired_leases(conn: sa.Connection, strategy: ClaimStrategy, *, queue: str,
                   now: datetime, limit: int = 100) -> list[ItemRecord]:
    """Items whose worker stopped renewing its lease (died, hung, lost the network)."""
    query = strategy.lock(
        sa.select(work_items.c.id).where(
            work_items.c.queue == queue,
            work_items.c.state == ItemState.IN_PROGRESS,
            work_items.c.lease_expires_at < now,
        ).order_by(work_items.c.id).limit(limit)
    )
    ids = list(conn.execute(query).scalars())
    if not ids:
        return []
    rows = conn.execute(sa.select(work_items).where(work_items.c.id.in_(ids)))
    return [ItemRecord.from_row(row) for row in rows]


# The reaper's guard: still the same claim, and its lease still expired (a renewal that
# committed in between wins).
_REAP = work_items.update().where(
    work_items.c.id == sa.bindparam("r_id"),
    work_items.c.state == ItemState.IN_PROGRESS,
    work_items.c.lease_owner == sa.bindparam("r_owner"),
    work_items.c.attempts == sa.bindparam("r_attempt"),
    work_items.c.lease_expires_at < sa.bindparam("r_now"),
)


def reap_expired(conn: sa.Connection, strategy: ClaimStrategy, *, queue: str, now: datetime,
                 max_attempts: int | None, actor: str, run_id: int | None) -> int:
    """Items whose lease ran out go back to pending, or to review when that was their
    last attempt: an item that kills its worker every time must not kill them all.
    Without `max_attempts` (the queue's policy unknown) they always go back to pending;
    the next claimant then applies its policy (see WorkQueue.claim_iter)."""
    reaped = 0
    for rec in expired_leases(conn, strategy, queue=queue, now=now):
        last = max_attempts is not None and rec.attempts >= max_attempts
        to = ItemState.SYSTEM_EXCEPTION if last else ItemState.PENDING
        when = rec.lease_expires_at.isoformat() if rec.lease_expires_at else "?"
        why = (f"lease of {rec.lease_owner} expired at {when} on attempt {rec.attempts}"
               + (" (its last)" if last else ""))
        values: dict[str, Any] = dict(state=to, lease_owner=None, lease_expires_at=None,
                                      updated_at=now, last_error=why)
        if last:
            values.update(reason="lease_expired", finished_at=now)
        guard = {"r_id": rec.id, "r_owner": rec.lease_owner, "r_attempt": rec.attempts,
                 "r_now": now}
        if conn.execute(_REAP.values(**values), guard).rowcount:
            record(conn, Change(rec.id, rec.queue, rec.key, ItemState.IN_PROGRESS, to, actor,
                                "item.lease_expired", now, why, run_id,
                                {"previous_owner": rec.lease_owner, "attempt": rec.attempts}))
            logger.warning("{}/{}: {}", rec.queue, rec.key, why)
            reaped += 1
    return reaped


def reclaim_expired(engine: Engine, now: datetime, *, queue: str | None = None,
                    max_attempts: int | None = None, actor: str = "housekeeping") -> int:
    """Give back every item (of `queue`, or of all queues) whose lease ran out, with a
    history row and an audit event each; returns how many. For housekeeping: workers
    also do this themselves whenever they claim."""
    strategy = strategy_for(engine)
    with engine.begin() as conn:
        if queue is not None:
            names = [queue]
        else:
            names = list(conn.execute(sa.select(work_items.c.queue).distinct().where(
                work_items.c.state == ItemState.IN_PROGRESS,
                work_items.c.lease_expires_at < now)).scalars())
        return sum(reap_expired(conn, strategy, queue=name, now=now, max_attempts=max_attempts,
                                actor=actor, run_id=None) for name in names)
