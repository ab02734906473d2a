"""Scheduled runs in child processes: a hung recipe is killed at its timeout, a renamed
recipe parks its schedule without losing it, repeated failures park, `trigger` adds no
duplicate of a waiting run."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bots.audit import verify
from bots.clock import SystemClock
from bots.records import RunState
from bots.scheduler.claims import run_row
from bots.scheduler.firing import trigger_now
from bots.scheduler.loading import load_dir
from bots.scheduler.state import ParkKind, Status, load_one
from bots.scheduler.sync import sync
from bots.settings import get_settings, reset_settings
from bots.store import open_store
from tests.scheduler.conftest import RECIPES
from tests.scheduler.sched_helpers import (
    Sent,
    audit_rows,
    install,
    invoke,
    pid_alive,
    supervise_one,
    wait_for,
)

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def test_hung_recipe_is_killed_at_its_timeout(sched_env: dict[str, str], tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    install(open_store(), NOW, name="hung", recipe="sched_hang", timeout="4s",
            trigger={"cron": "0 3 * * *"}, params={"pid_file": str(pid_file)})
    done = invoke("trigger", "hung")  # this process supervises; the child is a real process
    assert done.exit_code == 1, done.output
    assert "timed_out" in done.output and "runner.py show 1" in done.output
    row = run_row(open_store(), 1)
    assert row["state"] == RunState.TIMED_OUT and row["error_kind"] == "timeout"
    assert "killed at its time limit of 4s" in row["error"]
    grandchild = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(),
                              what="the recipe's helper pid"))
    wait_for(lambda: not pid_alive(grandchild), what="the whole process group killed")
    (closed,) = audit_rows(open_store(), "run.timed_out")
    assert closed.subject == "run:1" and "run.log.jsonl" in closed.data  # evidence hashed
    assert verify(open_store()).ok


def test_renamed_recipe_parks_the_schedule_and_keeps_it(sched_env: dict[str, str],
                                                        tmp_path: Path,
                                                        schedules_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "own_recipes"
    own.mkdir()
    module = own / "renamable.py"
    source = textwrap.dedent('''
        from bots import Run, recipe

        @recipe
        def sched_renamable(run: Run) -> None:
            """Renamed by the test while its schedule exists."""
    ''')
    module.write_text(source)
    monkeypatch.setenv("RPA_RECIPE_PATHS", json.dumps([str(RECIPES), str(own)]))
    reset_settings()
    toml = schedules_dir / "r.toml"
    toml.write_text('[[schedule]]\nname = "nightly"\nrecipe = "sched_renamable"\n'
                    'trigger = { cron = "0 3 * * *" }\n')
    engine = open_store()
    sync(engine, load_dir(schedules_dir, default_timezone=get_settings().timezone), NOW)
    module.write_text(source.replace("def sched_renamable", "def sched_renamed"))

    # the run (a fresh process) finds the recipe gone: it fails, the schedule parks, kept
    run_id, _ = trigger_now(engine, load_one(engine, "nightly").schedule, SystemClock().now(),
                            code_hash=None)
    assert supervise_one(run_id, Sent()) == RunState.FAILED
    assert run_row(engine, run_id)["error_kind"] == "recipe_missing"
    stored = load_one(engine, "nightly")
    assert stored.status is Status.PARKED and stored.parked_kind is ParkKind.RECIPE_MISSING
    assert "sched_renamable" in stored.parked_reason
    assert stored.schedule.recipe == "sched_renamable"  # not lost, not changed
    listed = json.loads(invoke("schedules", "--json").output)
    assert listed["status"] == "parked" and "not found" in listed["parked_reason"]

    # a sync looks again at the recipe files as they are now: refused (exit 2) while the
    # file names a recipe that does not exist, the schedule still parked, until fixed
    refused = invoke("schedules", "--sync", "--dir", str(schedules_dir))
    assert refused.exit_code == 2 and "no recipe named 'sched_renamable'" in refused.output
    assert load_one(engine, "nightly").status is Status.PARKED
    toml.write_text(toml.read_text().replace("sched_renamable", "sched_renamed"))
    assert invoke("schedules", "--sync", "--dir", str(schedules_dir)).exit_code == 0
    assert load_one(engine, "nightly").status is Status.ACTIVE
    actions = [row.action for row in audit_rows(engine) if row.subject == "schedule:nightly"]
    assert actions == ["schedule.added", "schedule.parked", "schedule.changed",
                       "schedule.unparked"]


def test_failing_runs_park_the_schedule_after_n_in_a_row(sched_env: dict[str, str]) -> None:
    engine = open_store()
    install(engine, NOW, name="flaky", recipe="sched_fail", park_after=2,
            trigger={"cron": "0 3 * * *"})
    sent = Sent()
    for _ in range(2):
        run_id, created = trigger_now(engine, load_one(engine, "flaky").schedule,
                                      SystemClock().now(), code_hash=None)
        assert created
        assert supervise_one(run_id, sent) == RunState.FAILED
    stored = load_one(engine, "flaky")
    assert stored.parked_kind is ParkKind.FAILURES and "2 runs in a row" in stored.parked_reason
    assert [(n.event, n.run_id) for n in sent.notices] == [("parked", 2)]  # manual runs: no
    assert invoke("resume", "flaky").exit_code == 0  # failure notices, the park is noticed
    assert load_one(engine, "flaky").status is Status.ACTIVE


def test_trigger_adds_no_duplicate_of_a_waiting_run(sched_env: dict[str, str]) -> None:
    install(open_store(), NOW, name="once", trigger={"cron": "0 3 * * *"})
    first = invoke("trigger", "once", "--no-wait")
    assert first.exit_code == 0 and "queued run 1" in first.output
    second = invoke("trigger", "once", "--no-wait")
    assert "run 1 of once is already waiting" in second.output
    assert run_row(open_store(), 1)["state"] == RunState.QUEUED
    assert run_row(open_store(), 2) is None
