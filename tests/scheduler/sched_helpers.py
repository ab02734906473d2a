"""Helpers for the scheduler tests: the CLI in real processes, bounded waits, rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from bots.store.schema import audit_events, runs

LAUNCHER = Path(__file__).resolve().parent / "launcher.py"
T = TypeVar("T")


def cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`runner.py ARGS` (with the scheduler commands) in a real process."""
    full_env = {**os.environ, **env, "RPA_SKIP_SETUP": "1"}
    return subprocess.run([sys.executable, str(LAUNCHER), *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout)


def start_scheduler(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, **env, "RPA_SKIP_SETUP": "1"}
    handle = log.open("ab")
    return subprocess.Popen([sys.executable, str(LAUNCHER), "schedule", *args], env=full_env,
                            stdout=handle, stderr=subprocess.STDOUT)


def stop(*processes: subprocess.Popen[bytes], timeout: float = 90) -> list[int]:
    """SIGTERM to all at once, then their exit codes (bounded wait)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    return [process.wait(timeout=timeout) for process in processes]


def wait_for(check: Callable[[], T], *, timeout: float = 60, what: str = "condition",
             every: float = 0.2) -> T:
    """Poll until `check()` is truthy (bounded); its value, or AssertionError naming it."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)


def run_rows(engine: sa.Engine, schedule: str | None = None) -> list[Any]:
    query = sa.select(runs).order_by(runs.c.id)
    if schedule is not None:
        query = query.where(runs.c.schedule == schedule)
    with engine.connect() as conn:
        return list(conn.execute(query))


def audit_rows(engine: sa.Engine, action: str | None = None) -> list[Any]:
    query = sa.select(audit_events).order_by(audit_events.c.id)
    if action is not None:
        query = query.where(audit_events.c.action == action)
    with engine.connect() as conn:
        return list(conn.execute(query))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); look at its state
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


def install(engine: sa.Engine, now: Any, **entry: Any) -> Any:
    """Sync one schedule (defaults: recipe sched_ok) into the store; its stored form."""
    from bots.scheduler.loading import LoadedSchedule, schedule_from_dict
    from bots.scheduler.state import load_one
    from bots.scheduler.sync import sync

    raw = {"recipe": "sched_ok", **entry}
    schedule = schedule_from_dict(raw, default_timezone="Europe/Madrid")
    sync(engine, [LoadedSchedule(schedule, "test.toml")], now)
    return load_one(engine, schedule.name)


def invoke(*args: str) -> Any:
    """The scheduler's commands in this process (typer's CliRunner): for the commands
    whose behaviour does not depend on being a separate process."""
    import typer
    from typer.testing import CliRunner

    from bots.scheduler.cli import register

    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, list(args))


class Sent:
    """A stand-in for bots.notify.deliver that keeps the notices it was given."""

    def __init__(self) -> None:
        self.notices: list[Any] = []

    def __call__(self, notice: Any, *_args: Any, **_kwargs: Any) -> list[str]:
        self.notices.append(notice)
        return ["test"]


def supervise_one(run_id: int, sender: Callable[..., list[str]]) -> str:
    """Claim one queued run and execute it in a real child process, as a worker does."""
    import threading

    from bots.clock import SystemClock
    from bots.scheduler.claims import claim_next
    from bots.scheduler.notices import Notifier
    from bots.scheduler.supervise import Supervisor
    from bots.settings import get_settings
    from bots.store import open_store

    engine, settings = open_store(), get_settings()
    claimed = claim_next(engine, SystemClock().now(), run_id=run_id)
    assert claimed is not None, f"run {run_id} could not be claimed"
    supervisor = Supervisor(engine, settings, clock=SystemClock(),
                            notifier=Notifier(settings.notify, sender=sender),
                            stop=threading.Event())
    return str(supervisor.run(claimed).state)
