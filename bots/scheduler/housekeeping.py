"""Housekeeping, done by the leader: give back work items whose lease ran out, close
scheduled runs whose process is gone (so nothing stays claimed), record missed fire
times (the service's catch-up sweep)."""

from __future__ import annotations

import socket
from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine

from bots.clock import as_utc
from bots.inspect_runs import pid_alive
from bots.records import RunState, actor
from bots.scheduler.claims import close_run
from bots.store import reading
from bots.store.schema import runs
from bots.workitems.claim import reclaim_expired

# A run on another host with no heartbeat for this long is gone (beats come every 10 s).
# Generous, because a recipe in a long C call may hold the GIL and miss beats.
STALE_AFTER = timedelta(minutes=5)
# On this host a dead pid is proof; the grace lets its own supervisor close it first.
DEAD_PID_GRACE = timedelta(seconds=5)


def reclaim_expired_leases(engine: Engine, now: datetime) -> int:
    """Work items whose lease ran out go back to `pending` (or to review after their last
    attempt), each with a history row and an audit event."""
    count = reclaim_expired(engine, now, actor=f"housekeeping {actor()}")
    if count:
        logger.warning("reclaimed {} work item(s) whose lease expired", count)
    return count


def close_orphaned_runs(engine: Engine, now: datetime, *, own: Collection[int] = ()) -> list[int]:
    """Scheduled runs still `running` whose process is gone are closed `interrupted`."""
    query = sa.select(runs.c.id, runs.c.host, runs.c.pid, runs.c.heartbeat_at).where(
        runs.c.state == RunState.RUNNING, runs.c.schedule.is_not(None))
    with reading(engine) as conn:
        rows = conn.execute(query).all()
    here, closed = socket.gethostname(), []
    for row in rows:
        if row.id in own:
            continue
        beat = as_utc(row.heartbeat_at) or now
        if row.host == here and row.pid:
            gone = not pid_alive(row.pid) and now - beat > DEAD_PID_GRACE
            why = f"its process {row.pid} on {here} is gone"
        else:
            gone = now - beat > STALE_AFTER
            why = f"no heartbeat from {row.host} since {beat.isoformat()}"
        if gone and close_run(engine, row.id, RunState.INTERRUPTED, now,
                              error=f"interrupted: {why}", error_kind="interrupted"):
            logger.warning("run {} closed as interrupted: {}", row.id, why)
            closed.append(row.id)
    return closed
