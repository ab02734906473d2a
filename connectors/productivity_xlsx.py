"""The productivity workbook (openpyxl) and its CSV twin, from a ProductivityReport.

Sheets: Dashboard (key figures and native charts), Days (the charts' data), Daily (per
day and recipe), Exceptions (by reason), Weekly (hours replaced and FTE), Runs, Notes.
Every table starts at A1 with one header row, frozen and filtered, so pandas and a
person read it the same way. Text goes through `connectors.sheets.safe`: never a
formula, whatever it begins with. The tables are a few hundred rows (days x recipes),
so they are written cell by cell here, with the percent, hour and count formats that
`connectors.sheets.ReportWorkbook`'s column kinds do not have.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bots.reports.outcomes import label
from bots.reports.productivity import ProductivityReport
from bots.reports.productivity_notes import notes_lines
from connectors.sheets.safe import csv_safe, set_value
from connectors.sheets.writer import fit_to_print

INT, RATE, HOURS, TENTHS = "#,##0", "0.0%", "#,##0.00", "#,##0.0"
DAY, STAMP = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")


@dataclass(frozen=True)
class Column:
    header: str
    fmt: str | None = None
    width: int = 12


Table = tuple[list[Column], list[list[Any]]]


def _put(ws: Worksheet, row: int, column: int, value: Any, fmt: str | None = None) -> None:
    cell = ws.cell(row=row, column=column)
    set_value(cell, value)  # text stays text, whatever it begins with
    if fmt and not isinstance(value, str):
        cell.number_format = fmt


def _write_table(ws: Worksheet, table: Table, *, freeze: str = "A2") -> None:
    columns, rows = table
    for n, col in enumerate(columns, 1):
        _put(ws, 1, n, col.header)
        head = ws.cell(row=1, column=n)
        head.font, head.fill = HEADER_FONT, HEADER_FILL
        head.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(n)].width = col.width
    for r, values in enumerate(rows, 2):
        for n, (col, value) in enumerate(zip(columns, values, strict=True), 1):
            _put(ws, r, n, value, col.fmt)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 2)}"
    ws.row_dimensions[1].height = 45  # up to three lines: headers wrap in narrow columns
    fit_to_print(ws, header_rows=1)  # all columns on one page width, the header on each page


# -- the tables -----------------------------------------------------------------------
def daily_table(report: ProductivityReport) -> Table:
    columns = [Column("Date", DAY, 12), Column("Recipe", None, 22), Column("Source", None, 13),
               Column("Items processed", INT),
               *[Column(f"Items {label(s)}", INT) for s in report.outcomes],
               Column("Success rate", RATE), Column("Avg handle time (s)", TENTHS),
               Column("Items per hour", TENTHS), Column("Manual minutes per item", HOURS),
               Column("Hours replaced", HOURS)]
    rows = [[r.day, r.recipe, r.source, r.processed,
             *[r.outcomes.get(s, 0) for s in report.outcomes],
             r.success_rate, r.avg_handle_seconds, r.items_per_hour, r.manual_minutes,
             r.hours_replaced] for r in report.daily]
    return columns, rows


def _days_table(report: ProductivityReport) -> Table:
    columns = [Column("Date", DAY), Column("Items processed", INT), Column("Items done", INT),
               Column("Items in exception", INT), Column("Hours replaced", HOURS)]
    return columns, [[d.day, d.processed, d.done, d.exceptions, d.hours_replaced]
                     for d in report.days]


def _exceptions_table(report: ProductivityReport) -> Table:
    tz = report.period.tz

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    columns = [Column("Recipe", None, 22), Column("Outcome", None, 20), Column("Reason", None, 30),
               Column("Items", INT), Column("First finished", STAMP, 17),
               Column("Last finished", STAMP, 17)]
    return columns, [[e.recipe, e.outcome, e.reason, e.items, local(e.first), local(e.last)]
                     for e in report.exceptions]


def _weekly_table(report: ProductivityReport) -> Table:
    columns = [Column("Week", None, 10), Column("First day", DAY), Column("Recipe", None, 22),
               Column("Items done", INT), Column("Hours replaced", HOURS),
               Column("Working hours of one person", HOURS, 16), Column("FTE", HOURS)]
    return columns, [[w.week, w.first_day, w.recipe, w.done, w.hours_replaced,
                      w.capacity_hours, w.fte] for w in report.weeks]


def _runs_table(report: ProductivityReport) -> Table:
    columns = [Column("Date", DAY), Column("Recipe", None, 22), Column("Runs", INT),
               *[Column(f"Runs {label(s)}", INT) for s in report.run_states],
               Column("Run hours", HOURS)]
    return columns, [[r.day, r.recipe, r.runs, *[r.states.get(s, 0) for s in report.run_states],
                      r.run_hours] for r in report.runs]


# -- the dashboard --------------------------------------------------------------------
def _dashboard(ws: Worksheet, report: ProductivityReport, days_rows: int) -> None:
    t = report.totals
    ws["A1"] = "Productivity report"
    ws["A1"].font = Font(bold=True, size=16)
    _put(ws, 2, 1, f"{report.period.label} ({report.period.tz.key})")
    figures: Sequence[tuple[str, Any, str]] = [
        ("Items processed", t.processed, INT), ("Items done", t.done, INT),
        ("Items in exception", t.exceptions, INT), ("Success rate", t.success_rate, RATE),
        ("Hours of manual work replaced", t.hours_replaced, HOURS),
        ("Working hours of one person in the period", t.capacity_hours, HOURS),
        ("Full-time equivalent (FTE)", t.fte, HOURS), ("Runs", t.runs, INT),
    ]
    for n, (name, value, fmt) in enumerate(figures, 4):
        _put(ws, n, 1, name)
        _put(ws, n, 2, value, fmt)
        ws.cell(row=n, column=2).font = Font(bold=True)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 14
    _put(ws, 4 + len(figures) + 1, 1, "Definitions and sources: see the Notes sheet.")
    ws.freeze_panes = "A4"
    _charts(ws, days_rows)


def _charts(ws: Worksheet, rows: int) -> None:
    days = ws.parent["Days"]
    dates = Reference(days, min_col=1, min_row=2, max_row=rows + 1)
    items = BarChart()
    items.type, items.grouping, items.overlap = "col", "stacked", 100
    items.title, items.y_axis.title = "Items per day", "items"
    items.add_data(Reference(days, min_col=3, max_col=4, min_row=1, max_row=rows + 1),
                   titles_from_data=True)
    items.set_categories(dates)
    hours = LineChart()
    hours.title, hours.y_axis.title = "Hours of manual work replaced per day", "hours"
    hours.add_data(Reference(days, min_col=5, min_row=1, max_row=rows + 1), titles_from_data=True)
    hours.set_categories(dates)
    for series in hours.series:
        series.smooth = False  # a smoothed curve invents values between days (even < 0)
        series.marker.symbol = "circle"
    for chart in (items, hours):
        chart.height, chart.width = 7.5, 18
        chart.x_axis.number_format = "mm-dd"
        chart.x_axis.delete = False  # openpyxl hides axes by default; LibreOffice obeys
        chart.y_axis.delete = False
        # From zero: an axis starting at 369 draws 6 exceptions as tall as 372 done items.
        chart.y_axis.scaling.min = 0
        chart.legend.position = "b"
    ws.add_chart(items, "D2")
    ws.add_chart(hours, "D18")
    # Figures and both charts on one landscape page when printed or exported to PDF.
    fit_to_print(ws)
    ws.page_setup.fitToHeight = 1


NOTES_WIDTH = 110  # characters


def _notes(ws: Worksheet, report: ProductivityReport) -> None:
    ws.column_dimensions["A"].width = NOTES_WIDTH
    for n, line in enumerate(notes_lines(report), 1):
        _put(ws, n, 1, line)
        ws.cell(row=n, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        # Heights written out: a reader that does not re-fit wrapped rows (LibreOffice's
        # PDF export, a phone) would draw the long notes over each other.
        ws.row_dimensions[n].height = 15 * max(1, math.ceil(len(line) / (NOTES_WIDTH * 0.95)))
    ws["A1"].font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 22
    fit_to_print(ws)
    ws.page_setup.orientation = "portrait"


def write_workbook(report: ProductivityReport, path: Path) -> Path:
    wb = Workbook()
    dashboard = wb.active
    dashboard.title = "Dashboard"
    tables = [("Days", _days_table(report)), ("Daily", daily_table(report)),
              ("Exceptions", _exceptions_table(report)), ("Weekly", _weekly_table(report)),
              ("Runs", _runs_table(report))]
    for title, table in tables:
        _write_table(wb.create_sheet(title), table, freeze="C2" if title == "Daily" else "A2")
    _dashboard(dashboard, report, len(report.days))
    _notes(wb.create_sheet("Notes"), report)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(report: ProductivityReport, path: Path) -> Path:
    """The Daily table as CSV (UTF-8 with BOM so spreadsheet programs detect it)."""
    columns, rows = daily_table(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_safe(c.header) for c in columns])
        writer.writerows([_csv_value(v) for v in row] for row in rows)
    return path


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, Decimal, int)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(csv_safe(str(value)))
