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

from bots.store.retrying import transaction
from bots.store.schema import work_items
from bots.workitems.model import ItemRecord, ItemState
from bots.workitems.owners import owner_is_dead
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


def _picked(strategy: ClaimStrategy, limit: Any) -> sa.ScalarSelect[int]:
    return strategy.lock(
        sa.select(work_items.c.id)
        .where(claimable(sa.bindparam("c_queue"), sa.bindparam("c_now")))
        .order_by(*CLAIM_ORDER)
        .limit(limit)
    ).scalar_subquery()


def _claiming(which: sa.ColumnElement[bool]) -> sa.Update:
    return (
        work_items.update()
        .where(which)
        .values(
            state=ItemState.IN_PROGRESS, lease_owner=sa.bindparam("c_owner"),
            lease_expires_at=sa.bindparam("c_until"), attempts=work_items.c.attempts + 1,
            updated_at=sa.bindparam("c_now"), started_at=sa.bindparam("c_now"),
            not_before=None, last_run_id=sa.bindparam("c_run"),
        )
        .returning(*work_items.c)
    )


@functools.cache
def _claim_statement(strategy: ClaimStrategy) -> sa.Update:
    # Built once per strategy and run with parameters (see transitions.py for why).
    return _claiming(work_items.c.id == _picked(strategy, 1))


@functools.cache
def _claim_many_statement(strategy: ClaimStrategy) -> sa.Update:
    return _claiming(work_items.c.id.in_(_picked(strategy, sa.bindparam("c_limit"))))


def claim_next(conn: sa.Connection, strategy: ClaimStrategy, *, queue: str, owner: str,
               now: datetime, lease_until: datetime, run_id: int | None) -> ItemRecord | None:
    row = conn.execute(_claim_statement(strategy), {
        "c_queue": queue, "c_now": now, "c_owner": owner, "c_until": lease_until,
        "c_run": run_id,
    }).first()
    return ItemRecord.from_row(row) if row is not None else None


def claim_up_to(conn: sa.Connection, strategy: ClaimStrategy, *, queue: str, owner: str,
                now: datetime, lease_until: datetime, run_id: int | None,
                limit: int) -> list[ItemRecord]:
    """Up to `limit` items in one statement, in claim order (RETURNING keeps none)."""
    if limit <= 1:
        one = claim_next(conn, strategy, queue=queue, owner=owner, now=now,
                         lease_until=lease_until, run_id=run_id)
        return [one] if one is not None else []
    rows = conn.execute(_claim_many_statement(strategy), {
        "c_queue": queue, "c_now": now, "c_owner": owner, "c_until": lease_until,
        "c_run": run_id, "c_limit": limit,
    }).all()
    records = [ItemRecord.from_row(row) for row in rows]
    return sorted(records, key=lambda r: (-r.priority, r.created_at, r.id))


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
    return _records(conn, list(conn.scalars(query)))


def dead_owner_leases(conn: sa.Connection, strategy: ClaimStrategy, *, queue: str,
                      now: datetime, limit: int = 100) -> list[ItemRecord]:
    """Items still under a live lease whose owner's process is known to be gone: a
    worker on this host (owner "host:pid:thread") whose pid is no longer running."""
    query = sa.select(work_items.c.id, work_items.c.lease_owner).where(
        work_items.c.queue == queue,
        work_items.c.state == ItemState.IN_PROGRESS,
        work_items.c.lease_expires_at >= now,
    ).order_by(work_items.c.id)
    dead = [item_id for item_id, owner in conn.execute(query) if owner_is_dead(owner)]
    if not dead:
        return []
    locked = strategy.lock(sa.select(work_items.c.id).where(
        work_items.c.id.in_(dead[:limit])).order_by(work_items.c.id))
    return _records(conn, list(conn.scalars(locked)))


def _records(conn: sa.Connection, ids: list[int]) -> list[ItemRecord]:
    if not ids:
        return []
    rows = conn.execute(sa.select(work_items).where(work_items.c.id.in_(ids))
                        .order_by(work_items.c.id))
    return [ItemRecord.from_row(row) for row in rows]


# The reaper's guard: still the same claim, and its lease still expired (a renewal that
# committed in between wins) or its owner's process gone (a dead process renews nothing).
_HELD_BY = sa.and_(
    work_items.c.id == sa.bindparam("r_id"),
    work_items.c.state == ItemState.IN_PROGRESS,
    work_items.c.lease_owner == sa.bindparam("r_owner"),
    work_items.c.attempts == sa.bindparam("r_attempt"),
)
_REAP = work_items.update().where(_HELD_BY, work_items.c.lease_expires_at < sa.bindparam("r_now"))
_REAP_DEAD = work_items.update().where(_HELD_BY)


def reap_expired(conn: sa.Connection, strategy: ClaimStrategy, *, queue: str, now: datetime,
                 max_attempts: int | None, actor: str, run_id: int | None) -> int:
    """Items whose lease ran out, or whose owner's process on this host is gone, go back
    to pending, or to review when that was their last attempt: an item that kills its
    worker every time must not kill them all. Without `max_attempts` (the queue's policy
    unknown) they always go back to pending; the next claimant then applies its policy
    (see WorkQueue.claim_iter)."""
    reaped = 0
    found = [(rec, False) for rec in expired_leases(conn, strategy, queue=queue, now=now)]
    found += [(rec, True) for rec in dead_owner_leases(conn, strategy, queue=queue, now=now)]
    for rec, dead in found:
        last = max_attempts is not None and rec.attempts >= max_attempts
        to = ItemState.SYSTEM_EXCEPTION if last else ItemState.PENDING
        when = rec.lease_expires_at.isoformat() if rec.lease_expires_at else "?"
        why = (f"lease of {rec.lease_owner} given back: its process is gone" if dead else
               f"lease of {rec.lease_owner} expired at {when}")
        why += f" on attempt {rec.attempts}" + (" (its last)" if last else "")
        values: dict[str, Any] = dict(state=to, lease_owner=None, lease_expires_at=None,
                                      updated_at=now, last_error=why)
        if last:
            values.update(reason="lease_expired", finished_at=now)
        guard = {"r_id": rec.id, "r_owner": rec.lease_owner, "r_attempt": rec.attempts,
                 "r_now": now}
        if conn.execute((_REAP_DEAD if dead else _REAP).values(**values), guard).rowcount:
            record(conn, Change(rec.id, rec.queue, rec.key, ItemState.IN_PROGRESS, to, actor,
                                "item.lease_expired", now, why, run_id,
                                {"previous_owner": rec.lease_owner, "attempt": rec.attempts,
                                 "owner_gone": dead}))
            logger.warning("{}/{}: {}", rec.queue, rec.key, why)
            reaped += 1
    return reaped


def reclaim_expired(engine: Engine, now: datetime, *, queue: str | None = None,
                    max_attempts: int | None = None, actor: str = "housekeeping") -> int:
    """Give back every item (of `queue`, or of all queues) whose lease ran out or whose
    owner's process is gone, with a history row and an audit event each; returns how
    many. For housekeeping: workers also do this themselves whenever they claim.

    One transaction per queue and batch, run again if it loses a race (a deadlock or
    serialization failure on PostgreSQL), so a reclaimer never fails up to its caller
    for having met another."""
    strategy = strategy_for(engine)
    if queue is not None:
        names = [queue]
    else:
        with engine.connect() as conn:
            names = list(conn.execute(sa.select(work_items.c.queue).distinct().where(
                work_items.c.state == ItemState.IN_PROGRESS)).scalars())
    total = 0
    for name in names:
        while True:
            count = transaction(engine, lambda conn, name=name: reap_expired(  # type: ignore[misc]
                conn, strategy, queue=name, now=now, max_attempts=max_attempts, actor=actor,
                run_id=None))
            total += count
            if count == 0:
                break
    return total
