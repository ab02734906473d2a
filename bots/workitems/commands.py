"""The logic of the work-item commands, as plain functions the command line wires up.

    runner.py items QUEUE [--state S ...] [--key PATTERN] [--since T] [--overdue]
                          [--limit N] [--export out.csv|out.xlsx]
    runner.py review ITEM_ID... --outcome retry|skip|done --reviewer NAME --note TEXT
    runner.py review --file reviewed.xlsx --reviewer NAME
    runner.py worker [--queue Q ...] [--concurrency N] [--idle-exit]

Nothing here prints: each function returns data (or an exit code) for the caller to show.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from bots.clock import Clock, SystemClock, as_utc
from bots.errors import InputError, UsageError
from bots.store.engine import reading
from bots.store.schema import work_item_events, work_items
from bots.workitems.errors import ItemNotFound
from bots.workitems.export import write_items
from bots.workitems.model import FINISHED, NEEDS_REVIEW, ItemRecord, ItemState, ReviewOutcome
from bots.workitems.review import ReviewRequest, review_many

# Besides the states themselves, `--state review` means "awaiting review".
STATE_ALIASES = {"review": sorted(NEEDS_REVIEW)}


@dataclass(frozen=True)
class ItemFilter:
    states: tuple[str, ...] = ()  # ItemState values, or "review"
    key: str | None = None  # exact key, or a pattern with * wildcards
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    overdue: bool = False  # deadline passed and not finished
    error: str | None = None  # text contained in last_error
    limit: int | None = 1000


@dataclass(frozen=True)
class ItemEvent:
    ts: datetime
    actor: str
    from_state: str | None
    to_state: str
    reason: str | None
    run_id: int | None


def list_items(engine: Engine, queue: str | None, filters: ItemFilter = ItemFilter(), *,
               clock: Clock | None = None) -> list[ItemRecord]:
    """Items of `queue` (every queue when None) matching `filters`, oldest first."""
    w = work_items.c
    query = sa.select(work_items).order_by(w.created_at, w.id)
    if queue:
        query = query.where(w.queue == queue)
    states = _states(filters.states)
    if states:
        query = query.where(w.state.in_(states))
    if filters.key:
        if "*" in filters.key:
            pattern = (filters.key.replace("\\", "\\\\").replace("%", "\\%")
                       .replace("_", "\\_").replace("*", "%"))
            query = query.where(w.key.like(pattern, escape="\\"))
        else:
            query = query.where(w.key == filters.key)
    if filters.since:
        query = query.where(w.created_at >= as_utc(filters.since))
    if filters.until:
        query = query.where(w.created_at < as_utc(filters.until))
    if filters.overdue:
        now = (clock or SystemClock()).now()
        query = query.where(w.deadline < now, w.state.not_in(sorted(FINISHED)))
    if filters.error:
        query = query.where(w.last_error.contains(filters.error, autoescape=True))
    if filters.limit is not None:
        query = query.limit(filters.limit)
    with reading(engine) as conn:
        return [ItemRecord.from_row(row) for row in conn.execute(query)]


def _states(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name in STATE_ALIASES:
            out.extend(STATE_ALIASES[name])
            continue
        try:
            out.append(str(ItemState(name)))
        except ValueError:
            known = ", ".join([*ItemState, *STATE_ALIASES])
            raise UsageError(f"--state {name!r}: expected one of {known}") from None
    return out


def queue_counts(engine: Engine, queue: str | None = None) -> dict[str, dict[str, int]]:
    """{queue: {state: n}} for one queue or all, every state present."""
    w = work_items.c
    query = sa.select(w.queue, w.state, sa.func.count()).group_by(w.queue, w.state)
    if queue:
        query = query.where(w.queue == queue)
    out: dict[str, dict[str, int]] = {}
    with reading(engine) as conn:
        for name, state, n in conn.execute(query):
            out.setdefault(name, {str(s): 0 for s in ItemState})[state] = int(n)
    if queue and queue not in out:
        out[queue] = {str(s): 0 for s in ItemState}
    return out


def item_history(engine: Engine, item_id: int) -> list[ItemEvent]:
    """Every state change of one item, oldest first."""
    e = work_item_events.c
    with reading(engine) as conn:
        if conn.execute(sa.select(work_items.c.id).where(work_items.c.id == item_id)).first() is None:
            raise ItemNotFound(f"with id {item_id}")
        rows = conn.execute(sa.select(work_item_events).where(e.item_id == item_id)
                            .order_by(e.id)).all()
    return [ItemEvent(as_utc(r.ts), r.actor, r.from_state, r.to_state, r.reason,  # type: ignore[arg-type]
                      r.run_id) for r in rows]


def export_items(engine: Engine, queue: str | None, path: Path,
                 filters: ItemFilter = ItemFilter(limit=None), *, tz: ZoneInfo) -> int:
    """Write the matching items to `path` (.csv or .xlsx); returns how many."""
    items = list_items(engine, queue, filters)
    write_items(items, path, tz=tz)
    return len(items)


def apply_review(engine: Engine, item_ids: Sequence[int], outcome: ReviewOutcome | str,
                 reviewer: str, note: str) -> list[ItemRecord]:
    """One outcome for several items, all in one transaction (all or nothing)."""
    try:
        chosen = ReviewOutcome(str(outcome).lower())
    except ValueError:
        raise UsageError(f"--outcome {outcome!r}: expected retry, skip or done") from None
    if not item_ids:
        raise UsageError("name at least one item id to review")
    return review_many(engine, [ReviewRequest(i, chosen, note) for i in item_ids], reviewer)


def apply_review_file(engine: Engine, path: Path, reviewer: str) -> list[ItemRecord]:
    """Apply the outcomes a reviewer filled into an exported sheet (`review_outcome`,
    `review_note` columns; rows left blank are skipped). Every row is checked before
    anything changes; a bad one raises InputError naming the file, row and column."""
    wanted: list[tuple[int, ReviewRequest]] = []
    for number, row in _read_sheet(path):
        outcome_text = (row.get("review_outcome") or "").strip().lower()
        if not outcome_text:
            continue
        item_id = _cell_int(path, number, row.get("id"))
        try:
            outcome = ReviewOutcome(outcome_text)
        except ValueError:
            raise InputError("unknown review outcome", file=path.name, row=number,
                             column="review_outcome", expected="retry, skip or done",
                             got=outcome_text) from None
        note = (row.get("review_note") or "").strip()
        if not note:
            raise InputError("a review needs a note", file=path.name, row=number,
                             column="review_note")
        wanted.append((number, ReviewRequest(item_id, outcome, note)))
    if not wanted:
        raise UsageError(f"{path.name}: no row has a review_outcome filled in")
    _check_reviewable(engine, path, wanted)
    return review_many(engine, [request for _, request in wanted], reviewer)


def _check_reviewable(engine: Engine, path: Path, wanted: list[tuple[int, ReviewRequest]]) -> None:
    ids = [request.item_id for _, request in wanted]
    with reading(engine) as conn:
        found = dict(conn.execute(sa.select(work_items.c.id, work_items.c.state)
                                  .where(work_items.c.id.in_(ids))).all())
    seen: set[int] = set()
    for number, request in wanted:
        if request.item_id in seen:
            raise InputError("the same item is reviewed twice", file=path.name, row=number,
                             column="id", got=request.item_id)
        seen.add(request.item_id)
        state = found.get(request.item_id)
        if state is None:
            raise InputError("no work item with this id", file=path.name, row=number,
                             column="id", got=request.item_id)
        if state not in NEEDS_REVIEW:
            raise InputError(f"the item is {state}, not awaiting review", file=path.name,
                             row=number, column="id", got=request.item_id)


def _read_sheet(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {header: text}) for every data row."""
    if not path.exists():
        raise InputError("file not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            table = [(n, dict(zip(header, values, strict=False)))
                     for n, values in enumerate(reader, start=2)]
    elif suffix == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            lines = sheet.iter_rows(values_only=True)
            header = [str(h or "").strip().lower() for h in next(lines, ())]
            table = [(n, {h: "" if v is None else str(v) for h, v in zip(header, values, strict=False)})
                     for n, values in enumerate(lines, start=2)]
        finally:
            book.close()
    else:
        raise InputError("expected a .csv or .xlsx file", file=path.name)
    for column in ("id", "review_outcome", "review_note"):
        if column not in header:
            raise InputError(f"the column {column!r} is missing", file=path.name, row=1,
                             column=column)
    return table


def _cell_int(path: Path, number: int, text: str | None) -> int:
    value = (text or "").strip()
    try:
        number_value = float(value)  # a spreadsheet may hand back 12 as "12.0"
    except ValueError:
        number_value = float("nan")
    if number_value.is_integer() and number_value > 0:
        return int(number_value)
    raise InputError("not an item id", file=path.name, row=number, column="id",
                     expected="a whole number", got=text)
