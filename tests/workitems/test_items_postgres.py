"""The queue on PostgreSQL: SKIP LOCKED claims, many concurrent claimers, and the core
known answers (order, back-off, lease takeover, review) on the server database."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.clock import FrozenClock
from bots.errors import ApplicationError
from bots.store.schema import work_item_events, work_items
from bots.workitems import ItemState, LeaseLost, Priority, PutResult, WorkQueue, review
from tests.workitems.conftest import KAT_RETRY

pytestmark = pytest.mark.postgres


def test_claim_skips_a_row_another_transaction_has_locked(pg_store: Engine) -> None:
    q = WorkQueue(pg_store, "sales", owner="worker-b")
    q.put_many([("S-1", {}), ("S-2", {})])
    with pg_store.connect() as other:
        other.execute(sa.select(work_items.c.id).where(work_items.c.key == "S-1")
                      .with_for_update())  # worker-a is mid-claim on S-1
        item = q.claim()  # does not wait for worker-a: takes the next row
        assert item is not None and item.key == "S-2"
        other.rollback()
    with item:
        pass
    assert q.claim().key == "S-1"  # type: ignore[union-attr]


def test_many_threads_claim_each_item_exactly_once(pg_store: Engine) -> None:
    WorkQueue(pg_store, "sales").put_many([(f"S-{n:03d}", {}) for n in range(150)])
    worked: Counter[str] = Counter()
    lock = threading.Lock()

    def work(n: int) -> None:
        q = WorkQueue(pg_store, "sales", owner=f"thread-{n}")
        for item in q.claim_iter():
            with item:
                with lock:
                    worked[item.key] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(worked) == 150 and set(worked.values()) == {1}
    with pg_store.connect() as conn:
        claims = conn.execute(sa.select(work_item_events.c.item_id, sa.func.count())
                              .where(work_item_events.c.to_state == "in_progress")
                              .group_by(work_item_events.c.item_id)).all()
    assert len(claims) == 150 and {n for _, n in claims} == {1}
    assert verify(pg_store).ok  # six writers, still one unbroken chain


def test_known_answers_on_postgres(pg_store: Engine) -> None:
    clock = FrozenClock()
    a = WorkQueue(pg_store, "sales", clock=clock, owner="worker-a", retry=KAT_RETRY)
    b = WorkQueue(pg_store, "sales", clock=clock, owner="worker-b", retry=KAT_RETRY)
    assert a.put_many([("low", {}, Priority.LOW), ("normal", {})]) == PutResult(2, 0)
    clock.advance(1)
    assert a.put("high", {}, Priority.HIGH) and not a.put("high", {})
    order = []
    for _ in range(3):
        item = a.claim()
        assert item is not None
        order.append(item.key)
        with item:
            if item.key == "normal":
                raise ApplicationError("portal down")
    assert order == ["high", "normal", "low"]
    assert a.get("normal").not_before == clock.now() + timedelta(seconds=10)  # type: ignore[union-attr]

    clock.advance(10)
    mine = a.claim()
    assert mine is not None and mine.attempts == 2
    clock.advance(61)  # worker-a died holding it
    theirs = b.claim()
    assert theirs is not None and (theirs.key, theirs.attempts) == ("normal", 3)
    with pytest.raises(LeaseLost):
        mine.ensure_lease()
    with theirs:
        raise ApplicationError("still down")
    row = b.get("normal")
    assert row is not None and row.state == ItemState.SYSTEM_EXCEPTION
    after = review(pg_store, row.id, "retry", "ana", "fixed", clock=clock)
    assert (after.state, after.attempts) == (ItemState.PENDING, 0)
    assert verify(pg_store).ok
