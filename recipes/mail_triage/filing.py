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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from imap_tools.errors import UnexpectedCommandStatusError

from bots import Run, WorkQueue, audit
from bots.errors import ApplicationError
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
    for folder in folders:
        if folder not in box.folders():
            continue
        state = box.select(folder)
        place = seen.Place(box.account, folder, state.uidvalidity)
        waiting = seen.unfiled(run.engine, place)
        if not waiting:
            continue
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
            moved = 0
            try:
                for start in range(0, len(here), batch):
                    chunk = here[start:start + batch]
                    box.move(chunk, target, batch=batch)
                    _audit(run, place, target, chunk)
                    done += chunk
                    moved += len(chunk)
            except UnexpectedCommandStatusError as exc:
                refused = (f"{len(here) - moved} mails of {folder} could not be filed to "
                           f"{target}: the server said {str(exc)[:300]}")
                filing.refused[f"{folder} -> {target}"] = refused
                run.log.error("{}", refused)
            filing.moved[target] += moved
            seen.mark_filed(run.engine, place, done, target, run.clock.now())
    return filing


def _audit(run: Run, place: seen.Place, target: str, uids: list[int]) -> None:
    with run.engine.begin() as conn:
        audit.append(conn, ts=run.clock.now(), actor=f"bot:{run.recipe}", action="mail.filed",
                     subject=f"mailbox:{place.account}/{place.folder}",
                     data={"run_id": run.id, "to": target, "uidvalidity": place.uidvalidity,
                           "uids": uids})
