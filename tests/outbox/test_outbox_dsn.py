"""RFC 3464 bounces: parsed with the standard library, the message bounced, the address
marked failing, the case flagged for review in the audit trail."""

from __future__ import annotations

import email
from email import policy

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.clock import FrozenClock
from bots.outbox import Sender, Templates, enqueue, list_messages, mark_bounced, parse_dsn
from bots.store.outbox_schema import outbox_addresses
from bots.store.schema import audit_events
from demo.customer_mailbox import CustomerMailbox
from tests.outbox.builders import mail


def postfix_dsn(original: bytes, recipient: str, *, action: str = "failed",
                status: str = "5.1.1", returned: str = "message/rfc822") -> bytes:
    """A bounce laid out as Postfix writes one (RFC 3464)."""
    headers = original.split(b"\r\n\r\n", 1)[0].decode("ascii")
    third = (f"Content-Description: Undelivered Message\r\nContent-Type: {returned}\r\n\r\n"
             + (original.decode("ascii") if returned == "message/rfc822" else headers + "\r\n"))
    return (
        "Return-Path: <>\r\n"
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        "To: clientes@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <20260105090500.ABCDE@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status;\r\n'
        '\tboundary="B1/mx.example.com"\r\n\r\n'
        "This is a MIME-encapsulated message.\r\n\r\n"
        "--B1/mx.example.com\r\n"
        "Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n\r\n"
        "--B1/mx.example.com\r\n"
        "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n"
        "X-Postfix-Queue-ID: ABCDE\r\n"
        "Arrival-Date: Mon,  5 Jan 2026 09:04:58 +0000 (UTC)\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; mail.example.com\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <" + recipient + ">: Recipient address\r\n"
        "    rejected: User unknown in virtual mailbox table\r\n\r\n"
        "--B1/mx.example.com\r\n" + third + "\r\n"
        "--B1/mx.example.com--\r\n").encode("ascii")


def test_a_dsn_is_parsed(templates: Templates, clock: FrozenClock) -> None:
    message = mail(templates, clock.now(), to="gone@example.com")
    for returned in ("message/rfc822", "text/rfc822-headers"):
        report = parse_dsn(postfix_dsn(message.content.encode("ascii"), "gone@example.com",
                                       returned=returned))
        assert report is not None
        assert report.original_message_id == message.message_id
        assert report.case == "REQ-2026-0001"
        assert report.dsn_message_id == "<20260105090500.ABCDE@mx.example.com>"
        [status] = report.failed
        assert (status.recipient, status.action, status.status) == (
            "gone@example.com", "failed", "5.1.1")
        assert status.diagnostic == ("smtp; 550 5.1.1 <gone@example.com>: Recipient address "
                                     "rejected: User unknown in virtual mailbox table")


def test_not_a_dsn_and_a_delay_notice_change_nothing(templates: Templates,
                                                     clock: FrozenClock) -> None:
    message = mail(templates, clock.now())
    assert parse_dsn(message.content.encode("ascii")) is None
    delayed = parse_dsn(postfix_dsn(message.content.encode("ascii"), "ana.perez@example.com",
                                    action="delayed", status="4.4.1"))
    assert delayed is not None and delayed.failed == ()


def test_a_bounce_of_a_sent_message_marks_it_and_the_address(
        store: Engine, sender: Sender, templates: Templates, mailbox: CustomerMailbox,
        clock: FrozenClock) -> None:
    enqueue(store, mail(templates, clock.now(), to="gone@example.com"))
    enqueue(store, mail(templates, clock.now(), case="REQ-2026-0002"))
    assert sender.run().sent == 2
    [(_envelope, raw)] = [m for m in mailbox.messages() if b"To: gone@" in m[1]]
    bounce = postfix_dsn(raw, "gone@example.com")
    assert email.message_from_bytes(bounce, policy=policy.default).get_content_type() == \
        "multipart/report"
    found = mark_bounced(store, parse_dsn(bounce), now=clock.now())  # type: ignore[arg-type]
    assert [(b.case, b.recipient, b.status) for b in found] == [
        ("REQ-2026-0001", "gone@example.com", "5.1.1")]
    states = {m.case: (m.state, m.reason) for m in list_messages(store)}
    assert states == {"REQ-2026-0001": ("bounced", "bounce 5.1.1"),
                      "REQ-2026-0002": ("sent", None)}
    with store.connect() as conn:
        address = conn.execute(sa.select(outbox_addresses)).one()
        review = conn.execute(sa.select(audit_events.c.subject, audit_events.c.data).where(
            audit_events.c.action == "outbox.bounced")).one()
    assert address.address == "gone@example.com" and "5.1.1" in address.failing_reason
    assert review.subject == "case:REQ-2026-0001" and '"review":true' in review.data
    assert verify(store).ok
    # the next message to that address is not tried
    enqueue(store, mail(templates, clock.now(), to="gone@example.com", step="again"))
    assert sender.run().reasons == {"address_failing": 1}
