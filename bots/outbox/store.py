"""Writing to and reading the outbox tables.

`enqueue` takes a connection (write the message in the transaction of the outcome that
causes it) or an engine (its own transaction). A message whose idempotency key is
already in the outbox is not written again: `enqueue` returns None for it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import SystemClock, as_utc
from bots.outbox.model import ChannelKind, DeliveryState, OutboundMessage, StoredMessage
from bots.store.outbox_schema import outbox_addresses, outbox_case_messages, outbox_messages

M = outbox_messages


def _insert(conn: sa.Connection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the store's dialect."""
    return _insert_for(conn.dialect.name, table)


@functools.cache
def _insert_for(dialect_name: str, table: sa.Table, returning_id: bool = False) -> Any:
    # built once and run with parameters: building a statement per message cost more
    # than running it
    if dialect_name == "sqlite":
        from sqlalchemy.dialects import sqlite as dialect
    else:
        from sqlalchemy.dialects import postgresql as dialect  # type: ignore[no-redef]
    statement = dialect.insert(table).on_conflict_do_nothing()
    return statement.returning(table.c.id) if returning_id else statement


def enqueue(target: sa.Connection | Engine, message: OutboundMessage, *,
            item_id: int | None = None, run_id: int | None = None,
            now: datetime | None = None) -> int | None:
    """Write one message; its outbox id, or None when its key was already there."""
    ids = enqueue_many(target, [message], item_id=item_id, run_id=run_id, now=now)
    return ids[0]


def enqueue_many(target: sa.Connection | Engine, messages: Sequence[OutboundMessage], *,
                 item_id: int | None = None, run_id: int | None = None,
                 now: datetime | None = None) -> list[int | None]:
    if isinstance(target, Engine):
        with target.begin() as conn:
            return enqueue_many(conn, messages, item_id=item_id, run_id=run_id, now=now)
    conn, at = target, now or SystemClock().now()
    return [_enqueue_one(conn, message, item_id, run_id, at) for message in messages]


def _enqueue_one(conn: sa.Connection, message: OutboundMessage, item_id: int | None,
                 run_id: int | None, now: datetime) -> int | None:
    values = dict(
        case_ref=message.case, template=message.template, step=message.step,
        channel=str(message.channel), recipient=message.to,
        customer=message.customer or message.to, locale=message.locale, tz=message.tz,
        sender=message.sender, subject=message.subject, content=message.content,
        message_id=message.message_id, state=DeliveryState.QUEUED, attempts=0,
        item_id=item_id, run_id=run_id, created_at=now, updated_at=now)
    inserted = conn.execute(_insert_for(conn.dialect.name, M, True), values).scalar()
    if inserted is None:
        return None
    record_case_ids(conn, message.case, message.thread_ids, direction="in", now=now)
    if message.message_id:
        record_case_ids(conn, message.case, [message.message_id], direction="out", now=now,
                        outbox_id=inserted)
    return int(inserted)


def record_case_ids(conn: sa.Connection, case: str, message_ids: Iterable[str], *,
                    direction: str, now: datetime, outbox_id: int | None = None) -> None:
    """Remember Message-IDs on a case's thread (the customer's "in", ours "out")."""
    rows = [dict(case_ref=case, message_id=message_id, direction=direction,
                 outbox_id=outbox_id, recorded_at=now) for message_id in message_ids]
    if rows:
        conn.execute(_insert(conn, outbox_case_messages), rows)


def case_message_ids(engine: Engine, case: str) -> list[tuple[str, str]]:
    """(direction, Message-ID) of a case, in the order they were recorded."""
    t = outbox_case_messages
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.direction, t.c.message_id)
                            .where(t.c.case_ref == case).order_by(t.c.id)).all()
    return [(row.direction, row.message_id) for row in rows]


def stored(row: Any) -> StoredMessage:
    return StoredMessage(
        id=row.id, case=row.case_ref, template=row.template, step=row.step,
        channel=ChannelKind(row.channel), to=row.recipient, customer=row.customer,
        locale=row.locale, tz=row.tz, sender=row.sender, subject=row.subject,
        content=row.content, message_id=row.message_id, state=DeliveryState(row.state),
        attempts=row.attempts, reason=row.reason, last_error=row.last_error,
        not_before=as_utc(row.not_before), created_at=as_utc(row.created_at),  # type: ignore[arg-type]
        sent_at=as_utc(row.sent_at), provider_id=row.provider_id, item_id=row.item_id)


def list_messages(engine: Engine, *, states: Sequence[str] = (), case: str | None = None,
                  limit: int | None = 200) -> list[StoredMessage]:
    query = sa.select(M).order_by(M.c.id.desc())
    if states:
        query = query.where(M.c.state.in_([str(DeliveryState(s)) for s in states]))
    if case:
        query = query.where(M.c.case_ref == case)
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [stored(row) for row in conn.execute(query)]


def state_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(M.c.state, sa.func.count()).group_by(M.c.state)).all()
    found = {row[0]: int(row[1]) for row in rows}
    return {str(state): found.get(str(state), 0) for state in DeliveryState}


def _touch_address(conn: sa.Connection, address: str, now: datetime, **values: Any) -> None:
    t = outbox_addresses
    conn.execute(_insert(conn, t).values(address=address, updated_at=now))
    conn.execute(t.update().where(t.c.address == address).values(updated_at=now, **values))


def opt_out(engine: Engine, address: str, *, note: str = "", now: datetime | None = None) -> None:
    """The customer asked not to be written to at this address or number."""
    with engine.begin() as conn:
        _touch_address(conn, address, now or SystemClock().now(),
                       opted_out_at=now or SystemClock().now(), opt_out_note=note)


def opt_in(engine: Engine, address: str, *, now: datetime | None = None) -> None:
    with engine.begin() as conn:
        _touch_address(conn, address, now or SystemClock().now(), opted_out_at=None,
                       opt_out_note=None)


def mark_failing(conn: sa.Connection, address: str, reason: str, now: datetime) -> None:
    _touch_address(conn, address, now, failing_at=now, failing_reason=reason)


def address_statuses(conn: sa.Connection,
                     addresses: Iterable[str]) -> dict[str, tuple[bool, str | None]]:
    """`address_status` of many addresses in one query; those never marked are absent."""
    t = outbox_addresses
    wanted = sorted(set(addresses))
    found: dict[str, tuple[bool, str | None]] = {}
    for start in range(0, len(wanted), 500):
        rows = conn.execute(sa.select(t.c.address, t.c.opted_out_at, t.c.failing_at,
                                      t.c.failing_reason)
                            .where(t.c.address.in_(wanted[start:start + 500])))
        for row in rows:
            found[row.address] = (row.opted_out_at is not None, (
                row.failing_reason or "failing") if row.failing_at is not None else None)
    return found


def address_status(conn: sa.Connection, address: str) -> tuple[bool, str | None]:
    """(opted out, failing reason or None)."""
    return address_statuses(conn, [address]).get(address, (False, None))
