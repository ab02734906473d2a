"""A streamed pass over inputs bigger than its memory setting: peak memory stays bounded
(measured in a child process) and the result is the in-memory result, to the cent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = 400_000
MEMORY_MB = 16

# Each run happens in a fresh interpreter so that its peak is its own: the peak is reset
# after the imports (/proc/self/clear_refs) and read back from VmHWM at the end.
PROBE = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bots.reconcile import AmountTolerance, MatchRule, RuleSet, SideRoles, reconcile
from bots.reconcile.stream import MemoryBudget, reconcile_streams
from connectors.recon_report import LineFormat, LinesFile, line_money
from connectors.sheets import Column, ColumnType, SheetSchema, load_sheet
from connectors.sheets.columnar import stream_table

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024

mode, folder = sys.argv[2], Path(sys.argv[3])
rules = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(MatchRule(
    "invoice", ("invoice",), ("invoice",), amount=AmountTolerance.of("0.01"), breaks=True),))
schema = SheetSchema(columns=(Column("invoice"), Column("date", ColumnType.DATE),
                              Column("amount", ColumnType.MONEY)), number_style="point")
Path("/proc/self/clear_refs").write_text("5")
base = status("VmRSS:")
if mode == "streamed":
    budget = MemoryBudget(int(sys.argv[4]))
    with LinesFile(folder / "lines.parquet", LineFormat.PARQUET, money=line_money(rules),
                   scale=2) as lines:
        result = reconcile_streams(stream_table(folder / "ledger.csv", schema, budget),
                                   stream_table(folder / "bank.csv", schema, budget), rules,
                                   budget=budget, lines=lines, workdir=folder)
    extra = {"partitions": result.partitions, "lines": lines.rows}
else:
    result = reconcile(load_sheet(folder / "ledger.csv", schema).frame,
                       load_sheet(folder / "bank.csv", schema).frame, rules)
    extra = {"lines": len(result.lines())}
peak = status("VmHWM:") - base
print(json.dumps({"peak_mb": peak / 2**20, "counts": result.counts(),
                  "summary": result.summary().to_dict("records"), **extra}))
"""


def _write(folder: Path) -> None:
    rng = np.random.default_rng(18)
    keys = np.char.add("INV-", np.char.zfill(np.arange(ROWS).astype(str), 8))
    cents = rng.integers(100, 10**8, ROWS)
    moved = cents + np.where(rng.random(ROWS) < 0.05, rng.choice([-1, 1, 7], ROWS), 0)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, ROWS), unit="D")
    order = rng.permutation(ROWS)[: ROWS - 500]  # the bank misses some, shuffled
    for name, frame in (
            ("ledger", pd.DataFrame({"invoice": keys, "date": days, "amount": cents})),
            ("bank", pd.DataFrame({"invoice": keys[order], "date": days[order],
                                   "amount": moved[order]}))):
        frame = frame.assign(amount=[f"{c // 100}.{c % 100:02d}" for c in frame["amount"]])
        frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")


def _probe(mode: str, folder: Path, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT), mode, str(folder), *extra],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_inputs_bigger_than_the_memory_setting_stream_within_it_exactly(tmp_path):
    _write(tmp_path)
    inputs_mb = sum((tmp_path / f"{n}.csv").stat().st_size for n in ("ledger", "bank")) / 2**20
    assert inputs_mb > MEMORY_MB  # the files alone would not fit the setting
    streamed = _probe("streamed", tmp_path, str(MEMORY_MB))
    whole = _probe("whole", tmp_path)
    assert streamed["counts"] == whole["counts"]
    assert streamed["summary"] == whole["summary"]
    assert streamed["lines"] == whole["lines"]
    assert streamed["counts"]["ledger_matched_tolerance"] > 0
    assert streamed["counts"]["ledger_missing_right"] == 500
    assert streamed["partitions"] > 1
    # the whole-file path holds every cell at once; the streamed one a batch and a partition
    assert streamed["peak_mb"] < whole["peak_mb"] / 3, (streamed, whole)
    assert streamed["peak_mb"] < 8 * MEMORY_MB, streamed
    assert (tmp_path / "lines.parquet").is_file()
