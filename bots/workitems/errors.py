"""Errors of the work-item queue.

    RpaError
    ├── WorkItemError
    │   ├── LeaseLost                  this worker no longer holds the item: do not act
    │   └── ItemNotFound(LookupError)  no item with that id (or queue/key)
    └── UsageError
        └── NotReviewable(ValueError)  review asked for an item that is not awaiting review
"""

from __future__ import annotations

from bots.errors import RpaError, UsageError


class WorkItemError(RpaError):
    pass


class LeaseLost(WorkItemError):  # noqa: N818 - reads as what happened, like KeyboardInterrupt
    def __init__(self, item_id: int, subject: str, why: str) -> None:
        super().__init__(f"lease on {subject} (id {item_id}) lost: {why}")
        self.item_id, self.subject, self.why = item_id, subject, why


class ItemNotFound(WorkItemError, LookupError):
    exit_code = 2

    def __init__(self, what: str) -> None:
        super().__init__(f"no work item {what}")
        self.what = what


class NotReviewable(UsageError, ValueError):
    def __init__(self, item_id: int, subject: str, state: str) -> None:
        super().__init__(
            f"{subject} (id {item_id}) is {state}; only business_exception and "
            "system_exception items can be reviewed"
        )
        self.item_id, self.state = item_id, state
