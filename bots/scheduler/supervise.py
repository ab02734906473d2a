"""A claimed run in a child process, watched: killed at its time limit, stopped when the
scheduler shuts down, closed if it died without a word; then notices and parking.

The child gets the schedule's timeout as its own run time limit, so a recipe that
Python can interrupt ends `timed_out` by itself with its log and evidence hashed. The
supervisor kills the child's whole process group a little later (`kill_after`), for
recipes stuck where no signal handler runs, and records `timed_out` itself. Whoever is
first closes the run (compare-and-set), so it is closed once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine

from bots.clock import Clock
from bots.notify import Notice
from bots.records import RunState
from bots.scheduler.claims import ClaimedRun, close_run, run_row
from bots.scheduler.durations import format_duration
from bots.scheduler.firing import SCHEDULE_TRIGGER
from bots.scheduler.notices import Notifier
from bots.scheduler.state import ParkKind, UnknownSchedule, load_one, park
from bots.settings import Settings
from bots.store import reading
from bots.store.schema import runs

POLL_SECONDS = 0.2
FAILURES = (RunState.FAILED, RunState.TIMED_OUT)
OUTCOMES = (*FAILURES, RunState.SUCCEEDED, RunState.SUCCEEDED_WITH_EXCEPTIONS)


def kill_after(timeout: timedelta) -> float:
    """Seconds after which the supervisor kills: the timeout plus up to 5 s for the
    child's own alarm to record the outcome first."""
    seconds = timeout.total_seconds()
    return seconds + min(5.0, seconds / 2)


def child_command(run_id: int) -> list[str]:
    return [sys.executable, "-m", "bots.scheduler.child", str(run_id)]


@dataclass(frozen=True)
class Outcome:
    run_id: int
    state: str
    exit_code: int | None


class Supervisor:
    def __init__(self, engine: Engine, settings: Settings, *, clock: Clock, notifier: Notifier,
                 stop: threading.Event, term_grace: float = 5.0) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock
        self.notifier, self.stop, self.term_grace = notifier, stop, term_grace

    def run(self, claimed: ClaimedRun) -> Outcome:
        out_path = self.settings.data_dir / "scheduler" / f"run-{claimed.id}.out"
        out_path.parent.mkdir(parents=True, exist_ok=True)
        timeout = claimed.schedule.timeout
        with out_path.open("ab") as out:
            try:
                process = subprocess.Popen(
                    child_command(claimed.id), stdout=out, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, env={**os.environ, "RPA_SKIP_SETUP": "1"},
                    start_new_session=True)  # its own process group: killed as a whole
            except OSError as exc:
                close_run(self.engine, claimed.id, RunState.FAILED, self.clock.now(),
                          error=f"could not start the run's process: {exc}", error_kind="system")
                return Outcome(claimed.id, RunState.FAILED, None)
            logger.info("run {} of {} started in process {}", claimed.id, claimed.schedule.name,
                        process.pid)
            ended_by = self._watch(process, time.monotonic() + kill_after(timeout))
            _signal_group(process.pid, signal.SIGKILL)  # whatever the recipe left behind
        state = self._close(claimed, process.returncode, ended_by, out_path)
        logger.info("run {} of {} ended {}", claimed.id, claimed.schedule.name, state)
        self.after(claimed, state)
        return Outcome(claimed.id, state, process.returncode)

    def _watch(self, process: subprocess.Popen[bytes], kill_at: float) -> str | None:
        while True:
            try:
                process.wait(timeout=POLL_SECONDS)
                return None
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() >= kill_at:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
                return "timeout"
            if self.stop.is_set():
                # SIGTERM first: the child's executor records `interrupted` with evidence.
                _signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=self.term_grace)
                except subprocess.TimeoutExpired:
                    _signal_group(process.pid, signal.SIGKILL)
                    process.wait()
                return "stop"

    def _close(self, claimed: ClaimedRun, code: int | None, ended_by: str | None,
               out_path: Path) -> str:
        now, run_dir = self.clock.now(), self.settings.runs_dir / str(claimed.id)
        if ended_by == "timeout":
            limit = format_duration(claimed.schedule.timeout)
            close_run(self.engine, claimed.id, RunState.TIMED_OUT, now, run_dir=run_dir,
                      error_kind="timeout",
                      error=f"killed at its time limit of {limit}: the recipe did not stop")
        elif ended_by == "stop":
            close_run(self.engine, claimed.id, RunState.INTERRUPTED, now, run_dir=run_dir,
                      error_kind="interrupted",
                      error="stopped: the scheduler shut down and its drain period ran out")
        else:
            close_run(self.engine, claimed.id, RunState.FAILED, now, run_dir=run_dir,
                      error_kind="system",
                      error=f"the run's process exited with code {code} without recording "
                            f"an outcome; its output is in {out_path}")
        row = run_row(self.engine, claimed.id)
        return str(row["state"]) if row else RunState.FAILED

    def after(self, claimed: ClaimedRun, state: str) -> None:
        """Park after too many failures in a row; send the notices asked for."""
        schedule = claimed.schedule
        if state in FAILURES:
            self._maybe_park(claimed)
        if claimed.trigger == SCHEDULE_TRIGGER and state != RunState.SUCCEEDED:
            row = run_row(self.engine, claimed.id) or {}
            error = (row.get("error") or "").strip().splitlines()
            self.notifier.send(Notice(
                state, schedule.name, f"run {claimed.id} of schedule {schedule.name} "
                f"(recipe {schedule.recipe}) ended {state}", run_id=claimed.id,
                detail=error[-1] if error else "", at=self.clock.now()), schedule.notify)

    def _maybe_park(self, claimed: ClaimedRun) -> None:
        try:
            stored = load_one(self.engine, claimed.schedule.name)
        except UnknownSchedule:
            return
        limit = stored.schedule.park_after
        query = (sa.select(runs.c.state).where(
            runs.c.schedule == stored.name, runs.c.state.in_(OUTCOMES),
            runs.c.ended_at > stored.since)
            .order_by(runs.c.ended_at.desc(), runs.c.id.desc()).limit(limit))
        with reading(self.engine) as conn:
            recent = list(conn.execute(query).scalars())
        if len(recent) < limit or any(state not in FAILURES for state in recent):
            return
        reason = f"{limit} runs in a row failed or timed out (the last: run {claimed.id})"
        now = self.clock.now()
        if park(self.engine, stored.name, ParkKind.FAILURES, reason, now):
            logger.warning("schedule {} parked: {}", stored.name, reason)
            self.notifier.send(Notice("parked", stored.name, f"schedule {stored.name} parked: "
                                      f"{reason}", run_id=claimed.id, at=now),
                               stored.schedule.notify)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already

