"""A customer mail from its raw bytes, without ever crashing the run.

    mail = parse_mail(raw, limits=Limits())      # ParsedMail, or MailRefused (a reason)

The stdlib `email` package does the MIME work, with the compat32 policy: headers stay
the text they were and are decoded here, once each (the modern policy parses a header
anew on every access, and every part's content type on every question: that was three
quarters of the time a mail took). What real mail throws at it is handled here, part by
part, and noted in `problems` instead of raised:
a charset nobody knows (or none) is decoded as UTF-8, then Windows-1252, then Latin-1
(which cannot fail); an RFC 2047 word in an odd encoding keeps its raw text; HTML-only
mail becomes text through html-text; a quoted reply and a signature are split from the
new text (the classifier and the routed item see only what the customer wrote now);
attachments are kept as bytes up to a size cap, and above it only listed. A mail larger
than `max_bytes`, or with nothing a person could read, is refused with its reason: the
caller files it for review and the run goes on.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from bots.errors import BusinessError

MAX_ID_CHARS = 250  # a Message-ID longer than this is not threaded (nor kept as one)
FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
SCREEN_HEADERS = ("auto-submitted", "precedence", "x-autoreply", "x-autorespond",
                  "x-auto-response-suppress", "list-id", "list-unsubscribe", "list-post",
                  "mailing-list", "x-mailing-list", "return-path", "x-loop", "x-spam-flag",
                  "x-spam-status", "x-case-reference", "x-failed-recipients",
                  "x-ms-exchange-generated-message-source")


class MailRefused(BusinessError):
    """This mail cannot be triaged (too large, nothing readable): to review, with why."""

    reason = "mail_refused"


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10_000_000
    attachment_max_bytes: int = 5_000_000
    max_text_chars: int = 200_000
    max_attachments: int = 100  # each is a file and a line of the item: a bound per mail


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes | None  # None above the size cap


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # with angle brackets; made from the bytes when the mail has none
    subject: str
    sender: str  # the address, lower-cased; "" when no From can be read
    sender_name: str
    reply_to: str
    to: tuple[str, ...]
    date: datetime | None
    in_reply_to: str
    references: tuple[str, ...]
    content_type: str
    headers: dict[str, str]  # the screening headers present, lower-case names
    text: str  # the whole readable text
    new_text: str  # without the quoted reply and the signature
    quoted: str
    signature: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    parts: tuple[str, ...]  # content types of every leaf part, in order
    size: int
    problems: tuple[str, ...] = field(default=())



def message_key(message_id: str) -> str:
    return hashlib.sha256(message_id.strip().encode("utf-8", "surrogateescape")).hexdigest()[:24]


def synthetic_message_id(raw: bytes) -> str:
    """A mail without a Message-ID is named by its bytes: the same copy seen twice (another
    folder, after a UID reset) is still one mail."""
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@no-message-id.invalid>"


def parse_mail(raw: bytes, *, limits: Limits = Limits()) -> ParsedMail:
    if len(raw) > limits.max_bytes:
        raise MailRefused(f"the mail is {len(raw):,} bytes, over the limit of "
                          f"{limits.max_bytes:,}; a person must look at it")
    problems: list[str] = []
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception as exc:  # noqa: BLE001 - the stdlib parser is lenient; belt and braces
        raise MailRefused(f"the mail cannot be parsed: {type(exc).__name__}: {exc}") from None
    for defect in getattr(msg, "defects", ()):
        problems.append(f"structure: {type(defect).__name__}")
    header = _Headers(msg, problems)
    message_id = parse_message_id(header.get("message-id")) or synthetic_message_id(raw)
    body = _Body(limits, problems)
    try:
        body.walk(msg)
    except Exception as exc:  # noqa: BLE001 - a part beyond repair: keep what was read
        problems.append(f"body: {type(exc).__name__}: {exc}")
    text = body.text()[:limits.max_text_chars]
    subject = header.get("subject")
    if not text.strip() and not subject.strip() and not body.attachments:
        raise MailRefused("the mail has no readable subject, text or attachment")
    new_text, quoted, signature = split_reply(text)
    sender_name, sender = header.mailbox("from")
    date = _date(header.get("date"), problems)
    return ParsedMail(
        message_id=message_id, subject=subject, sender=sender, sender_name=sender_name,
        reply_to=header.mailbox("reply-to")[1],
        to=tuple(a.lower() for _, a in getaddresses([header.raw("to")]) if a),
        date=date, in_reply_to=parse_message_id(header.get("in-reply-to")),
        references=tuple(r for r in re.findall(r"<[^<>\s]+>", header.get("references"))
                         if len(r) <= MAX_ID_CHARS),
        content_type=_safe(lambda: msg.get_content_type(), "text/plain"),
        headers={name: header.get(name) for name in SCREEN_HEADERS if name in msg},
        text=text, new_text=new_text, quoted=quoted, signature=signature,
        html_only=body.html_only(), attachments=tuple(body.attachments),
        parts=tuple(body.types), size=len(raw), problems=tuple(problems))


class _Headers:
    def __init__(self, msg: Message, problems: list[str]) -> None:
        self.problems = problems
        self.found: dict[str, str] = {}
        self.raws: dict[str, str] = {}
        for key, value in msg.raw_items():
            self.raws.setdefault(key.lower(), value if isinstance(value, str) else str(value))

    def get(self, name: str) -> str:
        """The first such header, its encoded words decoded, on one line."""
        if name not in self.found:
            self.found[name] = _clean_header(self.raw(name), self.problems)
        return self.found[name]

    def mailbox(self, name: str) -> tuple[str, str]:
        """(display name, address) of an address header. The address is the header's own
        `<...>`, found before any decoding: an encoded word can decode to a line break or
        a `<...>` of its own, and must not choose who is answered."""
        raw = " ".join(self.raw(name).split())
        name_text, address = _address(raw)
        name_text = _clean_header(name_text)
        unquoted = re.sub(r'"(?:[^"\\]|\\.)*"|\([^()]*\)', " ", raw)
        # the address is the first word inside <...>: a line folded in there ends it
        found = re.search(r"<\s*([^<>\s@]+@[^<>\s@]+)[^<>]*>", unquoted)
        if found:
            address = found.group(1).lower()
        return name_text, address

    def raw(self, name: str) -> str:
        """The first such header as written (8-bit bytes read by our charset fallbacks)."""
        raw = self.raws.get(name, "")
        if any("\udc80" <= ch <= "\udcff" for ch in raw):  # undecoded 8-bit bytes
            return _decode_bytes(raw.encode("ascii", "surrogateescape"), None, [])
        return raw


def _decode_words(value: str, problems: list[str]) -> str:
    """Each encoded word on its own; a charset nobody knows (noted in `problems`) read by
    the fallbacks."""
    try:
        words = decode_header(value)
    except Exception:  # noqa: BLE001
        return value
    out = []
    for chunk, charset in words:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(_decode_bytes(chunk, charset, problems))
    # decode_header keeps the spaces of plain text and drops those between encoded words
    return "".join(out)


def _clean_header(text: str, problems: list[str] | None = None) -> str:
    """A header value on one line, its encoded words decoded."""
    text = text.replace("\r", " ").replace("\n", " ").replace("\x00", "")
    if "=?" in text and "?=" in text:
        text = _decode_words(text, [] if problems is None else problems)
    return re.sub(r"\s+", " ", text).strip()


def parse_message_id(value: str) -> str:
    """The `<...>` in a header value (a bare id gets its brackets); "" when none, or when
    it is too long to be threaded (a reply quoting it would carry a header line no SMTP
    server takes): such a mail is named by its bytes, like one without an id."""
    found = re.search(r"<[^<>\s]+>", value)
    if found:
        found_id = found.group(0)
    else:
        bare = value.strip()
        found_id = f"<{bare}>" if bare and " " not in bare and "@" in bare else ""
    return found_id if len(found_id) <= MAX_ID_CHARS else ""


def _address(value: str) -> tuple[str, str]:
    try:
        name, address = parseaddr(value)
    except Exception:  # noqa: BLE001
        return "", ""
    address = address.strip().lower()
    return name.strip(), address if "@" in address else ""


def _date(value: str, problems: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        found = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append("header date: unreadable")
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def _safe(fn: Callable[[], Any], default: Any) -> Any:
    """A header or part accessor of the email package, which raises on odd input."""
    try:
        return fn()
    except Exception:  # noqa: BLE001
        return default


def _decode_bytes(data: bytes, charset: str | None, problems: list[str]) -> str:
    candidates = []
    if charset:
        name = charset.strip().strip('"').lower()
        try:
            candidates.append(codecs.lookup(name).name)
        except LookupError:
            problems.append(f"charset {charset!r} unknown")
    for name in [*candidates, *FALLBACK_CHARSETS]:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if candidates and name != candidates[0]:
            problems.append(f"charset {charset!r} wrong: read as {name}")
        return text
    return data.decode("latin-1")  # never reached: Latin-1 maps every byte


class _Body:
    """Walks the MIME tree: text parts, HTML parts, attachments."""

    def __init__(self, limits: Limits, problems: list[str]) -> None:
        self.limits, self.problems = limits, problems
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.types: list[str] = []
        self.skipped = 0  # attachments beyond max_attachments

    def walk(self, msg: Message) -> None:
        for part in _safe(lambda: list(msg.walk()), [msg]):
            try:
                self._part(part)
            except Exception as exc:  # noqa: BLE001 - one broken part, the others still count
                self.problems.append(f"part {len(self.types)}: {type(exc).__name__}: {exc}")
        if self.skipped:
            self.problems.append(f"{self.skipped:,} more attachments beyond the first "
                                 f"{self.limits.max_attachments} neither kept nor listed")

    def _part(self, part: Message) -> None:
        if part.is_multipart():
            return
        ctype = _safe(part.get_content_type, "text/plain")
        self.types.append(ctype)
        if ctype.startswith("multipart/"):  # no boundary found: its body is all there is
            payload = _safe(lambda: part.get_payload(), "")
            if isinstance(payload, str):
                self.plain.append(re.sub(r"(?m)^--\S*\s*$|^content-[\w-]+:.*$", "", payload,
                                         flags=re.IGNORECASE))
            return
        disposition = _safe(lambda: part.get_content_disposition(), None)
        filename = _safe(part.get_filename, None)
        is_text = ctype in ("text/plain", "text/html")
        if is_text and disposition != "attachment" and not filename:
            text = self._text_of(part)
            (self.html if ctype == "text/html" else self.plain).append(text)
            return
        if ctype in ("message/delivery-status", "message/rfc822", "text/rfc822-headers"):
            return  # a bounce's report: screened by its headers and type, not read as text
        self._attachment(part, ctype, filename)

    def _text_of(self, part: Message) -> str:
        data = _safe(lambda: part.get_payload(decode=True), None)
        if not isinstance(data, bytes):
            payload = _safe(lambda: part.get_payload(), "")
            return payload if isinstance(payload, str) else ""
        charset = _safe(lambda: part.get_content_charset(), None)
        return _decode_bytes(data, charset, self.problems)

    def _attachment(self, part: Message, ctype: str, filename: str | None) -> None:
        if len(self.attachments) >= self.limits.max_attachments:
            self.skipped += 1
            return
        data = _safe(lambda: part.get_payload(decode=True), None)
        data = data if isinstance(data, bytes) else b""
        keep = len(data) <= self.limits.attachment_max_bytes
        if not keep:
            self.problems.append(f"attachment {filename!r} of {len(data):,} bytes not kept "
                                 f"(over {self.limits.attachment_max_bytes:,})")
        name = _clean_header(str(filename)) if filename else f"part-{len(self.types)}"
        self.attachments.append(Attachment(
            filename=_safe_filename(name), content_type=ctype, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=data if keep else None))

    def text(self) -> str:
        plain = "\n\n".join(t for t in self.plain if t.strip())
        if plain.strip():
            return _normalise(plain)
        return _normalise("\n\n".join(html_to_text(h, self.problems) for h in self.html))

    def html_only(self) -> bool:
        return bool(self.html) and not any(t.strip() for t in self.plain)


def html_to_text(html: str, problems: list[str] | None = None) -> str:
    import html_text

    try:
        return str(html_text.extract_text(html, guess_layout=True))
    except Exception as exc:  # noqa: BLE001 - lxml on a document beyond repair
        if problems is not None:
            problems.append(f"html: {type(exc).__name__}")
        return re.sub(r"<[^>]*>", " ", html)


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[\u200b\ufeff]", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _safe_filename(name: str) -> str:
    name = re.sub(r"[\\/\x00-\x1f]", "_", name).strip(". ") or "attachment"
    return name[:150]


# A reply's header line, in the languages customers write in; the quoted text follows it.
_QUOTE_INTRO = re.compile(
    r"^\s*(?:"
    r"on\b.{0,200}\bwrote:\s*$"
    r"|el\b.{0,200}\bescribi[oó]:\s*$"
    r"|-{2,}\s*(?:original message|mensaje original|forwarded message|mensaje reenviado)\s*-{2,}"
    r"|(?:from|de):\s.+$(?=\n\s*(?:sent|enviado(?: el)?|date|fecha):)"
    r"|_{20,}\s*$"
    r")",
    re.IGNORECASE | re.MULTILINE)
_SIGNATURE = re.compile(
    r"^(?:-- ?$|—\s*$|(?:sent from my|enviado desde mi)\b.*$"
    r"|(?:regards|kind regards|best regards|best|thanks|thank you|cheers"
    r"|saludos|un saludo|atentamente|cordialmente|gracias|muchas gracias"
    r"|saludos cordiales|un cordial saludo)[,.!]?\s*$)",
    re.IGNORECASE | re.MULTILINE)


def split_reply(text: str) -> tuple[str, str, str]:
    """(new text, quoted reply, signature). The quote starts at a reply header ("On ...
    wrote:", "El ... escribió:", an Outlook "From:/Sent:" block) or at the first run of
    `>` lines; the signature at "-- ", a closing formula or "Sent from my ..."."""
    cut = len(text)
    intro = _QUOTE_INTRO.search(text)
    if intro:
        cut = intro.start()
    quoted_line = re.search(r"^>.*$", text, re.MULTILINE)
    if quoted_line and quoted_line.start() < cut:
        cut = quoted_line.start()
    head, quoted = text[:cut], text[cut:]
    signature = ""
    found = None
    for match in _SIGNATURE.finditer(head):
        if match.start() > 0:  # a mail that is only "Gracias" keeps it as its text
            found = match
            break
    if found is not None:
        head, signature = head[:found.start()], head[found.start():]
    return head.strip(), quoted.strip(), signature.strip()
