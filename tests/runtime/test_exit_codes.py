"""Every command's exit code (README table): refusals, a run leaving items in exception,
the store refusing what is not a store, the toolkit failing, secrets in URLs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import run_cli


def _one_error_line(stderr: str) -> str:
    """The one "error:" line (log lines of a run that did start go to stderr too)."""
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_run_leaving_items_in_system_exception_exits_3(test_recipes: dict[str, str]) -> None:
    left = run_cli("run", "half_broken", env=test_recipes)
    assert left.returncode == 3, left.stdout + left.stderr
    assert "2 item(s) in system exception" in _one_error_line(left.stderr)
    # what an earlier run left is not this run's: its keys exist, it works nothing
    again = run_cli("run", "half_broken", env=test_recipes)
    assert again.returncode == 0, again.stderr


def test_max_exceptions_sets_the_threshold(test_recipes: dict[str, str]) -> None:
    allowed = run_cli("run", "half_broken", "--max-exceptions", "3", env=test_recipes)
    assert allowed.returncode == 0, allowed.stderr
    strict = run_cli("run", "half_broken", "-p", "bad=0", "--max-exceptions", "0",
                     env={**test_recipes, "RPA_DATA_DIR": test_recipes["RPA_DATA_DIR"] + "2"})
    assert strict.returncode == 3  # one business exception, none allowed


def test_a_failed_run_exits_1_and_a_refusal_2(test_recipes: dict[str, str]) -> None:
    assert run_cli("run", "broken", env=test_recipes).returncode == 1
    refused = run_cli("run", "greet", "-p", "times=zero", env=test_recipes)
    assert refused.returncode == 2 and "times" in _one_error_line(refused.stderr)


@pytest.mark.parametrize("content", [b"", b"garbage, not a database\n", "truncated"])
def test_what_is_not_a_store_is_refused_with_one_line(
        test_recipes: dict[str, str], content: bytes | str) -> None:
    data = Path(test_recipes["RPA_DATA_DIR"])
    assert run_cli("run", "greet", env=test_recipes).returncode == 0
    store = data / "store.db"
    with sqlite3.connect(store) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if content == "truncated":
        with store.open("r+b") as handle:
            handle.truncate(store.stat().st_size // 2)
    else:
        store.write_bytes(content)  # type: ignore[arg-type]
    for args in (["runs"], ["audit", "verify"], ["items"], ["run", "greet"]):
        result = run_cli(*args, env=test_recipes)
        assert result.returncode == 5, (args, result.stdout, result.stderr)
        assert str(store) in _one_error_line(result.stderr)
    if content == b"":
        assert store.stat().st_size == 0  # refused, not silently recreated


def test_a_missing_store_is_refused_by_commands_that_do_not_create_one(
        test_recipes: dict[str, str], tmp_path: Path) -> None:
    env = {**test_recipes, "RPA_STORE__URL": f"sqlite:///{tmp_path / 'typo' / 'store.db'}"}
    for args in (["runs"], ["audit", "verify"], ["audit", "checkpoint", str(tmp_path / "c.json")]):
        result = run_cli(*args, env=env)
        assert result.returncode == 5 and "does not exist" in _one_error_line(result.stderr)
    assert not (tmp_path / "typo").exists() and not (tmp_path / "c.json").exists()
    assert run_cli("run", "greet", env=env).returncode == 0  # `run` creates it
    assert run_cli("runs", env=env).returncode == 0


def test_an_unparseable_url_and_an_unreachable_server(test_recipes: dict[str, str]) -> None:
    bad = run_cli("runs", env={**test_recipes, "RPA_STORE__URL": "nonsense:::"})
    assert bad.returncode == 5 and "cannot be parsed" in _one_error_line(bad.stderr)
    url = "postgres://robot:hunter2-secret@127.0.0.1:1/store"
    down = run_cli("runs", env={**test_recipes, "RPA_STORE__URL": url})
    assert down.returncode == 4
    line = _one_error_line(down.stderr)
    assert "127.0.0.1" in line and "hunter2-secret" not in line and "robot:***@" in line


def test_bad_settings_are_refused_with_2(test_recipes: dict[str, str]) -> None:
    result = run_cli("config", env={**test_recipes, "RPA_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert "Mars/Olympus" in _one_error_line(result.stderr)


def test_a_toolkit_failure_is_one_line_and_the_traceback_goes_to_the_log(
        test_recipes: dict[str, str]) -> None:
    assert run_cli("run", "greet", env=test_recipes).returncode == 0
    store = Path(test_recipes["RPA_DATA_DIR"]) / "store.db"
    with sqlite3.connect(store) as conn:  # a store damaged behind the toolkit's back
        conn.execute("DROP TABLE steps")
    result = run_cli("show", "1", env=test_recipes)
    assert result.returncode == 4, result.stderr
    line = _one_error_line(result.stderr)
    assert "the store failed" in line and "toolkit.log" in line and "steps" in line
    log = Path(test_recipes["RPA_DATA_DIR"]) / "logs" / "toolkit.log"
    assert "Traceback" in log.read_text()


@pytest.mark.postgres
def test_postgres_urls_are_accepted(test_recipes: dict[str, str], pg_url: str) -> None:
    short = pg_url.replace("postgresql+psycopg://", "postgres://")
    env = {**test_recipes, "RPA_STORE__URL": short}
    assert run_cli("run", "greet", env=env).returncode == 0
    listed = run_cli("runs", "--json", env=env)
    assert listed.returncode == 0 and json.loads(listed.stdout)["recipe"] == "greet"


def test_config_masks_every_url_credential(test_recipes: dict[str, str]) -> None:
    env = {**test_recipes,
           "RPA_STORE__URL": "postgresql://user:PASSWORD1@db.example/rpa",
           "RPA_PORTAL__URL": "https://bot:PORTALPW@portal.example/app?token=TOKEN1",
           "RPA_NOTIFY__WEBHOOK_URL": "https://hooks.example/services/T0/B0/HOOKSECRET",
           "COLUMNS": "300"}
    shown = run_cli("config", env=env)
    assert shown.returncode == 0, shown.stderr
    for secret in ("PASSWORD1", "PORTALPW", "TOKEN1", "HOOKSECRET"):
        assert secret not in shown.stdout
    assert "user:***@db.example" in shown.stdout and "hooks.example/***" in shown.stdout
