"""The productivity workbook: every figure equals a direct SQL count on the store."""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from bots import FrozenClock, ParameterError, execute
from bots.settings import Settings
from tests.reports.conftest import (
    EVIL_RECIPE,
    MADRID,
    WEEK,
    KnownStore,
    Outputs,
    produce_workbook,
    utc_text,
)

MINUTES = {"key_sales": Decimal("4"), "invoice_adjustments": Decimal("6"),
           "reconcile": Decimal("0.5")}
BOT_OUTCOMES = "('done', 'business_exception', 'system_exception')"


@pytest.fixture
def outputs(known_store: KnownStore) -> Outputs:
    return produce_workbook(known_store)


def day_bounds(day: date) -> tuple[str, str]:
    start = datetime(day.year, day.month, day.day, tzinfo=MADRID)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=MADRID)
    return utc_text(start), utc_text(end)


def sql_items(store: KnownStore, day: date, recipe: str, where: str) -> int:
    lo, hi = day_bounds(day)
    return int(store.scalar(
        "select count(*) from work_items w left join runs r on r.id = w.last_run_id"
        " where coalesce(r.recipe, '(no run recorded)') = :recipe"
        f" and w.finished_at >= :lo and w.finished_at < :hi and {where}",
        recipe=recipe, lo=lo, hi=hi))


def hours(done: int, minutes: Decimal) -> Decimal:
    return (done * minutes / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_daily_figures_equal_direct_sql_counts(known_store: KnownStore, outputs: Outputs) -> None:
    rows = [r for r in sheet_rows(outputs.xlsx, "Daily") if r["Source"] == "work items"]
    assert rows, "no work-item rows in the Daily sheet"
    for row in rows:
        day, recipe = row["Date"].date(), row["Recipe"]
        count = partial(sql_items, known_store, day, recipe)
        done = count("w.state = 'done' and coalesce(w.reason, '') != 'done_by_hand'")
        assert row["Items done"] == done, (day, recipe)
        assert row["Items business exception"] == count("w.state = 'business_exception'")
        assert row["Items system exception"] == count("w.state = 'system_exception'")
        assert row["Items done by hand"] == count("w.reason = 'done_by_hand'")
        assert row["Items skipped"] == count("w.state = 'skipped'")
        processed = count("w.state not in ('pending', 'in_progress')")
        assert row["Items processed"] == processed
        assert Decimal(str(row["Success rate"])) == (Decimal(done) / processed).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP)
        assert Decimal(str(row["Hours replaced"])) == hours(
            done, MINUTES.get(recipe, Decimal("3")))
        lo, hi = day_bounds(day)
        handle = known_store.scalar(
            "select avg((julianday(w.finished_at) - julianday(w.started_at)) * 86400)"
            " from work_items w left join runs r on r.id = w.last_run_id"
            " where coalesce(r.recipe, '(no run recorded)') = :recipe and w.finished_at >= :lo"
            f" and w.finished_at < :hi and w.state in {BOT_OUTCOMES}"
            " and coalesce(w.reason, '') != 'done_by_hand'", recipe=recipe, lo=lo, hi=hi)
        assert row["Avg handle time (s)"] == pytest.approx(round(handle, 1), abs=0.051)


def test_known_answers_around_local_midnight_and_the_clock_change(outputs: Outputs) -> None:
    rows = {(r["Date"].date(), r["Recipe"], r["Source"]): r for r in sheet_rows(outputs.xlsx, "Daily")}
    monday = rows[(date(2026, 3, 23), "key_sales", "work items")]
    # 10 + 1 at 00:30 local (23:30 UTC on Sunday); the item at 23:30 local on the 22nd is out.
    assert (monday["Items done"], monday["Items business exception"],
            monday["Items system exception"], monday["Items processed"]) == (11, 2, 1, 14)
    sunday = rows[(date(2026, 3, 29), "key_sales", "work items")]
    # 5 after the clock change + 3 in the last local hour; 00:30 on the 30th is out.
    assert (sunday["Items done"], sunday["Items done by hand"], sunday["Items skipped"],
            sunday["Items processed"]) == (8, 1, 1, 10)
    reconcile = rows[(date(2026, 3, 24), "reconcile", "run summary")]
    assert (reconcile["Items done"], reconcile["Hours replaced"]) == (120, 1)  # the failed run's 50: no
    assert rows[(date(2026, 3, 26), EVIL_RECIPE, "work items")]["Items done"] == 2
    assert rows[(date(2026, 3, 27), "(no run recorded)", "work items")]["Items done"] == 2
    assert not [key for key in rows if key[1] == "mail_triage"]  # dict summary; April
    days = {r["Date"].date(): r for r in sheet_rows(outputs.xlsx, "Days")}
    assert list(days) == WEEK.days and days[date(2026, 3, 28)]["Items processed"] == 0


def test_dashboard_totals_hours_replaced_and_fte(known_store: KnownStore, outputs: Outputs) -> None:
    ws = openpyxl.load_workbook(outputs.xlsx)["Dashboard"]
    figures = {ws.cell(row=n, column=1).value: ws.cell(row=n, column=2).value for n in range(4, 12)}
    lo, hi = utc_text(WEEK.utc_start), utc_text(WEEK.utc_end)
    processed = known_store.scalar(
        "select count(*) from work_items where finished_at >= :lo and finished_at < :hi"
        " and state not in ('pending', 'in_progress')", lo=lo, hi=hi) + 120
    assert figures["Items processed"] == processed == 154
    assert figures["Items done"] == 147 and figures["Items in exception"] == 7
    exact = (Decimal(19) * 4 + Decimal(4) * 6 + Decimal(4) * 3 + Decimal(120) * Decimal("0.5")) / 60
    assert Decimal(str(figures["Hours of manual work replaced"])) == exact.quantize(Decimal("0.01"))
    assert figures["Working hours of one person in the period"] == 37.5  # 7.5 h x 5 days
    assert Decimal(str(figures["Full-time equivalent (FTE)"])) == (exact / Decimal("37.5")).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert figures["Runs"] == known_store.scalar(
        "select count(*) from runs where created_at >= :lo and created_at < :hi", lo=lo, hi=hi)
    assert len(ws._charts) == 2


def test_exceptions_runs_and_weekly_sheets_match_sql(known_store: KnownStore, outputs: Outputs) -> None:
    lo, hi = utc_text(WEEK.utc_start), utc_text(WEEK.utc_end)
    expected = {
        (recipe, outcome, reason): n for recipe, outcome, reason, n in known_store.rows(
            "select coalesce(r.recipe, '(no run recorded)'), case when w.state = 'done'"
            " then 'done_by_hand' else w.state end, coalesce(w.reason, ''), count(*)"
            " from work_items w left join runs r on r.id = w.last_run_id"
            " where w.finished_at >= :lo and w.finished_at < :hi"
            " and w.state not in ('pending', 'in_progress')"
            " and not (w.state = 'done' and coalesce(w.reason, '') != 'done_by_hand')"
            " group by 1, 2, 3", lo=lo, hi=hi)}
    found = {(r["Recipe"], r["Outcome"], r["Reason"]): r["Items"]
             for r in sheet_rows(outputs.xlsx, "Exceptions")}
    assert found == expected and len(found) == 6
    run_sheet = sheet_rows(outputs.xlsx, "Runs")
    assert sum(r["Runs"] for r in run_sheet) == known_store.scalar(
        "select count(*) from runs where created_at >= :lo and created_at < :hi", lo=lo, hi=hi)
    assert sum(r["Runs failed"] for r in run_sheet) == 2
    weekly = {r["Recipe"]: r for r in sheet_rows(outputs.xlsx, "Weekly")}
    assert weekly["All recipes"]["Items done"] == 147 and weekly["key_sales"]["Items done"] == 19
    assert weekly["key_sales"]["Hours replaced"] == pytest.approx(1.27)


def test_pandas_reads_every_sheet_with_the_same_figures(outputs: Outputs) -> None:
    sheets = pd.read_excel(outputs.xlsx, sheet_name=None)
    assert set(sheets) == {"Dashboard", "Days", "Daily", "Exceptions", "Weekly", "Runs", "Notes"}
    daily, days = sheets["Daily"], sheets["Days"]
    assert int(daily["Items processed"].sum()) == int(days["Items processed"].sum()) == 154
    assert int(daily["Items done"].sum()) == 147
    assert round(float(days["Hours replaced"].sum()), 2) == pytest.approx(2.87, abs=0.011)
    table = pd.read_csv(outputs.csv, encoding="utf-8-sig")
    assert list(table.columns) == list(daily.columns)
    assert int(table["Items done"].sum()) == 147 and len(table) == len(daily)


def test_text_is_never_a_formula(outputs: Outputs) -> None:
    with zipfile.ZipFile(outputs.xlsx) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name), name
    ws = openpyxl.load_workbook(outputs.xlsx)["Daily"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == EVIL_RECIPE]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    with outputs.csv.open(encoding="utf-8-sig") as handle:
        recipes = [row["Recipe"] for row in csv.DictReader(handle)]
    assert "'" + EVIL_RECIPE in recipes and EVIL_RECIPE not in recipes
    reasons = [r["Reason"] for r in sheet_rows(outputs.xlsx, "Exceptions")]
    assert any(reason.startswith("=HYPERLINK") for reason in reasons)  # kept, as text


def test_notes_sheet_defines_item_and_names_the_settings_used(outputs: Outputs) -> None:
    notes = "\n".join(str(r[0]) for r in openpyxl.load_workbook(outputs.xlsx)["Notes"].iter_rows(
        values_only=True) if r[0])
    for text in ("ITEM. An item is one work item", "last_run_id", "finished_at",
                 "Manual minutes per item, key_sales: 4", "Working hours per day: 7.5",
                 "Europe/Madrid", "never", "done_by_hand"):
        assert text in notes


@pytest.fixture
def slower_sales(rpa_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    from bots.settings import get_settings, reset_settings

    monkeypatch.setenv("RPA_PRODUCTIVITY__MANUAL_MINUTES", '{"key_sales": "7.5"}')
    monkeypatch.setenv("RPA_PRODUCTIVITY__WORKING_HOURS_PER_DAY", "8")
    reset_settings()
    return get_settings()


def test_manual_minutes_and_working_hours_come_from_settings(slower_sales: Settings,
                                                             known_store: KnownStore) -> None:
    weekly = {r["Recipe"]: r for r in sheet_rows(produce_workbook(known_store).xlsx, "Weekly")}
    assert weekly["key_sales"]["Hours replaced"] == pytest.approx(2.38)  # 19 x 7.5 / 60
    assert weekly["key_sales"]["Working hours of one person"] == 40
    assert weekly["reconcile"]["Hours replaced"] == 6  # 120 x 3 (now the default) / 60


def test_default_period_is_the_last_full_week(known_store: KnownStore) -> None:
    clock = FrozenClock(datetime(2026, 4, 1, 8, tzinfo=UTC))  # a Wednesday
    result = execute("productivity_report", {}, clock=clock)
    assert result.ok and result.summary["period"] == "2026-03-23 to 2026-03-29"
    assert result.summary["items_done"] == 147 and "items" not in result.summary


def test_bad_period_is_refused_before_anything_runs(known_store: KnownStore) -> None:
    with pytest.raises(ParameterError, match="before start"):
        execute("productivity_report", {"start": "2026-03-29", "end": "2026-03-23"})
    with pytest.raises(ParameterError, match="colour"):
        execute("productivity_report", {"colour": "red"})


def test_weekly_schedule_file_loads_with_the_schedulers_parser() -> None:
    from bots.scheduler.loading import load_file

    path = Path(__file__).resolve().parents[2] / "schedules" / "productivity.toml"
    (loaded,) = load_file(path, default_timezone="Europe/Madrid")
    assert loaded.schedule.recipe == "productivity_report"
    assert loaded.schedule.trigger.to_dict() == {"cron": "0 7 * * mon", "timezone": "Europe/Madrid"}
