"""A claimed work item: a context manager that records how the work on it ended.

    with item:          no exception        -> done (item.output stored)
                        BusinessError       -> business_exception (to review, no retry)
                        other Exception     -> system exception: pending again after
                                               back-off, or system_exception once the
                                               queue's RetryPolicy has no attempts left
                        ... not retryable   -> system_exception at once (FateUnknown: a
                                               submit nobody can settle goes to review)
                        ... fatal           -> handed back to pending, attempt refunded
                                               (the run stops; the item was not at fault)
                        LeaseLost           -> nothing recorded: another worker has it
                        RunTimeout, KeyboardInterrupt, SIGTERM's Interrupted, SystemExit
                                            -> handed back to pending, attempt refunded,
                                               and the exception goes on

Exceptions (not BaseExceptions) are swallowed so that the recipe's loop goes on to the
next item; they are in the item's history, the audit chain and the run's log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from loguru import logger

from bots.errors import BusinessError, RunTimeout, UsageError, is_fatal, is_retryable
from bots.outbox.model import OutboundMessage
from bots.outbox.store import enqueue_many
from bots.redaction import format_exception, redact
from bots.workitems import produce
from bots.workitems.errors import LeaseLost
from bots.workitems.lease import KEEPER, Lease
from bots.workitems.model import ItemRecord, ItemState, Outcome, Priority, to_jsonable
from bots.workitems.transitions import Change, record, short_error, update_held

if TYPE_CHECKING:
    from loguru import Logger

    from bots.workitems.queue import WorkQueue

MAX_ERROR_TEXT = 8000


class WorkItem:
    """One claimed item, held under a lease: work it inside `with item:` (see above)."""

    def __init__(self, queue: WorkQueue, rec: ItemRecord, lease: Lease) -> None:
        self._queue, self._record, self._lease = queue, rec, lease
        self._output: dict[str, Any] | None = None
        self._entered = False
        self._messages: list[tuple[OutboundMessage, bool]] = []
        self._handed: list[tuple[produce.Producer, dict[str, Any]]] = []  # validated rows
        self.outcome: Outcome | None = None
        self._recording = False  # outcome decided, its write waiting for its batch's
        self._when_recorded: list[Callable[[WorkItem], None]] = []
        base = queue.run.log if queue.run is not None else logger
        self.log: Logger = base.bind(item=f"{rec.queue}/{rec.key}")

    # -- what the recipe reads ---------------------------------------------------------
    @property
    def id(self) -> int:
        return self._record.id

    @property
    def key(self) -> str:
        return self._record.key

    @property
    def queue(self) -> str:
        return self._record.queue

    @property
    def subject(self) -> str:
        """The item's name in the audit chain: what happened to it is audited under it."""
        return self._record.subject

    @property
    def payload(self) -> dict[str, Any]:
        return self._record.payload

    @property
    def priority(self) -> int:
        return self._record.priority

    @property
    def attempts(self) -> int:
        """Claims so far, this one included (1 on the first try)."""
        return self._record.attempts

    @property
    def created_at(self) -> datetime:
        return self._record.created_at

    @property
    def deadline(self) -> datetime | None:
        return self._record.deadline

    @property
    def record(self) -> ItemRecord:
        """The row as it was claimed."""
        return self._record

    @property
    def output(self) -> dict[str, Any] | None:
        return self._output

    @output.setter
    def output(self, value: dict[str, Any] | None) -> None:
        # Converted now, so an unstorable value fails inside the `with` block (a system
        # error, retried behind check-before-act) rather than while recording done.
        self._output = None if value is None else to_jsonable(value, "output")

    def notify(self, message: OutboundMessage, *, on_refusal: bool = False) -> None:
        """Tell the customer once the item is done: the message is written to the outbox in
        the transaction that records the item done, and only then (bots.outbox).

        `on_refusal=True` is for the answer to a request the rules refuse: the message is
        written in the transaction that records the item's business exception instead
        (stage it, then raise the BusinessError). Never for a system exception."""
        self._messages.append((message, on_refusal))

    def hand_over(self, queue: str, key: str | int, payload: Mapping[str, Any], *,
                  priority: Priority | int | str = Priority.NORMAL) -> None:
        """Put an item into another recipe's queue once this one is done: written in the
        transaction that records it done, and only then, so the next item exists exactly
        when this outcome does (a key already in that queue is left as it is). The key
        and payload are checked now."""
        producer = produce.Producer(self._queue.engine, queue, self._queue.owner,
                                    self._queue.run_id)
        row = produce.new_row(producer, key, payload, priority, now=self._queue.clock.now())
        self._handed.append((producer, row))

    @property
    def settled(self) -> bool:
        return self.outcome is not None

    @property
    def lease_expires_at(self) -> datetime:
        return self._lease.expires_at

    def ensure_lease(self) -> None:
        """Renew the lease now; raise LeaseLost if this worker no longer holds the item.
        Call it right before acting on the outside system."""
        self._lease.renew()

    # -- the context manager -----------------------------------------------------------
    def __enter__(self) -> WorkItem:
        if self.settled:
            raise UsageError(f"{self._record.subject} was already settled ({self.outcome})")
        self._entered = True
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        return self.settle(exc)

    def settle(self, exc: BaseException | None) -> bool:
        """Record how the work ended; True when the exception is handled here."""
        try:
            if exc is None:
                self._done(self._output, found=False)
                return False
            if isinstance(exc, LeaseLost):
                self._lease_lost(exc)
                return True
            if isinstance(exc, BusinessError):
                self._business(exc)
                return True
            if isinstance(exc, RunTimeout) or not isinstance(exc, Exception):
                self.release(f"interrupted by {type(exc).__name__}")
                return False
            if is_fatal(exc):
                self.release(f"the run stops: {short_error(exc)}")
                return True
            self._system(exc)
            return True
        finally:
            self._drop_lease()

    # -- outcomes ----------------------------------------------------------------------
    def complete_found(self, found: dict[str, Any]) -> None:
        """Check-before-act found the effect already made: done, without acting."""
        try:
            self._done(to_jsonable(found, "check result"), found=True)
        finally:
            self._drop_lease()

    def _done(self, output: dict[str, Any] | None, *, found: bool) -> None:
        reason = "found_done" if found else None
        self._finish(
            ItemState.DONE, "item.done", Outcome.FOUND_DONE if found else Outcome.DONE,
            values=dict(output=output, reason=reason, last_error=None),
            why="check-before-act: the effect was already made" if found else None,
            data={"found_done": found, "attempt": self.attempts},
            said=("DEBUG", "done (found already done)" if found else "done"),
        )

    def _business(self, exc: BusinessError) -> None:
        message = short_error(exc)
        self._finish(
            ItemState.BUSINESS_EXCEPTION, "item.business_exception", Outcome.BUSINESS_EXCEPTION,
            values=dict(reason=exc.reason, last_error=redact(str(exc))), why=message,
            data={"kind": exc.reason, "attempt": self.attempts},
            said=("WARNING", f"business exception: {message}"),
        )

    def _system(self, exc: Exception) -> None:
        policy, attempt = self._queue.retry, self.attempts
        text = format_exception(exc)
        values: dict[str, Any] = dict(reason=getattr(exc, "reason", None) or "system_exception",
                                      last_error=text[-MAX_ERROR_TEXT:])
        if not is_retryable(exc):
            to, outcome, retry_at = ItemState.SYSTEM_EXCEPTION, Outcome.SYSTEM_EXCEPTION, None
            why = f"not retried ({values['reason']}), to review: {short_error(exc)}"
        elif attempt < policy.attempts:
            retry_at = self._queue.clock.now() + timedelta(seconds=policy.delay(attempt))
            values["not_before"] = retry_at
            to, outcome = ItemState.PENDING, Outcome.RETRY_SCHEDULED
            why = (f"system exception on attempt {attempt} of {policy.attempts}: "
                   f"{short_error(exc)}; retry after {retry_at.isoformat()}")
        else:
            to, outcome, retry_at = ItemState.SYSTEM_EXCEPTION, Outcome.SYSTEM_EXCEPTION, None
            why = f"system exception on the last attempt ({attempt}): {short_error(exc)}"
        self._finish(to, "item.system_exception", outcome, values=values, why=why,
                     data={"attempt": attempt, "max_attempts": policy.attempts,
                           "retry_at": retry_at}, said=("WARNING", why))

    def give_up(self, why: str) -> None:
        """Send the item to review without working it (attempts exhausted)."""
        try:
            self._finish(ItemState.SYSTEM_EXCEPTION, "item.system_exception",
                         Outcome.SYSTEM_EXCEPTION,
                         values=dict(reason="attempts_exhausted", last_error=why), why=why,
                         data={"attempt": self.attempts,
                               "max_attempts": self._queue.retry.attempts},
                         said=("WARNING", why))
        finally:
            self._drop_lease()

    def release(self, why: str) -> None:
        """Hand the item back to pending unworked; the attempt does not count."""
        if self.settled:
            return
        try:
            self._finish(ItemState.PENDING, "item.released", Outcome.RELEASED,
                         values=dict(attempts=self.attempts - 1), why=why,
                         data={"refunded_attempt": self.attempts})
        finally:
            self._drop_lease()

    def _lease_lost(self, exc: LeaseLost) -> None:
        # If a database error (not another worker) made us doubt the lease, the item may
        # still be ours: hand it back so it is not stuck until the lease runs out. The
        # attempt is not refunded; a database that keeps failing must not loop forever.
        self.outcome = Outcome.LEASE_LOST
        self.log.warning("{}", exc)
        try:
            self._write(ItemState.PENDING, "item.released", values={},
                        why=f"lease in doubt: {exc.why}", data={})
        except Exception as err:  # noqa: BLE001 - best effort; the lease will run out anyway
            self.log.warning("could not hand back {}: {}", self._record.subject, err)
        self._queue.count(Outcome.LEASE_LOST)

    def _finish(self, to: ItemState, action: str, outcome: Outcome, *, values: dict[str, Any],
                why: str | None, data: dict[str, Any],
                said: tuple[str, str] | None = None) -> None:
        """Record the outcome now, or, on a queue that records its items' outcomes
        together (`batch`), with the others of its batch: the item counts as settled at
        once, and its lease is kept until the write is committed."""
        now = self._queue.clock.now()
        write = functools.partial(self._apply, to, action, values=values, why=why, data=data,
                                  now=now)
        if outcome is not Outcome.RELEASED and self._queue.records_together:
            self.outcome, self._recording = outcome, True
            self._queue.record_later(self, write, functools.partial(
                self._recorded, to, outcome, said))
            return
        with self._queue.engine.begin() as conn:
            ok = write(conn)
            chained = (self._queue.claim_chained(conn, now)
                       if outcome is not Outcome.RELEASED else None)
        self._recorded(to, outcome, said, ok)
        if chained is not None:  # committed: claim_iter takes it next
            self._queue.keep_chained(chained)

    def _recorded(self, to: ItemState, outcome: Outcome, said: tuple[str, str] | None,
                  ok: bool) -> None:
        """The outcome's write committed; `ok`: it still held the item."""
        self.outcome, self._recording = (outcome if ok else Outcome.LEASE_LOST), False
        if ok:
            self._lease.lose(f"settled as {to}")
            if said is not None:
                self.log.log(said[0], "{}", said[1])
        else:
            self.log.warning("{} not recorded as {}: the lease was lost (another worker has "
                             "it now; it will check before acting)", self._record.subject, to)
        self._queue.count(self.outcome)
        self._drop_lease()
        for callback in self._when_recorded:
            callback(self)
        self._when_recorded.clear()

    def not_recorded(self, exc: BaseException) -> None:
        """Its batch's write failed: the item stays claimed in the store, and its lease
        is let run out, so that it is worked again."""
        self._recording, self._when_recorded = False, []
        self._drop_lease()
        self.log.warning("outcome {} not written ({}); the item is worked again once its "
                         "lease runs out", self.outcome, short_error(exc))

    def lease_ran_out(self) -> bool:
        """True (and the item given up by this worker) when its lease is lost or over."""
        try:
            self._lease.check()
        except LeaseLost as exc:
            self.outcome = Outcome.LEASE_LOST
            KEEPER.drop(self._lease)
            self.log.warning("not worked: {}", exc)
            self._queue.count(Outcome.LEASE_LOST)
            return True
        return False

    def when_recorded(self, callback: Callable[[WorkItem], None]) -> None:
        """Call `callback(item)` once the item's outcome is committed: now, or when its
        batch's outcomes are written."""
        if self._recording:
            self._when_recorded.append(callback)
        else:
            callback(self)

    def _drop_lease(self) -> None:
        if not self._recording:  # a batched outcome keeps its lease until it is written
            KEEPER.drop(self._lease)

    def _write(self, to: ItemState, action: str, *, values: dict[str, Any], why: str | None,
               data: dict[str, Any]) -> bool:
        with self._queue.engine.begin() as conn:
            return self._apply(to, action, conn, values=values, why=why, data=data,
                               now=self._queue.clock.now())

    def _apply(self, to: ItemState, action: str, conn: sa.Connection, *,
               values: dict[str, Any], why: str | None, data: dict[str, Any],
               now: datetime) -> bool:
        """The outcome's rows, in the caller's transaction: the item (if this claim still
        holds it), its history and audit, and what it staged (messages, hand-overs)."""
        q, rec = self._queue, self._record
        final = to != ItemState.PENDING
        ok = update_held(conn, rec.id, q.owner, rec.attempts, {
            "state": to, "updated_at": now, "lease_owner": None, "lease_expires_at": None,
            "finished_at": now if final else None, **values})
        if not ok:
            return False
        record(conn, Change(rec.id, rec.queue, rec.key, ItemState.IN_PROGRESS, to,
                            q.owner, action, now, why, q.run_id, data))
        due = [m for m, on_refusal in self._messages if to == ItemState.DONE
               or (on_refusal and to == ItemState.BUSINESS_EXCEPTION)]
        if due:
            enqueue_many(conn, due, item_id=rec.id, run_id=q.run_id, now=now)
        if to == ItemState.DONE:
            for producer, row in self._handed:
                produce.put_in(conn, producer, dict(row, created_at=now, updated_at=now), now)
        return True

    def __repr__(self) -> str:
        return (f"<WorkItem {self._record.subject} id={self.id} attempt={self.attempts} "
                f"outcome={self.outcome}>")
