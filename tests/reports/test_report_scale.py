"""The benchmark's generated store, small: reports stay complete where they must and
capped where they may, and the workbook still equals the SQL counts."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from benchmarks.reports import START, WEEKS, generate_store
from bots.reports import Limits, Period, write_run_report
from bots.settings import Settings
from bots.store import open_store
from tests.reports.conftest import KnownStore, produce_workbook, utc_text


def test_generated_store_reports(settings: Settings, tmp_path: Path) -> None:
    engine = open_store(settings)
    counts = generate_store(engine, settings.data_dir, runs=400, items=30_000)
    store = KnownStore(engine, settings)
    limits = Limits(detail_recent=10, detail_problems=40, review_items=100,
                    screenshots_total=40_000)
    written = write_run_report(engine, settings, tmp_path / "runs.html", limits=limits)
    assert written.runs_total == written.runs_listed == counts["runs"] == 400
    assert written.runs_detailed <= 50
    assert written.review_total == store.scalar(
        "select count(*) from work_items where state in ('business_exception', 'system_exception')")
    page = written.path.read_text()
    assert f"The newest 100 of {written.review_total:,} items are listed" in page
    assert page.count('src="data:image/png') == 1  # one 30 KB screenshot fits in 40 KB
    assert "of screenshots is used up" in page
    assert written.bytes < 2_000_000

    end = START.fromordinal(START.toordinal() + WEEKS * 7 - 1)
    xlsx = produce_workbook(store, start=START.isoformat(), end=end.isoformat()).xlsx
    period = Period(START, end, settings.tz)
    work_items_done = store.scalar(
        "select count(*) from work_items where state = 'done' and coalesce(reason, '') = ''"
        " and finished_at >= :lo and finished_at < :hi",
        lo=utc_text(period.utc_start), hi=utc_text(period.utc_end))
    summary_items = store.scalar(
        "select sum(json_extract(summary, '$.items')) from runs where recipe = 'reconcile'"
        " and state in ('succeeded', 'succeeded_with_exceptions')")
    dashboard = openpyxl.load_workbook(xlsx)["Dashboard"]
    assert dashboard["B5"].value == work_items_done + summary_items  # Items done
