"""Moving handled mail to the folder that says what happened, by UID sets.

A mail is moved only once its work item is settled (done: the folder its output names;
an exception: the review folder), so a mail still in the inbox is a mail not finished,
and a crash between the outcome and the move is repaired by the next run's filing. The
UIDs come from the store's `mail_seen` rows of the folder's current UIDVALIDITY: after a
reset, none of the old UIDs is trusted (intake sees the mails again and records them).
Each batch moved is one audit event. A folder the server will not make or move into
(no right to create folders, a quota) is reported, not raised: the mail stays where it
is, settled, and the run goes on taking in and answering new mail; the recipe fails the
run at its end, saying which folder and what the server said.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
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
from connectors.mailbox import Mailbox, seen

SETTLED_ELSEWHERE = (ItemState.BUSINESS_EXCEPTION, ItemState.SYSTEM_EXCEPTION)


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
            box.move(chunk, target, batch=batch)
        except UnexpectedCommandStatusError as exc:
            still = set(box.select(place.folder).uids)
            gone = [u for u in chunk if u not in still]
            moved += gone
            left = [u for u in chunk if u in still]
            try:
                box.move(left, target, batch=batch)  # once more, without the ones gone
            except UnexpectedCommandStatusError:
                return moved, str(exc)[:300]
            chunk = left
        _audit(run, place, target, chunk)
        moved += chunk
    return moved, ""


def _audit(run: Run, place: seen.Place, target: str, uids: list[int]) -> None:
    with run.engine.begin() as conn:
        audit.append(conn, ts=run.clock.now(), actor=f"bot:{run.recipe}", action="mail.filed",
                     subject=f"mailbox:{place.account}/{place.folder}",
                     data={"run_id": run.id, "to": target, "uidvalidity": place.uidvalidity,
                           "uids": uids})
