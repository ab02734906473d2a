"""The benchmark script runs end to end on small sizes and the engine is never wrong."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "reconcile.py"


@pytest.mark.slow
def test_benchmark_smoke_run(capsys):
    spec = importlib.util.spec_from_file_location("reconcile_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--keyed-rows", "3000", "--nokey-rows", "3000", "--xlsx-rows", "400"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    report = json.loads(last)
    for case in ("keyed", "nokey", "xlsx"):
        assert report[case]["engine"]["wrong_rows"] == 0
        assert report[case]["engine"]["seconds"] > 0 and report[case]["engine"]["peak_mb"] >= 0
    assert report["nokey"]["engine"]["ambiguous_rows"] > 0  # ties are reported, not picked
    assert report["keyed"]["pandas_merge_cents"]["wrong_rows"] == 0
