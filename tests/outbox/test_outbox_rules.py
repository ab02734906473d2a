"""Quiet hours, rate limits, opt-outs, max per run and dry run, with a frozen clock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import (
    OutboxError,
    QuietHours,
    RateLimit,
    Sender,
    Templates,
    enqueue,
    list_messages,
    opt_in,
    opt_out,
)
from demo.customer_mailbox import CustomerMailbox
from demo.sms_gateway import SmsGateway
from tests.outbox.builders import mail, sms

NIGHT_SMS = {"sms": QuietHours(time(21), time(9), "Europe/Madrid")}


def test_quiet_hours_window_across_midnight_in_the_customers_zone() -> None:
    quiet = QuietHours(time(21), time(9), "Europe/Madrid")
    # 02:00 UTC = 03:00 in Madrid (winter): waits until 09:00 Madrid = 08:00 UTC
    at_three = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
    assert quiet.next_allowed(at_three) == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    # 21:30 Madrid: until tomorrow 09:00
    assert quiet.next_allowed(datetime(2026, 1, 5, 20, 30, tzinfo=UTC)) == datetime(
        2026, 1, 6, 8, 0, tzinfo=UTC)
    assert quiet.next_allowed(datetime(2026, 1, 5, 8, 0, tzinfo=UTC)) is None  # 09:00 sharp
    # the same instant is 11:00 in Mexico City's night? no: 02:00 UTC is 20:00 there, allowed
    assert quiet.next_allowed(at_three, "America/Mexico_City") is None
    # summer time: 09:00 Madrid is 07:00 UTC
    assert quiet.next_allowed(datetime(2026, 7, 1, 1, 0, tzinfo=UTC)) == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC)
    with pytest.raises(OutboxError):
        QuietHours(time(9), time(9))


def test_an_sms_at_three_in_the_morning_waits_and_mail_does_not(
        store: Engine, sender: Sender, templates: Templates, gateway: SmsGateway,
        mailbox: CustomerMailbox, clock: FrozenClock) -> None:
    sender.rules = replace(sender.rules, quiet_hours=NIGHT_SMS)
    clock.advance(seconds=(datetime(2026, 1, 6, 2, 0, tzinfo=UTC) - clock.now()).total_seconds())
    enqueue(store, sms(templates))
    enqueue(store, mail(templates, clock.now()))
    report = sender.run()
    assert (report.sent, report.reasons) == (1, {"quiet_hours": 1})
    [waiting] = list_messages(store, states=["deferred"])
    assert (waiting.channel, waiting.attempts) == ("sms", 0)
    assert waiting.not_before == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    clock.advance(hours=5, minutes=59)
    assert sender.run().sent == 0 and gateway.find(None) == []
    clock.advance(minutes=1)
    assert sender.run().sent == 1
    assert len(gateway.find(None)) == 1 and len(mailbox.messages()) == 1


def test_rate_limit_per_customer(store: Engine, sender: Sender, templates: Templates,
                                 mailbox: CustomerMailbox, clock: FrozenClock) -> None:
    sender.rules = replace(sender.rules, rate_limit=RateLimit(2, timedelta(hours=24)))
    start = clock.now()
    for step in ("a", "b", "c"):
        enqueue(store, mail(templates, clock.now(), step=step))
        clock.advance(minutes=10)
    enqueue(store, mail(templates, clock.now(), case="REQ-2026-0009", to="otro@example.com"))
    # sent at start+30min: a and b, and the other customer's; c waits for a's 24 hours
    report = sender.run()
    assert (report.sent, report.reasons) == (3, {"rate_limit": 1})
    [waiting] = list_messages(store, states=["deferred"])
    assert waiting.step == "c"
    assert waiting.not_before == start + timedelta(minutes=30) + timedelta(hours=24)
    clock.advance(hours=23, minutes=59)
    assert sender.run().sent == 0
    clock.advance(minutes=1)
    assert sender.run().sent == 1
    assert len(mailbox.messages()) == 4


def test_opt_out_is_respected_and_opt_in_lets_new_messages_through(
        store: Engine, sender: Sender, templates: Templates, gateway: SmsGateway,
        clock: FrozenClock) -> None:
    opt_out(store, "+34600123456", note="asked by phone", now=clock.now())
    enqueue(store, sms(templates))
    assert sender.run().reasons == {"opted_out": 1}
    [row] = list_messages(store)
    assert (row.state, row.reason) == ("failed", "opted_out")
    assert gateway.find(None) == []
    opt_in(store, "+34600123456", now=clock.now())
    enqueue(store, sms(templates, step="second"))
    assert sender.run().sent == 1


def test_max_messages_per_run_is_a_safety_valve(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    sender.rules = replace(sender.rules, max_per_run=3)
    for n in range(5):
        enqueue(store, mail(templates, clock.now(), case=f"REQ-{n}"))
    report = sender.run()
    assert (report.sent, report.stopped_at_max) == (3, True)
    assert len(mailbox.messages()) == 3
    report = sender.run()
    assert (report.sent, report.stopped_at_max) == (2, False)


def test_dry_run_renders_everything_into_a_folder_and_sends_nothing(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        gateway: SmsGateway, clock: FrozenClock, tmp_path: Path) -> None:
    sender.rules = replace(sender.rules, quiet_hours=NIGHT_SMS)
    clock.advance(hours=13)  # 23:00 in Madrid
    message = mail(templates, clock.now())
    enqueue(store, message)
    enqueue(store, sms(templates, locale="en"))
    out = tmp_path / "dry"
    report = sender.run(dry_run=out)
    assert report.rendered == 2 and report.sent == 0
    assert mailbox.messages() == [] and gateway.find(None) == []
    assert {m.state for m in list_messages(store)} == {"queued"}
    index = json.loads((out / "index.json").read_text())
    assert [(e["channel"], e["would"], e["reason"]) for e in index] == [
        ("mail", "send", None), ("sms", "deferred", "quiet_hours")]
    assert (out / index[0]["file"]).read_bytes() == message.content.encode("ascii")
    assert "Ref. REQ-2026-0001" in (out / index[1]["file"]).read_text(encoding="utf-8")
