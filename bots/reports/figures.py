"""A run's figures, counted by the store, the same for every output that shows them.

    outcomes   work items by outcome (their last attempt was in the run), plus the input
               rows it rejected (`bots.rejects`) under the outcome `rejected`
    done       items done by a bot
    exceptions every outcome that is neither done nor still open: business and system
               exceptions, items done by hand or skipped in review, rejected rows
    open       items still pending or in progress

    to_review  results a person must look at that are no item or input row (a
               reconciliation's breaks): the run's own count, `summary.outcomes.to_review`

`runs`, `show`, the HTML run report and the productivity workbook all count from these
tables this way, so a figure reads the same wherever a person looks. A run that counted
rejected rows (`run.count("rejected", n)`) without recording them (`bots.rejects`)
still shows its count, from its summary, until its recipe records them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bots.rejects import rejected_rows
from bots.reports.outcomes import DONE, OPEN_STATES, REJECTED, outcome_of_item
from bots.store.schema import runs, work_items

TO_REVIEW = "to_review"


def counted_by_run(summary: Any) -> dict[str, int]:
    """What the run itself counted that no table holds: results to review, and rejected
    rows a recipe counted without recording them."""
    outcomes = summary.get("outcomes") if isinstance(summary, dict) else None
    if not isinstance(outcomes, dict):
        return {}
    return {k: int(v) for k, v in outcomes.items()
            if k in (TO_REVIEW, REJECTED) and isinstance(v, int) and v > 0}


def merge_counted(found: dict[str, int], summary: Any) -> dict[str, int]:
    """The store's outcomes with the run's own counts added, each counted once (rows
    recorded in the table win over the run's count of them)."""
    merged = dict(found)
    for key, n in counted_by_run(summary).items():
        if key not in merged:
            merged[key] = n
    return merged


@dataclass(frozen=True)
class RunFigures:
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.outcomes.get(DONE, 0)

    @property
    def open(self) -> int:
        return sum(self.outcomes.get(s, 0) for s in OPEN_STATES)

    @property
    def exceptions(self) -> int:
        return sum(self.outcomes.values()) - self.done - self.open

    @property
    def rejected(self) -> int:
        return self.outcomes.get(REJECTED, 0)

    def as_json(self) -> dict[str, Any]:
        """The stable fields `--json` prints for a run (documented in the README)."""
        return {"items_done": self.done, "exceptions": self.exceptions,
                "items_open": self.open, "rejected_rows": self.rejected,
                "to_review": self.outcomes.get(TO_REVIEW, 0),
                "outcomes": dict(sorted(self.outcomes.items()))}


def outcomes_by_run(conn: sa.Connection, *, item_where: Iterable[sa.ColumnElement[bool]] = (),
                    reject_where: Iterable[sa.ColumnElement[bool]] = ()
                    ) -> dict[int, dict[str, int]]:
    """{run id: {outcome: count}} for items and rejected rows matching the conditions."""
    outcome = outcome_of_item().label("outcome")
    items = (sa.select(work_items.c.last_run_id, outcome, sa.func.count())
             .where(work_items.c.last_run_id.is_not(None), *item_where)
             .group_by(work_items.c.last_run_id, outcome))
    found: dict[int, dict[str, int]] = {}
    for run_id, state, n in conn.execute(items):
        found.setdefault(int(run_id), {})[state] = int(n)
    rejects = (sa.select(rejected_rows.c.run_id, sa.func.count()).where(*reject_where)
               .group_by(rejected_rows.c.run_id))
    for run_id, n in conn.execute(rejects):
        found.setdefault(int(run_id), {})[REJECTED] = int(n)
    return found


def figures_for(conn: sa.Connection, run_ids: Sequence[int]) -> dict[int, RunFigures]:
    """The figures of these runs (every id gets one, zeros included)."""
    if not run_ids:
        return {}
    ids = list(run_ids)
    found = outcomes_by_run(conn, item_where=[work_items.c.last_run_id.in_(ids)],
                            reject_where=[rejected_rows.c.run_id.in_(ids)])
    summaries = {int(run_id): summary for run_id, summary in conn.execute(
        sa.select(runs.c.id, runs.c.summary).where(runs.c.id.in_(ids)))}
    return {run_id: RunFigures(merge_counted(found.get(run_id, {}), summaries.get(run_id)))
            for run_id in ids}


def rejected_of(conn: sa.Connection, run_id: int, limit: int) -> list[dict[str, Any]]:
    """The first rejected rows of a run, in input order."""
    r = rejected_rows.c
    query = (sa.select(r.kind, r.source, r.row, r.key, r.columns, r.reason, r.value)
             .where(r.run_id == run_id).order_by(r.source, r.row, r.id).limit(limit))
    return [dict(row._mapping) for row in conn.execute(query)]
