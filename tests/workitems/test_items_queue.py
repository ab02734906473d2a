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


def _states(q: WorkQueue, keys: list[str]) -> dict[str, tuple[str, int]]:
    return {r.key: (str(r.state), r.attempts) for r in q.get_many(keys).values()}


def test_a_batch_is_claimed_in_order_and_its_outcomes_written_together(
        make_queue: QueueFactory, store: Engine) -> None:
    """batch=3: three items claimed in one transaction, in priority order; their
    outcomes are in the store once the batch is done, with the next batch's claim, and
    every claim and outcome has its history row and audit event."""
    q = make_queue(batch=3)
    q.put_many([(f"n{i}", {}, "high" if i == 4 else "normal") for i in range(7)])
    seen: list[tuple[str, dict[str, tuple[str, int]]]] = []
    for item in q.claim_iter():
        with item:
            seen.append((item.key, _states(q, ["n0", "n4"])))
    keys = [key for key, _ in seen]
    assert keys == ["n4", "n0", "n1", "n2", "n3", "n5", "n6"]
    # while the first batch (n4, n0, n1) was worked, nothing of it was written yet
    assert seen[1][1] == {"n4": ("in_progress", 1), "n0": ("in_progress", 1)}
    assert seen[2][1]["n4"] == ("in_progress", 1)
    assert seen[3][1] == {"n4": ("done", 1), "n0": ("done", 1)}  # written with batch two's claim
    assert set(_states(q, keys).values()) == {("done", 1)}
    assert q.tally == {"done": 7}
    with store.connect() as conn:
        moves = conn.execute(sa.select(work_item_events.c.to_state, sa.func.count())
                             .group_by(work_item_events.c.to_state)).all()
    assert dict(moves) == {"pending": 7, "in_progress": 7, "done": 7}
    assert verify(store).ok


def test_a_batch_s_outcomes_wait_at_most_a_second(
        make_queue: QueueFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """An item that takes long must not hold the outcomes before it unwritten: once the
    first waited RECORD_WITHIN_SECONDS (0 here), they are written before the next item."""
    from bots.workitems import queue as queue_module

    monkeypatch.setattr(queue_module, "RECORD_WITHIN_SECONDS", 0.0)
    q = make_queue(batch=10)
    q.put_many([(f"n{i}", {}) for i in range(4)])
    before: list[str] = []
    for item in q.claim_iter():
        with item:
            if item.key == "n2":
                before = [key for key, (state, _) in _states(q, ["n0", "n1"]).items()
                          if state == "done"]
    assert sorted(before) == ["n0", "n1"]
    assert q.counts()["done"] == 4


def test_a_batch_left_part_way_hands_back_what_was_not_worked(
        make_queue: QueueFactory, store: Engine) -> None:
    q = make_queue(batch=5)
    q.put_many([(f"n{i}", {}) for i in range(8)])
    for item in q.claim_iter():
        with item:
            pass
        if item.key == "n1":
            break
    states = _states(q, [f"n{i}" for i in range(8)])
    assert states["n0"] == states["n1"] == ("done", 1)  # worked: written as the loop ended
    assert {states[f"n{i}"] for i in range(2, 8)} == {("pending", 0)}  # attempts refunded
    assert verify(store).ok


def test_an_item_of_a_batch_whose_lease_was_lost_is_not_recorded_as_done(
        make_queue: QueueFactory, store: Engine) -> None:
    """Another worker took n1 over while the batch was worked (its lease had run out):
    its outcome is not written, the others' are, and the tally says so."""
    from bots.store.schema import work_items

    q = make_queue(batch=3)
    q.put_many([(f"n{i}", {}) for i in range(3)])
    recorded: list[tuple[str, str]] = []
    for item in q.claim_iter():
        with item:
            if item.key == "n1":
                with store.begin() as conn:
                    conn.execute(work_items.update().where(work_items.c.key == "n1")
                                 .values(lease_owner="worker-b"))
        item.when_recorded(lambda it: recorded.append((it.key, str(it.outcome))))
    assert recorded == [("n0", "done"), ("n1", "lease_lost"), ("n2", "done")]
    assert _states(q, ["n0", "n1", "n2"]) == {
        "n0": ("done", 1), "n1": ("in_progress", 1), "n2": ("done", 1)}
    assert q.tally == {"done": 2, "lease_lost": 1}


def test_a_batch_whose_write_fails_lets_its_leases_run_out(
        make_queue: QueueFactory, store: Engine) -> None:
    """The store refuses the batch's write: the error reaches the recipe, nothing of the
    batch is recorded, and its leases are no longer renewed (the items are worked again
    once they run out, not held by a worker that cannot write)."""
    from bots.workitems.lease import KEEPER

    q = make_queue(batch=2)
    q.put_many([("n0", {}), ("n1", {})])
    items = []
    with pytest.raises(sa.exc.DBAPIError, match="disk full"):
        for item in q.claim_iter():
            with item:
                items.append(item)
                if item.key == "n1":
                    with store.begin() as conn:  # a write the store refuses from now on
                        conn.exec_driver_sql(
                            "CREATE TRIGGER refuse BEFORE UPDATE ON work_items "
                            "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    assert [it.key for it in items] == ["n0", "n1"]
    assert not any(KEEPER.holds(it._lease) for it in items)
    assert _states(q, ["n0", "n1"]) == {"n0": ("in_progress", 1), "n1": ("in_progress", 1)}


def test_an_item_the_store_cannot_take_does_not_take_its_batch_with_it(
        make_queue: QueueFactory, store: Engine) -> None:
    """The store refuses one outcome of the batch (a trigger on n1's row): the batch's
    write fails, each is then written on its own, the others are done, and the error
    still reaches the recipe; n1 stays claimed, to be worked again."""
    q = make_queue(batch=3)
    q.put_many([("n0", {}), ("n1", {}), ("n2", {})])
    with store.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse_n1 BEFORE UPDATE OF state ON work_items "
            "WHEN OLD.key = 'n1' AND NEW.state = 'done' "
            "BEGIN SELECT RAISE(ABORT, 'n1 cannot be stored'); END")
    with pytest.raises(sa.exc.DBAPIError, match="n1 cannot be stored"):
        for item in q.claim_iter():
            with item:
                pass
    assert _states(q, ["n0", "n1", "n2"]) == {
        "n0": ("done", 1), "n1": ("in_progress", 1), "n2": ("done", 1)}
    assert q.tally == {"done": 2}
