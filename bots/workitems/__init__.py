"""Work items: a durable queue in the store with exactly-once side effects.

    from bots.workitems import Priority, WorkQueue, WorkItem, ItemState

    @recipe(consumes="sales")
    def key_sales(run: Run) -> None:
        for item in run.queue("sales").claim_iter(check=portal.already_keyed):
            with item:                      # done / BusinessError / other error
                item.ensure_lease()         # raises LeaseLost if no longer ours
                item.output = {"reference": portal.key(item.payload)}

Producers call `queue.put(key, payload)` or `queue.put_many(...)`; keys are unique per
queue, so putting twice is harmless. Reviewers settle the items that went to review
with `review(engine, item_id, ReviewOutcome.RETRY, reviewer, note)`. Housekeeping gives
back the items of dead workers with `reclaim_expired(engine, now)`.
"""

from __future__ import annotations

from bots.workitems.claim import reclaim_expired
from bots.workitems.errors import ItemNotFound, LeaseLost, NotReviewable, WorkItemError
from bots.workitems.item import WorkItem
from bots.workitems.model import (
    ItemRecord,
    ItemState,
    Outcome,
    Priority,
    ReviewOutcome,
)
from bots.workitems.produce import PutResult
from bots.workitems.queue import DEFAULT_LEASE, DEFAULT_RETRY, Outstanding, WorkQueue
from bots.workitems.review import ReviewRequest, review, review_many
from bots.workitems.worker import WorkerReport, run_worker

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_RETRY",
    "ItemNotFound",
    "ItemRecord",
    "ItemState",
    "LeaseLost",
    "NotReviewable",
    "Outcome",
    "Outstanding",
    "Priority",
    "PutResult",
    "ReviewOutcome",
    "ReviewRequest",
    "WorkItem",
    "WorkItemError",
    "WorkQueue",
    "WorkerReport",
    "reclaim_expired",
    "review",
    "review_many",
    "run_worker",
]
