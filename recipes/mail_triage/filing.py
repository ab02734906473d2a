"""Moving handled mail to the folder that says what happened, by UID sets.

A mail is moved only once its work item is settled (done: the folder its output names;
an exception: the review folder), so a mail still in the inbox is a mail not finished,
and a crash between the outcome and the move is repaired by the next run's filing. The
UIDs come from the store's `mail_seen` rows of the folder's current UIDVALIDITY: after a
reset, none of the old UIDs is trusted (intake sees the mails again and records them).
Each batch moved is one audit event.

A MOVE is not one step on the server: the copies are made, then the originals removed, and
a client killed meanwhile leaves the server's session to go on alone (or to stop between
the two). So each batch's target and that target's UIDNEXT are recorded before the MOVE;
the next run, finding such a batch still here, waits until the server is quiet, removes
the originals whose copy (same header, same size) arrived there after that UIDNEXT, and
moves only the rest: a mail is never left in two folders. Every folder's cut moves are
finished before any mail is moved, and an intent the server refused or the next run looked
at is cleared: a copy moved there later from another folder (the same mail in INBOX and
Clientes/Web, byte for byte) is never taken for one.

A folder the server will not make or move into (no right to create folders, a quota) is
reported, not raised: the mail stays where it is, settled, and the run goes on taking in
and answering new mail; the recipe fails the run at its end, saying which folder and what
the server said.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from imap_tools.errors import UnexpectedCommandStatusError

from bots import Run, WorkQueue, audit
from bots.errors import ApplicationError
from bots.locks import file_lock
from bots.workitems import ItemState
from connectors.mailbox import FetchedMail, Mailbox, seen

SETTLED_ELSEWHERE = (ItemState.BUSINESS_EXCEPTION, ItemState.SYSTEM_EXCEPTION)
QUIET_CHECK_SECONDS = 0.25  # a server session moving on alone changes its counts faster
QUIET_WAIT_SECONDS = 30.0


class MailNotFiled(ApplicationError):
    """The server refused a triage folder: its mail stays in the inbox, answered once."""


@dataclass
class Filing:
    moved: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: dict[str, str] = field(default_factory=dict)  # folder -> count and server's words

    def check(self) -> None:
        if self.refused:
            raise MailNotFiled("; ".join(self.refused.values()) + " (they stay where they "
                               "are and are filed by the next run the server allows it)")


def file_settled(run: Run, box: Mailbox, queue: WorkQueue, folders: Sequence[str],
                 review_folder: str, *, batch: int = 500) -> Filing:
    filing = Filing()
    with one_filer(run.engine, box.account):
        for folder in folders:  # first: every move cut short, before any copy lands
            _finish_cut_moves(run, box, folder)
        for folder in folders:
            _file_folder(run, box, queue, folder, review_folder, batch, filing)
    return filing


@contextmanager
def one_filer(engine: sa.Engine, account: str) -> Iterator[None]:
    """One run at a time files a mailbox: two sessions MOVEing the same mail at once can
    both copy it (Dovecot does), leaving it twice in its folder. PostgreSQL: an advisory
    lock per account; SQLite: a lock file beside the store, which every run shares."""
    if engine.dialect.name == "postgresql":
        digest = hashlib.sha256(f"mail-filing:{account}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        # a session lock outside any transaction: no session idle in one while filing
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # one process, one store
        return
    with file_lock(Path(f"{database}.mail-filing.lock")):
        yield


def _file_folder(run: Run, box: Mailbox, queue: WorkQueue, folder: str, review_folder: str,
                 batch: int, filing: Filing) -> None:
    if not box.has(folder):
        return
    state = box.select(folder)
    place = seen.Place(box.account, folder, state.uidvalidity)
    waiting = seen.unfiled(run.engine, place)
    if not waiting:
        return
    items = queue.get_many({key for _, key in waiting})
    present = set(state.uids)
    targets: dict[str, list[int]] = defaultdict(list)
    for uid, key in waiting:
        record = items.get(key)
        if record is None:
            continue
        if record.state == ItemState.DONE:
            target = (record.output or {}).get("folder") or review_folder
        elif record.state in SETTLED_ELSEWHERE:
            target = review_folder
        else:
            continue  # pending or in progress: not finished, stays where it is
        targets[target].append(uid)
    for target, uids in targets.items():
        here = [u for u in uids if u in present]
        # not here: moved earlier by a run cut short before it could record the move
        done = [u for u in uids if u not in present]
        moved, refused = _move(run, box, place, target, here, batch)
        done += moved
        if refused:
            refused = (f"{len(here) - len(moved)} mails of {folder} could not be filed "
                       f"to {target}: the server said {refused}")
            filing.refused[f"{folder} -> {target}"] = refused
            run.log.error("{}", refused)
        filing.moved[target] += len(moved)
        seen.mark_filed(run.engine, place, done, target, run.clock.now())


def _move(run: Run, box: Mailbox, place: seen.Place, target: str, uids: list[int],
          batch: int) -> tuple[list[int], str]:
    """The UIDs moved (or gone meanwhile: a person, or another run, moved them between our
    SELECT and MOVE), and the server's words if some could not be moved."""
    moved: list[int] = []
    for start in range(0, len(uids), batch):
        chunk = uids[start:start + batch]
        try:
            box.ensure_folder(target)
            seen.mark_moving(run.engine, place, chunk, seen.Moving(target, *box.next_uid(target)))
            box.move(chunk, target, batch=batch)
        except UnexpectedCommandStatusError as exc:
            still = set(box.select(place.folder).uids)
            gone = [u for u in chunk if u not in still]
            moved += gone
            left = [u for u in chunk if u in still]
            try:
                box.move(left, target, batch=batch)  # once more, without the ones gone
            except UnexpectedCommandStatusError:
                # refused: nothing copied (RFC 6851), so no intent is left to look for
                seen.clear_moving(run.engine, place, left)
                return moved, str(exc)[:300]
            chunk = left
        _audit(run, place, target, chunk)
        moved += chunk
    return moved, ""


def _finish_cut_moves(run: Run, box: Mailbox, folder: str) -> None:
    """Remove here the mails an earlier run's MOVE already copied to their target, and
    forget the intent of the rest: they are moved as usual."""
    if not box.has(folder):
        return
    place = seen.Place(box.account, folder, box.next_uid(folder)[0])
    cut_short = seen.moving(run.engine, place)
    if not cut_short:
        return
    batches: dict[seen.Moving, list[int]] = defaultdict(list)
    for uid, moving in cut_short.items():
        batches[moving].append(uid)
    _wait_until_quiet(box, place.folder, {m.target for m in batches})
    for moving, uids in batches.items():
        if not box.has(moving.target) or box.next_uid(moving.target)[0] != moving.uidvalidity:
            continue  # the target was made anew: nothing the move copied is there
        box.select(moving.target)
        copies = Counter(_fingerprint(m) for m in box.fetch(
            box.uids_from(moving.uidnext), headers_only=True))
        box.select(place.folder)
        copied = []
        for mail in box.fetch(sorted(uids), headers_only=True):
            fingerprint = _fingerprint(mail)
            if copies[fingerprint] > 0:
                copies[fingerprint] -= 1
                copied.append(mail.uid)
        if copied:
            box.expunge(copied)
            run.log.warning("{} mails of {} were already in {} (a move cut short): removed "
                            "here, not moved twice", len(copied), place.folder, moving.target)
            _audit(run, place, moving.target, copied, finished="copied by a move cut short")
    seen.clear_moving(run.engine, place, list(cut_short))


def _wait_until_quiet(box: Mailbox, folder: str, targets: set[str]) -> None:
    """Until the counts stop changing: a session of a killed run may still be moving."""
    def counts() -> tuple[int, ...]:
        return (box.count(folder), *(box.next_uid(t)[1] for t in sorted(targets) if box.has(t)))

    end = time.monotonic() + QUIET_WAIT_SECONDS
    before = counts()
    while time.monotonic() < end:
        time.sleep(QUIET_CHECK_SECONDS)
        now = counts()
        if now == before:
            return
        before = now


def _fingerprint(mail: FetchedMail) -> tuple[int, bytes]:
    return mail.size, mail.raw


def _audit(run: Run, place: seen.Place, target: str, uids: list[int], **extra: str) -> None:
    with run.engine.begin() as conn:
        audit.append(conn, ts=run.clock.now(), actor=f"bot:{run.recipe}", action="mail.filed",
                     subject=f"mailbox:{place.account}/{place.folder}",
                     data={"run_id": run.id, "to": target, "uidvalidity": place.uidvalidity,
                           "uids": uids, **extra})
