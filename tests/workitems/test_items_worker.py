"""The worker: runs the consuming recipe while its queue has work, records the run's
outcome counts, and stops cleanly (in process here; real signals in a real process)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import ApplicationError, BusinessError, RetryPolicy, Run, RunState, recipe
from bots.clock import FrozenClock
from bots.errors import RecipeNotFound, UsageError
from bots.settings import Settings
from bots.store.schema import runs, work_item_events
from bots.worker import run_worker
from bots.workitems import WorkQueue
from tests.workitems.conftest import Workers, wait_until
from tests.workitems.effects import EffectService

ORDERS_RETRY = RetryPolicy(attempts=2, initial=timedelta(seconds=30))
STOP_AFTER_FIRST = threading.Event()


@recipe(queue="kat_orders")
def kat_orders_worker(run: Run) -> None:
    """Works kat_orders: payload {"do": "ok" | "business" | "system"}."""
    for item in run.queue("kat_orders").with_options(retry=ORDERS_RETRY).claim_iter():
        with item:
            if item.payload["do"] == "business":
                raise BusinessError("customer unknown")
            if item.payload["do"] == "system":
                raise ApplicationError("portal down")
            item.output = {"by": threading.current_thread().name}
            run.queue("kat_invoices").put(item.key, {"order": item.key})  # feeds the next queue
            if STOP_AFTER_FIRST.is_set():
                STOP_EVENT.set()  # as if SIGTERM arrived while this item was in hand


STOP_EVENT = threading.Event()


def last_run(store: Engine) -> sa.Row:  # type: ignore[type-arg]
    with store.connect() as conn:
        return conn.execute(sa.select(runs).order_by(runs.c.id.desc())).first()  # type: ignore[return-value]


def test_worker_runs_the_consumer_and_records_outcomes_on_the_run(
        settings: Settings, store: Engine, clock: FrozenClock) -> None:
    q = WorkQueue(store, "kat_orders", clock=clock)
    q.put_many([("A", {"do": "ok"}), ("B", {"do": "business"}), ("C", {"do": "system"}),
                ("D", {"do": "ok"})])
    report = run_worker(settings, ["kat_orders"], 1, threading.Event(), idle_exit=True,
                        poll=0.05, clock=clock)
    assert report.runs == 1
    run = last_run(store)
    assert (run.state, run.trigger) == (RunState.SUCCEEDED_WITH_EXCEPTIONS, "worker")
    assert run.summary == {"outcomes": {"done": 2, "business_exception": 1, "retry_scheduled": 1}}
    assert q.counts()["pending"] == 1  # C is backing off; idle_exit does not wait for it

    clock.advance(30)
    run_worker(settings, ["kat_orders"], 1, threading.Event(), idle_exit=True, poll=0.05,
               clock=clock)
    assert last_run(store).summary == {"outcomes": {"system_exception": 1}}
    counts = q.counts()
    assert (counts["done"], counts["business_exception"], counts["system_exception"]) == (2, 1, 1)
    with store.connect() as conn:
        run_ids = set(conn.execute(sa.select(work_item_events.c.run_id).where(
            work_item_events.c.to_state == "in_progress")).scalars())
    assert run_ids == {run.id, last_run(store).id}  # events carry the run that worked them
    invoices = WorkQueue(store, "kat_invoices")
    assert invoices.counts()["pending"] == 2  # the consumer produced into another queue
    assert invoices.get("A").created_by_run == run.id  # type: ignore[union-attr]


def test_worker_threads_share_the_queue(settings: Settings, store: Engine) -> None:
    q = WorkQueue(store, "kat_orders")
    q.put_many([(f"K-{n}", {"do": "ok"}) for n in range(40)])
    report = run_worker(settings, ["kat_orders"], 3, threading.Event(), idle_exit=True,
                        poll=0.05)
    assert report.failed_runs == 0
    assert q.counts()["done"] == 40
    with store.connect() as conn:
        done = conn.execute(sa.select(sa.func.count()).select_from(work_item_events).where(
            work_item_events.c.to_state == "done")).scalar()
    assert done == 40


def test_stop_lets_the_item_in_hand_finish_and_claims_no_more(settings: Settings,
                                                               store: Engine) -> None:
    q = WorkQueue(store, "kat_orders")
    q.put_many([(f"K-{n}", {"do": "ok"}) for n in range(5)])
    STOP_EVENT.clear()
    STOP_AFTER_FIRST.set()
    try:
        run_worker(settings, ["kat_orders"], 1, STOP_EVENT, poll=0.05)
    finally:
        STOP_AFTER_FIRST.clear()
    counts = q.counts()
    assert (counts["done"], counts["pending"], counts["in_progress"]) == (1, 4, 0)
    assert last_run(store).state == RunState.SUCCEEDED


def test_worker_refuses_what_it_cannot_work(settings: Settings) -> None:
    with pytest.raises(RecipeNotFound, match="no_such_queue"):
        run_worker(settings, ["no_such_queue"], 1, threading.Event())
    with pytest.raises(UsageError, match="concurrency"):
        run_worker(settings, ["kat_orders"], 0, threading.Event())


def test_sigterm_finishes_the_item_in_hand_and_leaves_nothing_claimed(
        workers: Callable[..., Workers], effects: EffectService, store: Engine) -> None:
    q = WorkQueue(store, "effects")
    q.put_many([(f"T-{n}", {}) for n in range(200)])
    group = workers(EFFECT_PAUSE_S="0.05")
    proc = group.start(idle_exit=False)  # a real `worker` that runs until stopped
    wait_until(lambda: effects.total() >= 3, 60, "the worker to start keying")
    effects.arm_hold()  # hold the next effect's answer: SIGTERM lands mid-item
    assert effects.held.wait(30)
    proc.send_signal(signal.SIGTERM)
    effects.release_hold()
    assert proc.wait(60) == 0, group.logs()
    counts = q.counts()
    assert counts["in_progress"] == 0
    done = {row.key for row in _done(store)}
    assert effects.held_key in done  # the item in hand was finished, not dropped
    assert set(effects.effects) == done and not effects.twice()
    assert counts["pending"] == 200 - len(done) > 0


def test_second_sigterm_hands_the_item_back_then_check_before_act_settles_it(
        workers: Callable[..., Workers], effects: EffectService, store: Engine) -> None:
    q = WorkQueue(store, "effects")
    q.put_many([(f"T-{n}", {}) for n in range(20)])
    group = workers()
    proc = group.start(idle_exit=False)
    wait_until(lambda: effects.total() >= 2, 60, "the worker to start keying")
    effects.arm_hold()
    assert effects.held.wait(30)
    proc.send_signal(signal.SIGTERM)
    wait_until(lambda: "finishing the item in hand" in group.logs(), 30, "the first signal")
    proc.send_signal(signal.SIGTERM)  # impatient operator: interrupt now
    assert proc.wait(60) == 0, group.logs()
    effects.release_hold()
    held = q.get(effects.held_key or "")
    assert held is not None and held.state == "pending" and held.lease_owner is None
    assert q.counts()["in_progress"] == 0
    assert last_run(store).state == RunState.INTERRUPTED

    assert group.start(idle_exit=True).wait(120) == 0, group.logs()
    after = q.get(effects.held_key or "")
    assert after is not None and (after.state, after.reason) == ("done", "found_done")
    assert not effects.twice() and len(effects.effects) == 20


def _done(store: Engine) -> list[sa.Row]:  # type: ignore[type-arg]
    from bots.store.schema import work_items

    with store.connect() as conn:
        return list(conn.execute(sa.select(work_items.c.key).where(work_items.c.state == "done")))
