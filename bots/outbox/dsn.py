"""Delivery status notifications (RFC 3464): parse a bounce, mark what it says.

    report = parse_dsn(raw_bytes)      # None when the mail is not a DSN
    mark_bounced(engine, report)       # the message -> bounced, the address -> failing,
                                       # an audit event `outbox.bounced` for the case's review

A DSN is `multipart/report; report-type=delivery-status`: a human part, a
`message/delivery-status` part (one block of per-message fields, then one block per
recipient: Final-Recipient, Action, Status, Diagnostic-Code) and the returned message or
its headers (`message/rfc822`, `text/rfc822-headers`) which carry our Message-ID. Only
recipients whose Action is `failed` bounce; `delayed`, `delivered`, `relayed` and
`expanded` change nothing. (Reading the bounces from the mailbox comes with the mail
connector; this is the parser and the store side.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots import audit
from bots.clock import SystemClock
from bots.outbox.model import DeliveryState
from bots.outbox.store import mark_failing, record_case_ids
from bots.store.outbox_schema import outbox_messages as M


@dataclass(frozen=True)
class RecipientStatus:
    recipient: str
    action: str  # failed | delayed | delivered | relayed | expanded
    status: str  # e.g. 5.1.1
    diagnostic: str = ""

    @property
    def failed(self) -> bool:
        return self.action == "failed"


@dataclass(frozen=True)
class DsnReport:
    original_message_id: str | None
    case: str | None  # our X-Case-Reference, when the returned headers carry it
    recipients: tuple[RecipientStatus, ...]
    dsn_message_id: str | None = None

    @property
    def failed(self) -> tuple[RecipientStatus, ...]:
        return tuple(r for r in self.recipients if r.failed)


def _address(field: str | None) -> str:
    """`rfc822; someone@example.com` -> someone@example.com"""
    text = (field or "").strip()
    if ";" in text:
        text = text.split(";", 1)[1]
    return text.strip().strip("<>").strip()


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [b for b in payload if isinstance(b, Message)]
    # some parsers leave the status part as text: blocks are separated by blank lines
    text = str(payload).replace("\r\n", "\n")
    return [HeaderParser().parsestr(block) for block in text.split("\n\n") if block.strip()]


def _returned_headers(message: Message) -> Message | None:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
        if kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return HeaderParser().parsestr(payload.decode("utf-8", "replace"))
    return None


def parse_dsn(raw: bytes) -> DsnReport | None:
    message = message_from_bytes(raw, policy=policy.compat32)
    if message.get_content_type() != "multipart/report" or (
            str(message.get_param("report-type") or "").lower() != "delivery-status"):
        return None
    status_part = next((p for p in message.walk()
                        if p.get_content_type() == "message/delivery-status"), None)
    if status_part is None:
        return None
    blocks = _blocks(status_part)
    recipients = tuple(
        RecipientStatus(
            recipient=_address(block.get("Final-Recipient") or block.get("Original-Recipient")),
            action=(block.get("Action") or "").strip().lower(),
            status=(block.get("Status") or "").strip(),
            diagnostic=" ".join((block.get("Diagnostic-Code") or "").split()))
        for block in blocks[1:] if block.get("Final-Recipient") or block.get("Original-Recipient"))
    returned = _returned_headers(message)
    original = returned.get("Message-ID") if returned is not None else None
    case = returned.get("X-Case-Reference") if returned is not None else None
    return DsnReport(original.strip() if original else None, case.strip() if case else None,
                     recipients, (message.get("Message-ID") or "").strip() or None)


@dataclass(frozen=True)
class Bounced:
    outbox_id: int
    case: str
    recipient: str
    status: str


def mark_bounced(engine: Engine, report: DsnReport, *, now: datetime | None = None,
                 actor: str = "outbox") -> list[Bounced]:
    """Each failed recipient: its message bounced, its address failing, the case to review."""
    at = now or SystemClock().now()
    found: list[Bounced] = []
    with engine.begin() as conn:
        for status in report.failed:
            query = sa.select(M.c.id, M.c.case_ref, M.c.recipient).where(
                sa.func.lower(M.c.recipient) == status.recipient.lower())
            if report.original_message_id:
                query = query.where(M.c.message_id == report.original_message_id)
            elif report.case:
                query = query.where(M.c.case_ref == report.case, M.c.channel == "mail")
            else:
                continue  # nothing ties this bounce to a message of ours
            why = f"bounce {status.status}: {status.diagnostic}".strip()
            mark_failing(conn, status.recipient.lower(), why, at)
            for row in conn.execute(query).all():
                conn.execute(M.update().where(M.c.id == row.id).values(
                    state=DeliveryState.BOUNCED, reason=f"bounce {status.status}",
                    last_error=why, updated_at=at))
                if report.dsn_message_id:
                    record_case_ids(conn, row.case_ref, [report.dsn_message_id],
                                    direction="in", now=at)
                audit.append(conn, ts=at, actor=actor, action="outbox.bounced",
                             subject=f"case:{row.case_ref}",
                             data={"outbox_id": row.id, "recipient": row.recipient,
                                   "status": status.status, "review": True})
                found.append(Bounced(row.id, row.case_ref, row.recipient, status.status))
    return found
