"""Moving handled mail to the folder that says what happened, by UID sets.

A mail is moved only once its work item is settled (done: the folder its output names;
an exception: the review folder), so a mail still in the inbox is a mail not finished,
and a crash between the outcome and the move is repaired by the next run's filing. The
UIDs come from the store's `mail_seen` rows of the folder's current UIDVALIDITY: after a
reset, none of the old UIDs is trusted (intake sees the mails again and records them).
Each batch moved is one audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bots import Run, WorkQueue, audit
from bots.workitems import ItemState
from connectors.mailbox import Mailbox, seen

SETTLED_ELSEWHERE = (ItemState.BUSINESS_EXCEPTION, ItemState.SYSTEM_EXCEPTION)


def file_settled(run: Run, box: Mailbox, queue: WorkQueue, folders: Sequence[str],
                 review_folder: str, *, batch: int = 500) -> dict[str, int]:
    moved: dict[str, int] = defaultdict(int)
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
            for start in range(0, len(here), batch):
                chunk = here[start:start + batch]
                box.move(chunk, target, batch=batch)
                _audit(run, place, target, chunk)
            # moved now, or earlier by a run cut short before it could record the move
            seen.mark_filed(run.engine, place, uids, target, run.clock.now())
            moved[target] += len(here)
    return dict(moved)


def _audit(run: Run, place: seen.Place, target: str, uids: list[int]) -> None:
    with run.engine.begin() as conn:
        audit.append(conn, ts=run.clock.now(), actor=f"bot:{run.recipe}", action="mail.filed",
                     subject=f"mailbox:{place.account}/{place.folder}",
                     data={"run_id": run.id, "to": target, "uidvalidity": place.uidvalidity,
                           "uids": uids})
