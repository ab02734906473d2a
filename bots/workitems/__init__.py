"""Work items: a durable queue in the store with exactly-once side effects.

    SALES = Queue("sales", lease=timedelta(seconds=60), retry=RetryPolicy(attempts=4))

    @recipe(queue=SALES)
    def key_sales(run: Run) -> None:
        run.queue().put_many(...)                      # producers
        run.work(handler=Keyer(...), lanes=3, browser=True)   # claims, checks, drains

`run.work` (bots/work.py) is the loop every recipe shares. Underneath it, by hand:

        for item in run.queue().claim_iter(check=portal.already_keyed):
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
    EXCEPTIONAL,
    REJECTED,
    TO_REVIEW,
    ItemRecord,
    ItemState,
    Outcome,
    Priority,
    ReviewOutcome,
)
from bots.workitems.produce import PutResult
from bots.workitems.queue import Outstanding, WorkQueue
from bots.workitems.review import ReviewRequest, review, review_many
from bots.workitems.spec import DEFAULT_LEASE, DEFAULT_RETRY, Queue

__all__ = [
    "EXCEPTIONAL",
    "REJECTED",
    "TO_REVIEW",
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
    "Queue",
    "ReviewOutcome",
    "ReviewRequest",
    "WorkItem",
    "WorkItemError",
    "WorkQueue",
    "reclaim_expired",
    "review",
    "review_many",
]
