"""A work queue declared once: its name and its policy, as a small frozen value.

    SALES = Queue("sales", lease=timedelta(seconds=60),
                  retry=RetryPolicy(attempts=4, initial=timedelta(seconds=2)))

    @recipe(queue=SALES)
    def key_sales(run: Run, ...) -> None:
        run.queue(SALES).put_many(...)

An operator tunes a queue without touching the recipe through the settings
(`RPA_QUEUES='{"sales": {"lease_seconds": 30, "retry_attempts": 6}}'`); see
`Queue.configured`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bots.retry import RetryPolicy

if TYPE_CHECKING:
    from bots.settings import QueueSettings

DEFAULT_LEASE = timedelta(seconds=60)
DEFAULT_RETRY = RetryPolicy(attempts=3, initial=timedelta(seconds=30), multiplier=2.0,
                            maximum=timedelta(minutes=15), jitter=0.1)
MAX_LEASE = timedelta(days=1)


@dataclass(frozen=True)
class Queue:
    """A named queue with the lease a worker holds an item under and the retry policy
    for system errors."""

    name: str
    lease: timedelta = DEFAULT_LEASE
    retry: RetryPolicy = DEFAULT_RETRY

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 200:
            raise ValueError(f"queue name {self.name!r}: 1 to 200 characters")
        seconds = self.lease.total_seconds()
        if not math.isfinite(seconds) or not timedelta(seconds=1) <= self.lease <= MAX_LEASE:
            raise ValueError(f"queue {self.name}: lease must be between 1 s and {MAX_LEASE}, "
                             f"got {self.lease}")
        if not isinstance(self.retry, RetryPolicy):
            raise TypeError(f"queue {self.name}: retry must be a RetryPolicy")

    def configured(self, overrides: dict[str, QueueSettings]) -> Queue:
        """This queue with what the operator's settings change for it."""
        found = overrides.get(self.name)
        if found is None:
            return self
        retry = self.retry
        if found.retry_attempts is not None:
            retry = replace(retry, attempts=found.retry_attempts)
        if found.retry_delay_seconds is not None:
            retry = replace(retry, initial=timedelta(seconds=found.retry_delay_seconds))
        lease = (timedelta(seconds=found.lease_seconds) if found.lease_seconds is not None
                 else self.lease)
        return replace(self, lease=lease, retry=retry)
