"""Mail to customers: the MIME message (templated, threaded) and the SMTP channel.

    compose_mail(templates, case=..., template=..., step=..., to=..., context=..., locale=...,
                 sender=..., thread=Thread(...))   -> OutboundMessage (the MIME text inside)

The message is built once, when it is written to the outbox, and sent byte for byte as
built, so a retry after a crash sends the same message (same Message-ID and Date; the
MIME boundary is derived from the idempotency key). A reply to the customer's mail (`thread`)
comes from the address they wrote to, with `Re:` on their subject, In-Reply-To and
References. Headers: From, To, Subject, Date, Message-ID, [In-Reply-To, References],
Content-Language, Auto-Submitted (RFC 3834: our mail is automated, so auto-responders do
not answer it), X-Case-Reference; body multipart/alternative (text/plain, text/html),
quoted-printable UTF-8.

`SmtpChannel` sends through smtplib (STARTTLS or SSL, AUTH, per settings), on a
connection per sending thread kept open across messages (checked with NOOP when idle over
2 s; all closed when the sender's run ends: `end_run()`) and one TLS context, built
once. A crashed send is looked up in an archive Maildir receiving a Bcc copy
(`archive_bcc`, `archive_maildir`), since SMTP cannot be asked what it delivered.
"""

from __future__ import annotations

import functools
import io
import mailbox
import re
import smtplib
import ssl
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.charset import BASE64, QP, Charset
from email.generator import Generator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.outbox import (
    ChannelKind,
    OutboundMessage,
    PermanentFailure,
    StoredMessage,
    TemporaryFailure,
)
from bots.outbox.model import idempotency_key
from bots.settings import OutboundSmtpSettings
from connectors.outbound.addresses import normalize_email

if TYPE_CHECKING:
    from bots.outbox import Templates

TRUST_IDLE_SECONDS = 2.0
MAX_ID_LENGTH = 250  # a Message-ID longer than this is not threaded on
# read, never changed, by the MIME classes: built once
_UTF8_BODY = Charset("utf-8")
_UTF8_BODY.body_encoding = QP
_UTF8_HEADER = Charset("utf-8")
_UTF8_HEADER.header_encoding = BASE64  # "shortest" tries Q-encoding too: quadratic in length
_RE = re.compile(r"^\s*((re|aw|rv|sv)\s*:\s*)+", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PLAIN = re.compile(r"[ -~]*")  # printable ASCII: nothing for a header's folding to do


@dataclass(frozen=True)
class Thread:
    """The customer's mail a case began with; our message answers it."""

    message_id: str  # theirs, with the angle brackets
    subject: str
    our_address: str  # the address they wrote to: our From
    references: tuple[str, ...] = ()  # their References header, oldest first


def reply_subject(subject: str) -> str:
    """One `Re: ` in front, whatever prefixes the subject had."""
    return "Re: " + _RE.sub("", subject).strip()


def message_id_for(key: str, case: str, sender: str) -> str:
    """Unique worldwide (a random part: another store may reuse the case reference), and
    recorded with the message, so a resend after a crash carries the same one."""
    domain = _domain_of(sender)
    local = re.sub(r"[^A-Za-z0-9.-]", "-", case)[:60]
    return f"<{key[:16]}.{uuid.uuid4().hex[:16]}.{local}@{domain}>"


def compose_mail(templates: Templates, *, case: str, template: str, step: str, to: str,
                 context: Mapping[str, Any], locale: str | None, sender: str, now: datetime,
                 thread: Thread | None = None, customer: str | None = None,
                 tz: str | None = None) -> OutboundMessage:
    address = normalize_email(to)
    rendered = templates.render(template, locale, context, case=case)
    from_header = thread.our_address if thread is not None else sender
    key = idempotency_key(case, template, step, ChannelKind.MAIL)
    message_id = message_id_for(key, case, from_header)
    subject = reply_subject(thread.subject) if thread is not None else rendered.subject or ""
    thread_ids: Sequence[str] = ()
    if thread is not None:  # an id no relay's 998-character line would take is left out
        thread_ids = tuple(i for i in (*thread.references, thread.message_id)
                           if len(i) <= MAX_ID_LENGTH)
    headers = [("From", _encoded_address(from_header)), ("To", address),
               ("Subject", _encoded(subject)), ("Date", format_datetime(now)),
               ("Message-ID", message_id)]
    if thread is not None and len(thread.message_id) <= MAX_ID_LENGTH:
        headers.append(("In-Reply-To", thread.message_id))
    if thread_ids:
        headers.append(("References", " ".join(dict.fromkeys(thread_ids))))
    headers += [("Content-Language", rendered.locale.replace("_", "-")),
                ("Auto-Submitted", "auto-generated"), ("X-Case-Reference", _encoded(case))]
    mime = _body(rendered.text or "", rendered.html, boundary=f"=_alt_{key}")
    # the MIME classes wrote their headers first; ours go in front of them, in this order
    body_headers = [("MIME-Version", "1.0"),
                    *((n, v) for n, v in mime.items() if n != "MIME-Version")]
    for name, _value in mime.items():
        del mime[name]
    for name, value in [*headers, *body_headers]:
        mime[name] = value
    return OutboundMessage(
        case=case, template=template, step=step, channel=ChannelKind.MAIL, to=address,
        locale=rendered.locale, content=_as_text(mime), subject=subject,
        sender=from_header, message_id=message_id, thread_ids=tuple(dict.fromkeys(thread_ids)),
        customer=customer or address, tz=tz)


def _body(text: str, html: str | None, *, boundary: str) -> Message:
    # The compat32 MIME classes, not EmailMessage: the modern policy parses every header
    # it is given, which made composing cost more than sending (1.1 ms against 0.3 ms).
    plain = MIMEText(text, "plain", _UTF8_BODY)
    if html is None:
        return plain
    alternative = MIMEMultipart("alternative", boundary=boundary)
    for part in (plain, MIMEText(html, "html", _UTF8_BODY)):
        del part["MIME-Version"]  # said once, at the top
        alternative.attach(part)
    return alternative


def _encoded(value: str) -> str:
    """A header value as RFC 2047 words when it is not plain ASCII or holds a word too
    long to fold at a space, folded at 78 (every line within SMTP's 998). Control
    characters become spaces: a customer's subject must not break the header into lines
    (a form feed or a U+2028 is a line break to compat32, which would begin a new header)."""
    value = _CONTROL.sub(" ", value)
    if value.isascii() and all(len(word) < 900 for word in value.split()):
        return value
    return Header(value, _UTF8_HEADER, maxlinelen=78, header_name="Subject").encode()


@functools.lru_cache(maxsize=256)
def _domain_of(sender: str) -> str:  # cached: the same few senders for every message
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


@functools.lru_cache(maxsize=256)
def _encoded_address(value: str) -> str:
    name, address = parseaddr(value)
    if not address:
        return _encoded(value)
    return formataddr((name, address), charset="utf-8") if name else address


class _Unfolded(Compat32):
    """compat32, but a header that needs no folding (printable ASCII, one line within
    78) is written as it is: compat32 runs every header through the folding machinery of
    email.header, the most costly part of building a message."""

    def fold(self, name: str, value: str) -> str:  # type: ignore[override]
        if (isinstance(value, str) and len(name) + len(value) <= 76
                and _PLAIN.fullmatch(value) and "  " not in value and value == value.strip()):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)


_POLICY = _Unfolded(linesep="\r\n")


def _as_text(mime: Message) -> str:
    out = io.StringIO()
    Generator(out, mangle_from_=False, maxheaderlen=78, policy=_POLICY).flatten(mime)
    return out.getvalue()


class MaildirArchive:
    """Looks a Message-ID up in a Maildir that receives a copy of everything sent."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def has(self, message_id: str) -> bool:
        box = mailbox.Maildir(self.path, create=False)
        parser = BytesHeaderParser()
        for key in box.iterkeys():
            with box.get_file(key) as handle:
                if (parser.parse(handle).get("Message-ID") or "").strip() == message_id:
                    return True
        return False


class SmtpChannel:
    kind = ChannelKind.MAIL

    def __init__(self, settings: OutboundSmtpSettings, *,
                 archive: MaildirArchive | None = None) -> None:
        if not settings.host:
            raise ValueError("no SMTP host for customer mail (RPA_OUTBOX__SMTP__HOST)")
        self.settings = settings
        self.archive = archive or (MaildirArchive(settings.archive_maildir)
                                   if settings.archive_maildir else None)
        self._context: ssl.SSLContext | None = None
        self._mine = threading.local()  # this thread's connection and when it was used
        self._open: set[smtplib.SMTP] = set()  # every thread's, for end_run
        self._lock = threading.Lock()

    def _tls(self) -> ssl.SSLContext:
        # built once: loading the system's CA store costs tens of milliseconds
        if self._context is None:
            s = self.settings
            self._context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file
                                                       else None)
        return self._context

    def _session(self) -> smtplib.SMTP:
        """This thread's open connection if the server still answers on it, else a new
        one: one connection serves a whole send run instead of one per message. A
        connection in use moments ago is trusted without a NOOP (a round trip per
        message); one idle longer is asked first, since servers drop idle clients."""
        client: smtplib.SMTP | None = getattr(self._mine, "client", None)
        if client is not None:
            if time.monotonic() - self._mine.used_at < TRUST_IDLE_SECONDS:
                return client
            try:
                if client.noop()[0] == 250:
                    return client
            except (OSError, smtplib.SMTPException):
                pass
            self.close()
        client = self._mine.client = self._connect()
        self._mine.used_at = time.monotonic()
        with self._lock:
            self._open.add(client)
        return client

    def end_run(self) -> None:
        """The sender's run is over (its sending threads ended): no connection is kept
        until the next one."""
        with self._lock:
            clients, self._open = self._open, set()
        for client in clients:
            _quit(client)
        self._mine = threading.local()

    def close(self) -> None:
        """Close this thread's connection."""
        client, self._mine.client = getattr(self._mine, "client", None), None
        if client is not None:
            with self._lock:
                self._open.discard(client)
            _quit(client)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self._tls() if s.security != "none" else None
        if s.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(s.host or "", s.port, timeout=s.timeout_seconds,
                                                    context=context)
        else:
            client = smtplib.SMTP(s.host or "", s.port, timeout=s.timeout_seconds)
            if s.security == "starttls":
                client.starttls(context=context)
        if s.username and s.password is not None:
            client.login(s.username, s.password.get_secret_value())
        return client

    def send(self, message: StoredMessage) -> str | None:
        recipients = [message.to] + ([self.settings.archive_bcc] if self.settings.archive_bcc
                                     else [])
        envelope_from = parseaddr(message.sender)[1]
        try:
            # smtplib resets the transaction itself when the server refuses it
            refused = self._session().sendmail(envelope_from, recipients,
                                               message.content.encode("ascii"))
            self._mine.used_at = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except smtplib.SMTPDataError as exc:
            failure = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
            raise failure(f"SMTP DATA refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                          code=exc.smtp_code) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise TemporaryFailure(f"SMTP {self.settings.host}:{self.settings.port}: "
                                   f"{type(exc).__name__}: {exc}") from None
        if message.to in refused:
            code, text = refused[message.to]
            failure = PermanentFailure if code >= 500 else TemporaryFailure
            raise failure(f"{message.to} refused: {code} {_text(text)}", code=code)
        return None

    def lookup(self, message: StoredMessage) -> bool | None:
        if self.archive is None or not message.message_id:
            return None
        try:
            return self.archive.has(message.message_id)
        except OSError as exc:
            raise TemporaryFailure(f"archive {self.archive.path}: {exc}") from None


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
