"""A tamper-evident audit trail: every state change is an event hash-chained to the last.

The chain is sharded. An event belongs to shard `int(sha256(subject)[:8], 16) % SHARDS`,
so one run's (one item's, one schedule's) events always stay in one ordered line. Each
shard is its own chain, numbered by `seq` 1, 2, 3...:

    hash = sha256(prev_hash + canonical JSON of {shard, seq, ts, actor, action, subject, data})

where prev_hash is the hash of the shard's previous event (GENESIS_HASH for seq 1). The
shard and seq are inside the hash, so an event moved to another shard or place, swapped
with another, or deleted breaks a link. The global `id` stays the primary key (handed out
by the database) and is not hashed: it only orders and names events.

Appending locks only the subject's shard head row (`audit_head`, one row per shard, which
also records the shard count), so writers of different runs or items no longer wait for
each other's commits on PostgreSQL; two transactions appending to the same shard are
still serialised, so each shard stays a single line. The statements are built once, at
import: an append is a locking select, an insert and an update.

`verify` walks every shard in seq order, checks its head row, and names the first broken
link (lowest event id) as "event <id> (shard s, seq n): <problem>". A checkpoint exported
to a file outside the database holds every shard's head, so it also catches a truncated
tail in any shard.

Stores created before migration 4 had one unsharded chain (hash over the event's id
instead of shard and seq). Migration 4 re-hashes nothing: those events become shard 0's
first events (seq = id), and shard 0's head row records how many (`legacy_seq`); verify
checks them with the old rule and everything after them with the new one. Changing
`legacy_seq` does not help a forger: the events on either side of it would stop matching.
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
from bots.errors import StoreError
from bots.redaction import redact_value
from bots.store.migrate import AUDIT_SHARDS, GENESIS_HASH
from bots.store.schema import audit_events, audit_head

SHARDS = AUDIT_SHARDS


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


def shard_of(subject: str, shards: int = SHARDS) -> int:
    return int(hashlib.sha256(subject.encode()).hexdigest()[:8], 16) % shards


def _iso(ts: datetime) -> str:
    return as_utc(ts).isoformat(timespec="microseconds")  # type: ignore[union-attr]


def _digest(prev_hash: str, shard: int, seq: int, ts: datetime, actor: str, action: str,
            subject: str, data: str) -> str:
    body = canonical_json({"shard": shard, "seq": seq, "ts": _iso(ts), "actor": actor,
                           "action": action, "subject": subject, "data": data})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _legacy_digest(prev_hash: str, event_id: int, ts: datetime, actor: str, action: str,
                   subject: str, data: str) -> str:
    """The rule before migration 4: one chain, the event's id hashed in."""
    body = canonical_json({"id": event_id, "ts": _iso(ts), "actor": actor, "action": action,
                           "subject": subject, "data": data})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


# Built once: constructing them per call cost more than the SQL itself on SQLite.
_LOCK_HEAD = (
    sa.select(audit_head.c.shards, audit_head.c.last_seq, audit_head.c.last_hash,
              audit_head.c.count)
    .where(audit_head.c.shard == sa.bindparam("b_shard"))
    .with_for_update()
)
_INSERT_EVENT = audit_events.insert()
_ADVANCE_HEAD = (
    audit_head.update()
    .where(audit_head.c.shard == sa.bindparam("b_shard"))
    .values(last_seq=sa.bindparam("b_seq"), last_id=sa.bindparam("b_id"),
            last_hash=sa.bindparam("b_hash"), count=sa.bindparam("b_count"))
)


def append(conn: sa.Connection, *, ts: datetime, actor: str, action: str, subject: str,
           data: dict[str, Any] | None = None) -> str:
    """Append one event inside the caller's transaction; returns its hash."""
    shard = shard_of(subject)
    head = conn.execute(_LOCK_HEAD, {"b_shard": shard}).one_or_none()
    if head is None or head.shards != SHARDS:
        found = f"{head.shards} shards" if head else f"no head row for shard {shard}"
        raise StoreError(f"the store's audit chain has {found}, this code writes {SHARDS};"
                         " changing the shard count needs a migration")
    seq = head.last_seq + 1
    text = canonical_json(redact_value(data or {}))
    ts = as_utc(ts)  # type: ignore[assignment]
    digest = _digest(head.last_hash, shard, seq, ts, actor, action, subject, text)
    inserted = conn.execute(_INSERT_EVENT, {
        "ts": ts, "actor": actor, "action": action, "subject": subject, "data": text,
        "prev_hash": head.last_hash, "hash": digest, "shard": shard, "seq": seq,
    })
    conn.execute(_ADVANCE_HEAD, {"b_shard": shard, "b_seq": seq,
                                 "b_id": inserted.inserted_primary_key[0],
                                 "b_hash": digest, "b_count": head.count + 1})
    return digest


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    last_hash: str  # the combined digest of every shard's head (see `combined_hash`)
    broken_at: int | None = None  # the event id of the first broken link
    problem: str | None = None  # "event <id> (shard s, seq n): what is wrong"

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} events, head {self.last_hash[:16]}"
        return f"audit chain broken at {self.problem}"


def combined_hash(heads: dict[int, tuple[int, str]]) -> str:
    """One digest for all the shards' heads ({shard: (last_seq, last_hash)})."""
    text = "\n".join(f"{shard}:{seq}:{digest}" for shard, (seq, digest) in sorted(heads.items()))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _Shard:
    shard: int
    shards: int
    legacy_seq: int = 0
    seq: int = 0  # the last verified event's seq, id and hash
    last_id: int = 0
    last_hash: str = GENESIS_HASH
    checked: int = 0
    broken: tuple[int | None, str] | None = None


def verify(engine: Engine, *, checkpoint: Path | None = None,
           batch: int = 5000) -> VerifyResult:
    marks = _read_checkpoint(checkpoint) if checkpoint else {}
    with engine.connect() as conn:
        heads = {h.shard: h for h in conn.execute(sa.select(audit_head))}
        counts = {h.shards for h in heads.values()}
        if len(counts) != 1 or set(heads) != set(range(counts.pop())):
            return VerifyResult(False, 0, GENESIS_HASH, None,
                                f"the chain's head rows are damaged (shards {sorted(heads)})")
        shards = {s: _Shard(s, h.shards, legacy_seq=h.legacy_seq) for s, h in heads.items()}
        stray: tuple[int, str] | None = None
        query = sa.select(audit_events).order_by(audit_events.c.shard, audit_events.c.seq)
        for row in conn.execution_options(yield_per=batch).execute(query):
            state = shards.get(row.shard)
            if state is None:
                if stray is None:
                    stray = (row.id, _where(row, "no such shard"))
                continue
            if state.broken is None:
                problem = _check(state, row, marks.get(row.shard))
                if problem:
                    state.broken = (row.id, _where(row, problem))
                else:
                    state.seq, state.last_id, state.last_hash = row.seq, row.id, row.hash
                    state.checked += 1
    for state in shards.values():
        if state.broken is None:
            state.broken = _check_head(state, heads[state.shard], marks.get(state.shard))
    breaks = [s.broken for s in shards.values() if s.broken] + ([stray] if stray else [])
    checked = sum(s.checked for s in shards.values())
    combined = combined_hash({s.shard: (s.seq, s.last_hash) for s in shards.values()})
    if breaks:
        # The first broken link: the lowest event id (a break without one goes last).
        at, problem = min(breaks, key=lambda b: (b[0] is None, b[0] or 0))
        return VerifyResult(False, checked, combined, broken_at=at, problem=problem)
    return VerifyResult(True, checked, combined)


def _where(row: Any, problem: str) -> str:
    return f"event {row.id} (shard {row.shard}, seq {row.seq}): {problem}"


def _check(state: _Shard, row: Any, mark: dict[str, Any] | None) -> str | None:
    expected = state.seq + 1
    if row.seq != expected:
        return (f"the event before it in the shard (seq {expected}) is missing"
                if row.seq > expected else "its seq repeats one before it")
    if row.prev_hash != state.last_hash:
        return "its prev_hash does not match the event before it in the shard"
    if row.seq <= state.legacy_seq:
        if row.id != row.seq:
            return "it predates the shards, but its id is not its seq"
        digest = _legacy_digest(row.prev_hash, row.id, row.ts, row.actor, row.action,
                                row.subject, row.data)
    else:
        if shard_of(row.subject, state.shards) != row.shard:
            return "its subject belongs to another shard (moved)"
        digest = _digest(row.prev_hash, row.shard, row.seq, row.ts, row.actor, row.action,
                         row.subject, row.data)
    if digest != row.hash:
        return "its content does not match its hash (altered)"
    if mark and row.seq == mark["seq"] and row.hash != mark["hash"]:
        return "it differs from the exported checkpoint"
    return None


def _check_head(state: _Shard, head: Any,
                mark: dict[str, Any] | None) -> tuple[int | None, str] | None:
    """After a shard walked clean: its head row and the checkpoint must end where it does."""
    where = f"(shard {state.shard}, seq {state.seq})"
    if mark and mark["seq"] > state.seq:
        return (mark["id"], f"event {mark['id']} (shard {state.shard}, seq {mark['seq']}): "
                f"missing; the checkpoint holds {mark['seq']} events in shard {state.shard}, "
                f"the table only {state.seq} (tail deleted)")
    if (head.last_seq, head.last_hash, head.count, head.last_id) != (
            state.seq, state.last_hash, state.checked, state.last_id):
        if head.last_seq > state.seq:
            return (head.last_id, f"event {head.last_id} (shard {state.shard}, seq "
                    f"{head.last_seq}): missing; the shard's head row names it as its last "
                    f"event, the table ends at seq {state.seq} (tail deleted)")
        return (state.last_id or None,
                f"event {state.last_id} {where}: the shard's head row does not match it "
                f"(head: {head.count} events, seq {head.last_seq}, event {head.last_id}, "
                f"hash {head.last_hash[:16]})")
    return None


def export_checkpoint(engine: Engine, path: Path, *, now: datetime) -> dict[str, Any]:
    """Write every shard's head (seq, event id, hash) to a file kept outside the database."""
    with engine.connect() as conn:
        heads = list(conn.execute(sa.select(audit_head).order_by(audit_head.c.shard)))
    mark = {
        "shards": len(heads),
        "count": sum(h.count for h in heads),
        "last_hash": combined_hash({h.shard: (h.last_seq, h.last_hash) for h in heads}),
        "heads": [{"shard": h.shard, "last_seq": h.last_seq, "last_id": h.last_id,
                   "last_hash": h.last_hash} for h in heads],
        "at": as_utc(now).isoformat(),  # type: ignore[union-attr]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(mark, indent=2) + "\n")
    return mark


def _read_checkpoint(path: Path) -> dict[int, dict[str, Any]]:
    """{shard: {seq, id, hash}}; a checkpoint from before the shards is shard 0's."""
    mark = json.loads(path.read_text())
    if "heads" not in mark:
        last = int(mark["last_id"])
        return {0: {"seq": last, "id": last, "hash": str(mark["last_hash"])}}
    return {int(h["shard"]): {"seq": int(h["last_seq"]), "id": int(h["last_id"]),
                              "hash": str(h["last_hash"])}
            for h in mark["heads"] if int(h["last_seq"])}
