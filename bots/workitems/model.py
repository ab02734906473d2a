"""What a work item is: its states, priorities, review outcomes and a row snapshot.

    pending      --claim-->            in_progress (leased to one worker)
    in_progress  --no exception-->     done
                 --BusinessError-->    business_exception       (awaits review)
                 --other error-->      pending, not_before = now + back-off
                                       or, on the last attempt, system_exception
                                                                (awaits review)
                 --lease ran out-->    pending (or system_exception on the last attempt)
                 --handed back-->      pending, attempt refunded (stop, interrupt)
    business_exception / system_exception
                 --review retry-->     pending, fresh attempt budget
                 --review skip-->      skipped
                 --review done-->      done (by hand)

A system error that will be retried goes back to `pending` with `not_before` set rather
than to a state of its own: the claim then reads one index range in priority order,
instead of merging two states and sorting (milliseconds per claim on a big queue). Its
history row and audit event still say "system exception".
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from uuid import UUID

from bots.clock import as_utc


class ItemState(enum.StrEnum):
    """Where a work item stands; done, skipped and the two exceptions are final until reviewed."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BUSINESS_EXCEPTION = "business_exception"
    SYSTEM_EXCEPTION = "system_exception"
    SKIPPED = "skipped"


NEEDS_REVIEW = frozenset({ItemState.BUSINESS_EXCEPTION, ItemState.SYSTEM_EXCEPTION})
FINISHED = frozenset({ItemState.DONE, ItemState.SKIPPED})


class Priority(enum.IntEnum):
    """Higher is sooner. Any integer in [-1000, 1000] is a priority too."""

    LOW = -10
    NORMAL = 0
    HIGH = 10

    @classmethod
    def parse(cls, value: Priority | int | str) -> int:
        """`Priority.HIGH`, `"high"`, `5` or `"5"` -> the stored integer; refuses the rest."""
        if isinstance(value, str):
            text = value.strip()
            if text.upper() in cls.__members__:
                return int(cls[text.upper()])
            try:
                value = int(text)
            except ValueError:
                raise ValueError(
                    f"priority {value!r}: expected high, normal, low or an integer"
                ) from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"priority {value!r}: expected high, normal, low or an integer")
        if not -1000 <= value <= 1000:
            raise ValueError(f"priority {value}: must be between -1000 and 1000")
        return int(value)


class ReviewOutcome(enum.StrEnum):
    RETRY = "retry"  # back to pending with a fresh attempt budget
    SKIP = "skip"  # never worked; final
    DONE = "done"  # a person did it by hand; final


class Outcome(enum.StrEnum):
    """How one claimed item ended in a run (the keys of `run.summary["items"]`)."""

    DONE = "done"
    FOUND_DONE = "found_done"  # check-before-act found the effect already made
    BUSINESS_EXCEPTION = "business_exception"
    SYSTEM_EXCEPTION = "system_exception"  # retries exhausted: to review
    RETRY_SCHEDULED = "retry_scheduled"  # a system exception, retried after back-off
    RELEASED = "released"  # handed back unworked (stop, interrupt)
    LEASE_LOST = "lease_lost"  # another worker holds it now; nothing recorded by us


REJECTED = "rejected"  # input rows refused before anything was queued (run.count)
TO_REVIEW = "to_review"  # results a person must look at, e.g. reconciliation breaks
EXCEPTIONAL = frozenset(
    {Outcome.BUSINESS_EXCEPTION, Outcome.SYSTEM_EXCEPTION, Outcome.RETRY_SCHEDULED,
     REJECTED, TO_REVIEW}
)


@dataclass(frozen=True)
class ItemRecord:
    """A work item row as read from the store (times in UTC)."""

    id: int
    queue: str
    key: str
    payload: dict[str, Any]
    priority: int
    state: ItemState
    attempts: int
    created_at: datetime
    updated_at: datetime
    not_before: datetime | None = None
    deadline: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    last_error: str | None = None
    reason: str | None = None
    output: dict[str, Any] | None = None
    created_by_run: int | None = None
    last_run_id: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> ItemRecord:
        m = row._mapping
        return cls(
            id=int(m["id"]), queue=m["queue"], key=m["key"], payload=dict(m["payload"] or {}),
            priority=int(m["priority"]), state=ItemState(m["state"]),
            attempts=int(m["attempts"]), created_at=as_utc(m["created_at"]),  # type: ignore[arg-type]
            updated_at=as_utc(m["updated_at"]),  # type: ignore[arg-type]
            not_before=as_utc(m["not_before"]), deadline=as_utc(m["deadline"]),
            lease_owner=m["lease_owner"], lease_expires_at=as_utc(m["lease_expires_at"]),
            last_error=m["last_error"], reason=m["reason"], output=m["output"],
            created_by_run=m["created_by_run"], last_run_id=m["last_run_id"],
            started_at=as_utc(m["started_at"]), finished_at=as_utc(m["finished_at"]),
        )

    @property
    def subject(self) -> str:
        return subject(self.queue, self.key)


def subject(queue: str, key: str) -> str:
    """The audit subject of an item."""
    return f"item:{queue}/{key}"


def to_jsonable(value: Any, where: str = "payload") -> Any:
    """A JSON-ready copy: Decimal -> str (money keeps every digit), dates -> ISO text.

    Anything else that JSON cannot hold is refused here, naming where it was, instead of
    failing later inside the database driver.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat() if value.tzinfo else value.isoformat()  # type: ignore[union-attr]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (UUID, PurePath)):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, where)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: keys must be text, got {k!r}")
            out[k] = to_jsonable(v, f"{where}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} cannot be stored as JSON")


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
