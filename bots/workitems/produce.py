"""Putting items into a queue: validation, and inserts that skip keys already there.

SQLite and PostgreSQL both take `INSERT ... ON CONFLICT DO NOTHING RETURNING id, key`
(one round trip per few hundred rows through SQLAlchemy's insertmanyvalues); other
databases look the keys up first.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bots import audit
from bots.clock import as_utc
from bots.errors import UsageError
from bots.store.engine import inserted_id
from bots.store.schema import work_item_events, work_items
from bots.workitems.model import ItemState, Priority, json_text, to_jsonable
from bots.workitems.transitions import Change, record

MAX_KEY_LENGTH = 500


@dataclass(frozen=True)
class PutResult:
    created: int
    existing: int


@dataclass(frozen=True)
class Producer:
    """Who puts: the queue, the actor named in history and audit, the run if any."""

    engine: Engine
    queue: str
    actor: str
    run_id: int | None


def new_row(producer: Producer, key: str | int, payload: Mapping[str, Any],
            priority: Priority | int | str = Priority.NORMAL,
            deadline: datetime | None = None, *, now: datetime) -> dict[str, Any]:
    """A validated row; a bad key, payload, priority or deadline is refused here."""
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise UsageError(f"item key {key!r}: expected text or an integer")
    text = str(key)
    if not text.strip() or len(text) > MAX_KEY_LENGTH:
        raise UsageError(f"item key {text!r}: 1 to {MAX_KEY_LENGTH} characters, not blank")
    if not isinstance(payload, Mapping):
        raise UsageError(f"item {text!r}: the payload must be a mapping, "
                         f"got {type(payload).__name__}")
    if deadline is not None and deadline.tzinfo is None:
        raise UsageError(f"item {text!r}: the deadline needs a time zone")
    return dict(queue=producer.queue, key=text,
                payload=to_jsonable(payload, f"item {text!r} payload"),
                priority=Priority.parse(priority), state=ItemState.PENDING, attempts=0,
                created_at=now, updated_at=now, deadline=as_utc(deadline),
                created_by_run=producer.run_id)


def put_one(producer: Producer, row: dict[str, Any], now: datetime) -> bool:
    with producer.engine.begin() as conn:
        return put_in(conn, producer, row, now)


def put_in(conn: sa.Connection, producer: Producer, row: dict[str, Any],
           now: datetime) -> bool:
    """One row in the caller's transaction; False when its key is already there."""
    created = insert_new(conn, [row])
    if not created:
        return False
    item_id, _ = created[0]
    record(conn, Change(item_id, producer.queue, row["key"], None, ItemState.PENDING,
                        producer.actor, "item.created", now, None, producer.run_id,
                        {"priority": row["priority"], "deadline": row["deadline"],
                         "payload_sha256": sha(json_text(row["payload"]))}))
    return True


def put_batch(producer: Producer, rows: list[dict[str, Any]], now: datetime) -> PutResult:
    """One transaction: the new rows, a history row each, one audit event for the batch
    (count, id range, digest of the keys). An audit event per item would hold the
    chain's head for seconds on a bulk load of thousands."""
    if not rows:
        return PutResult(0, 0)
    with producer.engine.begin() as conn:
        created = insert_new(conn, rows)
        if created:
            conn.execute(work_item_events.insert(), [
                dict(item_id=item_id, ts=now, actor=producer.actor, from_state=None,
                     to_state=ItemState.PENDING, reason="created in bulk",
                     run_id=producer.run_id)
                for item_id, _ in created
            ])
            keys = "\n".join(sorted(key for _, key in created))
            audit.append(conn, ts=now, actor=producer.actor, action="items.created",
                         subject=f"queue:{producer.queue}",
                         data={"created": len(created), "existing": len(rows) - len(created),
                               "first_id": created[0][0], "last_id": created[-1][0],
                               "keys_sha256": sha(keys), "run_id": producer.run_id})
    return PutResult(len(created), len(rows) - len(created))


def unpack(entry: tuple[Any, ...], n: int) -> tuple[Any, ...]:
    if not isinstance(entry, tuple) or not 2 <= len(entry) <= 4:
        raise UsageError(f"put_many entry {n}: expected (key, payload[, priority[, deadline]]),"
                         f" got {entry!r:.80}")
    return entry


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_UPSERTS: dict[str, Callable[[sa.Table], Any]] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def insert_new(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert the rows whose (queue, key) is new; returns (id, key) of those created."""
    statement = _upsert(conn.dialect.name)
    if statement is not None:
        result = conn.execute(statement, rows if len(rows) > 1 else rows[0])
        return sorted((int(i), k) for i, k in result)
    return _insert_checked(conn, rows)


@functools.cache
def _upsert(dialect_name: str) -> Any:
    """Built once and run with parameters (building it per item cost more than the SQL);
    None where the dialect has no INSERT ... ON CONFLICT."""
    make = _UPSERTS.get(dialect_name)
    if make is None:
        return None
    return (make(work_items).on_conflict_do_nothing(index_elements=["queue", "key"])
            .returning(work_items.c.id, work_items.c.key))


def _insert_checked(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    queue = rows[0]["queue"]
    keys = [row["key"] for row in rows]
    existing = set(conn.execute(sa.select(work_items.c.key).where(
        work_items.c.queue == queue, work_items.c.key.in_(keys))).scalars())
    created: list[tuple[int, str]] = []
    for row in rows:
        if row["key"] in existing:
            continue
        existing.add(row["key"])
        result = conn.execute(work_items.insert().values(**row))
        created.append((inserted_id(result), row["key"]))
    return created
