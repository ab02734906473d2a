"""The exit code of every command, in one place (the README has the same table).

    0  success
    1  the run failed (or, for `audit verify`, the chain is broken)
    2  refused before running: bad parameters or command line, bad settings, schedule,
       map or policy files; nothing ran and no run row was written
    3  the run finished but left items in system exception (or waiting for a retry it
       will not make) above what the operator allows (`--max-exceptions N`; by default
       none), or, with `--max-exceptions`, items in system exception plus items to
       review (business exceptions) above N
    4  the toolkit itself failed: store unreachable, an internal error (one line on
       stderr, the traceback in data/logs/toolkit.log)
    5  the store is not a store: missing (for commands that do not create one), empty,
       corrupt or truncated file, unparseable URL

Errors carry their code (`RpaError.exit_code`); a finished run's code is computed here
from what the store says the run left behind, not from log text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.store.engine import reading
from bots.store.schema import work_items


class ExitCode(enum.IntEnum):
    OK = 0
    RUN_FAILED = 1
    REFUSED = 2
    ITEMS_LEFT = 3
    TOOLKIT_FAILED = 4
    NOT_A_STORE = 5


@dataclass(frozen=True)
class ItemsLeft:
    """Items a run claimed last and did not finish."""

    system: int  # in system exception, or pending a retry after this run's attempt
    review: int  # business exceptions waiting for a person

    def above(self, max_exceptions: int | None) -> bool:
        if max_exceptions is None:
            return self.system > 0
        return self.system + self.review > max_exceptions


def items_left(engine: Engine, run_id: int) -> ItemsLeft:
    w = work_items.c
    query = (sa.select(w.state, sa.func.count()).where(w.last_run_id == run_id)
             .where(w.state.in_(["system_exception", "business_exception", "pending"]))
             .group_by(w.state))
    with reading(engine) as conn:
        counts = {state: int(n) for state, n in conn.execute(query)}
    return ItemsLeft(counts.get("system_exception", 0) + counts.get("pending", 0),
                     counts.get("business_exception", 0))


def run_exit_code(engine: Engine, run_id: int, ok: bool, *,
                  max_exceptions: int | None = None) -> tuple[ExitCode, ItemsLeft | None]:
    """1 for a failed run; 3 when it finished leaving too many items; else 0."""
    if not ok:
        return ExitCode.RUN_FAILED, None
    left = items_left(engine, run_id)
    return (ExitCode.ITEMS_LEFT if left.above(max_exceptions) else ExitCode.OK), left
