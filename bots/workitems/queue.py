"""A named work queue in the store: producers put items, workers claim and settle them."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bots.clock import Clock, SystemClock
from bots.errors import UsageError
from bots.retry import RetryPolicy
from bots.store.engine import reading
from bots.store.schema import work_items
from bots.workitems import claim as claims
from bots.workitems import produce
from bots.workitems.item import WorkItem
from bots.workitems.lease import KEEPER, Lease
from bots.workitems.model import ItemRecord, ItemState, Outcome, Priority
from bots.workitems.produce import PutResult
from bots.workitems.spec import DEFAULT_LEASE, DEFAULT_RETRY
from bots.workitems.stop import stop_requested
from bots.workitems.transitions import Change, record

if TYPE_CHECKING:
    from bots.run import Run


Check = Callable[[WorkItem], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Outstanding:
    """What is left in a queue right now (for pollers and `idle_exit`)."""

    claimable: int  # pending and due, or in progress with an expired lease
    in_progress: int  # held under a live lease
    waiting: int  # pending, but backing off until `not_before`

    @property
    def drained(self) -> bool:
        """Nothing to claim now and nobody working: items backing off do not count."""
        return self.claimable == 0 and self.in_progress == 0


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


_count_lock = threading.Lock()
RECORD_WITHIN_SECONDS = 1.0  # a batch's outcomes wait no longer for the rest of it
Write = Callable[[sa.Connection], bool]


class WorkQueue:
    """A queue bound to a worker identity (`owner`), a clock, a lease length and a retry
    policy; with a `run`, items and history rows carry the run's id and outcomes are
    counted on it. Cheap to build; use one per thread (the owner names the thread)."""

    def __init__(self, engine: Engine, name: str, *, clock: Clock | None = None,
                 owner: str | None = None, lease: timedelta = DEFAULT_LEASE,
                 retry: RetryPolicy | None = None, run: Run | None = None,
                 stop: threading.Event | None = None, batch: int = 1) -> None:
        if not name or len(name) > 200:
            raise UsageError(f"queue name {name!r}: 1 to 200 characters")
        if lease <= timedelta(0):
            raise ValueError(f"lease must be positive, got {lease}")
        if not 1 <= batch <= 1000:
            raise UsageError(f"batch must be 1 to 1000 items, got {batch}")
        self.engine, self.name = engine, name
        self.clock: Clock = clock or SystemClock()
        self.owner = owner or default_owner()
        self.lease, self.retry = lease, retry or DEFAULT_RETRY
        self.run, self._stop, self.batch = run, stop, batch
        self.tally: Counter[str] = Counter()  # outcomes settled through this object
        self._strategy = claims.strategy_for(engine)
        self._next_reap: datetime | None = None
        # claim_iter: the next items are claimed in the transaction that settles the ones
        # before them (one commit an item, or a batch, instead of two); kept only once
        # that commits
        self._chaining = False
        self._chained: list[WorkItem] = []
        # claim_iter with batch > 1: outcomes decided, written together (see record_later)
        self._unrecorded: list[tuple[WorkItem, Write, Callable[[bool], None]]] = []
        self._unrecorded_since = 0.0

    def with_options(self, *, lease: timedelta | None = None, retry: RetryPolicy | None = None,
                     owner: str | None = None, stop: threading.Event | None = None,
                     batch: int | None = None) -> WorkQueue:
        """The same queue with another lease length, retry policy, owner name, stop or
        batch size."""
        return WorkQueue(self.engine, self.name, clock=self.clock, owner=owner or self.owner,
                         lease=lease or self.lease, retry=retry or self.retry, run=self.run,
                         stop=stop or self._stop, batch=batch or self.batch)

    @property
    def run_id(self) -> int | None:
        return self.run.id if self.run is not None else None

    # -- producing ---------------------------------------------------------------------
    def put(self, key: str | int, payload: Mapping[str, Any],
            priority: Priority | int | str = Priority.NORMAL,
            deadline: datetime | None = None) -> bool:
        """Add one item; False (and nothing changed) if the key is already in the queue."""
        now = self.clock.now()
        row = produce.new_row(self._producer, key, payload, priority, deadline, now=now)
        return produce.put_one(self._producer, row, now)

    def put_many(self, items: Iterable[tuple[Any, ...]]) -> PutResult:
        """Add many `(key, payload[, priority[, deadline]])` in one transaction; keys
        already present (in the store or earlier in `items`) are skipped. Every entry is
        checked before anything is written."""
        now = self.clock.now()
        rows = [produce.new_row(self._producer, *produce.unpack(entry, n), now=now)
                for n, entry in enumerate(items, 1)]
        return produce.put_batch(self._producer, rows, now)

    @property
    def _producer(self) -> produce.Producer:
        return produce.Producer(self.engine, self.name, self.owner, self.run_id)

    # -- consuming ---------------------------------------------------------------------
    def claim(self) -> WorkItem | None:
        """Claim the next item (highest priority, then oldest) under a lease, or None."""
        now = self.clock.now()
        until = now + self.lease
        with self.engine.begin() as conn:
            reaped = self._reap_due(now)
            if reaped:
                self._reap(conn, now)
            rec = self._claim_next(conn, now, until)
            if rec is None and not reaped:
                # Nothing pending: a dead worker's item may be all that is left.
                self._reap(conn, now)
                rec = self._claim_next(conn, now, until)
        if rec is None:
            return None
        return self._item(rec, until)

    def _claim_batch(self) -> WorkItem | None:
        """claim_iter's claim when nothing was chained: `batch` items, as claim() does."""
        if self.batch == 1:
            return self.claim()
        now = self.clock.now()
        until = now + self.lease
        with self.engine.begin() as conn:
            if self._reap_due(now):
                self._reap(conn, now)
            records = self._claim_up_to(conn, now, until)
            if not records:
                self._reap(conn, now)
                records = self._claim_up_to(conn, now, until)
        self.keep_chained((records, until))
        return self._take_chained()

    def _item(self, rec: ItemRecord, until: datetime) -> WorkItem:
        lease = Lease(self.engine, item_id=rec.id, subject=rec.subject, owner=self.owner,
                      attempts=rec.attempts, duration=self.lease, expires_at=until,
                      clock=self.clock)
        KEEPER.hold(lease)
        return WorkItem(self, rec, lease)

    def claim_chained(self, conn: sa.Connection, now: datetime
                      ) -> tuple[list[ItemRecord], datetime] | None:
        """Inside a settling transaction: claim the next items (`batch` of them) for
        `claim_iter`, unless it is not iterating, holds claimed items still, a stop is
        asked for, or leases are due for reaping (claim() does that)."""
        if not self._chaining or self._chained or self.stopping():
            return None
        if self._next_reap is None or now >= self._next_reap:
            return None
        until = now + self.lease
        records = self._claim_up_to(conn, now, until)
        return (records, until) if records else None

    def keep_chained(self, chained: tuple[list[ItemRecord], datetime]) -> None:
        """The items `claim_chained` claimed, once its transaction has committed: their
        leases are kept from now on."""
        records, until = chained
        self._chained.extend(self._item(rec, until) for rec in records)

    def _take_chained(self) -> WorkItem | None:
        """The next item claimed with the ones before, if its lease still holds: one
        whose lease ran out while it waited (a stall longer than the lease) may be
        another worker's now, and is not worked here."""
        while self._chained:
            item = self._chained.pop(0)
            if not item.lease_ran_out():
                return item
        return None

    # -- outcomes written together (batch > 1) -------------------------------------------
    @property
    def records_together(self) -> bool:
        return self.batch > 1 and self._chaining

    def record_later(self, item: WorkItem, write: Write, recorded: Callable[[bool], None]
                     ) -> None:
        """An outcome of claim_iter's batch: written with the others when the batch is
        done (with the next batch's claim), or when the first waited a second. Until
        then the item's lease is kept, and a crash leaves it claimed, to be worked again:
        a batch is for work whose effects are staged on the item (notify, hand_over) or
        checked before acting."""
        if not self._unrecorded:
            self._unrecorded_since = time.monotonic()
        self._unrecorded.append((item, write, recorded))

    def record_now(self, *, claim: bool = False) -> None:
        """Write the outcomes waiting (and, with `claim`, claim the next batch in the
        same transaction). If the store refuses the batch, each outcome is written on
        its own, so that one item the store cannot take does not make its batch-mates be
        worked again (and use up their attempts); the error is raised after."""
        waiting, self._unrecorded = self._unrecorded, []
        if not waiting:
            return
        now = self.clock.now()
        refused: BaseException | None = None
        chained = None
        try:
            with self.engine.begin() as conn:
                written: list[bool | None] = [write(conn) for _, write, _ in waiting]
                chained = self.claim_chained(conn, now) if claim else None
        except SQLAlchemyError as exc:
            refused, written = exc, [self._record_alone(item, write)
                                     for item, write, _ in waiting]
        except BaseException as exc:
            for item, _, _ in waiting:
                item.not_recorded(exc)
            raise
        if chained is not None:
            self.keep_chained(chained)
        failed: BaseException | None = None
        for (_, _, recorded), ok in zip(waiting, written, strict=True):
            if ok is None:  # refused on its own too: not_recorded already
                continue
            try:  # every written outcome is counted and its lease dropped, whatever
                recorded(ok)  # a `settled` callback of another item does
            except BaseException as exc:  # noqa: BLE001 - raised below, after the rest
                failed = failed or exc
        if failed is not None:
            raise failed
        if refused is not None and any(ok is None for ok in written):
            raise refused

    def _record_alone(self, item: WorkItem, write: Write) -> bool | None:
        try:
            with self.engine.begin() as conn:
                return write(conn)
        except SQLAlchemyError as exc:
            item.not_recorded(exc)
            return None

    def _record_due(self) -> None:
        if self._unrecorded and (not self._chained or time.monotonic()
                                 - self._unrecorded_since >= RECORD_WITHIN_SECONDS):
            self.record_now(claim=not self._chained)

    def claim_iter(self, *, check: Check | None = None) -> Iterator[WorkItem]:
        """Claim items one at a time until none is claimable or a stop is requested.
        With `batch` > 1 the outcomes of a batch are written when the next batch is
        claimed, or when the iterator ends: a loop left with `break` writes them once the
        iterator is closed (a `for` over `claim_iter()` itself closes it; a named one:
        `items.close()`).

        `check(item)` runs before each item is yielded; a non-None answer (what the
        outside system shows) completes the item as done without yielding it."""
        self._chaining = True
        try:
            yield from self._claimed(check)
        finally:
            try:
                self.record_now()
            finally:
                self._chaining = False
                while (leftover := self._take_chained()) is not None:
                    # claimed with the last ones settled; not worked
                    leftover.release("the worker stopped before working it")

    def _claimed(self, check: Check | None) -> Iterator[WorkItem]:
        while not self.stopping():
            if self.run is not None:
                self.run.check_deadline()
            self._record_due()
            item = self._take_chained() or self._claim_batch()
            if item is None:
                return
            try:
                if check is not None and self._settled_by_check(item, check):
                    continue
                if item.attempts > self.retry.attempts:
                    # Claimed more often than the policy allows, each time without an
                    # outcome: its workers keep dying (leases given back by housekeeping,
                    # which does not know this queue's policy). A person should look.
                    item.give_up(f"claimed {item.attempts} times without an outcome; "
                                 f"the policy allows {self.retry.attempts} attempts")
                    continue
                if self.stopping():
                    item.release("the worker is stopping")
                    return
                yield item
                if not item.settled:
                    item.release("yielded but not worked inside `with item:`")
                    raise UsageError("work each claimed item inside `with item:` "
                                     f"({item.record.subject} was handed back)")
            finally:
                if not item.settled:  # the loop was left (break, error, close)
                    item.release("the recipe left its loop before working it")

    def _settled_by_check(self, item: WorkItem, check: Check) -> bool:
        try:
            found = check(item)
            if found is not None and not isinstance(found, Mapping):
                raise TypeError(f"check() must return a dict or None, got {type(found).__name__}")
        except BaseException as exc:
            if not item.settle(exc):
                raise
            return True
        if found is None:
            return False
        item.complete_found(dict(found))
        return True

    def stopping(self) -> bool:
        return (self._stop is not None and self._stop.is_set()) or stop_requested()

    def count(self, outcome: Outcome) -> None:
        """Tally a settled item, on this queue and on the run that works it."""
        with _count_lock:  # worker threads of one run share its summary
            self._count(outcome)

    def _count(self, outcome: Outcome) -> None:
        self.tally[outcome] += 1
        if self.run is not None:
            self.run.count(outcome)

    def _claim_next(self, conn: sa.Connection, now: datetime,
                    until: datetime) -> ItemRecord | None:
        found = self._claim_up_to(conn, now, until, 1)
        return found[0] if found else None

    def _claim_up_to(self, conn: sa.Connection, now: datetime, until: datetime,
                     limit: int | None = None) -> list[ItemRecord]:
        found = claims.claim_up_to(conn, self._strategy, queue=self.name, owner=self.owner,
                                   now=now, lease_until=until, run_id=self.run_id,
                                   limit=limit or self.batch)
        for rec in found:
            record(conn, Change(rec.id, rec.queue, rec.key, ItemState.PENDING,
                                ItemState.IN_PROGRESS, self.owner, "item.claimed", now,
                                f"attempt {rec.attempts}", self.run_id,
                                {"attempt": rec.attempts, "lease_until": until}))
        return found

    def _reap_due(self, now: datetime) -> bool:
        if self._next_reap is not None and now < self._next_reap:
            return False
        self._next_reap = now + min(self.lease / 4, timedelta(seconds=15))
        return True

    def _reap(self, conn: sa.Connection, now: datetime) -> None:
        claims.reap_expired(conn, self._strategy, queue=self.name, now=now,
                            max_attempts=self.retry.attempts, actor=self.owner,
                            run_id=self.run_id)

    # -- reading -----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Items per state (every state present, zeros included)."""
        out = {str(state): 0 for state in ItemState}
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(work_items.c.state, sa.func.count())
                .where(work_items.c.queue == self.name).group_by(work_items.c.state)
            )
            out.update({state: int(n) for state, n in rows})
        return out

    def get(self, key: str | int) -> ItemRecord | None:
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(work_items).where(
                work_items.c.queue == self.name, work_items.c.key == str(key))).first()
        return ItemRecord.from_row(row) if row is not None else None

    def get_many(self, keys: Iterable[str | int], *, chunk: int = 900) -> dict[str, ItemRecord]:
        """The items of these keys that exist, by key (read in chunks: any number of keys)."""
        out: dict[str, ItemRecord] = {}
        batch: list[str] = []

        def read(some: list[str]) -> None:
            with reading(self.engine) as conn:
                rows = conn.execute(sa.select(work_items).where(
                    work_items.c.queue == self.name, work_items.c.key.in_(some)))
                out.update({row.key: ItemRecord.from_row(row) for row in rows})

        for key in keys:
            batch.append(str(key))
            if len(batch) >= chunk:
                read(batch)
                batch = []
        if batch:
            read(batch)
        return out

    def outstanding(self) -> Outstanding:
        now = self.clock.now()
        w = work_items.c
        due = sa.or_(w.not_before.is_(None), w.not_before <= now)
        query = sa.select(
            sa.func.count().filter(sa.and_(w.state == ItemState.PENDING, due)),
            sa.func.count().filter(sa.and_(w.state == ItemState.IN_PROGRESS,
                                           w.lease_expires_at < now)),
            sa.func.count().filter(sa.and_(w.state == ItemState.IN_PROGRESS,
                                           w.lease_expires_at >= now)),
            sa.func.count().filter(sa.and_(w.state == ItemState.PENDING, sa.not_(due))),
        ).where(w.queue == self.name, w.state.in_([ItemState.PENDING, ItemState.IN_PROGRESS]))
        with reading(self.engine) as conn:
            pending, expired, held, waiting = conn.execute(query).one()
        return Outstanding(int(pending) + int(expired), int(held), int(waiting))

    def __repr__(self) -> str:
        return f"<WorkQueue {self.name!r} owner={self.owner!r}>"
