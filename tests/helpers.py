"""Helpers for tests: the command line in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
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
