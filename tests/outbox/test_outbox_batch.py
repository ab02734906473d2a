"""Claiming in batches: a sender that stops inside a batch leaves in doubt only the message
it was attempting; the others, claimed and never attempted, go out once with the next run.
Real SMTP (aiosmtpd); the channel here keeps no archive, so a send cut short cannot be
looked up."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import ChannelKind, Rules, Sender, Templates, enqueue, list_messages
from bots.settings import OutboundSmtpSettings
from connectors.outbound import SmtpChannel
from demo.customer_mailbox import CustomerMailbox
from tests.outbox.builders import mail


class Crash(BaseException):
    """The process dying in the middle of a send (not an error the sender handles)."""


def no_archive(mailbox: CustomerMailbox) -> SmtpChannel:
    return SmtpChannel(OutboundSmtpSettings(host="127.0.0.1", port=mailbox.port))


def received_cases(mailbox: CustomerMailbox) -> Counter[str]:
    return Counter(raw.split(b"X-Case-Reference: ", 1)[1].split(b"\r\n", 1)[0].decode()
                   for _envelope, raw in mailbox.messages())


@pytest.mark.parametrize("dies_at", [0, 3, 9])
def test_a_sender_dying_mid_batch_leaves_one_message_in_doubt(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, clock: FrozenClock,
        dies_at: int) -> None:
    cases = [f"CASE-{n:02d}" for n in range(10)]
    for case in cases:
        assert enqueue(store, mail(templates, clock.now(), case=case)) is not None
    channel = no_archive(mailbox)
    real_send, calls = channel.send, []

    def send(message):  # type: ignore[no-untyped-def]
        calls.append(message.case)
        if len(calls) == dies_at + 1:
            real_send(message)  # the server has it; the sender dies before recording it
            raise Crash
        return real_send(message)

    channel.send = send  # type: ignore[method-assign]
    first = Sender(store, {ChannelKind.MAIL: channel}, rules=Rules(), clock=clock,
                   owner="first", lease=timedelta(seconds=60))
    with pytest.raises(Crash):
        first.run()
    # the dead sender's lease runs out; a new sender takes over
    clock.advance(minutes=2)
    second = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(),
                    clock=clock, owner="second")
    report = second.run()
    assert report.in_doubt == 1, report
    assert report.requeued == 0, report  # the rest was handed back by the dying batch
    rows = {m.case: m for m in list_messages(store, limit=None)}
    assert rows[cases[dies_at]].state == "failed"
    assert rows[cases[dies_at]].reason == "in_doubt"
    assert {m.state for c, m in rows.items() if c != cases[dies_at]} == {"sent"}
    assert received_cases(mailbox) == Counter(cases)  # each exactly once, the doubtful too
    assert all(m.attempts == 1 for m in rows.values()), [m.attempts for m in rows.values()]


def test_claimed_messages_of_a_killed_sender_are_queued_again_without_asking(
        store: Engine, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    """SIGKILL leaves no `finally`: the whole batch stays claimed. Only the one being
    attempted is in doubt; the never attempted are queued again and sent once."""
    cases = [f"CASE-{n:02d}" for n in range(6)]
    for case in cases:
        enqueue(store, mail(templates, clock.now(), case=case))
    killed = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(), clock=clock,
                    owner="killed")
    batch = killed._claim_batch(killed._due_ids(), SendReport())
    assert [m.case for m in batch] == cases
    assert killed._start(batch[0])  # attempting the first when the process is killed
    clock.advance(minutes=2)
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(),
                    clock=clock, owner="next").run()
    assert (report.in_doubt, report.requeued, report.sent) == (1, 5, 5), report
    assert received_cases(mailbox) == Counter(cases[1:])


def SendReport():  # type: ignore[no-untyped-def]
    from bots.outbox.sender import SendReport

    return SendReport()


def test_an_address_refused_in_a_batch_is_not_tried_again_in_it(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, clock: FrozenClock,
        sender: Sender) -> None:
    mailbox.reject("gone@example.com")
    for n, to in enumerate(["gone@example.com", "ana.perez@example.com", "gone@example.com"]):
        enqueue(store, mail(templates, clock.now(), case=f"CASE-{n}", to=to))
    report = sender.run()
    assert (report.sent, report.failed) == (1, 2), report
    assert report.reasons == {"refused": 1, "address_failing": 1}
    assert len(mailbox.messages()) == 1
