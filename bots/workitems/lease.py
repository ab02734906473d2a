"""Leases on claimed items and the heartbeat that renews them.

A claim leases the item until `lease_expires_at`. While the recipe works, one daemon
thread per process (the keeper) renews every held lease at a third of its length, so a
slow item keeps its claim and a dead worker's claim runs out. A renewal is guarded by
owner and attempt: if it touches no row, someone else holds the item now, and the lease
is marked lost. `ensure_lease()` renews synchronously and raises `LeaseLost` instead of
letting the recipe act on an item it no longer holds. Renewals are not state changes:
no history row, no audit event.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bots.clock import Clock
from bots.workitems.errors import LeaseLost
from bots.workitems.transitions import update_held


class Lease:
    def __init__(self, engine: Engine, *, item_id: int, subject: str, owner: str,
                 attempts: int, duration: timedelta, expires_at: datetime,
                 clock: Clock) -> None:
        self.engine, self.item_id, self.subject = engine, item_id, subject
        self.owner, self.attempts, self.duration = owner, attempts, duration
        self.expires_at, self.clock = expires_at, clock
        self._lost: str | None = None
        self._lock = threading.Lock()

    @property
    def lost(self) -> str | None:
        """Why the lease was lost, or None while it is held."""
        return self._lost

    def lose(self, why: str) -> None:
        with self._lock:
            self._lost = self._lost or why

    def check(self) -> None:
        """Raise LeaseLost if the lease is known lost or has run out by the clock."""
        if self._lost:
            raise LeaseLost(self.item_id, self.subject, self._lost)
        if self.clock.now() >= self.expires_at:
            self.lose(f"expired at {self.expires_at.isoformat()} before it was renewed")
            raise LeaseLost(self.item_id, self.subject, self._lost or "expired")

    def renew(self) -> None:
        """Extend the lease now; raise LeaseLost if the item is no longer ours.

        A database error also raises: when we cannot tell whether we hold the item, the
        safe answer is that we do not."""
        self.check()
        until = self.clock.now() + self.duration
        try:
            with self.engine.begin() as conn:
                ok = update_held(conn, self.item_id, self.owner, self.attempts,
                                 {"lease_expires_at": until})
        except SQLAlchemyError as exc:
            raise LeaseLost(self.item_id, self.subject, f"could not renew: {exc}") from exc
        if not ok:
            self.lose("another worker holds it now, or it was settled or reviewed")
            raise LeaseLost(self.item_id, self.subject, self._lost or "lost")
        with self._lock:
            self.expires_at = max(self.expires_at, until)

    def beat(self) -> None:
        """The keeper's renewal: a failed beat is retried next time until the lease runs
        out; only a definite answer (not ours, or expired) marks it lost."""
        try:
            self.renew()
        except LeaseLost as exc:
            if self._lost is None:  # a database error: try again next beat while time remains
                if self.clock.now() < self.expires_at:
                    logger.warning("heartbeat for {} failed, will retry: {}", self.subject, exc.why)
                    return
                self.lose(exc.why)
            logger.warning("lease on {} lost: {}", self.subject, self._lost)


class LeaseKeeper:
    """One thread renewing every lease this process holds; it exits when none are held."""

    IDLE_EXIT_SECONDS = 30.0

    def __init__(self) -> None:
        self._due: dict[int, tuple[Lease, float]] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._wake_at: float | None = None  # when the thread means to wake; None: idle

    def hold(self, lease: Lease) -> None:
        due = time.monotonic() + self._interval(lease)
        with self._cond:
            self._due[id(lease)] = (lease, due)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lease-keeper",
                                                daemon=True)
                self._thread.start()
            elif self._wake_at is None or due < self._wake_at:
                # Wake the thread only when it would otherwise sleep past this lease's
                # first renewal: a wake-up per claim costs a thread switch per item.
                self._cond.notify()

    def drop(self, lease: Lease) -> None:
        with self._cond:
            self._due.pop(id(lease), None)

    def holds(self, lease: Lease) -> bool:
        with self._cond:
            return id(lease) in self._due

    def forget_all(self) -> None:
        """Stop renewing everything (tests: items a test left claimed on purpose)."""
        with self._cond:
            self._due.clear()

    @staticmethod
    def _interval(lease: Lease) -> float:
        return max(lease.duration.total_seconds() / 3, 0.05)

    def _next_batch(self) -> list[Lease] | None:
        with self._cond:
            while True:
                if not self._due:
                    self._wake_at = None
                    self._cond.wait(self.IDLE_EXIT_SECONDS)
                    if not self._due:
                        self._thread = None
                        return None
                    continue
                now = time.monotonic()
                earliest = min(due for _, due in self._due.values())
                if earliest > now:
                    self._wake_at = earliest
                    self._cond.wait(earliest - now)
                    continue
                self._wake_at = now
                batch = [lease for lease, due in self._due.values() if due <= now]
                for lease in batch:
                    self._due[id(lease)] = (lease, now + self._interval(lease))
                return batch

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            for lease in batch:
                lease.beat()
                if lease.lost:
                    self.drop(lease)


    def _after_fork(self) -> None:
        # A forked child holds none of its parent's claims, and must not inherit a lock
        # some parent thread held at the moment of the fork.
        self._due, self._cond = {}, threading.Condition()
        self._thread, self._wake_at = None, None


KEEPER = LeaseKeeper()
os.register_at_fork(after_in_child=KEEPER._after_fork)
