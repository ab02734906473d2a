"""Runs end to end: recorded, listed, shown; failures by kind; retries; time limits."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bots import FrozenClock, RunState, execute
from bots.store import open_store
from bots.store.schema import runs, steps
from tests.helpers import run_cli


def test_recipe_succeeds_and_is_listed_and_shown(test_recipes: dict[str, str]) -> None:
    done = run_cli("run", "greet", "-p", "who=Ana", "-p", "times=2", env=test_recipes)
    assert done.returncode == 0, done.stderr + done.stdout
    listed = run_cli("runs", "--json", env=test_recipes)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["recipe"], r["state"]) for r in rows] == [("greet", "succeeded")]
    assert rows[0]["summary"] == {"greeted": "Ana", "times": 2}
    shown = run_cli("show", str(rows[0]["id"]), env=test_recipes)
    assert shown.returncode == 0
    assert "greet" in shown.stdout and "succeeded" in shown.stdout
    assert "greeting.txt" in shown.stdout  # the artifact with its hash
    assert "hello Ana" in shown.stdout  # the log tail


def test_model_parameters_and_artifact_hash(test_recipes: dict[str, str]) -> None:
    result = execute("total", {"amount": "12"})
    assert result.state == RunState.SUCCEEDED and result.summary == {"amount": 12, "label": "x"}
    greet = execute("greet", {"who": "Bo"})
    with open_store().connect() as conn:
        row = conn.execute(sa.text("select path, size, sha256 from artifacts")).one()
    assert row.path.endswith("greeting.txt") and row.size == len("hello Bo\n")
    assert greet.ok


def test_failing_recipe_is_recorded_with_its_traceback(test_recipes: dict[str, str]) -> None:
    result = execute("broken")
    assert result.state == RunState.FAILED
    with open_store().connect() as conn:
        run = conn.execute(sa.select(runs)).one()
        step = conn.execute(sa.select(steps)).one()
    assert run.error_kind == "system"
    assert "Traceback" in run.error and "KeyError: 'no such column'" in run.error
    assert step.outcome == "failed" and "KeyError" in step.error
    cli = run_cli("run", "broken", env=test_recipes)
    assert cli.returncode == 1


def test_business_error_is_not_retried(test_recipes: dict[str, str]) -> None:
    clock = FrozenClock()
    result = execute("bad_data", clock=clock)
    assert result.state == RunState.FAILED
    assert clock.slept == []
    with open_store().connect() as conn:
        run = conn.execute(sa.select(runs)).one()
    assert run.error_kind == "business" and run.attempts == 1


def test_system_error_is_retried_with_back_off(test_recipes: dict[str, str]) -> None:
    clock = FrozenClock()
    result = execute("flaky", clock=clock)
    assert result.state == RunState.FAILED
    assert clock.slept == [1.0, 2.0, 4.0]  # 4 attempts, exponential back-off between
    with open_store().connect() as conn:
        run = conn.execute(sa.select(runs)).one()
    assert run.attempts == 4 and run.error_kind == "system"


def test_bad_parameter_exits_2_and_writes_no_run(test_recipes: dict[str, str]) -> None:
    refused = run_cli("run", "greet", "-p", "times=zero", env=test_recipes)
    assert refused.returncode == 2
    assert "times" in refused.stderr and "integer" in refused.stderr
    unknown = run_cli("run", "greet", "-p", "colour=red", env=test_recipes)
    assert unknown.returncode == 2 and "colour" in unknown.stderr
    assert run_cli("run", "no_such_recipe", env=test_recipes).returncode == 2
    assert run_cli("runs", "--json", env=test_recipes).stdout.strip() == ""


def test_run_level_timeout(test_recipes: dict[str, str]) -> None:
    result = execute("hangs")
    assert result.state == RunState.TIMED_OUT
    assert "time limit of 1 s" in (result.error or "")
