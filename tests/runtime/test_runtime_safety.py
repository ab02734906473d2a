"""Secrets never reach the disk; a killed run leaves a readable log and an unfinished record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import ROOT, run_cli

SECRET = "Sup3r-Secr3t-Pa55"


def test_secret_appears_in_no_file_under_the_data_folder(test_recipes: dict[str, str]) -> None:
    env = {**test_recipes, "RPA_PORTAL__PASSWORD": SECRET}
    result = run_cli("run", "leaky", env=env)
    assert result.returncode == 1
    assert SECRET not in result.stdout + result.stderr
    assert "***" in result.stderr  # it was logged, masked
    data = Path(env["RPA_DATA_DIR"])
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.name == "run.log.jsonl" for p in files) and any(p.suffix == ".db" for p in files)
    for needle in (SECRET, "tok-9f8e7d6c5b4a"):
        for path in files:
            assert needle.encode() not in path.read_bytes(), f"{needle} leaked into {path}"
    shown = run_cli("show", "1", env=env)
    assert "login failed for password=*** token=***" in shown.stdout


def test_killed_run_leaves_valid_log_and_unfinished_record(test_recipes: dict[str, str]) -> None:
    env = {**os.environ, **test_recipes, "RPA_SKIP_SETUP": "1"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "runner.py"), "run", "sleepy"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = Path(test_recipes["RPA_DATA_DIR"]) / "runs" / "1" / "run.log.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not log.exists() or log.read_text().count("tick") < 5):
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    lines = log.read_text().splitlines()
    assert len(lines) >= 5
    entries = [json.loads(line) for line in lines]  # every line is whole JSON
    assert all(e["run_id"] == 1 and e["recipe"] == "sleepy" for e in entries)
    listed = run_cli("runs", "--json", env=test_recipes)
    row = json.loads(listed.stdout.splitlines()[0])
    assert row["state"] == "running" and row["ended_at"] is None
    assert "not finished" in row["shown_state"]


def test_url_credentials_are_masked_in_logs_errors_records_and_reports(
        test_recipes: dict[str, str]) -> None:
    result = run_cli("run", "url_leaky", env=test_recipes)
    assert result.returncode == 1
    shown = run_cli("show", "1", env=test_recipes)
    report = Path(test_recipes["RPA_DATA_DIR"]) / "report.html"
    assert run_cli("report", "html", "--out", str(report), env=test_recipes).returncode == 0
    data = Path(test_recipes["RPA_DATA_DIR"])
    files = [p for p in data.rglob("*") if p.is_file()]
    assert report in files and any(p.name == "run.log.jsonl" for p in files)
    for needle in ("PW-in-url-77", "TK-in-url-88", "DB-pw-99"):
        assert needle not in result.stdout + result.stderr + shown.stdout
        for path in files:
            assert needle.encode() not in path.read_bytes(), f"{needle} leaked into {path}"
    assert "clerk:***@portal.example" in shown.stdout
