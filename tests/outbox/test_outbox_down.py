"""SMTP down for a while: deferred, retried with back-off, delivered once after recovery."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import Sender, Templates, enqueue, list_messages
from demo.customer_mailbox import CustomerMailbox
from demo.sms_gateway import SmsGateway
from tests.outbox.builders import mail, sms


def test_smtp_down_then_up_and_gateway_500s_everything_delivered_once(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        gateway: SmsGateway, clock: FrozenClock) -> None:
    mailbox.stop()
    gateway.fail_next(1000, status=500)
    cases = [f"REQ-2026-{n:04d}" for n in range(1, 6)]
    for case in cases:
        enqueue(store, mail(templates, clock.now(), case=case))
    enqueue(store, sms(templates, case=cases[0]))
    enqueue(store, sms(templates, case=cases[1], to="+34 699 000 111"))

    first = sender.run()
    assert (first.sent, first.deferred) == (0, 7)
    assert {m.state for m in list_messages(store)} == {"deferred"}
    for _ in range(3):  # still down: each pass defers again, further out
        clock.advance(hours=1)
        assert sender.run().sent == 0
    assert {m.attempts for m in list_messages(store)} == {4}
    assert gateway.attempts == 2 * 4 * 3  # two messages, four passes, three quick tries

    mailbox.start()  # back on the same port
    gateway.fail_next(0)
    clock.advance(hours=1)
    report = sender.run()
    assert report.sent == 7, report
    assert {m.state for m in list_messages(store)} == {"sent"}
    received = [raw for _envelope, raw in mailbox.messages()]
    assert len(received) == 5
    assert sorted(r.split(b"X-Case-Reference: ")[1][:13].decode() for r in received) == cases
    assert sorted(r["client_ref"] for r in gateway.find(None)) == sorted(
        m.key for m in list_messages(store, states=["sent"]) if m.channel == "sms")
    clock.advance(hours=5)
    assert sender.run().sent == 0  # nothing sent twice
    assert len(mailbox.messages()) == 5 and len(gateway.find(None)) == 2
