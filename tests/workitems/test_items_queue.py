"""Producing and ordering: idempotent puts, bulk puts, priority-then-age claims."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.clock import FrozenClock
from bots.errors import UsageError
from bots.store.schema import audit_events, work_item_events
from bots.workitems import ItemState, Priority, PutResult, WorkQueue

QueueFactory = Callable[..., WorkQueue]


def test_put_is_idempotent_per_queue_key(make_queue: QueueFactory) -> None:
    sales, other = make_queue("sales"), make_queue("other")
    assert sales.put("S-1", {"amount": "10.00"}) is True
    assert sales.put("S-1", {"amount": "99.99"}) is False  # the first payload stays
    assert other.put("S-1", {"amount": "5.00"}) is True  # keys are unique per queue only
    assert sales.get("S-1").payload == {"amount": "10.00"}  # type: ignore[union-attr]
    assert sales.counts()["pending"] == 1


def test_put_records_history_and_audit(make_queue: QueueFactory, store: Engine,
                                       clock: FrozenClock) -> None:
    deadline = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
    make_queue().put("S-1", {"n": 1}, priority="high", deadline=deadline)
    item = make_queue().get("S-1")
    assert item is not None
    assert (item.priority, item.state, item.attempts) == (10, ItemState.PENDING, 0)
    assert item.deadline == deadline and item.created_at == clock.now()
    with store.connect() as conn:
        event = conn.execute(sa.select(work_item_events)).one()
        audit = conn.execute(sa.select(audit_events).where(
            audit_events.c.action == "item.created")).one()
    assert (event.item_id, event.from_state, event.to_state, event.actor) == (
        item.id, None, "pending", "worker-a")
    assert audit.subject == "item:sales/S-1"
    assert verify(store).ok


def test_payload_money_is_kept_as_exact_text(make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put("S-1", {"amount": Decimal("1234.10"), "day": datetime(2026, 1, 5, tzinfo=UTC).date()})
    assert q.get("S-1").payload == {"amount": "1234.10", "day": "2026-01-05"}  # type: ignore[union-attr]


@pytest.mark.parametrize(("key", "payload", "priority", "problem"), [
    ("", {}, "normal", "key"),
    ("x" * 501, {}, "normal", "key"),
    (None, {}, "normal", "key"),
    ("S-1", ["not", "a", "mapping"], "normal", "payload"),
    ("S-1", {"f": object()}, "normal", "cannot be stored"),
    ("S-1", {}, "urgent", "priority"),
    ("S-1", {}, 5000, "priority"),
    ("S-1", {}, True, "priority"),
])
def test_bad_items_are_refused_before_anything_is_written(
        make_queue: QueueFactory, key: object, payload: object, priority: object,
        problem: str) -> None:
    q = make_queue()
    with pytest.raises((UsageError, TypeError, ValueError), match=problem):
        q.put(key, payload, priority=priority)  # type: ignore[arg-type]
    assert sum(q.counts().values()) == 0


def test_put_many_skips_existing_and_repeated_keys_in_one_go(make_queue: QueueFactory,
                                                             store: Engine) -> None:
    q = make_queue()
    q.put("S-2", {"n": 2})
    result = q.put_many([("S-1", {"n": 1}), ("S-2", {"n": 22}), ("S-3", {"n": 3}, "low"),
                         ("S-1", {"n": 11})])
    assert result == PutResult(created=2, existing=2)
    assert q.counts()["pending"] == 3
    assert q.get("S-3").priority == Priority.LOW  # type: ignore[union-attr]
    with store.connect() as conn:
        created = conn.execute(sa.select(sa.func.count()).select_from(work_item_events)).scalar()
        batch = conn.execute(sa.select(audit_events).where(
            audit_events.c.action == "items.created")).one()
    assert created == 3  # one history row per created item
    assert batch.subject == "queue:sales" and '"created":2' in batch.data
    assert verify(store).ok


def test_put_many_refuses_a_bad_entry_and_writes_nothing(make_queue: QueueFactory) -> None:
    q = make_queue()
    with pytest.raises(UsageError, match="entry 2"):
        q.put_many([("S-1", {}), ("S-2",), ("S-3", {})])  # type: ignore[list-item]
    assert sum(q.counts().values()) == 0


def test_claim_order_is_highest_priority_then_oldest(make_queue: QueueFactory,
                                                     clock: FrozenClock) -> None:
    q = make_queue()
    q.put("low-old", {}, Priority.LOW)
    clock.advance(60)
    q.put("normal-old", {})
    clock.advance(60)
    q.put_many([("high-new-1", {}, Priority.HIGH), ("normal-new", {}), ("high-new-2", {}, "high")])
    clock.advance(60)
    q.put("seven", {}, 7)
    q.put("minus-three", {}, "-3")
    claimed = []
    while (item := q.claim()) is not None:
        claimed.append(item.key)
        with item:
            pass
    assert claimed == ["high-new-1", "high-new-2", "seven", "normal-old", "normal-new",
                       "minus-three", "low-old"]


def test_counts_cover_every_state(make_queue: QueueFactory) -> None:
    q = make_queue()
    q.put_many([(f"S-{n}", {}) for n in range(3)])
    item = q.claim()
    assert item is not None
    assert q.counts() == {"pending": 2, "in_progress": 1, "done": 0, "business_exception": 0,
                          "system_exception": 0, "skipped": 0}
    with item:
        pass
    assert q.counts()["done"] == 1


def test_a_bad_lease_or_name_is_refused(store: Engine) -> None:
    with pytest.raises(ValueError, match="lease"):
        WorkQueue(store, "sales", lease=timedelta(0))
    with pytest.raises(UsageError, match="queue name"):
        WorkQueue(store, "")


def test_claim_iter_chains_claims_in_priority_order_and_hands_back_the_last(
        make_queue: QueueFactory, store: Engine, clock: FrozenClock) -> None:
    """claim_iter claims the next item in the commit that settles the one before: the
    order is still priority then age (an item put meanwhile with a higher priority
    comes next but one), and one claimed as the loop stops is handed back unworked."""
    q = make_queue()
    q.put_many([(f"n{i}", {}) for i in range(6)])
    worked = []
    for item in q.claim_iter():
        with item:
            worked.append(item.key)
        if item.key == "n1":
            q.put("urgent", {}, Priority.HIGH)
        if len(worked) == 5:
            break
    assert worked == ["n0", "n1", "n2", "urgent", "n3"]  # n2 was claimed with n1's outcome
    states = {r.key: (r.state, r.attempts) for r in q.get_many(
        ["n0", "n1", "n2", "n3", "n4", "n5", "urgent"]).values()}
    # n4, claimed as n3 settled, went back unworked with its attempt refunded
    assert states["n4"] == (ItemState.PENDING, 0)
    assert states["n5"] == (ItemState.PENDING, 0)
    assert {states[k][0] for k in ("n0", "n1", "n2", "n3", "urgent")} == {ItemState.DONE}
    with store.connect() as conn:
        claims = conn.execute(sa.select(sa.func.count()).select_from(work_item_events).where(
            work_item_events.c.to_state == ItemState.IN_PROGRESS)).scalar()
    assert claims == 6  # every claim has its history row, the handed-back one too
    assert verify(store).ok


def test_hand_over_puts_the_next_item_with_the_done_outcome_only(
        make_queue: QueueFactory, store: Engine, clock: FrozenClock) -> None:
    from bots.errors import BusinessError

    q, orders = make_queue("mail"), make_queue("orders")
    q.put_many([("done", {}), ("refused", {}), ("broken", {}), ("again", {})])
    orders.put("mail:again", {"first": True})
    for _ in range(2):  # the broken one backs off, then is worked again
        for item in q.claim_iter():
            with item:
                item.hand_over("orders", f"mail:{item.key}", {"from": item.key},
                               priority="high")
                if item.key == "refused":
                    raise BusinessError("not ours", reason="not_ours")
                if item.key == "broken" and item.attempts == 1:
                    raise RuntimeError("the portal blinked")
        if orders.get("mail:broken") is None:
            assert q.get("broken").state == ItemState.PENDING  # type: ignore[union-attr]
        clock.advance(minutes=5)
    made = {r.key: r for r in orders.get_many(
        ["mail:done", "mail:refused", "mail:broken", "mail:again"]).values()}
    assert set(made) == {"mail:done", "mail:broken", "mail:again"}
    assert made["mail:done"].payload == {"from": "done"}
    assert made["mail:done"].priority == Priority.HIGH
    assert made["mail:again"].payload == {"first": True}  # an existing key is left as it is
    with pytest.raises(UsageError):
        item.hand_over("orders", "", {})  # checked when staged, not at the commit
    assert verify(store).ok
