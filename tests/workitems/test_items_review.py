"""Review outcomes: retry, skip, done by hand; one at a time or from a filled-in sheet."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from bots.audit import verify
from bots.clock import FrozenClock
from bots.errors import ApplicationError, BusinessError, InputError, UsageError
from bots.store.schema import audit_events, work_item_events
from bots.workitems import (
    ItemNotFound,
    ItemState,
    NotReviewable,
    ReviewOutcome,
    WorkQueue,
    review,
)
from bots.workitems.commands import apply_review, apply_review_file, export_items, item_history

QueueFactory = Callable[..., WorkQueue]
UTC_ZONE = __import__("zoneinfo").ZoneInfo("UTC")


def to_review(q: WorkQueue, clock: FrozenClock, key: str, *, business: bool) -> int:
    """Put an item and drive it to review (business at once, system after 3 attempts)."""
    q.put(key, {"amount": "1.00"})
    for _ in range(1 if business else 3):
        item = q.claim()
        assert item is not None and item.key == key
        with item:
            raise BusinessError("bad amount") if business else ApplicationError("down")
        clock.advance(hours=1)
    row = q.get(key)
    assert row is not None and row.state in (ItemState.BUSINESS_EXCEPTION,
                                             ItemState.SYSTEM_EXCEPTION)
    return row.id


def test_retry_gives_a_fresh_attempt_budget(make_queue: QueueFactory, clock: FrozenClock,
                                            store: Engine) -> None:
    q = make_queue()
    item_id = to_review(q, clock, "S-1", business=False)
    after = review(store, item_id, ReviewOutcome.RETRY, "ana", "portal fixed", clock=clock)
    assert (after.state, after.attempts, after.not_before) == (ItemState.PENDING, 0, None)
    item = q.claim()
    assert item is not None and item.attempts == 1
    last = item_history(store, item_id)[-2]
    assert (last.actor, last.from_state, last.to_state, last.reason) == (
        "ana", "system_exception", "pending", "portal fixed")


def test_skip_and_done_by_hand_are_final(make_queue: QueueFactory, clock: FrozenClock,
                                         store: Engine) -> None:
    q = make_queue()
    skip_id = to_review(q, clock, "S-1", business=True)
    done_id = to_review(q, clock, "S-2", business=True)
    skipped = review(store, skip_id, "skip", "ana", "duplicate of S-9")
    done = review(store, done_id, ReviewOutcome.DONE, "luis", "keyed by hand, ref R-5")
    assert skipped.state == ItemState.SKIPPED and skipped.reason == "review_skip"
    assert done.state == ItemState.DONE
    assert done.output == {"done_by_hand": True, "reviewer": "luis",
                           "note": "keyed by hand, ref R-5"}
    assert q.claim() is None
    with store.connect() as conn:
        audit = conn.execute(sa.select(audit_events.c.actor, audit_events.c.action)
                             .where(audit_events.c.subject == "item:sales/S-2")
                             .order_by(audit_events.c.id.desc())).first()
    assert tuple(audit) == ("luis", "item.review.done")  # type: ignore[arg-type]
    assert verify(store).ok


@pytest.mark.parametrize("reviewer, note, problem", [
    ("", "why", "reviewer"), ("ana", "  ", "note"), ("x" * 201, "why", "too long"),
])
def test_a_review_needs_a_reviewer_and_a_note(make_queue: QueueFactory, clock: FrozenClock,
                                              store: Engine, reviewer: str, note: str,
                                              problem: str) -> None:
    item_id = to_review(make_queue(), clock, "S-1", business=True)
    with pytest.raises(UsageError, match=problem):
        review(store, item_id, "retry", reviewer, note)


def test_only_items_awaiting_review_can_be_reviewed(make_queue: QueueFactory,
                                                    store: Engine) -> None:
    q = make_queue()
    q.put("S-1", {})
    item_id = q.get("S-1").id  # type: ignore[union-attr]
    with pytest.raises(NotReviewable, match="pending"):
        review(store, item_id, "done", "ana", "note")
    with pytest.raises(ItemNotFound):
        review(store, 999, "done", "ana", "note")


def test_several_ids_are_reviewed_all_or_nothing(make_queue: QueueFactory, clock: FrozenClock,
                                                 store: Engine) -> None:
    q = make_queue()
    first = to_review(q, clock, "S-1", business=True)
    q.put("S-2", {})
    pending = q.get("S-2").id  # type: ignore[union-attr]
    with pytest.raises(NotReviewable):
        apply_review(store, [first, pending], "skip", "ana", "bulk")
    assert q.get("S-1").state == ItemState.BUSINESS_EXCEPTION  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="outcome"):
        apply_review(store, [first], "maybe", "ana", "bulk")


def test_review_from_an_exported_workbook(make_queue: QueueFactory, clock: FrozenClock,
                                          store: Engine, tmp_path: Path) -> None:
    q = make_queue()
    retry_id = to_review(q, clock, "S-1", business=False)
    skip_id = to_review(q, clock, "S-2", business=True)
    to_review(q, clock, "S-3", business=True)  # left blank by the reviewer
    sheet = tmp_path / "review.xlsx"
    export_items(store, "sales", sheet, tz=UTC_ZONE)
    book = load_workbook(sheet)
    ws = book.active
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("id", "review_outcome", "review_note")}
    for row in range(2, ws.max_row + 1):
        item_id = ws.cell(row, col["id"]).value
        if item_id == retry_id:
            ws.cell(row, col["review_outcome"]).value = "Retry"
            ws.cell(row, col["review_note"]).value = "portal back up"
        elif item_id == skip_id:
            ws.cell(row, col["review_outcome"]).value = "skip"
            ws.cell(row, col["review_note"]).value = "customer cancelled"
    book.save(sheet)
    done = apply_review_file(store, sheet, "ana")
    assert sorted((r.key, r.state) for r in done) == [("S-1", "pending"), ("S-2", "skipped")]
    assert q.get("S-3").state == ItemState.BUSINESS_EXCEPTION  # type: ignore[union-attr]


def test_a_bad_review_row_names_file_row_column_and_changes_nothing(
        make_queue: QueueFactory, clock: FrozenClock, store: Engine, tmp_path: Path) -> None:
    q = make_queue()
    good = to_review(q, clock, "S-1", business=True)
    path = tmp_path / "review.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "key", "review_outcome", "review_note"])
        writer.writerow([good, "S-1", "skip", "dup"])
        writer.writerow([good + 100, "S-?", "skip", "no such item"])
    with store.connect() as conn:
        events_before = conn.execute(sa.select(sa.func.count()).select_from(work_item_events)).scalar()
    with pytest.raises(InputError) as caught:
        apply_review_file(store, path, "ana")
    assert "review.csv" in str(caught.value) and "row 3" in str(caught.value)
    assert "column 'id'" in str(caught.value)
    assert q.get("S-1").state == ItemState.BUSINESS_EXCEPTION  # type: ignore[union-attr]
    with store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(work_item_events)).scalar() == events_before

    path.write_text(f"id,review_outcome,review_note\n{good},later,hmm\n")
    with pytest.raises(InputError, match="row 2, column 'review_outcome'"):
        apply_review_file(store, path, "ana")
    path.write_text(f"id,review_outcome,review_note\n{good},skip,\n")
    with pytest.raises(InputError, match="column 'review_note'"):
        apply_review_file(store, path, "ana")
    path.write_text("id,review_outcome\n1,skip\n")
    with pytest.raises(InputError, match="review_note"):
        apply_review_file(store, path, "ana")
