"""A corpus of broken mail: encodings, structure and sizes that real mailboxes hold.

    for case in broken_mails(max_bytes=200_000): case.name, case.raw, case.expect

`expect` says what triage must make of it: "read" (understood, words of `words` in its
text), or "review" (refused with a reason, or nothing a person can read). Built from
bytes, not from the email package, so that the breakage is exactly what is written.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

CRLF = b"\r\n"


@dataclass(frozen=True)
class Broken:
    name: str
    raw: bytes
    expect: str  # "read" or "review"
    words: tuple[str, ...] = ()  # found in the subject or text when read


def _mail(n: int, headers: list[bytes], body: bytes, *, message_id: bool = True,
          sender: bytes = b"Cliente Roto <roto@cliente.example.org>") -> bytes:
    head = [b"From: " + sender] if sender else []
    head += [b"To: clientes@example.com", b"Date: Tue, 01 Dec 2026 10:00:00 +0100"]
    if message_id:
        head.append(b"Message-ID: <broken-%d@cliente.example.org>" % n)
    return CRLF.join(head + headers) + CRLF + CRLF + body


def broken_mails(*, max_bytes: int = 200_000, attachment_max: int = 100_000) -> list[Broken]:
    order = "Quiero cancelar el pedido PED-424242"
    cases: list[Broken] = []

    def add(name: str, headers: list[bytes], body: bytes, expect: str = "read",
            words: tuple[str, ...] = (), **kw: object) -> None:
        cases.append(Broken(name, _mail(len(cases), headers, body, **kw), expect, words))

    add("unknown body charset",
        [b"Subject: Pedido", b"Content-Type: text/plain; charset=x-klingon"],
        order.encode() + b" \xe9", words=("PED-424242",))
    add("8-bit body without charset",
        [b"Subject: Devoluci\xf3n", b"Content-Type: text/plain"],
        "Quiero la devolución del pedido PED-424242".encode("latin-1"), words=("PED-424242",))
    add("UTF-8 declared, Latin-1 sent",
        [b"Subject: Factura", b"Content-Type: text/plain; charset=utf-8"],
        "Factura FAC-2026-777 errónea, señores".encode("latin-1"), words=("FAC-2026-777",))
    add("RFC 2047 subject in an unknown charset",
        [b"Subject: =?x-unknown?Q?Cancelaci=F3n_pedido?=", b"Content-Type: text/plain"],
        order.encode(), words=("PED-424242",))
    add("RFC 2047 subject with broken base64",
        [b"Subject: =?utf-8?B?!!!no-base64***?= pedido", b"Content-Type: text/plain"],
        order.encode(), words=("PED-424242",))
    add("RFC 2047 subject in KOI8-R and Shift_JIS",
        [b"Subject: =?koi8-r?B?8NLJ18XU?= =?shift_jis?B?grGC8YLJgr+CzQ==?=",
         b"Content-Type: text/plain"], b"Order PED-424242 please cancel",
        words=("PED-424242",))
    add("RFC 2047 words glued to text",
        [b"Subject: Re:=?utf-8?Q?Pedido_cancelaci=C3=B3n?=urgente", b"Content-Type: text/plain"],
        order.encode(), words=("PED-424242",))
    add("HTML only, broken markup and a script",
        [b"Subject: Pedido", b"Content-Type: text/html; charset=utf-8"],
        b"<html><body><p>Quiero cancelar <b>el pedido PED-424242<p><script>alert(1)</script>"
        b"<table><tr><td>sin cerrar", words=("PED-424242",))
    add("HTML only, charset only in a meta tag",
        [b"Subject: Pedido", b"Content-Type: text/html"],
        b'<html><head><meta charset="windows-1252"></head><body>Cancelaci\xf3n del pedido '
        b"PED-424242</body></html>", words=("PED-424242",))
    add("multipart without a boundary parameter",
        [b"Subject: Pedido PED-424242", b"MIME-Version: 1.0", b"Content-Type: multipart/mixed"],
        b"--x\r\nContent-Type: text/plain\r\n\r\n" + order.encode() + b"\r\n--x--\r\n",
        words=("PED-424242",))
    add("multipart without its closing boundary",
        [b"Subject: Pedido", b"MIME-Version: 1.0", b'Content-Type: multipart/mixed; boundary="b1"'],
        b"--b1\r\nContent-Type: text/plain\r\n\r\n" + order.encode() + b"\r\n",
        words=("PED-424242",))
    add("multipart whose boundary never appears",
        [b"Subject: Pedido PED-424242", b"MIME-Version: 1.0",
         b'Content-Type: multipart/alternative; boundary="never"'], order.encode(),
        words=("PED-424242",))
    add("base64 body with bad padding and junk",
        [b"Subject: Pedido PED-424242", b"Content-Type: text/plain; charset=utf-8",
         b"Content-Transfer-Encoding: base64"],
        base64.b64encode(order.encode())[:-2] + b"*!%", words=("PED-424242",))
    add("quoted-printable with invalid escapes",
        [b"Subject: Pedido", b"Content-Type: text/plain; charset=utf-8",
         b"Content-Transfer-Encoding: quoted-printable"],
        b"Quiero cancelar el pedido PED-424242 =ZZ =\r\nsin =C3", words=("PED-424242",))
    add("unknown transfer encoding",
        [b"Subject: Pedido PED-424242", b"Content-Type: text/plain",
         b"Content-Transfer-Encoding: x-uuencode"], order.encode(), words=("PED-424242",))
    add("garbage header lines without a colon",
        [b"Subject: Pedido", b"this is not a header", b"\x00\x01\x02", b"Content-Type: text/plain"],
        order.encode(), words=("PED-424242",))
    add("no From at all", [b"Subject: Pedido", b"Content-Type: text/plain"], order.encode(),
        expect="review", sender=b"")
    add("From without an address", [b"Subject: Pedido", b"Content-Type: text/plain"],
        order.encode(), expect="review", sender=b"=?utf-8?Q?=E2=98=83?= <<<>>>")
    add("no Message-ID", [b"Subject: Pedido", b"Content-Type: text/plain"], order.encode(),
        words=("PED-424242",), message_id=False)
    add("Message-ID without brackets and twice",
        [b"Message-ID: bare-id@cliente.example.org", b"Message-ID: <second@x>",
         b"Subject: Pedido", b"Content-Type: text/plain"], order.encode(),
        words=("PED-424242",), message_id=False)
    add("an unreadable Date", [b"Subject: Pedido", b"Date: el martes por la tarde",
                               b"Content-Type: text/plain"], order.encode(), words=("PED-424242",))
    add("nothing readable: empty subject and body", [b"Subject: ", b"Content-Type: text/plain"],
        b"", expect="review")
    add("NUL bytes in the body", [b"Subject: Pedido", b"Content-Type: text/plain"],
        b"Quiero\x00 cancelar el pedido PED-424242\x00", words=("PED-424242",))
    add("a 100 KB subject", [b"Subject: " + b"Pedido PED-424242 " * 5500,
                             b"Content-Type: text/plain"], order.encode(), words=("PED-424242",))
    nested = b"Content-Type: text/plain\r\n\r\n" + order.encode()
    for level in range(60):
        nested = (b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (level, level)
                  + nested + b"\r\n--n%d--\r\n" % level)
    outer, body = nested.split(b"\r\n\r\n", 1)
    add("multipart nested 60 deep", [b"Subject: Pedido PED-424242", b"MIME-Version: 1.0", outer],
        body, words=("PED-424242",))
    add("attached message/rfc822 that is itself broken",
        [b"Subject: Fwd: pedido", b"MIME-Version: 1.0",
         b'Content-Type: multipart/mixed; boundary="f"'],
        b"--f\r\nContent-Type: text/plain\r\n\r\n" + order.encode() + b"\r\n--f\r\n"
        b"Content-Type: message/rfc822\r\n\r\nFrom: \x00\r\nContent-Type: multipart/mixed\r\n\r\n"
        b"--nothing\r\n--f--\r\n", words=("PED-424242",))
    add("bare LF and lone CR line ends",
        [b"Subject: Pedido", b"Content-Type: text/plain"],
        b"Quiero cancelar\nel pedido\rPED-424242\n", words=("PED-424242",))
    add("attachment named with a path and an unknown RFC 2231 charset",
        [b"Subject: Pedido PED-424242", b"MIME-Version: 1.0",
         b'Content-Type: multipart/mixed; boundary="a"'],
        b"--a\r\nContent-Type: text/plain\r\n\r\n" + order.encode() + b"\r\n--a\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment; "
        b"filename*=x-nope''..%2F..%2Fetc%2Fpasswd\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"%PDF-1.4") + b"\r\n--a--\r\n", words=("PED-424242",))
    big = base64.encodebytes(b"\x89PNG" + b"\x00" * (attachment_max + 10))
    add("an attachment over the size cap",
        [b"Subject: Pedido PED-424242", b"MIME-Version: 1.0",
         b'Content-Type: multipart/mixed; boundary="a"'],
        b"--a\r\nContent-Type: text/plain\r\n\r\n" + order.encode() + b"\r\n--a\r\n"
        b"Content-Type: image/png\r\nContent-Disposition: attachment; filename=foto.png\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + big.replace(b"\n", b"\r\n") + b"--a--\r\n",
        words=("PED-424242",))
    add("a mail over the size limit", [b"Subject: Pedido", b"Content-Type: text/plain"],
        order.encode() + b"\r\n" + b"x" * 76 + b"\r\n" * 0 + (b"y" * 76 + b"\r\n") * (
            max_bytes // 78 + 10), expect="review")
    return cases


def oversized_bounce(max_bytes: int = 200_000) -> bytes:
    """A delivery status notification carrying an original too large to fetch whole."""
    body = (b"--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--r\r\n"
            b"Content-Type: message/delivery-status\r\n\r\nAction: failed\r\n--r\r\n"
            b"Content-Type: message/rfc822\r\n\r\nSubject: big\r\n\r\n"
            + (b"z" * 76 + b"\r\n") * (max_bytes // 78 + 10) + b"--r--\r\n")
    return _mail(999, [b"Subject: Undelivered Mail Returned to Sender", b"MIME-Version: 1.0",
                       b'Content-Type: multipart/report; report-type=delivery-status; '
                       b'boundary="r"'], body, sender=b"MAILER-DAEMON@mx.example.org")
