"""Leases: renewal, expiry, takeover by another worker, and what the old holder may do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock, SystemClock
from bots.store.schema import work_item_events, work_items
from bots.workitems import ItemState, LeaseLost, Outcome, WorkItem, WorkQueue, reclaim_expired
from bots.workitems.lease import KEEPER
from tests.workitems.conftest import wait_until

QueueFactory = Callable[..., WorkQueue]


def claim(q: WorkQueue) -> WorkItem:
    item = q.claim()
    assert item is not None
    return item


def test_a_held_lease_blocks_other_workers_until_it_expires(make_queue: QueueFactory,
                                                            clock: FrozenClock) -> None:
    a, b = make_queue(owner="worker-a"), make_queue(owner="worker-b")
    a.put("S-1", {})
    mine = claim(a)
    clock.advance(59.9)
    assert b.claim() is None
    clock.advance(0.2)  # the lease of worker-a ran out: it died, or hung
    theirs = claim(b)
    assert (theirs.key, theirs.attempts) == ("S-1", 2)
    with pytest.raises(LeaseLost, match="lost"):
        mine.ensure_lease()


def test_the_old_holder_cannot_record_over_the_new_claim(make_queue: QueueFactory,
                                                         clock: FrozenClock) -> None:
    a, b = make_queue(owner="worker-a"), make_queue(owner="worker-b")
    a.put("S-1", {})
    mine = claim(a)
    clock.advance(61)
    theirs = claim(b)
    with mine:
        mine.output = {"reference": "late"}  # worker-a wakes up and tries to finish
    assert mine.outcome is Outcome.LEASE_LOST
    row = b.get("S-1")
    assert row is not None and (row.state, row.lease_owner) == (ItemState.IN_PROGRESS, "worker-b")
    with theirs:
        theirs.output = {"reference": "R-1"}
    assert b.get("S-1").output == {"reference": "R-1"}  # type: ignore[union-attr]


def test_same_owner_name_reclaiming_is_still_a_different_claim(make_queue: QueueFactory,
                                                               clock: FrozenClock) -> None:
    q = make_queue(owner="worker-a")
    q.put("S-1", {})
    first = claim(q)
    clock.advance(61)
    second = claim(q)  # e.g. a restarted process that reused the name
    with first:
        pass
    assert first.outcome is Outcome.LEASE_LOST
    assert q.get("S-1").state == ItemState.IN_PROGRESS  # type: ignore[union-attr]
    with second:
        pass
    assert q.get("S-1").state == ItemState.DONE  # type: ignore[union-attr]


def test_renewal_extends_the_lease_from_now(make_queue: QueueFactory,
                                            clock: FrozenClock) -> None:
    a, b = make_queue(owner="worker-a"), make_queue(owner="worker-b")
    a.put("S-1", {})
    mine = claim(a)
    clock.advance(40)
    mine.ensure_lease()
    assert a.get("S-1").lease_expires_at == clock.now() + timedelta(seconds=60)  # type: ignore[union-attr]
    clock.advance(40)  # 80 s after the claim, 40 s after the renewal
    assert b.claim() is None


def test_ensure_lease_refuses_once_the_clock_passed_the_lease(make_queue: QueueFactory,
                                                              clock: FrozenClock) -> None:
    q = make_queue()
    q.put("S-1", {})
    item = claim(q)
    clock.advance(61)  # nobody took it yet, but we must not act on an expired lease
    with pytest.raises(LeaseLost, match="expired"):
        item.ensure_lease()
    with item:
        item.ensure_lease()
    assert item.outcome is Outcome.LEASE_LOST


def test_expired_lease_on_the_last_attempt_goes_to_review(make_queue: QueueFactory,
                                                          clock: FrozenClock) -> None:
    q = make_queue()  # three attempts
    q.put("S-1", {})
    for _ in range(3):
        claim(q)  # and the worker dies each time
        clock.advance(61)
    assert q.claim() is None
    row = q.get("S-1")
    assert row is not None
    assert (row.state, row.reason, row.attempts) == (ItemState.SYSTEM_EXCEPTION,
                                                     "lease_expired", 3)
    assert "expired" in (row.last_error or "")


def test_reviewing_or_settling_the_item_marks_the_lease_lost(make_queue: QueueFactory,
                                                             store: Engine) -> None:
    q = make_queue()
    q.put("S-1", {})
    item = claim(q)
    with store.begin() as conn:  # an operator forced it back by hand
        conn.execute(work_items.update().values(state="pending", lease_owner=None))
    with pytest.raises(LeaseLost):
        item.ensure_lease()


def test_the_keeper_thread_renews_and_detects_loss(store: Engine) -> None:
    # Real clock, short lease: the keeper renews every third of it. No timing asserts:
    # we wait (generously) for the renewal to be seen, then for the loss to be noticed.
    q = WorkQueue(store, "sales", owner="worker-a", lease=timedelta(seconds=0.6),
                  clock=SystemClock())
    q.put("S-1", {})
    item = claim(q)
    first_expiry = item.lease_expires_at
    wait_until(lambda: item.lease_expires_at > first_expiry, 20, "a heartbeat renewal")
    with store.begin() as conn:  # another worker takes it over
        conn.execute(work_items.update().values(lease_owner="worker-b"))
    wait_until(lambda: item._lease.lost is not None, 20, "the keeper to notice the loss")
    with pytest.raises(LeaseLost):
        item.ensure_lease()
    with item:
        pass
    assert item.outcome is Outcome.LEASE_LOST
    with store.connect() as conn:
        assert conn.execute(sa.select(work_items.c.lease_owner)).scalar() == "worker-b"
    assert not KEEPER.holds(item._lease)


def test_housekeeping_reclaims_expired_leases_with_history(make_queue: QueueFactory,
                                                           clock: FrozenClock,
                                                           store: Engine) -> None:
    q = make_queue()
    q.put_many([("S-1", {}), ("S-2", {})])
    claim(q)
    clock.advance(30)
    claim(q)
    clock.advance(31)  # S-1's lease ran out, S-2's did not
    assert reclaim_expired(store, clock.now()) == 1
    assert reclaim_expired(store, clock.now()) == 0
    row = q.get("S-1")
    assert row is not None and (row.state, row.lease_owner) == (ItemState.PENDING, None)
    assert q.get("S-2").state == ItemState.IN_PROGRESS  # type: ignore[union-attr]
    with store.connect() as conn:
        actor, to = conn.execute(sa.select(work_item_events.c.actor, work_item_events.c.to_state)
                                 .order_by(work_item_events.c.id.desc())).first()  # type: ignore[misc]
    assert (actor, to) == ("housekeeping", "pending")


def test_an_item_whose_workers_keep_dying_goes_to_review_after_its_check(
        make_queue: QueueFactory, clock: FrozenClock, store: Engine) -> None:
    q = make_queue()  # three attempts
    q.put("S-1", {})
    for _ in range(3):
        claim(q)  # the worker dies; housekeeping (no policy) gives it back each time
        clock.advance(61)
        reclaim_expired(store, clock.now())
    checked = []
    assert list(q.claim_iter(check=lambda item: checked.append(item.key))) == []
    row = q.get("S-1")
    assert checked == ["S-1"]  # the outside system was asked first
    assert row is not None and (row.state, row.reason, row.attempts) == (
        ItemState.SYSTEM_EXCEPTION, "attempts_exhausted", 4)
