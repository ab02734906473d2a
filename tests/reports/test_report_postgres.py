"""The same known store on PostgreSQL gives the same figures as on SQLite: the
dialect-specific SQL (local days, durations, JSON integers) agrees."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bots.rejects import rejected_rows
from bots.reports import Limits, RunFilter, build_productivity
from bots.reports.run_report import build_context
from bots.settings import Settings, get_settings, reset_settings
from bots.store import create_store_engine, migrate, open_store, reading
from tests.reports.conftest import WEEK, at, build_known_store

NOW = datetime(2026, 4, 1, 8, tzinfo=UTC)


@pytest.fixture
def pg_settings(rpa_env: dict[str, str], pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("RPA_STORE__URL", pg_url)
    reset_settings()
    return get_settings()


def figures(engine: Engine, settings: Settings) -> dict[str, Any]:
    report = build_productivity(engine, settings, WEEK, NOW)
    with reading(engine) as conn:
        page = build_context(conn, RunFilter(), Limits(), tz=settings.tz,
                             data_dir=settings.data_dir, now=NOW)
    return {
        "daily": [asdict(row) for row in report.daily],
        "exceptions": [asdict(row) for row in report.exceptions],
        "weeks": [asdict(row) for row in report.weeks],
        "runs": [asdict(row) for row in report.runs],
        "totals": asdict(report.totals),
        "run_list": [row[:9] for row in page["runs"]],  # id .. open: no texts, no detail flag
        "review_total": page["review_total"],
        "outcome_totals": page["outcome_totals"],
    }


@pytest.mark.postgres
def test_postgresql_store_gives_the_sqlite_figures(pg_settings: Settings, tmp_path: Path) -> None:
    pg = open_store(pg_settings)
    assert pg.dialect.name == "postgresql"
    ids = build_known_store(pg, pg_settings.data_dir)
    lite = create_store_engine(f"sqlite:///{tmp_path / 'lite.db'}")
    migrate(lite)
    build_known_store(lite, tmp_path / "lite-data")
    for engine in (pg, lite):  # rejected input rows: counted alike by both dialects
        with engine.begin() as conn:
            conn.execute(rejected_rows.insert(), [
                dict(run_id=ids["sales_mon"], kind="rejected", source="sales.xlsx", row=n,
                     columns="Amount", reason="Amount: not a number", recorded_at=at(23, 0, 12))
                for n in (4, 9)])
    try:
        on_pg, on_lite = figures(pg, pg_settings), figures(lite, pg_settings)
    finally:
        lite.dispose()
    assert on_pg["totals"]["done"] == 147
    assert any(e["outcome"] == "rejected" and e["items"] == 2 for e in on_pg["exceptions"])
    for key in on_lite:
        assert on_pg[key] == on_lite[key], key
