"""Crash tests with real processes, real SIGKILL and a real outside system (HTTP).

The bot checks the outside system before it acts, makes the effect, and only then
records done. Some kills are timed to land exactly between the two (the effect service
holds its answer until the worker is dead); the others land at random moments, mid-claim
or mid-commit included. Afterwards every item must be done and the outside system must
have seen each idempotency key exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.store.schema import work_item_events, work_items
from bots.workitems import WorkQueue
from tests.workitems.conftest import Workers, wait_until
from tests.workitems.effects import EffectService


def done_keys(store: Engine) -> dict[str, str | None]:
    with store.connect() as conn:
        rows = conn.execute(sa.select(work_items.c.key, work_items.c.reason)
                            .where(work_items.c.state == "done"))
        return {row.key: row.reason for row in rows}


def times_done(store: Engine) -> dict[int, int]:
    with store.connect() as conn:
        rows = conn.execute(sa.select(work_item_events.c.item_id, sa.func.count())
                            .where(work_item_events.c.to_state == "done")
                            .group_by(work_item_events.c.item_id))
        return {item_id: n for item_id, n in rows}


def assert_exactly_once(store: Engine, effects: EffectService, keys: list[str],
                        group: Workers) -> dict[str, str | None]:
    done = done_keys(store)
    logs = group.logs()
    assert sorted(done) == sorted(keys), logs[-3000:]
    assert effects.twice() == {}, "an effect was made twice"
    assert sorted(effects.effects) == sorted(keys), "an effect is missing"
    assert set(times_done(store).values()) == {1}, "an item was recorded done twice"
    assert "database is locked" not in logs
    assert verify(store).ok
    return done


@pytest.mark.parametrize("batch", ["1", "20"])
def test_sqlite_worker_killed_five_times_keys_every_item_exactly_once(
        workers: Callable[..., Workers], effects: EffectService, store: Engine,
        batch: str) -> None:
    """With a batch, a kill also loses the outcomes not yet written (up to 20 items'):
    their items are claimed again, and check-before-act finds their effects."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    print(f"random seed {seed}")
    keys = [f"SALE-{n:04d}" for n in range(500)]
    WorkQueue(store, "effects").put_many([(key, {"amount": "10.00"}) for key in keys])
    # A 10 ms pause after the effect stands for reading the confirmation page: it makes
    # the window between "effect made" and "done recorded" wide, as in a real bot.
    group = workers(EFFECT_PAUSE_S="0.01", EFFECT_LEASE_S="2", EFFECT_BATCH=batch)
    kills = ["window", "random", "window", "random", "random"]
    rng.shuffle(kills)
    standby = group.start(standby=True)
    for kind in kills:
        proc, standby = group.go(standby), group.start(standby=True)
        before = effects.total()
        wait_until(lambda before=before: effects.total() >= before + 3, 60,
                   "the restarted worker to make effects")
        if kind == "window":
            effects.arm_hold()
            assert effects.held.wait(30), group.logs()[-2000:]
        else:
            time.sleep(rng.uniform(0.0, 0.4))  # a random moment: mid-claim, mid-commit, ...
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        effects.release_hold()
    assert effects.total() < len(keys), "the kills must happen before the queue is empty"

    final = group.go(standby)
    assert final.wait(180) == 0, group.logs()[-3000:]
    done = assert_exactly_once(store, effects, keys, group)
    # The window kills left effects the store did not know about: check-before-act
    # found them instead of keying them again.
    assert sum(reason == "found_done" for reason in done.values()) >= kills.count("window")
    assert WorkQueue(store, "effects").counts()["in_progress"] == 0


@pytest.mark.parametrize("batch", ["1", "10"])
def test_sqlite_several_worker_processes_share_one_queue_without_lock_errors(
        workers: Callable[..., Workers], effects: EffectService, store: Engine,
        batch: str) -> None:
    keys = [f"K-{n:04d}" for n in range(300)]
    WorkQueue(store, "effects").put_many([(key, {}) for key in keys])
    group = workers(EFFECT_BATCH=batch)
    effects.close_gate()  # hold everyone at their first request until all three are up
    procs = [group.start() for _ in range(3)]
    wait_until(lambda: len(effects.pids) >= 3, 90, "three workers at the gate")
    effects.open_gate()
    for proc in procs:
        assert proc.wait(180) == 0, group.logs()[-3000:]
    assert_exactly_once(store, effects, keys, group)
    with store.connect() as conn:
        owners = set(conn.execute(sa.select(work_item_events.c.actor)
                                  .where(work_item_events.c.to_state == "done")).scalars())
    assert len(owners) == 3, "every process took a share"


@pytest.mark.postgres
@pytest.mark.parametrize("batch", ["1", "25"])
def test_postgres_four_workers_one_killed_mid_way(
        workers: Callable[..., Workers], effects: EffectService, pg_store: Engine,
        batch: str) -> None:
    """With a batch, each worker claims 25 at once (FOR UPDATE SKIP LOCKED): no two take
    the same item, and the killed one's claimed and unwritten items are taken over."""
    keys = [f"PG-{n:05d}" for n in range(5000)]
    WorkQueue(pg_store, "effects").put_many([(key, {}) for key in keys])
    group = workers(EFFECT_LEASE_S="3", EFFECT_BATCH=batch)
    procs = {proc.pid: proc for proc in (group.start() for _ in range(4))}
    wait_until(lambda: effects.total() >= 1500, 240, "a third of the items keyed")
    effects.arm_hold()  # the next effect, from whichever worker, is the one we kill
    assert effects.held.wait(30)
    victim = procs.pop(effects.held_pid or 0)
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    effects.release_hold()
    assert effects.total() < len(keys)
    for proc in procs.values():
        assert proc.wait(300) == 0, group.logs()[-3000:]
    done = assert_exactly_once(pg_store, effects, keys, group)
    assert done[effects.held_key or ""] == "found_done"
    with pg_store.connect() as conn:
        owners = set(conn.execute(sa.select(work_item_events.c.actor)
                                  .where(work_item_events.c.to_state == "in_progress")).scalars())
    assert len(owners) == 4
