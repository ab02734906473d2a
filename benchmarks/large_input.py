"""Large input benchmark: a 1,000,000-row sales CSV through key_sales' read and queue.

    .venv/bin/python benchmarks/large_input.py               # 1,000,000 rows
    .venv/bin/python benchmarks/large_input.py --rows 200000

key_sales runs as an operator runs it (`runner.py run key_sales -p workbook=... -p
read_only=true`: read, validate every row, queue the valid ones, key nothing) in its own
process, against a fresh SQLite store. Its peak resident memory is the kernel's count for
that process (its VmHWM, read from /proc while it runs). For scale, the same file read by
`pandas.read_csv` in another process (only reading, no validation or queueing) is measured
the same way. The store is then counted: every row must be queued once. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["External ID", "Sale date", "Customer", "Tax ID", "Product", "Quantity", "Amount",
           "Currency", "Payment method", "Channel", "Seller", "Validator", "Consent", "Notes"]
PRODUCTS = ("FIB-300", "FIB-600", "FIB-1G", "MOB-10", "MOB-UNL", "TV-BASIC")


def write_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADERS)
        for n in range(rows):
            out.writerow([f"BIG{n:09d}", f"{1 + n % 28:02d}/{1 + n % 12:02d}/2026",
                          f"Customer {n % 5000}", f"{n % 100000000:08d}Z", PRODUCTS[n % 6],
                          1 + n % 3, f"{10 + n % 990},{n % 100:02d}", "EUR",
                          ("card", "transfer", "cash")[n % 3], ("phone", "web", "store")[n % 3],
                          f"seller.{n % 40}", f"validator.{n % 7}", "Yes" if n % 2 else "No", ""])
    return path


def _peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _child(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak resident MB, output) of one child process: its high-water mark,
    read until it exits (the mark only grows)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=ROOT)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _peak_mb(process.pid) or 0.0)
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise RuntimeError(f"{args[1:4]} exited {process.returncode}: {output[-2000:]}")
    return seconds, peak, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="large-input-"))
    started = time.perf_counter()
    path = write_csv(work / "sales.csv", args.rows)
    size_mb = path.stat().st_size / 2**20
    sys.stdout.write(f"{args.rows:,} rows, {size_mb:.0f} MB written in "
                     f"{time.perf_counter() - started:.1f} s\n")
    env = {**os.environ, "RPA_SKIP_SETUP": "1", "RPA_DATA_DIR": str(work / "data"),
           "RPA_LOG__LEVEL": "INFO"}
    python = sys.executable
    pandas_s, pandas_mb, _ = _child(
        [python, "-c", "import sys, pandas; pandas.read_csv(sys.argv[1], dtype=str)", str(path)],
        env)
    seconds, peak_mb, output = _child(
        [python, str(ROOT / "runner.py"), "run", "key_sales", "-p", f"workbook={path}",
         "-p", "read_only=true"], env)
    with sqlite3.connect(work / "data" / "store.db") as conn:
        queued, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT key) FROM work_items WHERE queue = 'sales'").fetchone()
    locked = output.count("database is locked")
    sys.stdout.write(
        f"pandas.read_csv only        {pandas_s:6.1f} s  peak {pandas_mb:6.0f} MB\n"
        f"key_sales read and queue    {seconds:6.1f} s  peak {peak_mb:6.0f} MB  "
        f"{args.rows / seconds:,.0f} rows/s  queued {queued:,}  'database is locked' {locked}\n")
    sys.stdout.write(json.dumps({
        "rows": args.rows, "file_mb": round(size_mb, 1), "seconds": round(seconds, 1),
        "rows_per_s": round(args.rows / seconds), "peak_rss_mb": round(peak_mb),
        "pandas_read_csv_peak_rss_mb": round(pandas_mb), "queued": queued,
        "distinct_keys": distinct, "database_locked": locked,
        "under_500_mb": peak_mb < 500}) + "\n")


if __name__ == "__main__":
    main()
