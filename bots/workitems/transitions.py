"""Recording a state change: the item row, a history row and an audit event, one transaction.

Callers update the item row themselves (each with the guard its change needs) and then
call `record`, which writes the history row and appends to the audit chain. The audit
append comes last on purpose: it locks the single chain-head row, and on PostgreSQL
every writer queues on that lock, so it is held only from here to the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bots import audit
from bots.redaction import redact
from bots.store.schema import work_item_events, work_items
from bots.workitems.model import ItemState, subject


@dataclass(frozen=True)
class Change:
    item_id: int
    queue: str
    key: str
    from_state: ItemState | None
    to_state: ItemState
    actor: str
    action: str  # the audit action, e.g. "item.done"
    now: datetime
    reason: str | None = None
    run_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


# Statements are built once and executed with parameters: building them per call (and
# hashing their literal values into SQLAlchemy's cache key) cost more than the SQL itself.
_INSERT_EVENT = work_item_events.insert()


def record(conn: sa.Connection, change: Change) -> None:
    reason = redact(change.reason) if change.reason else None
    conn.execute(_INSERT_EVENT, {
        "item_id": change.item_id, "ts": change.now, "actor": change.actor,
        "from_state": change.from_state, "to_state": change.to_state, "reason": reason,
        "run_id": change.run_id,
    })
    audit.append(
        conn, ts=change.now, actor=change.actor, action=change.action,
        subject=subject(change.queue, change.key),
        data={"item_id": change.item_id, "from": change.from_state, "to": change.to_state,
              "reason": reason, "run_id": change.run_id, **change.data},
    )


# The guard of every write by the holder: the claim is identified by owner AND attempt
# number, so a worker whose lease expired and was re-claimed (even by a thread with the
# same owner name) can never overwrite the new claim's outcome.
_UPDATE_HELD = work_items.update().where(
    work_items.c.id == sa.bindparam("held_id"),
    work_items.c.state == ItemState.IN_PROGRESS,
    work_items.c.lease_owner == sa.bindparam("held_owner"),
    work_items.c.attempts == sa.bindparam("held_attempt"),
)


def update_held(conn: sa.Connection, item_id: int, owner: str, attempt: int,
                values: dict[str, Any]) -> bool:
    """Update the item only if this claim (owner, attempt) still holds it."""
    result = conn.execute(_UPDATE_HELD, {"held_id": item_id, "held_owner": owner,
                                         "held_attempt": attempt, **values})
    return result.rowcount == 1


def short_error(exc: BaseException, limit: int = 500) -> str:
    text = redact(f"{type(exc).__name__}: {exc}")
    return text if len(text) <= limit else text[: limit - 3] + "..."
