"""Outcomes with known answers: done, business, system with back-off, check-before-act,
hand-backs. The clock is frozen; time only moves when the test says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import BusinessError
from bots.audit import verify
from bots.clock import FrozenClock
from bots.errors import ApplicationError, InputError, RunTimeout, UsageError
from bots.retry import RetryPolicy
from bots.store.schema import audit_events, work_item_events
from bots.workitems import ItemState, Outcome, WorkItem, WorkQueue

QueueFactory = Callable[..., WorkQueue]


def history(store: Engine, item_id: int) -> list[tuple[str | None, str]]:
    with store.connect() as conn:
        rows = conn.execute(sa.select(work_item_events.c.from_state, work_item_events.c.to_state)
                            .where(work_item_events.c.item_id == item_id)
                            .order_by(work_item_events.c.id))
        return [(r.from_state, r.to_state) for r in rows]


def claim(q: WorkQueue) -> WorkItem:
    item = q.claim()
    assert item is not None
    return item


def test_done_stores_output_history_and_audit(make_queue: QueueFactory, store: Engine,
                                              clock: FrozenClock) -> None:
    q = make_queue()
    q.put("S-1", {"amount": "10.00"})
    item = claim(q)
    assert (item.key, item.attempts, item.payload) == ("S-1", 1, {"amount": "10.00"})
    assert item.lease_expires_at == clock.now() + timedelta(seconds=60)
    clock.advance(5)
    with item:
        item.ensure_lease()
        item.output = {"reference": "R-77"}
    row = q.get("S-1")
    assert row is not None
    assert (row.state, row.output, row.lease_owner, row.finished_at) == (
        ItemState.DONE, {"reference": "R-77"}, None, clock.now())
    assert item.outcome is Outcome.DONE and q.tally == {"done": 1}
    assert history(store, row.id) == [(None, "pending"), ("pending", "in_progress"),
                                      ("in_progress", "done")]
    with store.connect() as conn:
        actions = conn.execute(sa.select(audit_events.c.action).where(
            audit_events.c.subject == "item:sales/S-1").order_by(audit_events.c.id)).scalars()
        assert list(actions) == ["item.created", "item.claimed", "item.done"]
    assert verify(store).ok


def test_business_exception_goes_to_review_and_is_never_retried(
        make_queue: QueueFactory, clock: FrozenClock) -> None:
    q = make_queue()
    q.put("S-1", {})
    with claim(q) as item:
        raise InputError("amount is negative", row=4, column="amount")
    row = q.get("S-1")
    assert row is not None
    assert (row.state, row.reason, row.attempts) == (ItemState.BUSINESS_EXCEPTION,
                                                     "invalid_input", 1)
    assert "row 4" in (row.last_error or "")
    assert item.outcome is Outcome.BUSINESS_EXCEPTION
    clock.advance(days=30)
    assert q.claim() is None


def test_system_exception_backs_off_exponentially_then_goes_to_review(
        make_queue: QueueFactory, clock: FrozenClock, store: Engine) -> None:
    # attempts=3, initial 10 s, multiplier 2: retry 1 after 10 s, retry 2 after 20 s.
    q = make_queue()
    q.put("S-1", {})
    start = clock.now()
    with claim(q):
        raise ApplicationError("portal down")
    row = q.get("S-1")
    assert row is not None
    assert (row.state, row.attempts, row.not_before) == (
        ItemState.PENDING, 1, start + timedelta(seconds=10))
    assert "ApplicationError: portal down" in (row.last_error or "")

    clock.advance(9.999)
    assert q.claim() is None  # still backing off
    clock.advance(0.001)
    with claim(q) as item:
        assert item.attempts == 2
        raise TimeoutError("slow portal")
    assert q.get("S-1").not_before == clock.now() + timedelta(seconds=20)  # type: ignore[union-attr]

    clock.advance(20)
    with claim(q) as item:
        assert item.attempts == 3
        raise KeyError("surprise")
    row = q.get("S-1")
    assert row is not None
    assert (row.state, row.attempts, row.not_before) == (ItemState.SYSTEM_EXCEPTION, 3, None)
    assert item.outcome is Outcome.SYSTEM_EXCEPTION
    clock.advance(days=1)
    assert q.claim() is None
    assert q.tally == {"retry_scheduled": 2, "system_exception": 1}
    assert history(store, row.id)[-2:] == [("pending", "in_progress"),
                                           ("in_progress", "system_exception")]


def test_back_off_is_capped_by_the_policy_maximum(make_queue: QueueFactory,
                                                  clock: FrozenClock) -> None:
    policy = RetryPolicy(attempts=6, initial=timedelta(seconds=30), multiplier=3,
                         maximum=timedelta(minutes=5))
    q = make_queue(retry=policy)
    q.put("S-1", {})
    waits = []
    for _ in range(5):
        clock.advance(hours=1)
        with claim(q):
            raise ApplicationError("down")
        waits.append((q.get("S-1").not_before - clock.now()).total_seconds())  # type: ignore[union-attr,operator]
    assert waits == [30, 90, 270, 300, 300]


def test_check_before_act_completes_without_yielding(make_queue: QueueFactory,
                                                     store: Engine) -> None:
    q = make_queue()
    q.put_many([("S-1", {}), ("S-2", {})])
    seen = []

    def already(item: WorkItem) -> dict[str, str] | None:
        return {"reference": "R-OLD"} if item.key == "S-1" else None

    for item in q.claim_iter(check=already):
        seen.append(item.key)
        with item:
            item.output = {"reference": "R-NEW"}
    assert seen == ["S-2"]
    found = q.get("S-1")
    assert found is not None
    assert (found.state, found.output, found.reason) == (
        ItemState.DONE, {"reference": "R-OLD"}, "found_done")
    assert q.tally == {"found_done": 1, "done": 1}
    with store.connect() as conn:
        data = conn.execute(sa.select(audit_events.c.data).where(
            audit_events.c.subject == "item:sales/S-1",
            audit_events.c.action == "item.done")).scalar_one()
    assert '"found_done":true' in data


def test_a_failing_check_is_the_items_system_exception(make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put("S-1", {})

    def broken(item: WorkItem) -> None:
        raise ConnectionError("portal unreachable")

    assert list(q.claim_iter(check=broken)) == []
    row = q.get("S-1")
    assert row is not None and row.state == ItemState.PENDING and row.not_before is not None
    assert "portal unreachable" in (row.last_error or "")


def test_interrupt_hands_the_item_back_without_counting_the_attempt(
        make_queue: QueueFactory, store: Engine) -> None:
    q = make_queue()
    q.put("S-1", {})
    with pytest.raises(KeyboardInterrupt), claim(q):
        raise KeyboardInterrupt
    row = q.get("S-1")
    assert row is not None
    assert (row.state, row.attempts, row.lease_owner) == (ItemState.PENDING, 0, None)
    assert history(store, row.id)[-1] == ("in_progress", "pending")


def test_run_timeout_hands_back_and_propagates(make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put("S-1", {})
    with pytest.raises(RunTimeout), claim(q):
        raise RunTimeout(1, 5)
    assert q.get("S-1").state == ItemState.PENDING  # type: ignore[union-attr]


def test_leaving_the_loop_hands_back_the_item_in_hand(make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put_many([("S-1", {}), ("S-2", {})])
    for item in q.claim_iter():
        with item:
            pass
        break
    loop = q.claim_iter()
    next(loop)
    loop.close()  # the recipe dropped its loop with S-2 claimed and unworked
    assert q.counts()["pending"] == 1 and q.counts()["in_progress"] == 0
    assert q.get("S-2").attempts == 0  # type: ignore[union-attr]


def test_an_item_not_worked_in_a_with_block_is_refused(make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put_many([("S-1", {}), ("S-2", {})])
    with pytest.raises(UsageError, match="with item"):
        for _item in q.claim_iter():
            pass
    assert q.counts()["in_progress"] == 0


def test_stop_request_ends_the_loop_between_items(store: Engine, clock: FrozenClock) -> None:
    import threading

    stop = threading.Event()
    q = WorkQueue(store, "sales", clock=clock, owner="w", stop=stop)
    q.put_many([(f"S-{n}", {}) for n in range(5)])
    worked = []
    for item in q.claim_iter():
        with item:
            worked.append(item.key)
            stop.set()  # SIGTERM arrives while this item is in hand
    assert worked == ["S-0"]
    assert q.counts() == {**q.counts(), "done": 1, "pending": 4, "in_progress": 0}


def test_stop_during_check_hands_the_claimed_item_back(store: Engine, clock: FrozenClock) -> None:
    import threading

    stop = threading.Event()
    q = WorkQueue(store, "sales", clock=clock, owner="w", stop=stop)
    q.put("S-1", {})

    def check(item: WorkItem) -> None:
        stop.set()

    assert list(q.claim_iter(check=check)) == []
    row = q.get("S-1")
    assert row is not None and (row.state, row.attempts) == (ItemState.PENDING, 0)


def test_unstorable_output_fails_inside_the_block(make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put("S-1", {})
    with claim(q) as item:
        item.output = {"when": object()}  # type: ignore[dict-item]
    row = q.get("S-1")
    assert row is not None and row.state == ItemState.PENDING  # a system error, retried
    assert "cannot be stored as JSON" in (row.last_error or "")


def test_business_error_subclass_from_bots_is_a_business_exception(
        make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put("S-1", {})
    with claim(q):
        raise BusinessError("customer unknown", reason="unknown_customer")
    assert q.get("S-1").reason == "unknown_customer"  # type: ignore[union-attr]
