"""A known-answer store for the report tests, built row by row with SQLAlchemy Core.

The week of 2026-03-23 (Monday) to 2026-03-29 (Sunday) in Europe/Madrid holds the
spring clock change (29 March, 02:00 -> 03:00), and items sit on both sides of local
midnight at each end of the week, so a report that groups by UTC day, or ignores the
change, gets different numbers from the direct SQL counts the tests make.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.reports.period import Period
from bots.settings import Settings
from bots.store import open_store
from bots.store.schema import artifacts, runs, steps, work_items

MADRID = ZoneInfo("Europe/Madrid")
WEEK = Period(date(2026, 3, 23), date(2026, 3, 29), MADRID)
EVIL_RECIPE = "=cmd|' /C calc'!A0"
EVIL_REASON = '=HYPERLINK("http://evil.example","click")'
SCRIPT_TEXT = "</script><script>alert('x')</script>"
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "data" / "test-artifacts"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A local Madrid wall-clock time in 2026, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=MADRID).astimezone(UTC)


def utc_text(moment: datetime) -> str:
    """How the store's SQLite columns spell a UTC instant (for raw SQL in tests)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG without an imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def keep_artifact(path: Path) -> Path:
    """Copy a file a person should look at to data/test-artifacts/ (gitignored)."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(path, ARTIFACTS_DIR / path.name))


@dataclass
class KnownStore:
    engine: Engine
    settings: Settings
    period: Period = WEEK
    run_ids: dict[str, int] = field(default_factory=dict)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))


def _run(conn: sa.Connection, recipe: str, state: str, start: datetime, minutes: float,
         **extra: Any) -> int:
    values = dict(recipe=recipe, code_hash="0" * 64, params={}, trigger="schedule", host="h",
                  pid=1, user="u", state=state, created_at=start, started_at=start,
                  ended_at=start + timedelta(minutes=minutes), attempts=1, summary={})
    values.update(extra)
    key = conn.execute(runs.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _items(conn: sa.Connection, run_id: int | None, queue: str, state: str, count: int,
           finished: datetime | None, seconds: float = 30, reason: str | None = None) -> None:
    key_base = conn.execute(sa.select(sa.func.count()).select_from(work_items)).scalar() or 0
    rows = []
    for n in range(count):
        end = finished + timedelta(seconds=seconds * n) if finished else None
        rows.append(dict(
            queue=queue, key=f"k{key_base + n}", payload={"n": n}, priority=0, state=state,
            attempts=1, created_at=at(20, 8), updated_at=end or at(20, 8), reason=reason,
            last_error=f"Traceback ...\nError: {reason}" if reason else None,
            last_run_id=run_id, started_at=end - timedelta(seconds=seconds) if end else None,
            finished_at=end))
    conn.execute(work_items.insert(), rows)


def build_known_store(engine: Engine, data_dir: Path) -> dict[str, int]:
    ids: dict[str, int] = {}
    with engine.begin() as conn:
        ids["sales_mon"] = r = _run(conn, "key_sales", "succeeded_with_exceptions", at(23, 0, 10), 600)
        _items(conn, r, "sales", "done", 10, at(23, 9), seconds=30)
        _items(conn, r, "sales", "done", 1, at(23, 0, 30), seconds=20)  # Mon local, Sun UTC
        _items(conn, r, "sales", "done", 1, at(22, 23, 30))  # Sunday before: outside
        _items(conn, r, "sales", "business_exception", 2, at(23, 10), reason="invalid_vat")
        _items(conn, r, "sales", "system_exception", 1, at(23, 11), reason="system_exception")
        ids["sales_sun"] = r = _run(conn, "key_sales", "succeeded", at(29, 1), 1400)
        _items(conn, r, "sales", "done", 5, at(29, 3, 30), seconds=40)  # after the change
        _items(conn, r, "sales", "done", 3, at(29, 23, 30), seconds=40)  # last local hour
        _items(conn, r, "sales", "done", 1, at(30, 0, 30))  # Monday after: outside
        _items(conn, r, "sales", "done", 1, at(29, 12), reason="done_by_hand")
        _items(conn, r, "sales", "skipped", 1, at(29, 12, 5), reason="review_skip")
        _items(conn, r, "sales", "pending", 1, None)
        _items(conn, r, "sales", "in_progress", 1, None)
        ids["invoices_wed"] = r = _run(
            conn, "invoice_adjustments", "failed", at(25, 9), 30, error_kind="system",
            error=f"Traceback (most recent call last):\n  File x\nRuntimeError: {SCRIPT_TEXT}")
        _items(conn, r, "invoices", "done", 4, at(25, 9, 5), seconds=45)
        _items(conn, r, "invoices", "business_exception", 1, at(25, 9, 10), reason=EVIL_REASON)
        _items(conn, r, "invoices", "system_exception", 1, at(25, 9, 12), reason="system_exception")
        ids["reconcile_tue"] = _run(conn, "reconcile", "succeeded", at(24, 10), 2,
                                    summary={"items": 120, "matched": 118})
        ids["reconcile_failed"] = _run(conn, "reconcile", "failed", at(24, 11), 1,
                                       summary={"items": 50}, error="boom", error_kind="system")
        ids["evil_thu"] = r = _run(conn, EVIL_RECIPE, "succeeded", at(26, 15), 5)
        _items(conn, r, "evil", "done", 2, at(26, 15, 1), seconds=60)
        ids["dict_summary"] = _run(conn, "mail_triage", "succeeded", at(27, 8), 1,
                                   summary={"items": {"done": 3}})
        ids["april"] = r = _run(conn, "mail_triage", "succeeded", at(3, 9, month=4), 10)
        _items(conn, r, "mail", "done", 3, at(3, 9, 1, month=4))
        _items(conn, None, "orphans", "done", 2, at(27, 9))  # their run row is missing
        _steps_and_artifacts(conn, ids, data_dir)
    return ids


def _steps_and_artifacts(conn: sa.Connection, ids: dict[str, int], data_dir: Path) -> None:
    mon, wed = ids["sales_mon"], ids["invoices_wed"]
    conn.execute(steps.insert(), [
        dict(run_id=mon, name="load", attempt=1, started_at=at(23, 0, 10),
             ended_at=at(23, 0, 11), duration_ms=60_000, outcome="ok"),
        dict(run_id=mon, name="key sales", attempt=1, started_at=at(23, 0, 11),
             ended_at=at(23, 10, 10), duration_ms=599 * 60_000, outcome="ok"),
        dict(run_id=wed, name="apply", attempt=1, started_at=at(25, 9), ended_at=at(25, 9, 30),
             duration_ms=1_800_000, outcome="failed",
             error=f"Traceback (most recent call last):\nRuntimeError: {SCRIPT_TEXT}"),
    ])
    folder = data_dir / "runs" / str(wed) / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    small, big = folder / "failure.png", folder / "huge.png"
    small.write_bytes(png(40, 30))
    big.write_bytes(png(4, 4) + b"\0" * 700_000)  # a PNG with junk after it: over the cap
    rows = [dict(run_id=wed, path=str(p.relative_to(data_dir)), kind="screenshot",
                 size=p.stat().st_size, sha256="ab" * 32, created_at=at(25, 9, 30))
            for p in (small, big)]
    rows.append(dict(run_id=mon, path="runs/1/artifacts/out.xlsx", kind="xlsx", size=1234,
                     sha256="cd" * 32, created_at=at(23, 10, 10)))
    conn.execute(artifacts.insert(), rows)


@dataclass
class Outputs:
    xlsx: Path
    csv: Path
    run_id: int


def produce_workbook(store: KnownStore, **params: Any) -> Outputs:
    """Run the productivity recipe (default: the known week); its workbook and CSV."""
    from bots import execute

    result = execute("productivity_report", params or {"start": "2026-03-23", "end": "2026-03-29"})
    assert result.ok, result.error
    rows = store.rows("select path, kind from artifacts where run_id = :r", r=result.run_id)
    found = {kind: store.settings.data_dir / path for path, kind in rows}
    return Outputs(found["xlsx"], found["csv"], result.run_id)


@pytest.fixture
def known_store(settings: Settings) -> Iterator[KnownStore]:
    assert settings.timezone == "Europe/Madrid"
    engine = open_store(settings)
    store = KnownStore(engine, settings)
    store.run_ids = build_known_store(engine, settings.data_dir)
    yield store
