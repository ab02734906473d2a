"""kill -9 of a keying run mid-batch, then a resumed run: no duplicate, no missing sale."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from keying_support import DemoPortal

from demo.samples.sales import generate_sales, write_sales_workbook
from tests.helpers import ROOT, queue_env, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (read from /proc before the kill, when the tree is intact)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_a_run_killed_mid_batch_and_resumed_keys_every_sale_exactly_once(
        keying_env: dict[str, str], demo_portal_factory, tmp_path: Path) -> None:
    portal: DemoPortal = demo_portal_factory(latency_ms=40)
    env = {**keying_env, "RPA_PORTAL__URL": portal.url, **queue_env(sales={"lease_seconds": 3})}
    count = 30
    workbook = write_sales_workbook(tmp_path / "sales.xlsx", count=count, seed=21, invalid=2)
    expected = generate_sales(count, 21, 2).valid_external_ids
    args = ["run", "key_sales", "-p", f"workbook={workbook}"]

    process = subprocess.Popen([sys.executable, str(ROOT / "runner.py"), *args],
                               env={**os.environ, **env, "RPA_SKIP_SETUP": "1"}, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while portal.count() < 8 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        assert process.poll() is None, "the run ended before it could be killed"
        tree = _descendants(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    keyed_before = portal.count()
    assert 8 <= keyed_before < len(expected)

    # The browser goes with the bot: Playwright's driver sees its pipe close.
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in tree if _alive(pid)], "processes outlived the killed run"

    resumed = run_cli(*args, env=env, cwd=tmp_path, timeout=240)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr

    assert portal.duplicates() == {}
    assert sorted(portal.references()) == sorted(expected)
