"""Review outcomes: a person decides what happens to an item that went to review.

    retry  back to pending with a fresh attempt budget (its history keeps the old ones)
    skip   final: never to be worked
    done   final: the person did it by hand; the output says who and why

Each needs the reviewer's name and a note; both land in the item's history and the
audit chain. Only business_exception and system_exception items can be reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import Clock, SystemClock
from bots.errors import UsageError
from bots.store.schema import work_items
from bots.workitems.errors import ItemNotFound, NotReviewable
from bots.workitems.model import NEEDS_REVIEW, ItemRecord, ItemState, ReviewOutcome
from bots.workitems.transitions import Change, record


@dataclass(frozen=True)
class ReviewRequest:
    item_id: int
    outcome: ReviewOutcome
    note: str


def review(engine: Engine, item_id: int, outcome: ReviewOutcome | str, reviewer: str,
           note: str, *, clock: Clock | None = None) -> ItemRecord:
    """Apply one review outcome; returns the item as it is afterwards."""
    return review_many(engine, [ReviewRequest(item_id, ReviewOutcome(outcome), note)],
                       reviewer, clock=clock)[0]


def review_many(engine: Engine, requests: Iterable[ReviewRequest], reviewer: str, *,
                clock: Clock | None = None) -> list[ItemRecord]:
    """Apply several outcomes in one transaction: all of them, or (on any refusal) none."""
    reviewer = _required(reviewer, "reviewer", limit=200)
    now = (clock or SystemClock()).now()
    done: list[ItemRecord] = []
    with engine.begin() as conn:
        for request in requests:
            done.append(_apply(conn, request, reviewer, now))
    return done


def _apply(conn: sa.Connection, request: ReviewRequest, reviewer: str, now: Any) -> ItemRecord:
    note = _required(request.note, f"note for item {request.item_id}")
    query = sa.select(work_items).where(work_items.c.id == request.item_id)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise ItemNotFound(f"with id {request.item_id}")
    rec = ItemRecord.from_row(row)
    if rec.state not in NEEDS_REVIEW:
        raise NotReviewable(rec.id, rec.subject, rec.state)
    values: dict[str, Any]
    if request.outcome is ReviewOutcome.RETRY:
        to = ItemState.PENDING
        values = dict(attempts=0, not_before=None, finished_at=None, reason="review_retry")
    elif request.outcome is ReviewOutcome.SKIP:
        to = ItemState.SKIPPED
        values = dict(finished_at=now, reason="review_skip")
    else:
        to = ItemState.DONE
        values = dict(finished_at=now, reason="done_by_hand",
                      output={**(rec.output or {}), "done_by_hand": True,
                              "reviewer": reviewer, "note": note})
    changed = conn.execute(
        work_items.update()
        .where(work_items.c.id == rec.id, work_items.c.state == rec.state)
        .values(state=to, updated_at=now, **values)
        .returning(*work_items.c)
    ).first()
    if changed is None:  # reviewed by someone else between our read and write
        raise NotReviewable(rec.id, rec.subject, "no longer awaiting review")
    record(conn, Change(rec.id, rec.queue, rec.key, rec.state, to, reviewer,
                        f"item.review.{request.outcome}", now, note, None,
                        {"outcome": str(request.outcome), "reviewer": reviewer,
                         "previous_error": (rec.last_error or "")[-300:]}))
    return ItemRecord.from_row(changed)


def _required(text: str | None, what: str, *, limit: int = 2000) -> str:
    value = (text or "").strip()
    if not value:
        raise UsageError(f"a review needs a {what}")
    if len(value) > limit:
        raise UsageError(f"the {what} is too long ({len(value)} characters, at most {limit})")
    return value
