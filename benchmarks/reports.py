"""Both reports on a generated store: 10,000 runs and 1,000,000 work items by default.

    .venv/bin/python benchmarks/reports.py [--runs N] [--items N] [--keep DIR]

Generates the store with bulk inserts (the driver's executemany, in chunks), then runs
each report in a fresh process so that its peak memory is its own: the HTML run report
(`write_run_report`, default limits) and the productivity recipe over the whole
generated period (every item). Prints a table, then, as the last line, one JSON object.
Targets: each report under 30 s, the HTML file under 10 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START = date(2025, 12, 29)  # a Monday; 13 full weeks up to 2026-03-29
WEEKS = 13
RECIPES = (("key_sales", 55), ("invoice_adjustments", 25), ("reconcile", 12), ("mail_triage", 8))
RUN_STATES = (("succeeded", 80), ("succeeded_with_exceptions", 12), ("failed", 6),
              ("timed_out", 1), ("interrupted", 1))
ITEM_STATES = (("done", 9200), ("business_exception", 400), ("system_exception", 150),
               ("done_by_hand", 50), ("skipped", 50), ("pending", 100), ("in_progress", 50))
REASONS = ("invalid_vat", "customer_unknown", "amount_mismatch", "duplicate_invoice",
           "missing_field", "closed_period", "credit_limit", "=SUM(A1:A9)")
TRACEBACK = ("Traceback (most recent call last):\n  File \"recipes/key_sales.py\", line 88, "
             "in key_one\n    portal.submit(sale)\n  File \"connectors/portal.py\", line 140,"
             " in submit\n    raise ApplicationError('portal answered 503')\n"
             "bots.errors.ApplicationError: portal answered 503\n")
CHUNK = 50_000


def _stamp(moment: datetime) -> str:
    """SQLAlchemy's SQLite spelling of a UTC instant (naive, microseconds always)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in weighted], [w for _, w in weighted])[0]


def _png(size: int) -> bytes:
    """A valid 8x8 PNG padded with zeros to `size` bytes (viewers ignore the tail)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    pixels = zlib.compress(b"".join(b"\x00" + b"\xc8\x1e\x1e" * 8 for _ in range(8)))
    image = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
             + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    return image + b"\0" * max(0, size - len(image))


def generate_store(engine: Any, data_dir: Path, *, runs: int, items: int,
                   seed: int = 7) -> dict[str, int]:
    """Fill an empty, migrated store; returns row counts per table."""
    rng = random.Random(seed)
    first = datetime(START.year, START.month, START.day, 6, tzinfo=UTC)
    span = timedelta(weeks=WEEKS) - timedelta(hours=8)
    run_rows, step_rows, artifact_rows, worked = [], [], [], []
    shots = data_dir / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    small, big = shots / "failure.png", shots / "big-failure.png"
    small.write_bytes(_png(30_000))
    big.write_bytes(_png(900_000))
    for run_id in range(1, runs + 1):
        recipe = _pick(rng, RECIPES)
        state = _pick(rng, RUN_STATES)
        start = first + span * (run_id - 1) / runs
        end = start + timedelta(seconds=rng.randint(60, 3600))
        summary = {"items": rng.randint(50, 400)} if recipe == "reconcile" else {}
        error = TRACEBACK if state in ("failed", "timed_out", "interrupted") else None
        run_rows.append((run_id, recipe, "0" * 64, "{}", "schedule", "bench", 1, "bench", state,
                         _stamp(start), _stamp(start), _stamp(end), _stamp(end), 1, error,
                         "system" if error else None, json.dumps(summary)))
        step = (end - start) / 4
        for n, name in enumerate(("load", "login", "work items", "write report")):
            outcome = "failed" if error and n == 2 else "ok"
            step_rows.append((run_id, name, 1, _stamp(start + step * n),
                              _stamp(start + step * (n + 1)), step.total_seconds() * 1000,
                              outcome, TRACEBACK if outcome == "failed" else None))
        artifact_rows.append((run_id, f"runs/{run_id}/artifacts/out.xlsx", "xlsx", 48_213,
                              "ab" * 32, _stamp(end)))
        if error:
            shot = big if run_id % 10 == 0 else small
            artifact_rows.append((run_id, str(shot.relative_to(data_dir)), "screenshot",
                                  shot.stat().st_size, "cd" * 32, _stamp(end)))
        if recipe != "reconcile":
            worked.append((run_id, start, end))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(
            "INSERT INTO runs (id, recipe, code_hash, params, \"trigger\", host, pid, \"user\","
            " state, created_at, started_at, ended_at, heartbeat_at, attempts, error,"
            " error_kind, summary) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", run_rows)
        cursor.executemany(
            "INSERT INTO steps (run_id, name, attempt, started_at, ended_at, duration_ms,"
            " outcome, error) VALUES (?,?,?,?,?,?,?,?)", step_rows)
        cursor.executemany(
            "INSERT INTO artifacts (run_id, path, kind, size, sha256, created_at)"
            " VALUES (?,?,?,?,?,?)", artifact_rows)
        for chunk in _item_chunks(rng, worked, items):
            cursor.executemany(
                "INSERT INTO work_items (queue, key, payload, priority, state, attempts,"
                " created_at, updated_at, reason, last_error, created_by_run, last_run_id,"
                " started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", chunk)
        cursor.execute("COMMIT")
        # A store in use is checkpointed as it goes; measure that state, not a 300 MB WAL.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return {"runs": len(run_rows), "steps": len(step_rows), "artifacts": len(artifact_rows),
            "work_items": items}


def _item_chunks(rng: random.Random, worked: list[tuple[int, datetime, datetime]],
                 total: int) -> Any:
    per_run, extra = divmod(total, len(worked))
    chunk: list[tuple[Any, ...]] = []
    key = 0
    for n, (run_id, start, end) in enumerate(worked):
        count = per_run + (1 if n < extra else 0)
        gap = (end - start) / max(count, 1)
        for i in range(count):
            key += 1
            state = _pick(rng, ITEM_STATES)
            begun = start + gap * i
            finished = begun + timedelta(seconds=rng.uniform(5, 60))
            reason, error = None, None
            if state == "business_exception":
                reason, error = rng.choice(REASONS), f"rule broken: {rng.choice(REASONS)}"
            elif state == "system_exception":
                reason, error = "system_exception", TRACEBACK
            elif state == "done_by_hand":
                state, reason = "done", "done_by_hand"
            elif state == "skipped":
                reason = "review_skip"
            is_open = state in ("pending", "in_progress")
            chunk.append(("work", f"k{key}", f'{{"n":{key}}}', 0, state, 1, _stamp(start),
                          _stamp(finished), reason, error, run_id, run_id,
                          None if state == "pending" else _stamp(begun),
                          None if is_open else _stamp(finished)))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM, because ru_maxrss survives
    exec and would report the generating parent's peak in a freshly started child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, data_dir: Path) -> dict[str, Any]:
    """Run one report in this (fresh) process; its time, peak memory and output size."""
    os.environ["RPA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("RPA_LOG__LEVEL", "WARNING")
    from bots.settings import get_settings
    from bots.store import open_store

    settings = get_settings()
    engine = open_store(settings)
    began = time.perf_counter()
    if kind == "html":
        from bots.reports import write_run_report

        written = write_run_report(engine, settings, data_dir / "report.html")
        out, extra = written.path, {"runs_detailed": written.runs_detailed}
    else:
        from bots import execute

        end = START + timedelta(weeks=WEEKS, days=-1)
        result = execute("productivity_report", {"start": START.isoformat(),
                                                 "end": end.isoformat()})
        if not result.ok:
            raise SystemExit(f"productivity_report {result.state}: {result.error}")
        out = next((settings.runs_dir / str(result.run_id) / "artifacts").glob("*.xlsx"))
        extra = {"items_processed": result.summary["items_processed"]}
    seconds = time.perf_counter() - began
    return {"seconds": round(seconds, 2), "peak_mb": round(_peak_mb(), 1),
            "bytes": out.stat().st_size, **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    parser.add_argument("--measure", choices=("html", "xlsx"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        sys.stdout.write(json.dumps(measure(args.measure, args.dir)) + "\n")
        return
    with tempfile.TemporaryDirectory(prefix="rpa-bench-") as scratch:
        data_dir = (args.keep or Path(scratch)) / "data"
        os.environ["RPA_DATA_DIR"] = str(data_dir)
        from bots.store import open_store

        began = time.perf_counter()
        engine = open_store()
        counts = generate_store(engine, data_dir, runs=args.runs, items=args.items)
        engine.dispose()
        generated = time.perf_counter() - began
        results = {kind: _child(kind, data_dir) for kind in ("html", "xlsx")}
    _report(counts, generated, results)


def _child(kind: str, data_dir: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--measure", kind, "--dir", str(data_dir)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(counts: dict[str, int], generated: float, results: dict[str, dict[str, Any]]) -> None:
    html, xlsx = results["html"], results["xlsx"]
    lines = [
        f"store: {counts['runs']:,} runs, {counts['work_items']:,} work items, "
        f"{counts['steps']:,} steps, {counts['artifacts']:,} artifacts "
        f"(generated in {generated:.1f} s)",
        f"{'report':<28}{'seconds':>9}{'peak MB':>10}{'output MB':>11}  target",
        f"{'HTML run report':<28}{html['seconds']:>9.2f}{html['peak_mb']:>10.1f}"
        f"{html['bytes'] / 1e6:>11.2f}  < 30 s, < 10 MB",
        f"{'productivity workbook':<28}{xlsx['seconds']:>9.2f}{xlsx['peak_mb']:>10.1f}"
        f"{xlsx['bytes'] / 1e6:>11.2f}  < 30 s",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    summary = {
        "runs": counts["runs"], "work_items": counts["work_items"],
        "html_seconds": html["seconds"], "html_peak_mb": html["peak_mb"],
        "html_bytes": html["bytes"], "html_runs_detailed": html["runs_detailed"],
        "xlsx_seconds": xlsx["seconds"], "xlsx_peak_mb": xlsx["peak_mb"],
        "xlsx_bytes": xlsx["bytes"], "xlsx_items_processed": xlsx["items_processed"],
        "seconds": round(html["seconds"] + xlsx["seconds"], 2),
        "peak_mb": max(html["peak_mb"], xlsx["peak_mb"]),
    }
    sys.stdout.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
