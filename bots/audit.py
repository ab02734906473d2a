"""A tamper-evident audit trail: every state change is an event hash-chained to the last.

hash(n) = sha256(hash(n-1) + canonical JSON of event n). Appending locks the single head
row, so concurrent writers (several workers on PostgreSQL) still produce one line.
`verify` walks the chain in id order and names the first broken link; a checkpoint
exported to a file outside the database also catches a truncated tail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.clock import as_utc
from bots.redaction import redact_value
from bots.store.migrate import GENESIS_HASH
from bots.store.schema import audit_events, audit_head


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not serialisable in an audit event: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default)


def _digest(prev_hash: str, event_id: int, ts: datetime, actor: str, action: str,
            subject: str, data: str) -> str:
    body = canonical_json(
        {
            "id": event_id,
            "ts": as_utc(ts).isoformat(timespec="microseconds"),  # type: ignore[union-attr]
            "actor": actor,
            "action": action,
            "subject": subject,
            "data": data,
        }
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(conn: sa.Connection, *, ts: datetime, actor: str, action: str, subject: str,
           data: dict[str, Any] | None = None) -> str:
    """Append one event inside the caller's transaction; returns its hash."""
    head = conn.execute(
        sa.select(audit_head.c.last_id, audit_head.c.last_hash, audit_head.c.count)
        .where(audit_head.c.id == 1)
        .with_for_update()
    ).one()
    event_id = head.last_id + 1
    text = canonical_json(redact_value(data or {}))
    ts = as_utc(ts)  # type: ignore[assignment]
    digest = _digest(head.last_hash, event_id, ts, actor, action, subject, text)
    conn.execute(
        audit_events.insert().values(
            id=event_id, ts=ts, actor=actor, action=action, subject=subject, data=text,
            prev_hash=head.last_hash, hash=digest,
        )
    )
    conn.execute(
        audit_head.update()
        .where(audit_head.c.id == 1)
        .values(last_id=event_id, last_hash=digest, count=head.count + 1)
    )
    return digest


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    last_hash: str
    broken_at: int | None = None
    problem: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} events, head {self.last_hash[:16]}"
        return f"audit chain broken at event {self.broken_at}: {self.problem}"


def verify(engine: Engine, *, checkpoint: Path | None = None,
           batch: int = 5000) -> VerifyResult:
    expected_prev, expected_id, checked = GENESIS_HASH, 1, 0
    marks = _read_checkpoint(checkpoint) if checkpoint else None
    with engine.connect() as conn:
        query = sa.select(audit_events).order_by(audit_events.c.id)
        for row in conn.execution_options(yield_per=batch).execute(query):
            if row.id != expected_id:
                return _broken(checked, expected_prev, expected_id,
                               f"event {expected_id} is missing (next id found: {row.id})")
            if row.prev_hash != expected_prev:
                return _broken(checked, expected_prev, row.id,
                               "its prev_hash does not match the event before it")
            digest = _digest(row.prev_hash, row.id, row.ts, row.actor, row.action,
                             row.subject, row.data)
            if digest != row.hash:
                return _broken(checked, expected_prev, row.id,
                               "its content does not match its hash (altered)")
            if marks and row.id == marks["last_id"] and row.hash != marks["last_hash"]:
                return _broken(checked, expected_prev, row.id,
                               "it differs from the exported checkpoint")
            expected_prev, expected_id, checked = row.hash, row.id + 1, checked + 1
        head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).one()
    if head.last_hash != expected_prev or head.count != checked:
        return _broken(checked, expected_prev, expected_id,
                       f"the chain head says {head.count} events ending in "
                       f"{head.last_hash[:16]}, the table has {checked}")
    if marks and marks["last_id"] > checked:
        return _broken(checked, expected_prev, checked + 1,
                       f"the checkpoint holds {marks['last_id']} events, the table only "
                       f"{checked} (tail deleted)")
    return VerifyResult(True, checked, expected_prev)


def _broken(checked: int, last_hash: str, at: int, problem: str) -> VerifyResult:
    return VerifyResult(False, checked, last_hash, broken_at=at, problem=problem)


def export_checkpoint(engine: Engine, path: Path, *, now: datetime) -> dict[str, Any]:
    """Write the head (latest hash, count, time) to a file kept outside the database."""
    with engine.connect() as conn:
        head = conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).one()
    mark = {"last_id": head.last_id, "last_hash": head.last_hash, "count": head.count,
            "at": as_utc(now).isoformat()}  # type: ignore[union-attr]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(mark, indent=2) + "\n")
    return mark


def _read_checkpoint(path: Path) -> dict[str, Any]:
    mark = json.loads(path.read_text())
    return {"last_id": int(mark["last_id"]), "last_hash": str(mark["last_hash"])}
