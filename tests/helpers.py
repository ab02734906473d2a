"""Helpers for tests: the command line in a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`runner.py ARGS` in a real process with the test's environment."""
    full_env = {**os.environ, **(env or {}), "RPA_SKIP_SETUP": "1"}
    return subprocess.run(
        [sys.executable, str(ROOT / "runner.py"), *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=cwd,
    )


def queue_env(**queues: dict[str, float]) -> dict[str, str]:
    """`RPA_QUEUES` for an operator's change of queue policies (`sales={"lease_seconds": 3}`)."""
    return {"RPA_QUEUES": json.dumps(queues)}


def pid_alive(pid: int) -> bool:
    """True while the process runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def sigterm_worker_midway(queue: str, env: dict[str, str], started: Callable[[], bool],
                          cwd: Path, limit: float = 90) -> tuple[int, float, str]:
    """Start `runner.py worker --queue QUEUE`, wait until `started()`, send one SIGTERM;
    (exit code, seconds from the signal to the exit, output)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "runner.py"), "worker", "--queue", queue],
        env={**os.environ, **env, "RPA_SKIP_SETUP": "1"}, cwd=cwd, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not started() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, "the worker ended before it was signalled"
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        output, _ = process.communicate(timeout=limit)
        return process.returncode, time.monotonic() - signalled, output
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
