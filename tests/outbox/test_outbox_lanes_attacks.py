"""Attacks on the sender's lanes (Sender(lanes=N)) and the composed mail's header folding.
Real SMTP (aiosmtpd, stopped and started under the sender), the stand-in SMS gateway
over HTTP, a real SQLite store. Outcomes asserted on store rows and what the servers got."""

from __future__ import annotations

import io
import threading
from collections import Counter
from datetime import time, timedelta
from email.generator import Generator
from email.message import Message
from email.policy import Compat32

import pytest
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import ChannelKind, Rules, Sender, Templates, enqueue, list_messages
from bots.outbox.rules import QuietHours, RateLimit
from bots.outbox.store import opt_out
from connectors.outbound import SmsGatewayChannel, SmtpChannel
from connectors.outbound.mail import _POLICY
from demo.customer_mailbox import CustomerMailbox
from demo.sms_gateway import SmsGateway
from tests.outbox.builders import enqueue_for_many, mail, sms
from tests.outbox.test_outbox_batch import no_archive, received_cases


def final(store: Engine) -> dict[str, tuple[str, str | None]]:
    return {m.case: (str(m.state), m.reason) for m in list_messages(store, limit=None)}


def serialized(channel: SmtpChannel, after_send) -> list[str]:  # type: ignore[no-untyped-def]
    """The channel's sends one at a time (each lane still on its own connection), with
    `after_send(n)` run after the n-th send that the server accepted."""
    real_send, lock, accepted = channel.send, threading.Lock(), []

    def send(message):  # type: ignore[no-untyped-def]
        with lock:
            result = real_send(message)
            accepted.append(message.case)
            after_send(len(accepted))
            return result

    channel.send = send  # type: ignore[method-assign]
    return accepted


def test_the_smtp_server_going_away_mid_run_defers_the_rest_and_each_goes_once(
        store: Engine, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    cases = enqueue_for_many(store, templates, clock.now(), 80, width=3)
    channel = no_archive(mailbox)
    serialized(channel, lambda n: mailbox.stop() if n == 30 else None)
    report = Sender(store, {ChannelKind.MAIL: channel}, rules=Rules(), clock=clock,
                    first_wait_seconds=0.01, lanes=4).run()
    assert (report.sent, report.deferred, report.failed) == (30, 50, 0), report
    assert channel._open == set()
    states = Counter(s for s, _ in final(store).values())
    assert states == {"sent": 30, "deferred": 50}
    mailbox.start()
    clock.advance(hours=2)
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(),
                    clock=clock, lanes=4).run()
    assert (report.sent, report.in_doubt) == (50, 0), report
    assert received_cases(mailbox) == Counter(cases)
    assert {s for s, _ in final(store).values()} == {"sent"}


def test_the_smtp_server_restarting_mid_run_is_reconnected_by_every_lane(
        store: Engine, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    """Stopped and started again at once: every lane's open connection is dead but
    trusted (used under 2 s ago); the send fails, the quick retry connects afresh."""
    cases = enqueue_for_many(store, templates, clock.now(), 120, width=3)
    channel = no_archive(mailbox)

    def bounce(n: int) -> None:
        if n in (20, 70):
            mailbox.stop()
            mailbox.start()

    serialized(channel, bounce)
    report = Sender(store, {ChannelKind.MAIL: channel}, rules=Rules(), clock=clock,
                    first_wait_seconds=0.01, lanes=4).run()
    assert (report.sent, report.deferred, report.failed) == (120, 0, 0), report
    assert received_cases(mailbox) == Counter(cases)


@pytest.mark.parametrize("lanes", [1, 4])
def test_a_refused_address_fails_on_every_lane_and_nothing_is_sent_to_it(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, clock: FrozenClock,
        lanes: int) -> None:
    mailbox.reject("bad@example.com")
    good = []
    for n in range(140):
        to = "bad@example.com" if n % 2 else f"c{n}@example.com"
        enqueue(store, mail(templates, clock.now(), case=f"CASE-{n:03d}", to=to))
        if not n % 2:
            good.append(f"CASE-{n:03d}")
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(),
                    clock=clock, lanes=lanes).run()
    rows = final(store)
    assert (report.sent, report.failed) == (70, 70), report
    assert received_cases(mailbox) == Counter(good)
    bad = {rows[f"CASE-{n:03d}"] for n in range(1, 140, 2)}
    assert bad <= {("failed", "refused"), ("failed", "address_failing")}
    assert report.reasons.get("refused", 0) <= lanes  # at most one refusal per lane


@pytest.mark.parametrize("lanes", [1, 4])
def test_quiet_hours_with_a_max_per_run_defer_everything_and_do_not_claim_the_max(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, clock: FrozenClock,
        lanes: int) -> None:
    enqueue_for_many(store, templates, clock.now(), 60, width=2)
    rules = Rules(quiet_hours={"mail": QuietHours(time(8), time(20))}, max_per_run=5)
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=rules, clock=clock,
                    lanes=lanes).run()
    assert (report.sent, report.deferred) == (0, 60), report
    assert {r for s, r in final(store).values()} == {"quiet_hours"}
    assert mailbox.messages() == []
    assert report.stopped_at_max is False, "nothing was claimed: the max was not reached"


@pytest.mark.parametrize("lanes", [1, 4])
def test_max_per_run_with_lanes_counts_only_claims_not_refusals_at_claim(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, clock: FrozenClock,
        lanes: int) -> None:
    for n in range(80):
        to = f"c{n}@example.com"
        if n < 60:
            opt_out(store, to, now=clock.now())
        enqueue(store, mail(templates, clock.now(), case=f"CASE-{n:02d}", to=to))
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(max_per_run=7),
                    clock=clock, lanes=lanes).run()
    rows = final(store)
    assert report.sent == 7 and report.stopped_at_max, report
    assert len(mailbox.messages()) == 7
    assert Counter(rows.values()) == {("failed", "opted_out"): 60, ("sent", None): 7,
                                      ("queued", None): 13}


def mixed_scenario(store: Engine, templates: Templates, clock: FrozenClock) -> None:
    for n in range(150):
        case = f"CASE-{n:03d}"
        if n % 10 == 0:
            enqueue(store, sms(templates, case=case, to=f"+3460000{n:04d}"))
        elif n % 10 == 1:
            enqueue(store, mail(templates, clock.now(), case=case, to="often@example.com"))
        elif n % 10 == 2:
            enqueue(store, mail(templates, clock.now(), case=case, to=f"gone{n}@example.com"))
        elif n % 10 == 3:
            enqueue(store, mail(templates, clock.now(), case=case, to=f"out{n}@example.com"))
            opt_out(store, f"out{n}@example.com", now=clock.now())
        else:
            enqueue(store, mail(templates, clock.now(), case=case, to=f"c{n}@example.com"))


def expected_mixed() -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    often = 0
    for n in range(150):
        case, kind = f"CASE-{n:03d}", n % 10
        if kind == 1:
            often += 1
            out[case] = ("sent", None) if often <= 3 else ("deferred", "rate_limit")
        elif kind == 2:
            out[case] = ("failed", "refused")
        elif kind == 3:
            out[case] = ("failed", "opted_out")
        else:
            out[case] = ("sent", None)
    return out


@pytest.mark.parametrize("lanes", [1, 4, 7])
def test_lanes_1_and_many_end_in_the_same_states(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, gateway: SmsGateway,
        sms_channel: SmsGatewayChannel, clock: FrozenClock, lanes: int) -> None:
    mixed_scenario(store, templates, clock)
    for n in range(2, 150, 10):
        mailbox.reject(f"gone{n}@example.com")
    gateway.fail_next(2, status=503)  # some SMS need a quick retry
    rules = Rules(rate_limit=RateLimit(3, timedelta(hours=24)))
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox), ChannelKind.SMS: sms_channel},
                    rules=rules, clock=clock, first_wait_seconds=0.01, lanes=lanes).run()
    got = {case: (s, "refused" if r == "address_failing" else r)
           for case, (s, r) in final(store).items()}
    assert got == expected_mixed(), report
    sent_mail = [c for c, (s, _) in got.items() if s == "sent" and int(c[-3:]) % 10]
    assert received_cases(mailbox) == Counter(sent_mail)
    refs = Counter(m["client_ref"] for m in gateway.find(None))
    assert len(refs) == 15 and set(refs.values()) == {1}


@pytest.mark.parametrize("lanes", [1, 4])
def test_sms_on_lanes_each_goes_once_through_gateway_failures(
        store: Engine, templates: Templates, gateway: SmsGateway,
        sms_channel: SmsGatewayChannel, clock: FrozenClock, lanes: int) -> None:
    for n in range(120):
        enqueue(store, sms(templates, case=f"CASE-{n:03d}", to=f"+3460000{n:04d}"))
    gateway.fail_next(10, status=500)
    sender = Sender(store, {ChannelKind.SMS: sms_channel}, rules=Rules(), clock=clock,
                    first_wait_seconds=0.01, lanes=lanes)
    report = sender.run()
    clock.advance(hours=2)
    report2 = sender.run()
    assert report.sent + report2.sent == 120, (report, report2)
    assert {s for s, _ in final(store).values()} == {"sent"}
    refs = Counter(m["client_ref"] for m in gateway.find(None))
    assert len(refs) == 120 and set(refs.values()) == {1}


# -- header folding: _Unfolded must write what compat32 writes ---------------------------
def _flat(value: str, policy: Compat32) -> str:
    msg = Message()
    msg["Subject"] = value
    out = io.StringIO()
    Generator(out, mangle_from_=False, maxheaderlen=78, policy=policy).flatten(msg)
    return out.getvalue().split("\r\n\r\n", 1)[0]


NASTY = ["", "x", "a b", "x" * 67, "x" * 68, "y" * 69, "a b" + "c" * 64, "=?utf-8?q?x?=",
         "Re: [EXT] a;b,c", "a: b", "From nobody", "a\x00b", "a\x7fb", "a\x08b", "a\x1fb",
         "a\rb", "a\nb", "a\r\nb", "a\tb", "a  b", " a", "a ", "ñ", "a\u2028b",
         "a\x0bb", "a\x0cb", "a\x1cb", "a\x1db", "a\x1eb"]


@pytest.mark.parametrize("value", NASTY, ids=[repr(v) for v in NASTY])
def test_unfolded_headers_are_the_bytes_compat32_writes(value: str) -> None:
    try:
        theirs = _flat(value, Compat32(linesep="\r\n"))
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            _flat(value, _POLICY)
        return
    assert _flat(value, _POLICY) == theirs


def test_a_customer_subject_with_a_control_character_is_not_written_raw_into_the_header(
        templates: Templates, clock: FrozenClock) -> None:
    """The reply's Subject comes from the customer's mail. A form feed in it is ASCII and
    short, so _encoded keeps it and _Unfolded writes it raw (compat32 would have split
    the header there instead): either way the header is not what RFC 5322 allows."""
    import re

    from connectors.outbound import Thread

    thread = Thread(message_id="<abc@customer.example>", subject="Factura\x0cBcc: x@evil.example",
                    our_address="clientes@example.com")
    message = mail(templates, clock.now(), thread=thread)
    head = message.content.split("\r\n\r\n", 1)[0]
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", head), head[:300]


def test_the_sms_gateway_going_away_mid_run_with_lanes_each_goes_once(
        store: Engine, templates: Templates, clock: FrozenClock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pydantic import SecretStr

    from bots.settings import SmsGatewaySettings
    from demo.customer_mailbox import free_port

    port = free_port()
    first = SmsGateway(tmp_path / "sms1", port=port, token="t").start()
    settings = SmsGatewaySettings(url=f"http://127.0.0.1:{port}", token=SecretStr("t"))
    channel = SmsGatewayChannel(settings)
    for n in range(90):
        enqueue(store, sms(templates, case=f"CASE-{n:03d}", to=f"+3460000{n:04d}"))
    real_send, lock, accepted = channel.send, threading.Lock(), []

    def send(message):  # type: ignore[no-untyped-def]
        with lock:
            result = real_send(message)
            accepted.append(message.case)
            if len(accepted) == 25:
                first.stop()
            return result

    channel.send = send  # type: ignore[method-assign]
    try:
        report = Sender(store, {ChannelKind.SMS: channel}, rules=Rules(), clock=clock,
                        first_wait_seconds=0.01, lanes=4).run()
    finally:
        channel.close()
    assert (report.sent, report.deferred, report.failed) == (25, 65, 0), report
    second = SmsGateway(tmp_path / "sms2", port=port, token="t").start()
    try:
        clock.advance(hours=2)
        again = SmsGatewayChannel(settings)
        report = Sender(store, {ChannelKind.SMS: again}, rules=Rules(), clock=clock,
                        lanes=4).run()
        again.close()
    finally:
        second.stop()
    assert (report.sent, report.in_doubt) == (65, 0), report
    refs = Counter(m["client_ref"] for m in first.find(None) + second.find(None))
    assert len(refs) == 90 and set(refs.values()) == {1}
    assert {s for s, _ in final(store).values()} == {"sent"}


@pytest.mark.parametrize("lanes", [1, 4])
def test_a_run_limit_with_lanes_sends_exactly_the_limit(
        store: Engine, templates: Templates, mailbox: CustomerMailbox, clock: FrozenClock,
        lanes: int) -> None:
    enqueue_for_many(store, templates, clock.now(), 120, width=3)
    report = Sender(store, {ChannelKind.MAIL: no_archive(mailbox)}, rules=Rules(max_per_run=90),
                    clock=clock, lanes=lanes).run(limit=61)
    assert report.sent == 61 and report.stopped_at_max, report
    assert len(mailbox.messages()) == 61
    assert Counter(s for s, _ in final(store).values()) == {"sent": 61, "queued": 59}
