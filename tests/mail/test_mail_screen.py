"""Screening, known answers: what must never be answered is screened, and a customer's
mail that only looks automated (its words, not its headers) is not."""

from __future__ import annotations

import re

import pytest

from bots.mail.parse import parse_mail, split_reply
from bots.mail.screen import Ours, screen

OURS = Ours(frozenset({"clientes@example.com"}), re.compile(r"\bM-[0-9A-F]{10}\b"))


def mail(headers: str, body: str = "Hola, quiero cancelar el pedido PED-1.",
         sender: str = "Ana <ana@cliente.example.org>") -> bytes:
    head = f"From: {sender}\r\nTo: clientes@example.com\r\nMessage-ID: <x@y>\r\n{headers}"
    return f"{head}\r\n\r\n{body}".encode()


SCREENED = [
    ("Subject: Fuera de la oficina\r\nAuto-Submitted: auto-replied", "auto_reply"),
    ("Subject: Re: su pedido\r\nAuto-Submitted: auto-generated", "auto_reply"),
    ("Subject: Re: pedido\r\nPrecedence: bulk", "auto_reply"),
    ("Subject: Re: pedido\r\nPrecedence: auto_reply", "auto_reply"),
    ("Subject: Re: pedido\r\nX-Autoreply: yes", "auto_reply"),
    ("Subject: Automatic reply: your order\r\nX-Auto-Response-Suppress: All", "auto_reply"),
    ("Subject: Out of Office: pedido", "auto_reply"),
    ("Subject: Respuesta automática: pedido", "auto_reply"),
    ("Subject: Fuera de la oficina hasta el lunes", "auto_reply"),
    ("Subject: pedido\r\nReturn-Path: <>", "auto_reply"),
    ("Subject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status;"
     " boundary=b", "bounce"),
    ("Subject: noticias\r\nList-Id: <news.example.net>", "list"),
    ("Subject: noticias\r\nList-Unsubscribe: <mailto:u@x>", "list"),
    ("Subject: noticias\r\nPrecedence: list", "list"),
    ("Subject: spam\r\nX-Spam-Flag: YES", "spam"),
    ("Subject: spam\r\nX-Spam-Status: Yes, score=9", "spam"),
    ("Subject: Re: caso\r\nX-Case-Reference: M-0123456789", "loop"),
]


@pytest.mark.parametrize("headers,kind", SCREENED)
def test_automated_mail_is_screened(headers: str, kind: str) -> None:
    verdict = screen(parse_mail(mail(headers)), OURS)
    assert verdict is not None and verdict.kind == kind, verdict


@pytest.mark.parametrize("sender,kind", [
    ("Portal <no-reply@pagos.example.net>", "no_reply"),
    ("<noreply@x.example>", "no_reply"),
    ("<do-not-reply@x.example>", "no_reply"),
    ("<MAILER-DAEMON@mx.example>", "no_reply"),
    ("Nosotros <clientes@example.com>", "loop"),
])
def test_senders_never_answered(sender: str, kind: str) -> None:
    verdict = screen(parse_mail(mail("Subject: hola", sender=sender)), OURS)
    assert verdict is not None and verdict.kind == kind


@pytest.mark.parametrize("headers", [
    "Subject: Re: automatic payment failed on invoice FAC-1",
    "Subject: Sobre el pago automático de la factura",
    "Subject: Ausencia de respuesta a mi reclamación",
    "Subject: De vacaciones y sin mi pedido",
    "Subject: Out of stock? my order PED-1",
    "Subject: Respuesta a su mensaje M-0123456789",  # our case reference, quoted by a person
    "Subject: pedido\r\nAuto-Submitted: no",
    "Subject: pedido\r\nPrecedence: normal",
    "Subject: pedido\r\nReturn-Path: <ana@cliente.example.org>",
    "Subject: pedido\r\nX-Spam-Status: No, score=0.1",
])
def test_a_customer_that_only_looks_automated_is_not_screened(headers: str) -> None:
    assert screen(parse_mail(mail(headers)), OURS) is None


def test_reply_and_signature_are_split_from_the_new_text() -> None:
    text = ("Quiero devolver el pedido PED-7.\n\nUn saludo,\nAna\n\nEl 1 dic 2026, a las "
            "10:00, Atención al cliente escribió:\n> Gracias por su mensaje.\n")
    new, quoted, signature = split_reply(text)
    assert new == "Quiero devolver el pedido PED-7."
    assert quoted.startswith("El 1 dic 2026") and "> Gracias" in quoted
    assert signature.startswith("Un saludo")
    new, quoted, _ = split_reply("Please cancel PED-9.\n\nOn Mon, 1 Dec 2026, Shop wrote:\n> hi")
    assert new == "Please cancel PED-9." and quoted.startswith("On Mon")
    new, quoted, _ = split_reply("Cancel it\n-----Original Message-----\nFrom: x\nSent: y\n")
    assert new == "Cancel it" and "Original Message" in quoted
    assert split_reply("Gracias") == ("Gracias", "", "")


def test_html_only_mail_becomes_text_and_attachments_are_kept() -> None:
    raw = (b"From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\n'
           b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Cancelar <b>PED-5</b></p>"
           b"<p>Gracias</p>\r\n--m\r\nContent-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename=f.pdf\r\n\r\n%PDF\r\n--m--\r\n")
    parsed = parse_mail(raw)
    assert parsed.html_only and "Cancelar PED-5" in parsed.text
    assert [a.filename for a in parsed.attachments] == ["f.pdf"]
    assert parsed.attachments[0].data == b"%PDF"
