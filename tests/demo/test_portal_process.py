"""The portal as a process (`python -m demo.portal`), and its independence from the toolkit."""

from __future__ import annotations

import ast
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "demo"
TOOLKIT = {"bots", "connectors", "recipes", "runner"}


def test_cli_serves_until_sigterm(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "demo.portal", "--port", "0", "--db", str(tmp_path / "p.sqlite"),
         "--invoices", "3", "--latency-ms", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=DEMO.parent)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/login", timeout=10) as reply:
            assert reply.status == 200 and b'id="login-form"' in reply.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_refuses_bad_values(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo.portal", "--db", str(tmp_path / "p.sqlite"),
         "--slow-rate", "3"], capture_output=True, text=True, cwd=DEMO.parent, timeout=30)
    assert result.returncode == 2 and "slow_rate" in result.stderr


def test_demo_imports_nothing_from_the_toolkit() -> None:
    offenders = []
    for path in DEMO.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] in TOOLKIT]
    assert offenders == []
