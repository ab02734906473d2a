"""New mail into the triage queue: fetched in batches, parsed, screened and read, one
work item per mail (its key the Message-ID's hash), put with the reading's priority.

Only UIDs the store has not seen in this folder at this UIDVALIDITY are fetched: headers
first (size, Message-ID), then whole messages for the ones under the size limit. A mail
whose key is already queued (the same mail in a second folder, or every mail after a
UIDVALIDITY reset) is only recorded where it is now, so that it is filed with its case.
Understanding is pure: done here once, the work step then acts on what the payload says.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bots import Priority, Run, WorkQueue
from bots.errors import UsageError
from bots.mail.parse import (
    Limits,
    MailRefused,
    ParsedMail,
    message_key,
    parse_mail,
    parse_message_id,
    synthetic_message_id,
)
from bots.mail.screen import Ours, ScreenKind, screen
from bots.store.schema import work_items
from connectors.mailbox import FetchedMail, Mailbox, seen

TEXT_LIMIT = 4000  # the routed item's text, as the contract between recipes says
LOOP_LIMIT = 3  # answers a day to a sender whose mails quote our case references
LOOP_WINDOW = timedelta(days=1)


class MailboxFoldersMissing(UsageError):
    """No folder the settings name is in the mailbox: nothing could be triaged."""


def case_reference(key: str) -> str:
    """What the customer quotes: short, from the key, so a rerun gives the same one."""
    return f"M-{key[:10].upper()}"


@dataclass
class Intake:
    fetched: int = 0
    queued: int = 0
    known: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Understanding:
    """What intake needs besides the mailbox: limits, who we are, the reader."""

    limits: Limits
    ours: Ours
    read: Callable[..., Any]  # bots.mail.understand Reader.read
    now: Callable[[], datetime]
    default_language: str = "es"
    read_many: Callable[..., Any] | None = None  # Reader.read_many: a batch, one model call


def take_in(run: Run, box: Mailbox, queue: WorkQueue, folders: Sequence[str],
            understanding: Understanding, *, batch: int, limit: int | None) -> Intake:
    intake = Intake()
    missing = [folder for folder in folders if not box.has(folder)]
    if missing and len(missing) == len(folders):  # a misspelt setting, not a quiet run
        raise MailboxFoldersMissing(
            f"none of the folders RPA_MAIL__IMAP__FOLDERS names ({', '.join(missing)}) is in "
            f"mailbox {box.account}; it has: {', '.join(sorted(box.folders()))}")
    for folder in folders:
        if folder in missing:
            run.log.warning("folder {} is not in mailbox {}: skipped", folder, box.account)
            continue
        state = box.select(folder)
        place = seen.Place(box.account, folder, state.uidvalidity)
        known = seen.known(run.engine, place, state.uids)
        new = [uid for uid in state.uids if uid not in known]
        if limit is not None:
            new = new[:max(0, limit - intake.fetched)]
        for start in range(0, len(new), batch):
            _take_batch(run, box, queue, place, new[start:start + batch], understanding,
                        intake, batch)
    return intake


def _take_batch(run: Run, box: Mailbox, queue: WorkQueue, place: seen.Place,
                uids: list[int], understanding: Understanding, intake: Intake,
                batch: int) -> None:
    heads = {m.uid: m for m in box.fetch(uids, headers_only=True, batch=batch)}
    keys = {uid: _key_of_header(m) for uid, m in heads.items()}
    present = queue.get_many([k for k, _ in keys.values() if k])
    wanted = [uid for uid, m in heads.items()
              if keys[uid][0] not in present and m.size <= understanding.limits.max_bytes]
    bodies = {m.uid: m for m in box.fetch(wanted, batch=batch)} if wanted else {}
    entries: list[tuple[str, dict[str, Any], int]] = []
    pending: list[tuple[int, ParsedMail]] = []  # read together: one model call a batch
    seen_rows = []
    for uid, head in heads.items():
        key, message_id = keys[uid]
        if key in present:
            intake.known += 1
            seen_rows.append((uid, key, message_id))
            continue
        mail = bodies.get(uid)
        if mail is None and head.size <= understanding.limits.max_bytes:
            continue  # gone between the two fetches (moved by a person): next run
        if not key:  # no Message-ID: the bytes name the mail
            message_id = synthetic_message_id(mail.raw if mail is not None else head.raw)
            key = message_key(message_id)
        payload, priority, to_read = _payload(run, place, mail or head, key, message_id,
                                              understanding, oversized=mail is None)
        entries.append((key, payload, priority))
        if to_read is not None:
            pending.append((len(entries) - 1, to_read))
        seen_rows.append((uid, key, message_id))
    pending = _break_loops(run, queue, entries, pending, understanding)
    for (n, _), reading in zip(pending, _read_all(understanding, [m for _, m in pending]),
                               strict=True):
        key, payload, _ = entries[n]
        entries[n] = (key, payload, _apply(payload, reading))
    intake.kinds.update(payload["outcome"] for _, payload, _ in entries)
    intake.fetched += len(heads)
    if entries:
        intake.queued += queue.put_many(entries).created
    seen.record(run.engine, place, seen_rows, understanding.now())


def _break_loops(run: Run, queue: WorkQueue, entries: list[tuple[str, dict[str, Any], int]],
                 pending: list[tuple[int, ParsedMail]], understanding: Understanding
                 ) -> list[tuple[int, ParsedMail]]:
    """An auto-responder with none of the RFC 3834 headers answers our acknowledgement,
    we acknowledge its answer, and so on for ever: a sender whose replies quote our case
    references is answered at most LOOP_LIMIT times a day, then screened as a loop."""
    quoting = [(n, mail) for n, mail in pending
               if _quotes_our_case(mail, understanding.ours)]
    if not quoting:
        return pending
    counts = _answered_lately(run, queue, {mail.sender for _, mail in quoting},
                              understanding.now())
    looping = set()
    for n, mail in quoting:
        if counts.get(mail.sender, 0) >= LOOP_LIMIT:
            key, payload, _ = entries[n]
            payload.update(outcome="screened", screen={
                "kind": ScreenKind.LOOP.value,
                "reason": f"{counts[mail.sender]} mails from {mail.sender} in a day already, "
                          "this one quoting our case reference: an auto-responder loop"})
            entries[n] = (key, payload, int(Priority.LOW))
            looping.add(n)
    return [(n, mail) for n, mail in pending if n not in looping]


def _key_of_header(mail: FetchedMail) -> tuple[str, str]:
    try:
        header = BytesHeaderParser(policy=policy.compat32).parsebytes(mail.raw)
        found = str(header.get("Message-ID") or "")
    except Exception:  # noqa: BLE001 - an unreadable header: named by its bytes later
        found = ""
    message_id = parse_message_id(found)
    return (message_key(message_id), message_id) if message_id else ("", "")


def _payload(run: Run, place: seen.Place, mail: FetchedMail, key: str, message_id: str,
             understanding: Understanding, *, oversized: bool
             ) -> tuple[dict[str, Any], int, ParsedMail | None]:
    """The item's payload and priority so far, and the parsed mail when it is to be read."""
    now = understanding.now()
    base: dict[str, Any] = {
        "mailbox": {"account": place.account, "folder": place.folder,
                    "uidvalidity": place.uidvalidity, "uid": mail.uid},
        "message_id": message_id, "case": case_reference(key), "size": mail.size,
    }
    limits = understanding.limits
    try:
        if oversized:  # only the header was fetched: refuse, but say to whom
            raise MailRefused(f"the mail is {mail.size:,} bytes, over the limit of "
                              f"{limits.max_bytes:,}; a person must look at it")
        parsed = parse_mail(mail.raw, limits=limits)
    except MailRefused as exc:
        header = _header_only(mail.raw, limits)
        base.update(_identity(header, now, understanding.default_language))
        verdict = screen(header, understanding.ours) if header is not None else None
        if verdict is not None:  # a bounce carrying a large original is still a bounce
            base.update(outcome="screened", screen={"kind": verdict.kind.value,
                                                    "reason": verdict.reason})
            return base, int(Priority.LOW), None
        base.update(outcome="refused", refused=str(exc), language=understanding.default_language)
        return base, int(Priority.NORMAL), None
    base.update(_identity(parsed, now, understanding.default_language))
    base["problems"] = list(parsed.problems)[:20]
    base["attachments"] = _keep_attachments(run, key, parsed)
    verdict = screen(parsed, understanding.ours)
    if verdict is not None:
        base.update(outcome="screened", screen={"kind": verdict.kind.value,
                                                "reason": verdict.reason})
        return base, int(Priority.LOW), None
    if not parsed.sender:
        base.update(outcome="refused", refused="no sender address to answer")
        return base, int(Priority.NORMAL), None
    base["outcome"] = "unread"
    return base, int(Priority.NORMAL), parsed


def _quotes_our_case(mail: ParsedMail, ours: Ours) -> bool:
    """Replies to our acknowledgement quote its case reference."""
    pattern = ours.case_pattern
    return pattern is not None and bool(pattern.search(f"{mail.subject}\n{mail.text}"))


def _answered_lately(run: Run, queue: WorkQueue, senders: set[str], now: datetime
                     ) -> dict[str, int]:
    """Per sender, the mails of theirs taken in over the last day and not screened."""
    c = work_items.c
    sender = c.payload["from"].as_string()
    with run.engine.connect() as conn:
        rows = conn.execute(
            sa.select(sender, sa.func.count()).where(
                c.queue == queue.name, c.created_at >= now - LOOP_WINDOW,
                sender.in_(sorted(senders)),
                c.payload["outcome"].as_string() != "screened").group_by(sender))
        return {found: count for found, count in rows}


def _read_all(understanding: Understanding, mails: list[ParsedMail]) -> list[Any]:
    """A reading (or the exception) per mail: the batch in one call, and if that fails,
    mail by mail, so that one mail the reader chokes on costs only itself."""
    if not mails:
        return []
    now = understanding.now()
    asked = [(m.subject, m.new_text or m.text, m.sender, _received(m, now)) for m in mails]
    if understanding.read_many is not None:
        with suppress(Exception):  # retried one by one below
            return list(understanding.read_many(asked, now))
    found: list[Any] = []
    for subject, text, sender, received in asked:
        try:
            found.append(understanding.read(subject, text, sender, received, now))
        except Exception as exc:  # noqa: BLE001 - a reader bug must not lose the mail
            found.append(exc)
    return found


def _received(mail: ParsedMail, now: datetime) -> datetime:
    return mail.date if mail.date is not None and mail.date <= now else now


def _apply(payload: dict[str, Any], reading: Any) -> int:
    if isinstance(reading, Exception):
        payload.update(outcome="refused", refused=f"could not be read: "
                       f"{type(reading).__name__}: {reading}")
        return int(Priority.NORMAL)
    payload["language"] = reading.language
    payload.update(outcome="read", reading={
        "language": reading.language, "category": reading.category,
        "confidence": reading.confidence, "needs_review": reading.needs_review,
        "suggestions": [[name, p] for name, p in reading.suggestions],
        "priority": reading.priority, "facts": reading.facts,
        "source": getattr(reading, "source", "")})
    return max(-1000, min(1000, int(reading.priority)))


def _identity(mail: ParsedMail | None, now: datetime, language: str) -> dict[str, Any]:
    if mail is None:
        return {"from": "", "from_name": "", "subject": "", "text": "", "references": [],
                "received_at": now.isoformat(), "language": language}
    received = _received(mail, now)
    return {"from": mail.sender, "from_name": mail.sender_name[:200],
            "subject": mail.subject[:500], "text": (mail.new_text or mail.text)[:TEXT_LIMIT],
            "references": list(mail.references[-10:]),
            "received_at": received.isoformat(), "language": language}


def _header_only(raw: bytes, limits: Limits) -> ParsedMail | None:
    head = raw.split(b"\r\n\r\n", 1)[0][:200_000] + b"\r\n\r\n(unreadable)\r\n"
    try:
        return parse_mail(head, limits=Limits(max_bytes=max(len(head), 1000),
                                              attachment_max_bytes=0))
    except MailRefused:
        return None


def _keep_attachments(run: Run, key: str, mail: ParsedMail) -> list[dict[str, Any]]:
    kept = []
    for n, attachment in enumerate(mail.attachments, 1):
        entry: dict[str, Any] = {"filename": attachment.filename, "size": attachment.size,
                                 "sha256": attachment.sha256, "kept": None}
        if attachment.data is not None:
            path = run.artifact_path(f"mail-attachments/{key}/{n}-{attachment.filename}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attachment.data)
            run.add_artifact(path, kind="attachment")
            entry["kept"] = str(Path(path).name)
        kept.append(entry)
    return kept

