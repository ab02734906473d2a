"""No deadlock surfaces on PostgreSQL: reclaimers giving back expired items of many
subjects at once, workers claiming (and reaping) and settling, housekeeping beside them.
Audit appends take their shard heads in one order at commit (bots/audit.py), and a
transaction that still loses a race is run again by the store (bots/store/retrying.py)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.clock import SystemClock
from bots.scheduler.housekeeping import reclaim_expired_leases
from bots.store.retrying import is_transient
from bots.store.schema import work_items
from bots.workitems import ItemState, WorkQueue, reclaim_expired

pytestmark = pytest.mark.postgres


def _expire_all(engine: Engine, queues: list[str]) -> None:
    """Every item claimed by a worker on another host whose lease ran out a minute ago."""
    past = SystemClock().now() - timedelta(minutes=1)
    with engine.begin() as conn:
        conn.execute(work_items.update().where(work_items.c.queue.in_(queues)).values(
            state=ItemState.IN_PROGRESS, lease_owner="elsewhere:1:worker", attempts=1,
            lease_expires_at=past))


def _deadlocks(engine: Engine) -> int:
    """Deadlocks PostgreSQL detected in this test's database, retried or not."""
    with engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )).scalar_one())


def _threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - every failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return errors


def test_four_reclaimers_at_once_never_deadlock(pg_store: Engine) -> None:
    queues = [f"q{n}" for n in range(4)]
    for name in queues:
        WorkQueue(pg_store, name).put_many([(f"K-{n:03d}", {}) for n in range(100)])
    given_back: Counter[str] = Counter()
    lock = threading.Lock()
    for _ in range(5):  # 5 rounds x 4 threads = 20 transactions racing over 16 shards
        _expire_all(pg_store, queues)

        def reclaim() -> None:
            count = reclaim_expired(pg_store, SystemClock().now())
            with lock:
                given_back["items"] += count

        errors = _threads([reclaim] * 4)
        assert errors == [], errors
    assert given_back["items"] == 5 * 400  # each item given back once per round
    assert _deadlocks(pg_store) == 0  # none at all: not merely retried
    assert verify(pg_store).ok


def test_workers_and_housekeeping_over_expired_items(pg_store: Engine) -> None:
    queue = "sales"
    WorkQueue(pg_store, queue).put_many([(f"S-{n:03d}", {}) for n in range(600)])
    _expire_all(pg_store, [queue])
    worked: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> Callable[[], None]:
        def work() -> None:
            q = WorkQueue(pg_store, queue, owner=f"worker-{n}", lease=timedelta(seconds=60))
            q._next_reap = None  # reap on every claim: the most contention there can be
            for item in q.claim_iter():
                with item:
                    with lock:
                        worked[item.key] += 1
        return work

    def housekeeping() -> None:
        for _ in range(20):
            reclaim_expired_leases(pg_store, SystemClock().now())

    errors = _threads([worker(n) for n in range(3)] + [housekeeping] * 2
                      + [lambda: reclaim_expired(pg_store, SystemClock().now())] * 2)
    assert errors == [], errors
    assert _deadlocks(pg_store) == 0
    assert len(worked) == 600 and set(worked.values()) == {1}
    assert WorkQueue(pg_store, queue).counts()["done"] == 600
    result = verify(pg_store)
    assert result.ok, result.describe()


def test_a_deadlock_is_transient_and_other_errors_are_not(pg_store: Engine) -> None:
    """Two transactions locking two rows in opposite orders: PostgreSQL aborts one with
    40P01, which the store's retry treats as a lost race."""
    with pg_store.begin() as conn:
        conn.execute(sa.text("create table pair (id int primary key, n int)"))
        conn.execute(sa.text("insert into pair values (1, 0), (2, 0)"))
    barrier = threading.Barrier(2)
    seen: list[BaseException] = []

    def cross(first: int, second: int) -> None:
        try:
            with pg_store.begin() as conn:
                conn.execute(sa.text("update pair set n = n + 1 where id = :i"), {"i": first})
                barrier.wait(10)
                conn.execute(sa.text("update pair set n = n + 1 where id = :i"), {"i": second})
        except sa.exc.DBAPIError as exc:
            seen.append(exc)

    _threads([lambda: cross(1, 2), lambda: cross(2, 1)])
    assert len(seen) == 1 and is_transient(seen[0])
    with pytest.raises(sa.exc.DBAPIError) as other:
        with pg_store.begin() as conn:
            conn.execute(sa.text("insert into pair values (1, 0)"))
    assert not is_transient(other.value)
