"""Mail to customers through a real SMTP server (aiosmtpd): what arrives, byte for byte."""

from __future__ import annotations

import email
import re
from email import policy

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.outbox import Sender, Templates, enqueue, list_messages
from bots.outbox.store import case_message_ids
from bots.store.outbox_schema import outbox_messages
from connectors.outbound import Thread
from demo.customer_mailbox import CustomerMailbox
from tests.outbox.builders import mail

THREAD = Thread(message_id="<CAF1234.5678@mail.example.net>",
                subject="RE: Abono factura INV-2026-0001",
                our_address="Facturación <facturacion@example.com>",
                references=("<first.1@mail.example.net>",))


def header_lines(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return head.split("\r\n")


def send_one(store: Engine, sender: Sender, message: object) -> None:
    assert enqueue(store, message) is not None  # type: ignore[arg-type]
    report = sender.run()
    assert report.sent == 1, report


def test_spanish_reply_arrives_byte_for_byte_as_built(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    message = mail(templates, clock.now(), thread=THREAD)
    send_one(store, sender, message)
    [(envelope, raw)] = mailbox.messages()
    assert raw.replace(b"\r\n", b"\n") == message.content.encode("ascii").replace(b"\r\n", b"\n")
    assert envelope["mail_from"] == "facturacion@example.com"
    assert envelope["rcpt_tos"] == ["ana.perez@example.com"]
    key = message.key
    assert header_lines(raw) == [
        "From: =?utf-8?q?Facturaci=C3=B3n?= <facturacion@example.com>",
        "To: ana.perez@example.com",
        "Subject: Re: Abono factura INV-2026-0001",
        "Date: Mon, 05 Jan 2026 09:00:00 +0000",
        f"Message-ID: {message.message_id}",
        "In-Reply-To: <CAF1234.5678@mail.example.net>",
        "References: <first.1@mail.example.net> <CAF1234.5678@mail.example.net>",
        "Content-Language: es",
        "Auto-Submitted: auto-generated",
        "X-Case-Reference: REQ-2026-0001",
        "MIME-Version: 1.0",
        "Content-Type: multipart/alternative;",
        f' boundary="=_alt_{key}"',  # folded at 78 characters, as sent
    ]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/alternative", "text/plain", "text/html"]
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Hemos aplicado el abono NC-2026-000001 de 1.234,56\xa0€ a la factura INV-2026-0001." in text
    assert "El saldo pendiente de la factura es ahora de 100,00\xa0€." in text
    assert "Su referencia: REQ-2026-0001 (5 de enero de 2026)." in text
    assert '<html lang="es">' in html and "1.234,56\xa0€" in html
    for part in parsed.walk():
        if not part.is_multipart():
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
            assert part.get_content_charset() == "utf-8"
    # every Message-ID of the thread is recorded against the case
    assert case_message_ids(store, "REQ-2026-0001") == [
        ("in", "<first.1@mail.example.net>"), ("in", "<CAF1234.5678@mail.example.net>"),
        ("out", message.message_id)]
    assert re.fullmatch(rf"<{key[:16]}\.[0-9a-f]{{16}}\.REQ-2026-0001@example\.com>",
                        message.message_id or "")


def test_english_charge_without_thread_uses_the_template_subject(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    message = mail(templates, clock.now(), case="REQ-2026-0002", locale="en-GB", kind="charge",
                   document="CG-2026-000007", amount="1234.56", to="John.Smith@Example.COM")
    send_one(store, sender, message)
    [(envelope, raw)] = mailbox.messages()
    lines = header_lines(raw)
    assert lines[0] == "From: =?utf-8?q?Atenci=C3=B3n_al_cliente?= <clientes@example.com>"
    assert lines[1] == "To: John.Smith@example.com"
    # longer than 78 with its name: folded (RFC 5322 2.2.3), as sent
    assert all(len(line) <= 78 for line in lines)
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == ("Charge CG-2026-000007 applied to invoice INV-2026-0001 "
                                 "[REQ-2026-0002]")
    assert parsed["From"].addresses[0].display_name == "Atención al cliente"
    assert "Content-Language: en-GB" in lines
    assert not any(line.startswith(("In-Reply-To:", "References:")) for line in lines)
    assert envelope["rcpt_tos"] == ["John.Smith@example.com"]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    assert "We have applied charge CG-2026-000007 of €1,234.56 to invoice INV-2026-0001." in text
    assert "Your reference: REQ-2026-0002 (5 January 2026)." in text
    assert "Dear Ana Pérez," in text


def test_a_message_is_written_once_per_key_and_sent_once(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    message = mail(templates, clock.now())
    assert enqueue(store, message) is not None
    assert enqueue(store, message) is None  # same (case, template, step, channel)
    assert sender.run().sent == 1
    assert sender.run().sent == 0
    assert len(mailbox.messages()) == 1
    [row] = list_messages(store)
    assert (row.state, row.attempts, row.sent_at) == ("sent", 1, clock.now())
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox_messages)).scalar() == 1


def test_a_refused_recipient_fails_and_the_address_is_marked(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    mailbox.reject("nobody@example.com")
    enqueue(store, mail(templates, clock.now(), to="nobody@example.com"))
    report = sender.run()
    assert (report.sent, report.failed) == (0, 1)
    [row] = list_messages(store)
    assert (row.state, row.reason) == ("failed", "refused")
    assert "550" in (row.last_error or "")
    # a second message to the failing address is not even tried
    enqueue(store, mail(templates, clock.now(), to="nobody@example.com", step="reminder"))
    assert sender.run().reasons == {"address_failing": 1}
    assert mailbox.messages() == []


def test_overlong_ids_and_words_never_make_a_line_smtp_refuses(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    """A customer's 5,000-character Message-ID and a subject that is one 3,000-character
    word: the reply still goes, every line within 998 characters, threaded on what fits."""
    huge = "<" + "x" * 5000 + "@example.net>"
    thread = Thread(message_id=huge, subject="Factura " + "Z" * 3000,
                    our_address="facturacion@example.com",
                    references=("<first.1@mail.example.net>", huge))
    message = mail(templates, clock.now(), thread=thread)
    send_one(store, sender, message)
    [(_envelope, raw)] = mailbox.messages()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["In-Reply-To"] is None
    assert parsed["References"] == "<first.1@mail.example.net>"
    assert parsed["Subject"] == "Re: Factura " + "Z" * 3000


def test_headers_written_without_folding_are_those_compat32_would_write() -> None:
    """The shortcut for headers that need no folding writes what compat32's folding
    writes, for every mix of short and long words, encoded words and empty values."""
    import random
    from email.policy import compat32

    from connectors.outbound.mail import _POLICY

    reference, ours = (compat32.clone(linesep="\r\n", max_line_length=78),
                       _POLICY.clone(max_line_length=78))
    words = ["Re:", "factura", "FAC-2026-0012", "a" * 30, "x", "<abc@d.e>", "=?utf-8?b?w6E=?=",
             "(c)", ";", ",", "b" * 70, "\t", "  ", "ñ", "\r\n x"]
    rng = random.Random(7)
    for _ in range(5000):
        value = "".join(rng.choice([" ", ""]) + rng.choice(words)
                        for _ in range(rng.randint(0, 6)))
        for name in ("Subject", "To", "References", "X-Case-Reference"):
            assert ours.fold(name, value) == reference.fold(name, value), (name, value)
