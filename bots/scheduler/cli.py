"""The scheduler's commands, added to the toolkit's typer app by `register(app)`:

    schedule                  run the scheduler (timer, workers, housekeeping) until SIGTERM
    schedules [--sync]        each schedule with its status and next fire times
    pause NAME / resume NAME  stop and restart firing (resume also lifts a park)
    trigger NAME              run now, unless a run of it is already waiting
    run-queued RUN_ID         (hidden) execute one claimed run: what worker children run
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.table import Table

from bots.cli_common import console, err_console, fail, print_json_lines
from bots.clock import SystemClock, as_utc
from bots.errors import RpaError
from bots.executor import load_recipes
from bots.exit_codes import run_exit_code
from bots.records import RunState
from bots.registry import all_recipes
from bots.scheduler import state as states
from bots.scheduler.child import run_queued
from bots.scheduler.claims import claim_next
from bots.scheduler.firing import trigger_now
from bots.scheduler.notices import Notifier
from bots.scheduler.parking import code_hash, reconcile
from bots.scheduler.supervise import Supervisor
from bots.scheduler.sync import sync_dir
from bots.scheduler.triggers import CronTrigger, zone
from bots.settings import PROJECT_ROOT, get_settings
from bots.store import existing_store, open_store, reading
from bots.store.schema import runs

DEFAULT_DIR = PROJECT_ROOT / "schedules"
DirOption = Annotated[Path, typer.Option("--dir", envvar="RPA_SCHEDULES_DIR",
                                         help="folder of schedule TOML files")]



@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT while inside; the old handlers come back after."""
    stop = threading.Event()

    def handler(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def schedule(
    directory: DirOption = DEFAULT_DIR,
    sync_files: Annotated[bool, typer.Option("--sync/--no-sync",
                                             help="apply the TOML files to the store")] = True,
    fire: Annotated[bool, typer.Option("--fire/--no-fire",
                                       help="--no-fire: only execute queued runs, as extra "
                                            "workers beside the schedulers")] = True,
    workers: Annotated[int, typer.Option(help="runs executed at once by this process "
                                              "(0: fire only)")] = 1,
    drain: Annotated[float, typer.Option(help="on SIGTERM, seconds runs may take to end")] = 30.0,
    poll: Annotated[float, typer.Option(help="seconds between looks for changes")] = 1.0,
    housekeeping_every: Annotated[float, typer.Option(help="seconds between housekeeping "
                                                           "rounds")] = 5.0,
) -> None:
    """Run the scheduler until SIGTERM: fire schedules, execute their runs, keep house."""
    # imported here: APScheduler is only needed by this command
    from bots.scheduler.service import SchedulerService, ServiceOptions

    try:
        options = ServiceOptions(schedules_dir=directory if sync_files else None, fire=fire,
                                 workers=workers, poll=poll,
                                 housekeeping_every=housekeeping_every, drain=drain)
        with _stop_on_signals() as stop:
            SchedulerService(get_settings(), options).run(stop)
    except RpaError as exc:
        raise fail(exc) from None
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def schedules(
    directory: DirOption = DEFAULT_DIR,
    sync_files: Annotated[bool, typer.Option("--sync", help="apply the TOML files first")] = False,
    count: Annotated[int, typer.Option("--next", min=0, help="fire times to show")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """Each schedule: recipe, trigger, status (active, paused, parked, disabled), next fire
    times and the last run."""
    settings, engine = get_settings(), (open_store() if sync_files else existing_store())
    now = SystemClock().now()
    if sync_files:
        load_recipes(settings)  # a fresh registry: parks for a missing recipe may lift
        try:
            report = sync_dir(engine, directory, default_timezone=settings.timezone, now=now,
                              known_recipes={spec.name for spec in all_recipes()})
        except RpaError as exc:
            raise fail(exc) from None
        console.print(report.describe(), highlight=False)
        reconcile(engine, Notifier(settings.notify), now, unpark=True)
    rows = [_listing(item, engine, now, count) for item in states.load_all(engine).values()]
    if as_json:
        print_json_lines(rows)
        return
    table = Table("schedule", "recipe", "trigger", "status", "next fire times", "last run")
    for row in rows:
        status = row["status"] + (f"\n{row['parked_reason']}" if row["parked_reason"] else "")
        last = f"{row['last_run']['id']} {row['last_run']['state']}" if row["last_run"] else ""
        table.add_row(row["name"], row["recipe"], row["trigger"], status,
                      "\n".join(row["next_local"]) or _no_next(row["status"]), last)
    console.print(table)


def _no_next(status: str) -> str:
    return "none (disabled)" if status == states.Status.DISABLED.value else "never"


def _listing(item: states.StoredSchedule, engine: sa.Engine, now: datetime,
             count: int) -> dict[str, Any]:
    trigger = item.schedule.trigger
    shown_zone = zone(trigger.timezone if isinstance(trigger, CronTrigger)
                      else get_settings().timezone)
    upcoming: list[datetime] = []
    # A disabled schedule never fires (a paused one shows when it would, once resumed).
    for fire_time in (trigger.iter_after(max(now, item.since))
                      if item.status is not states.Status.DISABLED else ()):
        if len(upcoming) >= count:
            break
        upcoming.append(fire_time)
    with reading(engine) as conn:
        last = conn.execute(sa.select(runs.c.id, runs.c.state).where(
            runs.c.schedule == item.name).order_by(runs.c.id.desc()).limit(1)).first()
    return {"name": item.name, "recipe": item.schedule.recipe, "trigger": trigger.describe(),
            "status": item.status.value, "parked_reason": item.parked_reason,
            "since": as_utc(item.since), "source": item.source,
            "next": upcoming,
            "next_local": [t.astimezone(shown_zone).strftime("%a %Y-%m-%d %H:%M:%S %Z")
                           for t in upcoming],
            "last_run": {"id": last.id, "state": last.state} if last else None}


def pause(name: Annotated[str, typer.Argument(help="schedule name")]) -> None:
    """Stop firing a schedule (runs already queued still run)."""
    try:
        changed = states.pause(existing_store(), name, SystemClock().now())
    except RpaError as exc:
        raise fail(exc) from None
    console.print(f"{name} paused" if changed else f"{name} was already paused", highlight=False)


def resume(name: Annotated[str, typer.Argument(help="schedule name")]) -> None:
    """Fire a paused or parked schedule again, from now on (the gap is not missed)."""
    try:
        changed = states.resume(existing_store(), name, SystemClock().now())
    except RpaError as exc:
        raise fail(exc) from None
    console.print(f"{name} resumed" if changed else f"{name} was not paused or parked",
                  highlight=False)


def trigger(
    name: Annotated[str, typer.Argument(help="schedule name")],
    wait: Annotated[bool, typer.Option("--wait/--no-wait",
                                       help="run it here and wait, or leave it to a "
                                            "scheduler's workers")] = True,
) -> None:
    """Run a schedule's recipe now, unless a run of it is already waiting."""
    settings, engine, clock = get_settings(), existing_store(), SystemClock()
    try:
        stored = states.load_one(engine, name)
    except RpaError as exc:
        raise fail(exc) from None
    load_recipes(settings)
    run_id, created = trigger_now(engine, stored.schedule, clock.now(),
                                  code_hash=code_hash(stored.schedule.recipe))
    if not created:
        console.print(f"run {run_id} of {name} is already waiting; not adding another",
                      highlight=False)
        return
    console.print(f"queued run {run_id} of {name}", highlight=False)
    if not wait:
        return
    claimed = claim_next(engine, clock.now(), run_id=run_id)
    if claimed is None:
        console.print(f"run {run_id} waits: {name} runs at most {stored.schedule.max_concurrent}"
                      " at once, or a scheduler worker took it", highlight=False)
        return
    with _stop_on_signals() as stop:
        supervisor = Supervisor(engine, settings, clock=clock,
                                notifier=Notifier(settings.notify), stop=stop)
        outcome = supervisor.run(claimed)
    ok = outcome.state in (RunState.SUCCEEDED, RunState.SUCCEEDED_WITH_EXCEPTIONS)
    colour = "green" if ok else "red"
    console.print(f"run {run_id} [{colour}]{outcome.state}[/{colour}]", highlight=False)
    console.print(f"details: runner.py show {run_id}", style="dim", highlight=False)
    code, _ = run_exit_code(engine, run_id, ok)  # 3: it left items in system exception
    raise typer.Exit(int(code))


def run_queued_command(run_id: Annotated[int, typer.Argument(help="a claimed run's id")]) -> None:
    """Execute one claimed scheduled run in this process (what worker children do)."""
    raise typer.Exit(run_queued(run_id))


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
    app.command("schedules")(schedules)
    app.command("pause")(pause)
    app.command("resume")(resume)
    app.command("trigger")(trigger)
    app.command("run-queued", hidden=True)(run_queued_command)
