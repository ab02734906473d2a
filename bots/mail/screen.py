"""Mail that must never be answered: screened out before anything reads it.

    verdict = screen(mail, ours=Ours(addresses=..., case_pattern=...))   # Screened | None

In order, the first that holds wins:

    loop        from one of our own addresses, or carrying our X-Case-Reference / X-Loop:
                our own mail come back (answering it would start a ping-pong)
    bounce      a delivery status notification (multipart/report; report-type=
                delivery-status, message/delivery-status part) or from MAILER-DAEMON
    auto_reply  RFC 3834 Auto-Submitted (anything but "no"), Precedence bulk/junk/
                auto_reply, X-Autoreply / X-Autorespond, Exchange's auto-reply markers,
                an empty Return-Path, an out-of-office subject in Spanish or English
    list        List-Id, List-Unsubscribe, List-Post, Mailing-List, Precedence list
    no_reply    a no-reply / do-not-reply sender
    spam        marked spam by the server's filter (X-Spam-Flag / X-Spam-Status yes)

Each is filed, never answered (an answer to an auto-reply is the defect this prevents);
spam goes to its own folder. The rules are deliberately strict: a real customer's mail
screened by mistake would go unanswered, so a rule here must be a sure sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bots.mail.parse import ParsedMail


class ScreenKind(StrEnum):
    LOOP = "loop"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    LIST = "list"
    NO_REPLY = "no_reply"
    SPAM = "spam"


@dataclass(frozen=True)
class Screened:
    kind: ScreenKind
    reason: str


@dataclass(frozen=True)
class Ours:
    """Who we are: our addresses (lower-case) and how our case references look."""

    addresses: frozenset[str]
    case_pattern: re.Pattern[str] | None = None


_OUT_OF_OFFICE = re.compile(
    r"^\s*(?:\[?auto\]?\s*:|auto(?:matic)?[\s-]*(?:reply|response|answer)\b|autoreply\b"
    r"|out of (?:the )?office\b|away from (?:the )?office\b"
    r"|respuesta autom[aá]tica\b|autorespuesta\b|contestaci[oó]n autom[aá]tica\b"
    r"|fuera de (?:la )?oficina\b|abwesenheitsnotiz|r[ée]ponse automatique)",
    re.IGNORECASE)
_NO_REPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|noreply"
                       r"|no[-_.]?responder|mailer[-_.]?daemon|postmaster)(?:[-+._].*)?@",
                       re.IGNORECASE)
_BOUNCE_SENDER = re.compile(r"^(?:mailer[-_.]?daemon|postmaster)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliver(?:ed|able)|delivery status notification|mail delivery failed"
    r"|returned mail|delivery failure|no se pudo entregar|notificaci[oó]n de estado de"
    r" entrega|mensaje no entregado)", re.IGNORECASE)


def screen(mail: ParsedMail, ours: Ours) -> Screened | None:
    for rule in (_loop, _bounce, _auto_reply, _mailing_list, _no_reply, _spam):
        found = rule(mail, ours)
        if found is not None:
            return found
    return None


def _loop(mail: ParsedMail, ours: Ours) -> Screened | None:
    if mail.sender and mail.sender in ours.addresses:
        return Screened(ScreenKind.LOOP, f"from our own address {mail.sender}")
    if mail.headers.get("x-case-reference"):
        return Screened(ScreenKind.LOOP, "carries our X-Case-Reference header")
    loop = mail.headers.get("x-loop", "").lower()
    if loop and any(address in loop for address in ours.addresses):
        return Screened(ScreenKind.LOOP, f"X-Loop names us ({loop})")
    return None


def _bounce(mail: ParsedMail, ours: Ours) -> Screened | None:
    if mail.content_type == "multipart/report" or "message/delivery-status" in mail.parts:
        return Screened(ScreenKind.BOUNCE, "a delivery status notification (multipart/report)")
    if mail.headers.get("x-failed-recipients"):
        return Screened(ScreenKind.BOUNCE, "X-Failed-Recipients header")
    if _BOUNCE_SENDER.match(mail.sender or "") and _BOUNCE_SUBJECT.match(mail.subject):
        return Screened(ScreenKind.BOUNCE, f"a bounce from {mail.sender}")
    return None


def _auto_reply(mail: ParsedMail, ours: Ours) -> Screened | None:
    h = mail.headers
    auto = h.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return Screened(ScreenKind.AUTO_REPLY, f"Auto-Submitted: {auto}")
    precedence = h.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "auto_reply"):
        return Screened(ScreenKind.AUTO_REPLY, f"Precedence: {precedence}")
    for name in ("x-autoreply", "x-autorespond"):
        if h.get(name):
            return Screened(ScreenKind.AUTO_REPLY, f"{name} header")
    suppress = h.get("x-auto-response-suppress", "").lower()
    if h.get("x-ms-exchange-generated-message-source") or (
            suppress and any(w in suppress for w in ("all", "oof", "autoreply"))):
        return Screened(ScreenKind.AUTO_REPLY, "Exchange auto-reply headers")
    if h.get("return-path", "").strip() in ("<>", ""):
        if "return-path" in h:
            return Screened(ScreenKind.AUTO_REPLY, "empty Return-Path (automated sender)")
    if _OUT_OF_OFFICE.match(mail.subject):
        return Screened(ScreenKind.AUTO_REPLY, f"out-of-office subject {mail.subject[:60]!r}")
    return None


def _mailing_list(mail: ParsedMail, ours: Ours) -> Screened | None:
    for name in ("list-id", "list-unsubscribe", "list-post", "mailing-list", "x-mailing-list"):
        if mail.headers.get(name):
            return Screened(ScreenKind.LIST, f"{name} header")
    if mail.headers.get("precedence", "").strip().lower() == "list":
        return Screened(ScreenKind.LIST, "Precedence: list")
    return None


def _no_reply(mail: ParsedMail, ours: Ours) -> Screened | None:
    if mail.sender and _NO_REPLY.match(mail.sender):
        return Screened(ScreenKind.NO_REPLY, f"no-reply sender {mail.sender}")
    return None


def _spam(mail: ParsedMail, ours: Ours) -> Screened | None:
    flag = mail.headers.get("x-spam-flag", "").strip().lower()
    status = mail.headers.get("x-spam-status", "").strip().lower()
    if flag == "yes" or status.startswith("yes"):
        return Screened(ScreenKind.SPAM, "marked spam by the mail server's filter")
    return None
