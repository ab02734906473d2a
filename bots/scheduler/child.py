"""One claimed run, executed in this process: the child a scheduler worker starts.

    python -m bots.scheduler.child RUN_ID      (also: runner.py run-queued RUN_ID)

It takes over the `running` row its worker claimed (the executor's `queued_run_id`),
applies the schedule's timeout and retry policy, and records the outcome itself. A
recipe that is gone or refuses the parameters fails the run and parks the schedule,
which keeps it (and says why) instead of failing on every fire time.

Exit codes: 0 succeeded, 1 the run failed, 2 refused (recipe missing, bad parameters),
3 the run was not claimed (nothing done).
"""

from __future__ import annotations

import signal
import sys
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from loguru import logger

from bots import audit
from bots.clock import SystemClock, as_utc
from bots.errors import ParameterError, RecipeNotFound
from bots.executor import Interrupted, Trigger, execute, load_recipe
from bots.logs import configure
from bots.records import RunState, actor
from bots.registry import RecipeSpec
from bots.scheduler.claims import close_run, run_row
from bots.scheduler.model import Schedule
from bots.scheduler.state import ParkKind, UnknownSchedule, load_one, park
from bots.settings import get_settings
from bots.store import open_store
from bots.store.schema import runs

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_NOT_CLAIMED = 0, 1, 2, 3


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise Interrupted("SIGTERM: the scheduler is stopping")


def run_queued(run_id: int) -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    settings = get_settings()
    configure(settings.log.level)
    engine = open_store(settings)
    clock = SystemClock()
    row = run_row(engine, run_id)
    if row is None or row["state"] != RunState.RUNNING or row["schedule"] is None:
        logger.error("run {} is not a claimed scheduled run (state {}); scheduler workers "
                     "claim queued runs before starting them", run_id, row and row["state"])
        return EXIT_NOT_CLAIMED
    name = row["schedule"]
    try:
        schedule: Schedule | None = load_one(engine, name).schedule
    except UnknownSchedule:
        schedule = None
    run_dir = settings.runs_dir / str(run_id)
    try:
        spec = load_recipe(settings, row["recipe"])
        if schedule is not None and schedule.retry is not None:
            spec = replace(spec, retry=schedule.retry)
        _note_code(engine, run_id, row, spec, clock.now())
        result = execute(spec, row["params"], settings=settings, engine=engine, clock=clock,
                         trigger=Trigger(kind=row["trigger"], schedule=name,
                                         fire_time=as_utc(row["fire_time"]),
                                         queued_run_id=run_id),
                         timeout=schedule.timeout if schedule else spec.timeout)
    except RecipeNotFound as exc:
        return _refuse(engine, run_id, name, ParkKind.RECIPE_MISSING, "recipe_missing",
                       f"recipe {row['recipe']!r} not found", str(exc), clock)
    except ParameterError as exc:
        return _refuse(engine, run_id, name, ParkKind.PARAMS_REFUSED, "parameters",
                       f"parameters refused by recipe {row['recipe']!r}", str(exc), clock)
    except (Interrupted, KeyboardInterrupt) as exc:
        # Stopped outside the executor's own handling (while opening or closing the run).
        close_run(engine, run_id, RunState.INTERRUPTED, clock.now(), error=str(exc),
                  error_kind="interrupted", run_dir=run_dir)
        return EXIT_FAILED
    return EXIT_OK if result.ok else EXIT_FAILED


def _refuse(engine: sa.Engine, run_id: int, name: str, kind: ParkKind, error_kind: str,
            why: str, detail: str, clock: SystemClock) -> int:
    logger.error("run {} of schedule {}: {}", run_id, name, detail)
    close_run(engine, run_id, RunState.FAILED, clock.now(), error=detail, error_kind=error_kind)
    park(engine, name, kind, f"{why} (run {run_id})", clock.now())
    return EXIT_REFUSED


def _note_code(engine: sa.Engine, run_id: int, row: dict[str, Any], spec: RecipeSpec,
               now: Any) -> None:
    """The run records the code that ran, which may differ from that at fire time."""
    code_hash = spec.code_hash()
    if code_hash == row["code_hash"]:
        return
    with engine.begin() as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(code_hash=code_hash))
        audit.append(conn, ts=now, actor=actor(), action="run.code_hash", subject=f"run:{run_id}",
                     data={"before": row["code_hash"], "after": code_hash})


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        sys.stderr.write("usage: python -m bots.scheduler.child RUN_ID\n")
        return EXIT_NOT_CLAIMED
    return run_queued(int(argv[0]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
