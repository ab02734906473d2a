"""Input rows a run set aside for a person without making a work item of them.

A sales row that fails validation, a reconciliation line that breaks: each is an
exception a person must look at, like an item in review, but it never entered a queue.
They are recorded here, one row of the store per input row, so that every report counts
them from the same table (`runs`, `show`, the HTML run report, the productivity
workbook) instead of from a run's summary or log text.

    record_rejected(run, sheet.problems, source="sales.xlsx")   # returns rows recorded

Each problem needs `row`, `column` and `reason` attributes (`value` and `external_id`
are read when present); several problems of one input row make one rejected row, their
columns and reasons joined. The rows are counted on the run as `rejected`
(`run.count`), so its state becomes "succeeded with exceptions": a recipe calls this
instead of `run.count(REJECTED, n)`, not besides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import sqlalchemy as sa

from bots.store.schema import Ts, metadata

REJECTED = "rejected"  # the outcome the run counts (bots.workitems.model.REJECTED)
KINDS = (REJECTED, "break")

rejected_rows = sa.Table(
    "rejected_rows",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # rejected (bad input) or break
    sa.Column("source", sa.String(500), nullable=False),  # the file (or sheet) it came from
    sa.Column("row", sa.Integer),  # the row number a person sees in that file
    sa.Column("key", sa.String(500)),  # the row's own id, e.g. the sale's external id
    sa.Column("columns", sa.String(1000), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("recorded_at", Ts, nullable=False),
)


class Problem(Protocol):
    row: int | None
    column: str
    reason: str


class _RunLike(Protocol):
    id: int

    def count(self, outcome: str, n: int = 1) -> None: ...

    @property
    def engine(self) -> sa.Engine: ...

    @property
    def clock(self) -> Any: ...


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _grouped(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """One entry per input row, in the order first seen; a problem without a row is its own."""
    rows: dict[Any, dict[str, Any]] = {}
    for n, problem in enumerate(problems):
        row = getattr(problem, "row", None)
        entry = rows.setdefault(row if row is not None else ("no row", n), {
            "row": row, "key": _text(getattr(problem, "external_id", None)) or None,
            "columns": [], "reasons": [], "values": []})
        entry["columns"].append(_text(problem.column))
        entry["reasons"].append(f"{problem.column}: {problem.reason}" if problem.column
                                else _text(problem.reason))
        value = getattr(problem, "value", None)
        if value not in (None, ""):
            entry["values"].append(_text(value))
    return list(rows.values())


def record_rejected(run: _RunLike, problems: Iterable[Problem], *, source: str = "",
                    kind: str = "rejected") -> int:
    """Record the input rows these problems reject; return how many rows that is."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    entries = _grouped(problems)
    if not entries:
        return 0
    now = run.clock.now()
    values = [dict(run_id=run.id, kind=kind, source=str(source), row=e["row"], key=e["key"],
                   columns=", ".join(dict.fromkeys(c for c in e["columns"] if c))[:1000],
                   reason="; ".join(e["reasons"]), value="; ".join(e["values"]) or None,
                   recorded_at=now)
              for e in entries]
    with run.engine.begin() as conn:
        conn.execute(rejected_rows.insert(), values)
    run.count(REJECTED, len(entries))
    return len(entries)


def create_table(conn: sa.Connection) -> None:
    """Migration 6."""
    rejected_rows.create(conn, checkfirst=True)


__all__ = ["KINDS", "Problem", "record_rejected", "rejected_rows"]
