"""The sender: takes due messages from the outbox and delivers them through their channel.

Due messages (queued, or deferred and their time come) are claimed in batches, in one
transaction: each address is checked (opted out, failing: failed), the channel's quiet
hours and the customer's rate limit (deferred to when it may go), else the message is
claimed (`sending`, reason `claimed`, attempt + 1, under a lease). Then, in turn, each is
marked as being attempted (in the transaction that records the message before it), the
channel sends it, with a few quick retries (tenacity) on a temporary failure; then `sent`,
or `deferred` with back-off, or `failed` (refused, or attempts exhausted).

With `lanes` > 1, that many lanes (threads, each with its own connection to the channel
and its own owner name) claim and send side by side, as that many senders would: a
relay's answers are waited for in parallel. Their writes to the store take turns.

A crash leaves the claimed messages `sending` with a lease that runs out. The next sender
queues again those never attempted (still `claimed`) and asks the channel about the one
being attempted by each lane (`lookup`): delivered -> sent, not delivered -> queued again
(sent once, after the restart), cannot tell -> failed as `in_doubt`, for a person to
review: never sent twice.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bots import audit
from bots.clock import Clock, SystemClock, as_utc
from bots.outbox.model import (
    Channel,
    ChannelKind,
    DeliveryState,
    PermanentFailure,
    StoredMessage,
    TemporaryFailure,
)
from bots.outbox.rules import Rules
from bots.outbox.store import address_status, address_statuses, mark_failing, stored
from bots.redaction import redact
from bots.store.outbox_schema import outbox_messages as M
from bots.threads import run_side_by_side

S = DeliveryState
DUE_BATCH = 50
CLAIMED = "claimed"  # the reason of a message claimed in a batch and not yet attempted
# Built once and run with parameters, as bots/workitems/transitions.py does: building an
# UPDATE per message cost more than the SQL itself. What is set comes with the parameters.
_OURS = sa.and_(M.c.id == sa.bindparam("b_id"), M.c.state == S.SENDING,
                M.c.lease_owner == sa.bindparam("b_owner"))
_UPDATE_OURS = M.update().where(_OURS)
_UPDATE_CLAIMED = M.update().where(_OURS, M.c.reason == CLAIMED)
_UPDATE_AS_READ = M.update().where(  # as the claim read it: no other sender came between
    M.c.id == sa.bindparam("b_id"), M.c.state == sa.bindparam("b_state"),
    M.c.attempts == sa.bindparam("b_attempts"))


class RecentSends:
    """What counts towards each customer's rate limit (messages in flight, or sent in the
    window), read in one query for a claim batch instead of one per message."""

    def __init__(self) -> None:
        self._by: dict[str, list[tuple[int, datetime | None]]] = {}

    @classmethod
    def read(cls, conn: sa.Connection, customers: Iterable[str], since: datetime
             ) -> RecentSends:
        """The customers of one claim batch (at most DUE_BATCH of them)."""
        found = cls()
        recent = sa.or_(M.c.state == S.SENDING,
                        sa.and_(M.c.sent_at.is_not(None), M.c.sent_at > since))
        for customer, message_id, sent_at in conn.execute(sa.select(
                M.c.customer, M.c.id, M.c.sent_at).where(
                M.c.customer.in_(sorted(set(customers))), recent)):
            found.add(customer, message_id, sent_at)
        return found

    def add(self, customer: str, message_id: int, sent_at: datetime | None) -> None:
        self._by.setdefault(customer, []).append((message_id, sent_at))

    def of(self, customer: str, *, but: int) -> list[datetime | None]:
        return [sent_at for message_id, sent_at in self._by.get(customer, ())
                if message_id != but]


class LeaseGone(Exception):
    """Another sender took the message over: this one must not send it."""


@dataclass(frozen=True)
class Decision:
    state: DeliveryState  # SENDING: go ahead; DEFERRED or FAILED: not now / never
    reason: str | None = None
    not_before: datetime | None = None


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    found_delivered: int = 0  # recovered after a crash: the channel had it
    requeued: int = 0  # recovered after a crash: the channel did not have it
    in_doubt: int = 0
    rendered: int = 0  # dry run
    stopped_at_max: bool = False
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, reason: str | None) -> None:
        if reason:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Budget:
    """Claims left this run (None: no cap), shared by the lanes. A lane reserves what it
    may claim and gives back what it did not claim; none is told the budget is spent
    while another's reservation may still come back."""

    def __init__(self, cap: int | None) -> None:
        self.left, self._reserved = cap, 0
        self._changed = threading.Condition()

    def take(self, wanted: int) -> int:
        with self._changed:
            if self.left is None:
                return wanted
            while self.left == 0 and self._reserved:
                self._changed.wait()
            granted = min(wanted, self.left)
            self.left -= granted
            self._reserved += granted
            return granted

    def give_back(self, granted: int, claimed: int) -> None:
        with self._changed:
            if self.left is not None:
                self.left += granted - claimed
                self._reserved -= granted
                self._changed.notify_all()


class Sender:
    def __init__(self, engine: Engine, channels: Mapping[ChannelKind, Channel], *,
                 rules: Rules | None = None, clock: Clock | None = None,
                 owner: str | None = None, lease: timedelta = timedelta(seconds=60),
                 tries_now: int = 3, first_wait_seconds: float = 1.0, lanes: int = 1) -> None:
        if lanes < 1:
            raise ValueError(f"lanes must be at least 1, got {lanes}")
        self.engine, self.channels = engine, dict(channels)
        self.rules = rules or Rules()
        self.clock = clock or SystemClock()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease, self.tries_now, self.first_wait = lease, tries_now, first_wait_seconds
        self.lanes = lanes
        self._leased_at: dict[int, float] = {}  # message id -> monotonic time of its lease
        self._refused_now: set[str] = set()  # addresses refused since their batch's claim
        # shared by the lanes: their writes take turns (SQLite has one writer, and a
        # wait for its lock would sleep), and so do their additions to the report
        self._writing = threading.Lock()
        self._counting = threading.Lock()

    def _lane(self, n: int) -> Sender:
        lane = Sender(self.engine, self.channels, rules=self.rules, clock=self.clock,
                      owner=f"{self.owner}:{n}", lease=self.lease, tries_now=self.tries_now,
                      first_wait_seconds=self.first_wait)
        lane._refused_now, lane._writing, lane._counting = (
            self._refused_now, self._writing, self._counting)
        return lane

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        with self._writing, self.engine.begin() as conn:
            yield conn

    # -- one pass ----------------------------------------------------------------------
    def run(self, *, limit: int | None = None, dry_run: Path | None = None) -> SendReport:
        """Deliver what is due now; at most `limit` (or the rules' max_per_run) claims."""
        report = SendReport()
        if dry_run is not None:
            self._dry_run(dry_run, report)
            return report
        try:
            self._run(report, limit)
        finally:
            for channel in self.channels.values():
                # optional: a channel that keeps a connection open across messages
                end_run = getattr(channel, "end_run", None)
                if end_run is not None:
                    end_run()
        return report

    def _run(self, report: SendReport, limit: int | None) -> None:
        self.recover(report)
        caps = [c for c in (limit, self.rules.max_per_run) if c is not None]
        budget = _Budget(min(caps) if caps else None)
        if self.lanes == 1:
            self._loop(report, budget, None)
            return
        stop = threading.Event()
        run_side_by_side([(f"outbox-lane-{n}", functools.partial(
            self._lane(n)._loop, report, budget, stop)) for n in range(1, self.lanes + 1)],
            stop)

    def _loop(self, report: SendReport, budget: _Budget, stop: threading.Event | None) -> None:
        while (stop is None or not stop.is_set()) and (ids := self._due_ids()):
            granted = budget.take(len(ids))
            if not granted:
                with self._counting:
                    if not report.stopped_at_max:
                        logger.warning("outbox: stopped at the max per run")
                    report.stopped_at_max = True
                return
            batch: list[StoredMessage] = []
            try:
                batch = self._claim_batch(ids[:granted], report)
            finally:  # a failed claim claimed nothing: the other lanes must not wait on it
                budget.give_back(granted, len(batch))
            self._send_batch(batch, report, stop)

    def _send_batch(self, batch: list[StoredMessage], report: SendReport,
                    stop: threading.Event | None = None) -> None:
        """Send the claimed messages in turn. Each is marked as being attempted before its
        send, in the transaction that records the one before it: one commit per message,
        and after a crash only the message being attempted can be in doubt; the others,
        still only claimed, are queued again without asking the channel. On `stop`
        (another lane failed, the run is interrupted) the rest goes back at once."""
        reached, started = 0, False
        try:
            for reached, message in enumerate(batch, 1):
                if stop is not None and stop.is_set():
                    self._unclaim([m.id for m in batch[reached - 1:]], started=started)
                    return
                if not started and not self._start(message):
                    continue  # another sender has it now
                following = batch[reached] if reached < len(batch) else None
                started = self._deliver(message, report, following)
        except BaseException:
            # stopped inside the batch: those not attempted go back (the guard of
            # `_unclaim` leaves the one being attempted as it is)
            self._unclaim([message.id for message in batch[max(reached - 1, 0):]])
            raise

    def pending(self) -> int:
        """Messages not settled yet (queued, deferred or in flight)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(M).where(
                M.c.state.in_([S.QUEUED, S.DEFERRED, S.SENDING]))).scalar() or 0)

    # -- choosing and claiming ---------------------------------------------------------
    def _due_ids(self) -> list[int]:
        """The oldest due messages. Two reads, each in the order of the index on (state,
        not_before, id): as one `state IN (...)` read, the database sorted every queued
        message for each batch (quadratic in the backlog)."""
        now = self.clock.now()
        channels = [str(kind) for kind in self.channels]
        fresh = (sa.select(M.c.id).where(M.c.state == S.QUEUED, M.c.not_before.is_(None),
                                         M.c.channel.in_(channels))
                 .order_by(M.c.id).limit(DUE_BATCH))
        waited = (sa.select(M.c.id).where(M.c.state.in_([S.QUEUED, S.DEFERRED]),
                                          M.c.not_before <= now, M.c.channel.in_(channels))
                  .order_by(M.c.id).limit(DUE_BATCH))
        with self.engine.connect() as conn:
            found = {*conn.execute(fresh).scalars(), *conn.execute(waited).scalars()}
        return sorted(found)[:DUE_BATCH]

    def decide(self, conn: sa.Connection, message: StoredMessage, now: datetime, *,
               status: tuple[bool, str | None] | None = None,
               recent: RecentSends | None = None) -> Decision:
        """Send now, later or never; `status`: the address's (opted out, failing), and
        `recent`: the customers' sends in the rate limit's window, when already read."""
        opted_out, failing = status if status is not None else address_status(conn, message.to)
        if opted_out:
            return Decision(S.FAILED, "opted_out")
        if failing is not None:
            return Decision(S.FAILED, "address_failing")
        quiet = self.rules.quiet_hours.get(str(message.channel))
        until = quiet.next_allowed(now, message.tz) if quiet is not None else None
        if until is not None:
            return Decision(S.DEFERRED, "quiet_hours", until)
        until = self._rate_limited_until(conn, message, now, recent)
        if until is not None:
            return Decision(S.DEFERRED, "rate_limit", until)
        return Decision(S.SENDING)

    def _rate_limited_until(self, conn: sa.Connection, message: StoredMessage,
                            now: datetime, recent: RecentSends | None = None
                            ) -> datetime | None:
        limit = self.rules.rate_limit
        if limit is None:
            return None
        if recent is None:
            recent = RecentSends.read(conn, [message.customer], now - limit.window)
        rows = recent.of(message.customer, but=message.id)
        if len(rows) < limit.count:
            return None
        times = sorted(as_utc(t) or now for t in rows)
        # when enough of them have left the window for one more to fit
        return times[len(times) - limit.count] + limit.window

    def _claim_batch(self, ids: list[int], report: SendReport) -> list[StoredMessage]:
        """Claim the due messages among `ids` in one transaction (a commit per message
        cost more than its send); each is leased, and leased afresh when it is marked as
        being attempted (`_mark_started`)."""
        now = self.clock.now()
        claimed: list[StoredMessage] = []
        with self._begin() as conn:
            rows = conn.execute(sa.select(M).where(
                M.c.id.in_(ids), M.c.state.in_([S.QUEUED, S.DEFERRED]),
                sa.or_(M.c.not_before.is_(None), M.c.not_before <= now))
                .order_by(M.c.id)).all()  # gone: another sender took it, or not due now
            statuses = address_statuses(conn, {row.recipient for row in rows})
            limit = self.rules.rate_limit
            recent = RecentSends.read(conn, {row.customer for row in rows},
                                      now - limit.window) if limit is not None else None
            for row in rows:
                message = self._claim(conn, row, now, report,
                                      statuses.get(row.recipient, (False, None)), recent)
                if message is not None:
                    claimed.append(message)
                    if recent is not None:  # in flight now: counts for the rest of the batch
                        recent.add(message.customer, message.id, None)
        return claimed

    def _claim(self, conn: sa.Connection, row: Any, now: datetime, report: SendReport,
               status: tuple[bool, str | None],
               recent: RecentSends | None) -> StoredMessage | None:
        message = stored(row)
        decision = self.decide(conn, message, now, status=status, recent=recent)
        guard = {"b_id": message.id, "b_state": row.state, "b_attempts": row.attempts}
        if decision.state is not S.SENDING:
            done = conn.execute(_UPDATE_AS_READ, {
                **guard, "state": decision.state, "reason": decision.reason,
                "not_before": decision.not_before, "updated_at": now})
            if done.rowcount == 1:
                _audit(conn, now, self.owner, message, decision.state, decision.reason,
                       not_before=decision.not_before)
            self._tally(report, decision.state, decision.reason)
            logger.info("outbox {} {} ({}){}", message.id, decision.state, decision.reason,
                        f" until {decision.not_before.isoformat()}"
                        if decision.not_before else "")
            return None
        done = conn.execute(_UPDATE_AS_READ, {
            **guard, "state": S.SENDING, "reason": CLAIMED, "attempts": row.attempts + 1,
            "lease_owner": self.owner, "lease_expires_at": now + self.lease, "updated_at": now})
        if done.rowcount != 1:
            return None
        return replace(message, state=S.SENDING, attempts=row.attempts + 1)

    def _start(self, message: StoredMessage) -> bool:
        with self._begin() as conn:
            return self._mark_started(conn, message)

    def _mark_started(self, conn: sa.Connection, message: StoredMessage) -> bool:
        """Claimed -> being attempted, under a fresh lease; False if no longer ours."""
        now = self.clock.now()
        done = conn.execute(_UPDATE_CLAIMED, {"b_id": message.id, "b_owner": self.owner,
                                              "reason": None,
                                              "lease_expires_at": now + self.lease})
        if done.rowcount == 1:
            self._leased_at[message.id] = time.monotonic()
        return done.rowcount == 1

    def _unclaim(self, ids: list[int], *, started: bool = False) -> None:
        """Claimed, never attempted (the run stopped first): queued again as they were.
        `started`: the first was marked as being attempted, but this thread stopped
        before its send (so it was not sent): it goes back too."""
        now = self.clock.now()
        ours = sa.and_(M.c.state == S.SENDING, M.c.lease_owner == self.owner)
        with self._begin() as conn:
            conn.execute(M.update().where(
                M.c.id.in_(ids), ours, M.c.reason == CLAIMED).values(**_queued_again(now)))
            if started and ids:
                conn.execute(M.update().where(M.c.id == ids[0], ours, M.c.reason.is_(None))
                             .values(**_queued_again(now)))
                self._leased_at.pop(ids[0], None)

    # -- delivering --------------------------------------------------------------------
    def _deliver(self, message: StoredMessage, report: SendReport,
                 following: StoredMessage | None = None) -> bool:
        """Send one message and record how it went; True when `following` was marked as
        being attempted in the same transaction."""
        if message.to in self._refused_now:  # refused earlier in this batch, after its claim
            self._tally(report, S.FAILED, "address_failing")
            return self._settle(message, S.FAILED, reason="address_failing",
                                following=following)
        channel = self.channels[message.channel]
        retrying = Retrying(
            stop=stop_after_attempt(self.tries_now),
            wait=wait_exponential(multiplier=self.first_wait, max=30),
            retry=retry_if_exception_type(TemporaryFailure), sleep=self.clock.sleep,
            # the lease covers one try at a time: another sender must never take a
            # message over (and look it up as undelivered) while a slow try is under way
            before=lambda _state: self._renew(message), reraise=True)
        try:
            provider_id = retrying(channel.send, message)
        except LeaseGone:
            logger.warning("outbox {}: lease lost before the send; not sent by this sender",
                           message.id)
            self._leased_at.pop(message.id, None)
            return False
        except PermanentFailure as exc:
            self._tally(report, S.FAILED, "refused")
            return self._settle(message, S.FAILED, reason="refused", error=str(exc),
                                failing=str(exc), following=following)
        except TemporaryFailure as exc:
            if message.attempts >= self.rules.max_attempts:
                self._tally(report, S.FAILED, "gave_up")
                return self._settle(message, S.FAILED, reason="gave_up", error=str(exc),
                                    following=following)
            retry_at = self.clock.now() + self.rules.backoff(message.attempts)
            self._tally(report, S.DEFERRED, "temporary_failure")
            logger.warning("outbox {} to {} deferred until {}: {}", message.id, message.to,
                           retry_at.isoformat(), redact(str(exc)))
            return self._settle(message, S.DEFERRED, reason="temporary_failure",
                                error=str(exc), not_before=retry_at, following=following)
        with self._counting:
            report.sent += 1
        logger.info("outbox {} sent by {} to {} ({}, {})", message.id, message.channel,
                    message.to, message.case, message.template)
        return self._settle(message, S.SENT, reason=None, provider_id=provider_id,
                            following=following)

    def _renew(self, message: StoredMessage) -> None:
        """Before each try: the lease must cover it. A lease taken or renewed less than a
        quarter of its length ago does; an older one is renewed, and if another sender
        has taken the message meanwhile (this one stalled past its lease), it is not sent."""
        fresh = self.lease.total_seconds() / 4
        if time.monotonic() - self._leased_at.get(message.id, float("-inf")) < fresh:
            return
        now = self.clock.now()
        with self._begin() as conn:
            renewed = conn.execute(M.update().where(
                M.c.id == message.id, M.c.state == S.SENDING, M.c.lease_owner == self.owner,
            ).values(lease_expires_at=now + self.lease)).rowcount
        if renewed != 1:
            raise LeaseGone(message.id)
        self._leased_at[message.id] = time.monotonic()

    def _settle(self, message: StoredMessage, state: DeliveryState, *, reason: str | None,
                error: str | None = None, not_before: datetime | None = None,
                provider_id: str | None = None, failing: str | None = None,
                following: StoredMessage | None = None) -> bool:
        """Record the outcome; in the same transaction mark `following` as being
        attempted. True when it was (it is still this sender's)."""
        now = self.clock.now()
        values: dict[str, Any] = dict(state=state, reason=reason, updated_at=now,
                                      lease_owner=None, lease_expires_at=None,
                                      not_before=not_before)
        if error is not None:
            values["last_error"] = redact(error)[-4000:]
        if state is S.SENT:
            values.update(sent_at=now, provider_id=provider_id, last_error=None)
        self._leased_at.pop(message.id, None)
        with self._begin() as conn:
            done = conn.execute(_UPDATE_OURS, {"b_id": message.id, "b_owner": self.owner,
                                               **values})
            if done.rowcount == 1:
                _audit(conn, now, self.owner, message, state, reason, attempt=message.attempts,
                       not_before=not_before)
                if failing is not None:
                    mark_failing(conn, message.to, redact(failing), now)
                    self._refused_now.add(message.to)
            started = following is not None and self._mark_started(conn, following)
        if done.rowcount != 1:
            logger.warning("outbox {}: lease lost before recording {}", message.id, state)
        return started

    def _tally(self, report: SendReport, state: DeliveryState, reason: str | None) -> None:
        with self._counting:
            if state is S.DEFERRED:
                report.deferred += 1
            elif state is S.FAILED:
                report.failed += 1
            report.count(reason)

    # -- after a crash -----------------------------------------------------------------
    def recover(self, report: SendReport | None = None) -> SendReport:
        """Settle messages left `sending` by a sender whose lease ran out."""
        report = report or SendReport()
        now = self.clock.now()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(M).where(
                M.c.state == S.SENDING, M.c.lease_expires_at < now,
                M.c.channel.in_([str(kind) for kind in self.channels]))).all()
        for row in rows:
            message = stored(row)
            if row.reason == CLAIMED:  # claimed in a batch, never attempted
                self._requeue_unattempted(row, now, report)
                continue
            try:
                found = self.channels[message.channel].lookup(message)
            except TemporaryFailure as exc:
                logger.warning("outbox {}: cannot look it up now: {}", message.id, exc)
                continue
            guard = sa.and_(M.c.id == message.id, M.c.state == S.SENDING,
                            M.c.lease_expires_at == row.lease_expires_at)
            common: dict[str, Any] = dict(lease_owner=None, lease_expires_at=None,
                                          updated_at=now)
            if found:
                values = dict(state=S.SENT, reason="found_delivered", sent_at=now, **common)
                report.found_delivered += 1
            elif found is None:
                values = dict(state=S.FAILED, reason="in_doubt", last_error=(
                    "the sender stopped during the send and the channel cannot tell whether "
                    "it was delivered: a person decides (never sent twice)"), **common)
                report.in_doubt += 1
            else:
                values = dict(state=S.QUEUED, reason="requeued_after_crash", **common)
                report.requeued += 1
            with self.engine.begin() as conn:
                if conn.execute(M.update().where(guard).values(**values)).rowcount == 1:
                    _audit(conn, now, self.owner, message, values["state"], values["reason"])
            logger.warning("outbox {} was in flight when a sender stopped: {}", message.id,
                           values["reason"])
        return report

    def _requeue_unattempted(self, row: Any, now: datetime, report: SendReport) -> None:
        guard = sa.and_(M.c.id == row.id, M.c.state == S.SENDING, M.c.reason == CLAIMED,
                        M.c.lease_expires_at == row.lease_expires_at)
        with self.engine.begin() as conn:
            if conn.execute(M.update().where(guard).values(**_queued_again(now))).rowcount == 1:
                report.requeued += 1

    # -- dry run -----------------------------------------------------------------------
    def _dry_run(self, folder: Path, report: SendReport) -> None:
        """Render every queued or deferred message into `folder`; change nothing."""
        folder.mkdir(parents=True, exist_ok=True)
        now = self.clock.now()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(M).where(M.c.state.in_([S.QUEUED, S.DEFERRED]))
                                .order_by(M.c.id)).all()
            decisions = [(stored(row), self.decide(conn, stored(row), now)) for row in rows]
        index = []
        for message, decision in decisions:
            suffix = "eml" if message.channel is ChannelKind.MAIL else "sms.txt"
            name = f"{message.id:06d}-{_safe(message.case)}-{_safe(message.template)}.{suffix}"
            body = message.content if message.channel is ChannelKind.MAIL else (
                f"To: {message.to}\nLocale: {message.locale}\n\n{message.content}\n")
            (folder / name).write_bytes(body.encode("utf-8"))
            would = "send" if decision.state is S.SENDING else f"{decision.state}"
            index.append({"id": message.id, "file": name, "case": message.case,
                          "channel": str(message.channel), "to": message.to, "would": would,
                          "reason": decision.reason,
                          "not_before": decision.not_before.isoformat()
                          if decision.not_before else None})
            report.rendered += 1
        (folder / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")


def _queued_again(now: datetime) -> dict[str, Any]:
    """A claimed message never attempted, back in the queue; its claim does not count."""
    return dict(state=S.QUEUED, reason=None, attempts=M.c.attempts - 1, lease_owner=None,
                lease_expires_at=None, updated_at=now)


def _audit(conn: sa.Connection, now: datetime, actor: str, message: StoredMessage,
           state: DeliveryState, reason: str | None, **data: Any) -> None:
    """Every delivery state change is an audit event on the case."""
    audit.append(conn, ts=now, actor=f"outbox:{actor}", action=f"outbox.{state}",
                 subject=f"case:{message.case}",
                 data={"outbox_id": message.id, "channel": str(message.channel),
                       "template": message.template, "step": message.step,
                       "reason": reason, **data})


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:60]
