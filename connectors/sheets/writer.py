"""Formatted, injection-safe workbooks and CSV files for people to open.

    book = ReportWorkbook()
    summary = book.sheet("Summary")                     # an openpyxl sheet, free form
    book.add_table("Breaks", frame, [TableColumn("amount", "Amount", CellKind.MONEY), ...],
                   fill="FCE4D6")                       # frozen header, filter, widths, formats
    book.save("report.xlsx")
    write_csv("breaks.csv", frame, columns)

Money columns hold integer minor units and are written as exact decimals.
"""

from __future__ import annotations

import csv
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from connectors.sheets.safe import csv_safe, set_text, set_value
from connectors.sheets.xlsx_stream import (
    CellKind,
    Splice,
    StreamColumn,
    money_text,
    splice_tables,
    template_styles,
)
from connectors.xlsx_exact import save_exact

HEADER_FILL = "DDEBF7"
_BAD_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


_FORMATS = {CellKind.TEXT: "@", CellKind.INTEGER: "0", CellKind.DATE: "yyyy-mm-dd",
            CellKind.DECIMAL: "General"}


@dataclass(frozen=True)
class TableColumn:
    """One column of a report table: the frame's column, its header, kind, width and scale."""

    name: str  # the frame's column
    header: str | None = None  # what the sheet shows; default: the name
    kind: CellKind = CellKind.TEXT
    width: float | None = None  # None: fitted to the header and the first rows
    scale: int = 2  # MONEY: digits of the minor unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CellKind(self.kind))
        if not 0 <= self.scale <= 6:
            raise ValueError(f"column {self.name}: scale must be 0..6, got {self.scale}")

    @property
    def title(self) -> str:
        return self.header or self.name

    @property
    def number_format(self) -> str:
        if self.kind is CellKind.MONEY:
            return "#,##0" + ("." + "0" * self.scale if self.scale else "")
        return _FORMATS[self.kind]


def fit_to_print(ws: Worksheet, *, header_rows: int = 0) -> None:
    """Printed (or exported to PDF) as a person presents it: landscape, every column on one
    page's width (as many pages down as needed), the header rows repeated on each page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"
    ws.oddFooter.center.text = "&A · page &P of &N"


def sheet_title(title: str) -> str:
    """A title Excel accepts: no []:*?/\\ and at most 31 characters."""
    cleaned = title.translate(_BAD_TITLE).strip("'")[:31]
    if not cleaned:
        raise ValueError(f"no usable sheet title in {title!r}")
    return cleaned


def _longest(column: TableColumn, values: pd.Series) -> float:
    """Roughly the widest cell among the first rows, in characters."""
    sample = values.iloc[:2000].dropna()
    if not len(sample):
        return 0.0
    if column.kind is CellKind.MONEY:
        texts = money_text(sample.to_numpy(dtype=np.int64), column.scale)
        return max(len(t) for t in texts) * 1.3  # room for thousands separators
    return float(max(len(str(v)) for v in sample.tolist()))


def _width(column: TableColumn, values: pd.Series) -> float:
    if column.width is not None:
        return column.width
    if column.kind is CellKind.DATE:
        return max(12.0, len(column.title) + 3.0)
    return min(60.0, max(len(column.title) + 3.0, _longest(column, values) + 2.0, 8.0))


@dataclass
class _Table:
    sheet: Worksheet
    frame: pd.DataFrame
    columns: tuple[TableColumn, ...]


class ReportWorkbook:
    """A workbook of free-form sheets (openpyxl) and large formatted tables (streamed)."""

    def __init__(self) -> None:
        self.book = Workbook()
        self.book.remove(self.book.active)
        self._tables: list[_Table] = []

    def sheet(self, title: str) -> Worksheet:
        """A plain openpyxl sheet, set up to print landscape and one page wide; write text
        with `safe.set_text`/`set_value`."""
        ws = self.book.create_sheet(sheet_title(title))
        fit_to_print(ws)
        return ws

    def add_table(self, title: str, frame: pd.DataFrame, columns: Sequence[TableColumn], *,
                  fill: str | None = None, header_fill: str = HEADER_FILL) -> Worksheet:
        """A sheet holding the frame: frozen header, autofilter, widths, number formats.

        `fill` colours every data row (an RRGGBB hex), e.g. for a sheet of breaks.
        """
        missing = [c.name for c in columns if c.name not in frame.columns]
        if missing:
            raise ValueError(f"table {title}: frame has no column(s) {missing}")
        ws = self.book.create_sheet(sheet_title(title))
        columns = tuple(columns)
        bold, head = Font(bold=True), PatternFill("solid", fgColor=header_fill)
        row_fill = PatternFill("solid", fgColor=fill) if fill else None
        for index, column in enumerate(columns, 1):
            cell = ws.cell(row=1, column=index)
            set_text(cell, column.title)
            cell.font, cell.fill = bold, head
            cell.alignment = Alignment(vertical="center", wrap_text=False)
            for row in (2, 3):  # style templates, replaced by the data when saved
                template = ws.cell(row=row, column=index, value=0)
                template.number_format = column.number_format
                if row_fill is not None:
                    template.fill = row_fill
                if row == 3 and column.kind is CellKind.TEXT:
                    template.quotePrefix = True
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = _width(column, frame[column.name])
        last = get_column_letter(len(columns))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{last}{max(len(frame), 1) + 1}"
        fit_to_print(ws, header_rows=1)
        self._tables.append(_Table(ws, frame, columns))
        return ws

    def save(self, path: str | Path) -> Path:
        """Write the workbook; the target appears only when complete."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, raw_name = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
        os.close(handle)
        raw = Path(raw_name)
        done = raw.with_suffix(".done.xlsx")
        try:
            save_exact(self.book, raw)  # a Decimal cell keeps its digits, not "%.16g"
            splice_tables(raw, done, self._splices(raw))
            os.replace(done, path)
        finally:
            raw.unlink(missing_ok=True)
            done.unlink(missing_ok=True)
        return path

    def _splices(self, saved: Path) -> list[Splice]:
        splices = []
        with zipfile.ZipFile(saved) as package:
            for table in self._tables:
                part = table.sheet.path.lstrip("/")
                styles = template_styles(package.read(part))
                columns = []
                for index, column in enumerate(table.columns, 1):
                    letter = get_column_letter(index)
                    columns.append(StreamColumn(
                        table.frame[column.name], letter, column.kind, styles[2, letter],
                        styles[3, letter], column.scale))
                splices.append(Splice(part, tuple(columns), len(table.frame),
                                      get_column_letter(len(table.columns))))
        return splices


def csv_cells(frame: pd.DataFrame, column: TableColumn) -> list[str]:
    """Text of one column as a CSV should hold it: exact money, ISO dates, safe text."""
    values = frame[column.name]
    missing = values.isna().to_numpy()
    if column.kind is CellKind.MONEY:
        texts = money_text(values.fillna(0).to_numpy(dtype=np.int64), column.scale)
    elif column.kind is CellKind.DATE:
        texts = values.dt.strftime("%Y-%m-%d").fillna("").tolist()
    else:
        texts = [str(v) for v in values.tolist()]
        if column.kind is CellKind.TEXT:
            texts = [csv_safe(t) for t in texts]
    return [("" if gone else t) for t, gone in zip(texts, missing, strict=True)]


def write_csv(path: str | Path, frame: pd.DataFrame, columns: Sequence[TableColumn]) -> Path:
    """A UTF-8 CSV (with BOM, so Excel reads the accents) safe to open in a spreadsheet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [csv_cells(frame, column) for column in columns]
    partial = path.with_suffix(path.suffix + ".partial")
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_safe(c.title) for c in columns])
        writer.writerows(zip(*body, strict=True))
    os.replace(partial, path)
    return path


__all__ = ["CellKind", "ReportWorkbook", "TableColumn", "csv_cells", "fit_to_print", "set_text",
           "set_value", "sheet_title", "write_csv"]
