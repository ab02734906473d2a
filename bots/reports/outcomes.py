"""Work-item states as reports see them: still open, done by a bot, or another outcome.

The names come from the work-item engine; any state it adds later shows up in the
reports as a column of its own instead of being dropped: every state that is not open
is an outcome, and outcomes other than done are exceptions.

One outcome is not a state: an item a reviewer marked done is in state `done` with the
reason `done_by_hand`. A person did that work, so it must not count as hours the bots
replaced; reports split it out as the outcome `done_by_hand`.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from bots.store.schema import work_items
from bots.workitems.model import NEEDS_REVIEW, ItemState

DONE = str(ItemState.DONE)
DONE_BY_HAND = "done_by_hand"  # the reason bots.workitems.review writes
SKIPPED = str(ItemState.SKIPPED)
REJECTED = "rejected"  # an input row refused before it became an item (bots.rejects)
TO_REVIEW = "to_review"  # a run's result a person must look at (a reconciliation break)
OPEN_STATES: tuple[str, ...] = (str(ItemState.PENDING), str(ItemState.IN_PROGRESS))
REVIEW_STATES: tuple[str, ...] = tuple(sorted(str(s) for s in NEEDS_REVIEW))
KNOWN_OUTCOMES: tuple[str, ...] = (
    DONE, str(ItemState.BUSINESS_EXCEPTION), str(ItemState.SYSTEM_EXCEPTION), DONE_BY_HAND,
    SKIPPED, REJECTED, TO_REVIEW,
)
# Set by a reviewer: finished_at is the review's time, so the item has no handle time.
REVIEWED_OUTCOMES: tuple[str, ...] = (DONE_BY_HAND, SKIPPED)


def outcome_of_item() -> sa.ColumnElement[str]:
    """SQL: the item's outcome, its state except for done by hand."""
    w = work_items.c
    return sa.case((sa.and_(w.state == DONE, w.reason == DONE_BY_HAND), DONE_BY_HAND),
                   else_=w.state)


def outcome_columns(found: Iterable[str]) -> list[str]:
    """The known outcomes in their usual order, then any other state found, sorted."""
    extra = sorted(set(found) - set(KNOWN_OUTCOMES) - set(OPEN_STATES))
    return [*KNOWN_OUTCOMES, *extra]


def label(state: str) -> str:
    return state.replace("_", " ")
