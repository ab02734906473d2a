"""Lanes: a sender sending side by side on several connections, as that many senders
would. Real SMTP (aiosmtpd). Every message goes once; the rate limit holds across lanes;
a lane dying leaves in doubt only the message it was attempting."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import ChannelKind, Rules, Sender, Templates, enqueue, list_messages
from bots.outbox.rules import RateLimit
from bots.store.schema import audit_events
from demo.customer_mailbox import CustomerMailbox
from tests.outbox.builders import enqueue_for_many, mail
from tests.outbox.test_outbox_batch import Crash, no_archive, received_cases


def test_lanes_send_every_message_once_each_on_its_own_connection(
        store: Engine, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    cases = enqueue_for_many(store, templates, clock.now(), 120, width=3)
    channel = no_archive(mailbox)
    report = Sender(store, {ChannelKind.MAIL: channel}, rules=Rules(), clock=clock,
                    owner="s", lanes=3).run()
    assert (report.sent, report.failed, report.deferred) == (120, 0, 0), report
    assert received_cases(mailbox) == Counter(cases)
    assert {m.state for m in list_messages(store, limit=None)} == {"sent"}
    with store.connect() as conn:
        actors = Counter(conn.execute(sa.select(audit_events.c.actor).where(
            audit_events.c.action == "outbox.sent")).scalars())
    assert set(actors) <= {"outbox:s:1", "outbox:s:2", "outbox:s:3"}
    assert len(actors) >= 2, actors  # the lanes shared the work
    assert channel._open == set()  # every lane's connection closed when the run ended


def test_the_rate_limit_holds_across_lanes(store: Engine, templates: Templates,
                                           mailbox: CustomerMailbox, clock: FrozenClock) -> None:
    for n in range(12):
        enqueue(store, mail(templates, clock.now(), case=f"CASE-{n:02d}"))  # one customer
    rules = Rules(rate_limit=RateLimit(5, timedelta(hours=24)))
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=rules, clock=clock,
                    lanes=4).run()
    assert (report.sent, report.deferred) == (5, 7), report
    assert len(mailbox.messages()) == 5


def test_the_max_per_run_counts_every_lane_s_claims(
        store: Engine, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    enqueue_for_many(store, templates, clock.now(), 30, width=2)
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(max_per_run=7),
                    clock=clock, lanes=3).run()
    assert report.sent == 7 and report.stopped_at_max, report
    assert len(mailbox.messages()) == 7


@pytest.mark.parametrize("dies_at", [0, 7])
def test_a_lane_dying_leaves_in_doubt_only_the_message_it_was_attempting(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, clock: FrozenClock,
        dies_at: int) -> None:
    cases = enqueue_for_many(store, templates, clock.now(), 40, width=2)
    channel = no_archive(mailbox)
    real_send, calls = channel.send, []
    doomed: list[str] = []

    def send(message):  # type: ignore[no-untyped-def]
        calls.append(message.case)
        if len(calls) == dies_at + 1:
            real_send(message)  # the server has it; the lane dies before recording it
            doomed.append(message.case)
            raise Crash
        return real_send(message)

    channel.send = send  # type: ignore[method-assign]
    with pytest.raises(Crash):
        Sender(store, {ChannelKind.MAIL: channel}, rules=Rules(), clock=clock,
               owner="first", lanes=3).run()
    clock.advance(minutes=2)  # the dead sender's leases run out; a new sender takes over
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(),
                    clock=clock, owner="second", lanes=3).run()
    assert report.in_doubt == 1, report
    rows = {m.case: m for m in list_messages(store, limit=None)}
    assert (rows[doomed[0]].state, rows[doomed[0]].reason) == ("failed", "in_doubt")
    assert {m.state for c, m in rows.items() if c != doomed[0]} == {"sent"}
    assert received_cases(mailbox) == Counter(cases)  # each exactly once, the doubtful too


def test_a_stopped_lane_hands_back_its_batch_the_next_one_marked_included(
        store: Engine, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    """Another lane failed after this one's second send: the third message, already
    marked as being attempted with the second's record, was not sent, so it goes back
    to the queue with the rest, not into doubt."""
    import threading

    from bots.outbox.sender import SendReport

    enqueue_for_many(store, templates, clock.now(), 5, width=0)
    channel = no_archive(mailbox)
    real_send, stop = channel.send, threading.Event()

    def send(message):  # type: ignore[no-untyped-def]
        sent = real_send(message)
        if message.case == "CASE-1":
            stop.set()
        return sent

    channel.send = send  # type: ignore[method-assign]
    lane = Sender(store, {ChannelKind.MAIL: channel}, rules=Rules(), clock=clock, owner="l")
    report = SendReport()
    lane._send_batch(lane._claim_batch(lane._due_ids(), report), report, stop)
    rows = {m.case: m for m in list_messages(store, limit=None)}
    assert [rows[f"CASE-{n}"].state for n in range(5)] == ["sent", "sent", "queued",
                                                           "queued", "queued"]
    assert [rows[f"CASE-{n}"].attempts for n in range(2, 5)] == [0, 0, 0]
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(),
                    clock=clock).run()
    assert (report.sent, report.in_doubt) == (3, 0), report
    assert received_cases(mailbox) == Counter(f"CASE-{n}" for n in range(5))
