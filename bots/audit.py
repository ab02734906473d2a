"""A tamper-evident audit trail: every state change is an event hash-chained to the last.

The chain is sharded. An event belongs to shard `int(sha256(subject)[:8], 16) % SHARDS`,
so one run's (one item's, one schedule's) events always stay in one ordered line. Each
shard is its own chain, numbered by `seq` 1, 2, 3...:

    hash = sha256(prev_hash + canonical JSON of {id, shard, seq, ts, actor, action, subject, data})

where prev_hash is the hash of the shard's previous event (GENESIS_HASH for seq 1). The
event's id, shard and seq are inside the hash, so an event moved to another shard or
place, swapped with another (or only its id swapped), or deleted breaks a link. Ids are
handed out by the appender while it holds the shard's head, so inside a shard they rise
with seq.

Appends are deferred to the commit: `append` queues the event on the connection, and
just before the transaction commits every queued event is written, shard by shard in
ascending shard order, each shard's head row locked (`FOR UPDATE`) as it comes. Every
transaction therefore takes head locks in one global order and only at its very end,
after all its other row locks: two transactions that append to several shards (a
reaper giving back items of many subjects, a claim after a reap) cannot deadlock on
PostgreSQL. Writers of different shards still do not wait for each other. (Savepoints
are not used by the toolkit: events appended inside a rolled-back savepoint would still
be written with the outer transaction.)

`verify` walks every shard in seq order, checks its head row, and names the first broken
link (lowest event id) as "event <id> (shard s, seq n): <problem>". A checkpoint exported
to a file outside the database holds the shard count, every shard's head, the combined
head over all shards and the event count; verify compares each of them, so a tail cut
from a shard, a chain rewritten into fewer shards, or a store younger than its
checkpoint (recreated, restored from an old copy) is named.

Older stores keep verifying under the rule their events were written with:
- before migration 4 there was one unsharded chain hashed over {id, ts, ...}; those events
  are shard 0's first `legacy_seq` events (seq = id).
- from migration 4 to 5 the hash covered {shard, seq, ...} without the id; each shard's
  first `sharded_seq` events are those.
Moving either boundary does not help a forger: the events on either side of it would stop
matching their hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bots.clock import as_utc
from bots.errors import StoreError
from bots.redaction import redact_value
from bots.store.schema import audit_events, audit_head, schema_version
from bots.store.steps import AUDIT_SHARDS, GENESIS_HASH

SHARDS = AUDIT_SHARDS
_PENDING = "rpa_audit_pending"


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


def _digest(prev_hash: str, event_id: int, shard: int, seq: int, ts: datetime, actor: str,
            action: str, subject: str, data: str) -> str:
    body = canonical_json({"id": event_id, "shard": shard, "seq": seq, "ts": _iso(ts),
                           "actor": actor, "action": action, "subject": subject, "data": data})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _sharded_digest(prev_hash: str, shard: int, seq: int, ts: datetime, actor: str,
                    action: str, subject: str, data: str) -> str:
    """The rule from migration 4 to 5: shard and seq hashed, the id not."""
    body = canonical_json({"shard": shard, "seq": seq, "ts": _iso(ts), "actor": actor,
                           "action": action, "subject": subject, "data": data})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _legacy_digest(prev_hash: str, event_id: int, ts: datetime, actor: str, action: str,
                   subject: str, data: str) -> str:
    """The rule before migration 4: one chain, the event's id hashed in."""
    body = canonical_json({"id": event_id, "ts": _iso(ts), "actor": actor, "action": action,
                           "subject": subject, "data": data})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@dataclass(frozen=True)
class _Pending:
    ts: datetime
    actor: str
    action: str
    subject: str
    data: str


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
_MAX_ID = sa.select(sa.func.coalesce(sa.func.max(audit_events.c.id), 0))
# The common case, one event: its id comes with the head lock, in the same round trip.
_NEXT_ID = {
    "postgresql": sa.func.nextval(sa.func.pg_get_serial_sequence("audit_events", "id")),
    "sqlite": _MAX_ID.scalar_subquery() + 1,
}
_LOCK_HEAD_WITH_ID = {
    dialect: _LOCK_HEAD.add_columns(next_id.label("next_id"))
    for dialect, next_id in _NEXT_ID.items()
}
_PG_NEXT_IDS = sa.text("SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) "
                       "FROM generate_series(1, :n)")


def append(conn: sa.Connection, *, ts: datetime, actor: str, action: str, subject: str,
           data: dict[str, Any] | None = None) -> None:
    """Append one event to the caller's transaction: written when it commits (see the
    module's docstring for why), gone if it rolls back."""
    transaction = conn.get_transaction() or conn.begin()
    text = canonical_json(redact_value(data or {}))
    owner, pending = conn.info.get(_PENDING, (None, []))
    if owner is not transaction:  # left over from a transaction that ended unseen
        pending = []
        conn.info[_PENDING] = (transaction, pending)
    pending.append(_Pending(as_utc(ts), actor, action, subject, text))  # type: ignore[arg-type]


def _allocate_ids(conn: sa.Connection, n: int) -> list[int]:
    """Ids for n events, taken while this transaction holds their shards' heads."""
    if conn.dialect.name == "postgresql":
        return sorted(int(i) for i in conn.execute(_PG_NEXT_IDS, {"n": n}).scalars())
    # SQLite: one writer at a time (BEGIN IMMEDIATE), so the next ids are the max's.
    top = int(conn.execute(_MAX_ID).scalar_one())
    return list(range(top + 1, top + 1 + n))


def _flush(conn: sa.Connection) -> None:
    owner, pending = conn.info.pop(_PENDING, (None, []))
    if not pending or owner is not conn.get_transaction():
        return
    by_shard: dict[int, list[_Pending]] = defaultdict(list)
    for item in pending:
        by_shard[shard_of(item.subject)].append(item)
    heads: dict[int, sa.Row[Any]] = {}
    one = _LOCK_HEAD_WITH_ID.get(conn.dialect.name) if len(pending) == 1 else None
    for shard in sorted(by_shard):  # the one global lock order
        head = conn.execute(one if one is not None else _LOCK_HEAD,
                            {"b_shard": shard}).one_or_none()
        if head is None or head.shards != SHARDS:
            found = f"{head.shards} shards" if head else f"no head row for shard {shard}"
            raise StoreError(f"the store's audit chain has {found}, this code writes "
                             f"{SHARDS}; changing the shard count needs a migration")
        heads[shard] = head
    if one is not None:  # a single event: its shard's head row came with the next id
        ids = iter([int(heads[next(iter(by_shard))].next_id)])
    else:
        ids = iter(_allocate_ids(conn, len(pending)))
    rows, advances = [], []
    for shard in sorted(by_shard):
        head = heads[shard]
        seq, prev, event_id = head.last_seq, head.last_hash, 0
        for item in by_shard[shard]:
            seq, event_id = seq + 1, next(ids)
            digest = _digest(prev, event_id, shard, seq, item.ts, item.actor, item.action,
                             item.subject, item.data)
            rows.append({"id": event_id, "ts": item.ts, "actor": item.actor,
                         "action": item.action, "subject": item.subject, "data": item.data,
                         "prev_hash": prev, "hash": digest, "shard": shard, "seq": seq})
            prev = digest
        advances.append({"b_shard": shard, "b_seq": seq, "b_id": event_id, "b_hash": prev,
                         "b_count": head._mapping["count"] + len(by_shard[shard])})
    conn.execute(_INSERT_EVENT, rows)
    conn.execute(_ADVANCE_HEAD, advances)


def _discard(conn: sa.Connection) -> None:
    conn.info.pop(_PENDING, None)


# Every engine: the store's, and any a test or a tool builds on the same tables.
event.listen(Engine, "commit", _flush)
event.listen(Engine, "rollback", _discard)


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
    sharded_seq: int = 0
    seq: int = 0  # the last verified event's seq, id and hash
    last_id: int = 0
    last_hash: str = GENESIS_HASH
    checked: int = 0
    broken: tuple[int | None, str] | None = None
    at_mark: tuple[int, str] | None = None  # (seq, hash) where the checkpoint's head is


@dataclass(frozen=True)
class Checkpoint:
    """What an exported checkpoint holds; `heads` is {shard: (last_seq, last_id, last_hash)}."""

    shards: int | None  # None: a checkpoint from before the shards (shard 0 only)
    count: int | None
    last_hash: str | None
    heads: dict[int, tuple[int, int, str]]
    at: datetime | None


def verify(engine: Engine, *, checkpoint: Path | None = None,
           batch: int = 5000) -> VerifyResult:
    mark = read_checkpoint(checkpoint) if checkpoint else None
    with engine.connect() as conn:
        heads = {h.shard: h for h in conn.execute(sa.select(audit_head))}
        created = conn.execute(sa.select(sa.func.min(schema_version.c.applied_at))).scalar()
        counts = {h.shards for h in heads.values()}
        if len(counts) != 1 or set(heads) != set(range(counts.pop())):
            return VerifyResult(False, 0, GENESIS_HASH, None,
                                f"the chain's head rows are damaged (shards {sorted(heads)})")
        shards = {s: _Shard(s, h.shards, legacy_seq=h.legacy_seq, sharded_seq=h.sharded_seq)
                  for s, h in heads.items()}
        marks = mark.heads if mark else {}
        stray: tuple[int, str] | None = None
        rows = 0
        query = sa.select(audit_events).order_by(audit_events.c.shard, audit_events.c.seq)
        for row in conn.execution_options(yield_per=batch).execute(query):
            rows += 1
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
                    if row.shard in marks and row.seq == marks[row.shard][0]:
                        state.at_mark = (row.seq, row.hash)
    for state in shards.values():
        if state.broken is None:
            state.broken = _check_head(state, heads[state.shard], marks.get(state.shard))
    breaks = [s.broken for s in shards.values() if s.broken] + ([stray] if stray else [])
    checked = sum(s.checked for s in shards.values())
    combined = combined_hash({s.shard: (s.seq, s.last_hash) for s in shards.values()})
    created = as_utc(created)
    if mark and created is not None and mark.at is not None and created > mark.at:
        # said first: a recreated store would otherwise read as "tail deleted"
        return VerifyResult(False, checked, combined, problem=(
            f"the store is younger than its checkpoint: created {created.isoformat()}, "
            f"the checkpoint was taken {mark.at.isoformat()} (recreated or replaced)"))
    fewer = (f"; the store holds {rows} events, its checkpoint {mark.count}: events "
             "removed, or an older copy of the store (younger than its checkpoint)"
             if mark and mark.count is not None and rows < mark.count else "")
    if breaks:
        # The first broken link: the lowest event id (a break without one goes last).
        at, problem = min(breaks, key=lambda b: (b[0] is None, b[0] or 0))
        return VerifyResult(False, checked, combined, broken_at=at, problem=problem + fewer)
    if fewer:
        return VerifyResult(False, checked, combined, problem=fewer.removeprefix("; "))
    if mark is not None:
        problem = _against_checkpoint(mark, shards)
        if problem:
            return VerifyResult(False, checked, combined, problem=problem)
    return VerifyResult(True, checked, combined)


def _against_checkpoint(mark: Checkpoint, shards: dict[int, _Shard]) -> str | None:
    """After every shard walked clean: does the store still hold what the checkpoint saw?"""
    if mark.shards is None:
        return None  # a checkpoint from before the shards: its one head was checked
    if mark.shards != len(shards):
        return (f"the chain has {len(shards)} shards, its checkpoint {mark.shards} "
                "(the chain was rewritten)")
    if set(mark.heads) != set(range(mark.shards)):
        return f"the checkpoint's heads are damaged (shards {sorted(mark.heads)})"
    if mark.count != sum(seq for seq, _, _ in mark.heads.values()):
        return "the checkpoint's event count does not match its heads (file altered)"
    seen = {}
    for shard, (seq, _, digest) in mark.heads.items():
        found = shards[shard].at_mark if seq else (0, GENESIS_HASH)
        if found is None:  # cannot happen after a clean walk; kept as a guard
            return f"shard {shard}: the checkpoint's head (seq {seq}) is not in the store"
        seen[shard] = found
        if found[1] != digest:
            return f"shard {shard}: the checkpoint's head (seq {seq}) differs from the store"
    if mark.last_hash is not None and combined_hash(seen) != mark.last_hash:
        return "the checkpoint's combined head does not match the store at its heads"
    return None


def _where(row: Any, problem: str) -> str:
    return f"event {row.id} (shard {row.shard}, seq {row.seq}): {problem}"


def _check(state: _Shard, row: Any, mark: tuple[int, int, str] | None) -> str | None:
    expected = state.seq + 1
    if row.seq != expected:
        return (f"the event before it in the shard (seq {expected}) is missing"
                if row.seq > expected else "its seq repeats one before it")
    if row.prev_hash != state.last_hash:
        return "its prev_hash does not match the event before it in the shard"
    if row.seq > 1 and row.id <= state.last_id:
        return "its id is not above the id of the event before it in the shard (moved)"
    if row.seq <= state.legacy_seq:
        if row.id != row.seq:
            return "it predates the shards, but its id is not its seq"
        digest = _legacy_digest(row.prev_hash, row.id, row.ts, row.actor, row.action,
                                row.subject, row.data)
    else:
        if shard_of(row.subject, state.shards) != row.shard:
            return "its subject belongs to another shard (moved)"
        rule = _sharded_digest if row.seq <= state.sharded_seq else None
        digest = (rule(row.prev_hash, row.shard, row.seq, row.ts, row.actor, row.action,
                       row.subject, row.data) if rule else
                  _digest(row.prev_hash, row.id, row.shard, row.seq, row.ts, row.actor,
                          row.action, row.subject, row.data))
    if digest != row.hash:
        return "its content does not match its hash (altered)"
    if mark and row.seq == mark[0] and (row.hash != mark[2] or row.id != mark[1]):
        return "it differs from the exported checkpoint"
    return None


def _check_head(state: _Shard, head: Any,
                mark: tuple[int, int, str] | None) -> tuple[int | None, str] | None:
    """After a shard walked clean: its head row and the checkpoint must end where it does."""
    where = f"(shard {state.shard}, seq {state.seq})"
    if mark and mark[0] > state.seq:
        return (mark[1], f"event {mark[1]} (shard {state.shard}, seq {mark[0]}): "
                f"missing; the checkpoint holds {mark[0]} events in shard {state.shard}, "
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
    """Write the shard count, every shard's head (seq, event id, hash), the combined head
    and the event count to a file kept outside the database."""
    mark = checkpoint_mark(engine, now=now)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(mark, indent=2) + "\n")
    tmp.replace(path)  # a reader never sees half a checkpoint
    return mark


def checkpoint_mark(engine: Engine, *, now: datetime) -> dict[str, Any]:
    """What a checkpoint holds (see `export_checkpoint`), as a dict."""
    with engine.connect() as conn:
        heads = list(conn.execute(sa.select(audit_head).order_by(audit_head.c.shard)))
    mark = {
        "shards": len(heads),
        "count": sum(h._mapping["count"] for h in heads),
        "last_hash": combined_hash({h.shard: (h.last_seq, h.last_hash) for h in heads}),
        "heads": [{"shard": h.shard, "last_seq": h.last_seq, "last_id": h.last_id,
                   "last_hash": h.last_hash} for h in heads],
        "at": as_utc(now).isoformat(),  # type: ignore[union-attr]
    }
    return mark


def read_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint file; a checkpoint from before the shards is shard 0's."""
    try:
        mark = json.loads(path.read_text())
        if "heads" not in mark:
            last = int(mark["last_id"])
            return Checkpoint(None, None, None, {0: (last, last, str(mark["last_hash"]))},
                              None)
        heads = {int(h["shard"]): (int(h["last_seq"]), int(h["last_id"]), str(h["last_hash"]))
                 for h in mark["heads"]}
        at = datetime.fromisoformat(mark["at"]) if mark.get("at") else None
        return Checkpoint(int(mark["shards"]), int(mark["count"]), str(mark["last_hash"]),
                          heads, as_utc(at))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"checkpoint {path}: not a readable audit checkpoint ({exc})") from None
