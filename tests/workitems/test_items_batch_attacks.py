"""Attacks on batched outcomes (`WorkQueue(batch=N)`, `run.work(batch=N)`): every kind of
exception inside a batch, leaving the loop, two workers on one SQLite store, a `settled`
that raises, lost leases, a store refusing the batch's write. Real SQLite store, real
history rows; outcomes asserted on the store."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.clock import FrozenClock
from bots.errors import BusinessError, FateUnknown, RunTimeout
from bots.settings import Settings
from bots.store.schema import work_item_events, work_items
from bots.workitems import ItemState, WorkQueue
from bots.workitems.lease import KEEPER

QueueFactory = Callable[..., WorkQueue]


class Fatal(Exception):
    fatal = True


def states(q: WorkQueue, keys: list[str]) -> dict[str, tuple[str, int, str | None]]:
    return {r.key: (str(r.state), r.attempts, r.reason) for r in q.get_many(keys).values()}


def moves(store: Engine, queue: str) -> Counter[tuple[str | None, str]]:
    """History rows of the queue's items, by (from_state, to_state)."""
    with store.connect() as conn:
        rows = conn.execute(sa.select(work_item_events.c.from_state,
                                      work_item_events.c.to_state)
                            .join(work_items, work_items.c.id == work_item_events.c.item_id)
                            .where(work_items.c.queue == queue))
        return Counter((a, s) for a, s in rows)


def work_mixed(q: WorkQueue) -> None:
    for item in q.claim_iter():
        with item:
            if item.key == "biz":
                raise BusinessError("not ours", reason="not_ours")
            if item.key == "sys":
                raise RuntimeError("portal blinked")
            if item.key == "unknown":
                raise FateUnknown("answer was a login page")
            item.output = {"k": item.key}


MIXED = ["ok0", "biz", "sys", "unknown", "ok1", "ok2", "ok3"]


@pytest.mark.parametrize("batch", [1, 3, 50])
def test_every_outcome_kind_in_a_batch_ends_as_with_batch_1(
        make_queue: QueueFactory, store: Engine, batch: int) -> None:
    q = make_queue(f"mixed{batch}", batch=batch)
    q.put_many([(k, {}) for k in MIXED])
    work_mixed(q)
    got = states(q, MIXED)
    assert got["ok0"] == got["ok1"] == got["ok3"] == ("done", 1, None)
    assert got["biz"] == ("business_exception", 1, "not_ours")
    assert got["sys"][:2] == ("pending", 1)  # retry scheduled
    assert got["unknown"][:2] == ("system_exception", 1)
    assert q.get("ok2").output == {"k": "ok2"}  # type: ignore[union-attr]
    assert q.tally == {"done": 4, "business_exception": 1, "retry_scheduled": 1,
                       "system_exception": 1}
    assert moves(store, q.name)[("pending", "in_progress")] == 7
    assert verify(store).ok


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_mid_batch_writes_the_worked_and_hands_back_the_rest(
        make_queue: QueueFactory, store: Engine, interrupt: type[BaseException]) -> None:
    q = make_queue(batch=4)
    keys = [f"n{i}" for i in range(6)]
    q.put_many([(k, {}) for k in keys])
    held = []
    with pytest.raises(interrupt):
        for item in q.claim_iter():
            held.append(item)
            with item:
                if item.key == "n1":
                    raise BusinessError("refused", reason="refused")
                if item.key == "n2":
                    raise interrupt()
    got = states(q, keys)
    assert got["n0"] == ("done", 1, None)
    assert got["n1"] == ("business_exception", 1, "refused")
    assert got["n2"][:2] == ("pending", 0)  # interrupted: attempt refunded
    assert got["n3"][:2] == ("pending", 0)  # claimed with the batch, never worked
    assert got["n4"][:2] == got["n5"][:2] == ("pending", 0)
    assert not any(KEEPER.holds(it._lease) for it in held)
    assert verify(store).ok


def test_a_run_timeout_inside_a_batched_item(make_queue: QueueFactory, store: Engine) -> None:
    q = make_queue(batch=3)
    q.put_many([(f"n{i}", {}) for i in range(3)])
    with pytest.raises(RunTimeout):
        for item in q.claim_iter():
            with item:
                if item.key == "n1":
                    raise RunTimeout(1, 5.0)
    assert states(q, ["n0", "n1", "n2"]) == {
        "n0": ("done", 1, None), "n1": ("pending", 0, None), "n2": ("pending", 0, None)}
    assert verify(store).ok


def test_a_check_that_finds_done_raises_or_interrupts_inside_a_batch(
        make_queue: QueueFactory, store: Engine) -> None:
    q = make_queue(batch=5)
    keys = [f"n{i}" for i in range(5)]
    q.put_many([(k, {}) for k in keys])
    worked: list[str] = []

    def check(item):  # type: ignore[no-untyped-def]
        if item.key == "n1":
            return {"found": "INV-1"}
        if item.key == "n2":
            raise BusinessError("closed account", reason="closed")
        if item.key == "n3":
            raise RuntimeError("search page down")
        if item.key == "n4":
            raise KeyboardInterrupt
        return None

    with pytest.raises(KeyboardInterrupt):
        for item in q.claim_iter(check=check):
            with item:
                worked.append(item.key)
    assert worked == ["n0"]
    got = states(q, keys)
    assert got["n0"] == ("done", 1, None)
    assert got["n1"] == ("done", 1, "found_done")
    assert q.get("n1").output == {"found": "INV-1"}  # type: ignore[union-attr]
    assert got["n2"] == ("business_exception", 1, "closed")
    assert got["n3"][:2] == ("pending", 1)  # retried later
    assert got["n4"][:2] == ("pending", 0)
    assert verify(store).ok


def test_an_item_claimed_too_often_is_given_up_inside_a_batch(
        make_queue: QueueFactory, store: Engine) -> None:
    q = make_queue(batch=3)  # KAT_RETRY: 3 attempts
    q.put_many([("a", {}), ("worn", {}), ("b", {})])
    with store.begin() as conn:
        conn.execute(work_items.update().where(work_items.c.key == "worn").values(attempts=3))
    worked = []
    for item in q.claim_iter():
        with item:
            worked.append(item.key)
    assert worked == ["a", "b"]
    got = states(q, ["a", "worn", "b"])
    assert got["worn"] == ("system_exception", 4, "attempts_exhausted")
    assert got["a"] == got["b"] == ("done", 1, None)
    assert q.tally == {"done": 2, "system_exception": 1}


def test_break_right_after_an_exception_in_a_batch(make_queue: QueueFactory,
                                                   store: Engine) -> None:
    q = make_queue(batch=4)
    keys = [f"n{i}" for i in range(4)]
    q.put_many([(k, {}) for k in keys])
    for item in q.claim_iter():
        with item:
            if item.key == "n1":
                raise RuntimeError("boom")
        if item.key == "n1":
            break
    got = states(q, keys)
    assert got["n0"] == ("done", 1, None)
    assert got["n1"][:2] == ("pending", 1)
    assert got["n2"][:2] == got["n3"][:2] == ("pending", 0)
    assert verify(store).ok


def test_two_workers_interleaved_on_one_store_with_batch_claims(
        make_queue: QueueFactory, store: Engine) -> None:
    a, b = make_queue(owner="a", batch=3), make_queue(owner="b", batch=2)
    keys = [f"n{i:02d}" for i in range(11)]
    a.put_many([(k, {}) for k in keys])
    worked: Counter[str] = Counter()
    by: dict[str, str] = {}
    ia, ib = a.claim_iter(), b.claim_iter()
    live = {"a": ia, "b": ib}
    while live:
        for name in list(live):
            item = next(live[name], None)
            if item is None:
                del live[name]
                continue
            with item:
                worked[item.key] += 1
                by[item.key] = name
    assert worked == Counter({k: 1 for k in keys})
    assert set(states(a, keys).values()) == {("done", 1, None)}
    assert sum(a.tally.values()) + sum(b.tally.values()) == 11
    assert a.tally["done"] == sum(1 for v in by.values() if v == "a")
    assert verify(store).ok


def test_two_worker_threads_on_one_sqlite_store_batch_claims(
        settings: Settings, store: Engine) -> None:
    keys = [f"n{i:03d}" for i in range(300)]
    WorkQueue(store, "many").put_many([(k, {}) for k in keys])
    worked: Counter[str] = Counter()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(owner: str, batch: int) -> None:
        q = WorkQueue(store, "many", owner=owner, batch=batch)
        try:
            for item in q.claim_iter():
                with item:
                    with lock:
                        worked[item.key] += 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{n}", b))
               for n, b in enumerate([7, 13, 1, 50])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert worked == Counter({k: 1 for k in keys})
    q = WorkQueue(store, "many")
    assert q.counts()["done"] == 300
    assert set(states(q, keys).values()) == {("done", 1, None)}
    assert verify(store).ok


def test_a_batched_outcome_whose_lease_ran_out_meanwhile_is_not_written_over_the_new_claim(
        make_queue: QueueFactory, store: Engine, clock: FrozenClock) -> None:
    """a's batch (n0..n2) outlives its leases while n0 is worked; b reaps the three and
    takes n0 over. a's decided outcomes must not be written over b's; a claims n1 and n2
    again (attempt 2) and works them; every item done exactly once in the history."""
    a = make_queue(owner="a", batch=3, lease=timedelta(minutes=1))
    b = make_queue(owner="b")
    a.put_many([(f"n{i}", {}) for i in range(3)])
    for item in a.claim_iter():
        with item:
            if item.key == "n0":
                clock.advance(minutes=2)  # n0..n2's leases run out; b takes n0 over
                took = b.claim()
                assert took is not None and took.key == "n0"
                with took:
                    took.output = {"by": "b"}
    rec = a.get("n0")
    assert rec is not None and rec.state == ItemState.DONE and rec.output == {"by": "b"}
    assert rec.attempts == 2
    assert states(a, ["n1", "n2"]) == {"n1": ("done", 2, None), "n2": ("done", 2, None)}
    assert a.tally == {"lease_lost": 3, "done": 2}
    assert moves(store, "sales")[("in_progress", "done")] == 3  # each done once
    assert verify(store).ok


def test_a_batched_item_whose_lease_already_ran_out_is_not_handed_to_the_recipe(
        make_queue: QueueFactory, store: Engine, clock: FrozenClock) -> None:
    """Items of a batch wait their turn under their lease. If it ran out before the item's
    turn (a stall, the keeper failing) and another worker's reaper gave it back, claim_iter
    must not yield it: the recipe would act on an item that is not its own (with
    batch=1 the claim comes right before the yield, so this cannot happen)."""
    a = make_queue(owner="a", batch=3, lease=timedelta(minutes=1))
    b = make_queue(owner="b")
    a.put_many([(f"n{i}", {}) for i in range(3)])
    yielded: list[tuple[str, int, str]] = []
    for item in a.claim_iter():
        rec = a.get(item.key)
        yielded.append((item.key, item.attempts, str(rec.state)))  # type: ignore[union-attr]
        with item:
            if item.key == "n0" and item.attempts == 1:
                clock.advance(minutes=2)
                with store.begin() as conn:  # b's housekeeping: expired leases given back
                    b._reap(conn, clock.now())
    # n1 attempt 1 was yielded while the store had it pending (not a's any more)
    assert ("n1", 1, "pending") not in yielded, yielded
    assert verify(store).ok


def test_a_refused_batch_write_is_worked_again_once_the_store_recovers(
        make_queue: QueueFactory, store: Engine, clock: FrozenClock) -> None:
    q = make_queue(batch=3, lease=timedelta(minutes=1))
    q.put_many([(f"n{i}", {}) for i in range(3)])
    with pytest.raises(sa.exc.DBAPIError, match="disk full"):
        for item in q.claim_iter():
            with item:
                if item.key == "n2":
                    with store.begin() as conn:
                        conn.exec_driver_sql(
                            "CREATE TRIGGER refuse BEFORE UPDATE ON work_items "
                            "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    assert {s for s, _, _ in states(q, ["n0", "n1", "n2"]).values()} == {"in_progress"}
    with store.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse")
    clock.advance(minutes=2)
    again = make_queue(batch=3, owner="worker-b")
    seen = []
    for item in again.claim_iter():
        with item:
            seen.append((item.key, item.attempts))
    assert seen == [("n0", 2), ("n1", 2), ("n2", 2)]
    assert set(states(q, ["n0", "n1", "n2"]).values()) == {("done", 2, None)}
    assert verify(store).ok


# -- through run.work (drain): fatal errors, a `settled` that raises ------------------
def make_run(settings: Settings, store: Engine, clock: FrozenClock, tmp_path: Path):  # type: ignore[no-untyped-def]
    from bots.run import Run

    return Run(run_id=1, recipe="attack", settings=settings, engine=store, clock=clock,
               artifacts_dir=tmp_path)


@pytest.mark.parametrize("batch", [1, 4])
def test_a_fatal_error_mid_batch_stops_and_keeps_the_outcomes_before_it(
        settings: Settings, store: Engine, clock: FrozenClock, tmp_path: Path,
        make_queue: QueueFactory, batch: int) -> None:
    q = make_queue(f"fatal{batch}")
    keys = [f"n{i}" for i in range(8)]
    q.put_many([(k, {}) for k in keys])

    class Handler:
        def work(self, item):  # type: ignore[no-untyped-def]
            if item.key == "n2":
                raise Fatal("credentials refused")

    run = make_run(settings, store, clock, tmp_path)
    with pytest.raises(Fatal):
        run.work(q, Handler(), batch=batch)
    got = states(q, keys)
    assert got["n0"] == got["n1"] == ("done", 1, None)
    assert got["n2"][:2] == ("pending", 0)
    assert {got[k][:2] for k in keys[3:]} == {("pending", 0)}
    assert verify(store).ok


@pytest.mark.parametrize("batch", [1, 3])
def test_a_settled_callback_that_raises_leaves_the_tally_and_leases_right(
        settings: Settings, store: Engine, clock: FrozenClock, tmp_path: Path,
        make_queue: QueueFactory, batch: int) -> None:
    """The handler's `settled` raises on n0. Whatever reaches the recipe, every outcome
    written to the store must be counted on the run, and no lease of a settled item kept."""
    from tests.workitems.conftest import KAT_RETRY

    run = make_run(settings, store, clock, tmp_path)
    q = WorkQueue(store, f"settled{batch}", clock=clock, owner="w", retry=KAT_RETRY, run=run)
    keys = [f"n{i}" for i in range(6)]
    q.put_many([(k, {}) for k in keys])
    seen = []

    class Handler:
        def work(self, item):  # type: ignore[no-untyped-def]
            seen.append(item)

        def settled(self, item):  # type: ignore[no-untyped-def]
            if item.key == "n0":
                raise ValueError("report sheet locked")

    with pytest.raises(ValueError, match="report sheet"):
        run.work(q, Handler(), batch=batch)
    done_in_store = [k for k, (s, _, _) in states(q, keys).items() if s == "done"]
    kept = [it.key for it in seen if it.settled and KEEPER.holds(it._lease)]
    assert kept == [], f"leases still renewed for settled items {kept}"
    assert run._outcomes.get("done", 0) == len(done_in_store), (run._outcomes, done_in_store)
    assert not any(KEEPER.holds(it._lease) for it in seen if it.settled)
    assert {s for k, (s, _, _) in states(q, keys).items()} <= {"done", "pending"}
    assert verify(store).ok


@pytest.mark.parametrize("batch", [1, 10])
def test_alternating_failures_are_not_an_outage_with_a_batch(
        settings: Settings, store: Engine, clock: FrozenClock, tmp_path: Path,
        make_queue: QueueFactory, batch: int) -> None:
    """outage_after=5 means five items *in a row* failing on system errors. Here every
    other item succeeds, so there is no outage, whatever the batch size. With a batch,
    successes are only reported (crew.settled) when the batch is written, so the failures
    between them are counted as if in a row."""
    q = make_queue(f"alt{batch}")
    keys = [f"n{i:02d}" for i in range(20)]
    q.put_many([(k, {}) for k in keys])

    class Handler:
        def work(self, item):  # type: ignore[no-untyped-def]
            if int(item.key[1:]) % 2:
                raise FateUnknown("the portal answered a login page")

    run = make_run(settings, store, clock, tmp_path)
    report = run.work(q, Handler(), batch=batch)  # must not raise Outage
    assert report.outcomes == {"done": 10, "system_exception": 10}
    got = states(q, keys)
    assert Counter(s for s, _, _ in got.values()) == {"done": 10, "system_exception": 10}


def test_thread_lanes_with_batches_work_every_item_once(
        settings: Settings, store: Engine, clock: FrozenClock, tmp_path: Path,
        make_queue: QueueFactory) -> None:
    q = make_queue("lanes")
    keys = [f"n{i:03d}" for i in range(200)]
    q.put_many([(k, {}) for k in keys])
    worked: Counter[str] = Counter()
    settled: Counter[str] = Counter()
    lock = threading.Lock()

    class Handler:
        def check(self, item):  # type: ignore[no-untyped-def]
            return {"found": True} if item.key.endswith("7") else None

        def work(self, item):  # type: ignore[no-untyped-def]
            with lock:
                worked[item.key] += 1
            if item.key.endswith("3"):
                raise BusinessError("no", reason="no")

        def settled(self, item):  # type: ignore[no-untyped-def]
            settled[str(item.outcome)] += 1

    run = make_run(settings, store, clock, tmp_path)
    report = run.work(q, Handler(), lanes=3, batch=7)
    assert set(worked.values()) == {1} and len(worked) == 180
    assert report.outcomes == {"done": 160, "found_done": 20, "business_exception": 20}
    assert settled == {"done": 160, "business_exception": 20}
    assert Counter(r for _, _, r in states(q, keys).values()) == {
        None: 160, "found_done": 20, "no": 20}
    assert verify(store).ok


def test_an_interrupt_in_one_lane_leaves_no_item_claimed_in_any_lane(
        settings: Settings, store: Engine, clock: FrozenClock, tmp_path: Path,
        make_queue: QueueFactory) -> None:
    q = make_queue("interrupted")
    keys = [f"n{i:03d}" for i in range(120)]
    q.put_many([(k, {}) for k in keys])
    seen = []
    lock = threading.Lock()

    class Handler:
        def work(self, item):  # type: ignore[no-untyped-def]
            with lock:
                seen.append(item)
                if len(seen) == 40:
                    raise KeyboardInterrupt

    run = make_run(settings, store, clock, tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run.work(q, Handler(), lanes=3, batch=6)
    got = states(q, keys)
    assert {s for s, _, _ in got.values()} <= {"done", "pending"}, Counter(
        s for s, _, _ in got.values())
    assert all(a == 0 for s, a, _ in got.values() if s == "pending")
    worked = {it.key for it in seen}
    assert {k for k, (s, _, _) in got.items() if s == "done"} <= worked
    assert not any(KEEPER.holds(it._lease) for it in seen)
    assert verify(store).ok


def test_staged_messages_of_a_refused_batch_are_written_once_when_it_is_worked_again(
        make_queue: QueueFactory, store: Engine, clock: FrozenClock) -> None:
    from bots.outbox import Templates, list_messages
    from tests.outbox.builders import mail
    from tests.outbox.conftest import SHIPPED

    templates = Templates([SHIPPED], default_locale="es")
    q = make_queue(batch=3, lease=timedelta(minutes=1))
    q.put_many([(f"n{i}", {}) for i in range(3)])

    def work_all(queue: WorkQueue, refuse: bool) -> None:
        for item in queue.claim_iter():
            with item:
                item.notify(mail(templates, clock.now(), case=f"CASE-{item.key}"))
                if refuse and item.key == "n2":
                    with store.begin() as conn:
                        conn.exec_driver_sql(
                            "CREATE TRIGGER refuse BEFORE UPDATE ON work_items "
                            "BEGIN SELECT RAISE(ABORT, 'disk full'); END")

    with pytest.raises(sa.exc.DBAPIError):
        work_all(q, refuse=True)
    assert list_messages(store, limit=None) == []  # nothing staged reached the outbox
    with store.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse")
    clock.advance(minutes=2)
    work_all(make_queue(batch=3, owner="worker-b"), refuse=False)
    assert sorted(m.case for m in list_messages(store, limit=None)) == [
        "CASE-n0", "CASE-n1", "CASE-n2"]
    assert verify(store).ok


def test_break_out_of_a_named_claim_iter_writes_the_worked_outcomes_when_closed(
        make_queue: QueueFactory, store: Engine) -> None:
    """`items = q.claim_iter(); for item in items: ... break`, the iterator kept in a
    variable: the generator is not closed at the break, so with a batch the worked
    outcomes wait (as claim_iter's docstring says) until `items.close()`, which writes
    them and hands back the batch's unworked items."""
    q = make_queue(batch=4)
    keys = [f"n{i}" for i in range(6)]
    q.put_many([(k, {}) for k in keys])
    items = q.claim_iter()
    for item in items:
        with item:
            pass
        if item.key == "n1":
            break
    assert states(q, ["n0", "n1"])["n0"][0] == "in_progress"  # not closed yet
    items.close()
    got = states(q, keys)
    assert got["n0"] == got["n1"] == ("done", 1, None), got
    assert {got[k][:2] for k in keys[2:]} == {("pending", 0)}, got
    assert verify(store).ok
