"""The benchmark script runs end to end on small sizes and the engine is never wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "reconcile.py"


@pytest.mark.slow
def test_benchmark_smoke_run():
    # a fresh interpreter: the script forks its measured runs, and polars' threads, once
    # started in this (pytest's) process, would not survive into a forked polars run
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--keyed-rows", "3000", "--nokey-rows", "3000",
         "--xlsx-rows", "400", "--stream-rows", "3000", "--stream-memory-mb", "16",
         "--cases", "keyed,nokey,xlsx,stream"],
        capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for case in ("keyed", "nokey", "xlsx", "stream"):
        assert report[case]["engine"]["wrong_rows"] == 0
        assert report[case]["engine"]["seconds"] > 0 and report[case]["engine"]["peak_mb"] >= 0
    assert report["nokey"]["engine"]["ambiguous_rows"] > 0  # ties are reported, not picked
    assert report["keyed"]["pandas_merge_cents"]["wrong_rows"] == 0
