"""The reconciliation report: a Summary that adds up, a sheet per class, and a CSV.

A streamed pass (inputs beyond memory) writes its lines chunk by chunk to CSV or Parquet
(`LinesFile`), and the workbook keeps the Summary and the first lines of each break class.

The Summary shows, per pass and class, rows and amounts of each side; its Total row
is the sum of the classes and the Input row is read from the inputs themselves, so a
person can see they agree (the `Check` column says so in words).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from bots.reconcile import MatchClass, Reconciliation, RuleSet, ThreeWay
from bots.reconcile.stream import StreamedReconciliation
from connectors.sheets import CellKind, ReportWorkbook, TableColumn, csv_safe, write_csv
from connectors.sheets.safe import set_value
from connectors.sheets.writer import HEADER_FILL, csv_cells

FILLS = {
    MatchClass.MATCHED_TOLERANCE: "E2EFDA",
    MatchClass.GROUPED: "DDEBF7",
    MatchClass.AMOUNT_BREAK: "FCE4D6",
    MatchClass.DATE_BREAK: "FFF2CC",
    MatchClass.AMBIGUOUS: "E4DFEC",
    MatchClass.DUPLICATE: "EDEDED",
    MatchClass.MISSING_LEFT: "F8CBAD",
    MatchClass.MISSING_RIGHT: "F8CBAD",
}


@dataclass(frozen=True)
class ReportFiles:
    workbook: Path
    csv: Path | None


def _passes(result: Reconciliation | ThreeWay) -> Mapping[str, Reconciliation]:
    if isinstance(result, ThreeWay):
        return result.passes
    return {result.rules.right.label: result}


def _money_format(scale: int) -> str:
    return "#,##0" + ("." + "0" * scale if scale else "")


def _summary_block(ws: Worksheet, top: int, name: str, result: Reconciliation) -> int:
    """Write one pass's table from row `top`; return the next free row."""
    left, right = result.labels()
    scale = result.rules.scale
    table = result.summary()
    inputs = result.input_totals()
    set_value(ws.cell(top, 1), f"{left} against {right}" if name == right else name)
    ws.cell(top, 1).font = Font(bold=True, size=12)
    headers = ["Class", "Meaning", f"{left} rows", f"{left} amount", f"{right} rows",
               f"{right} amount"]
    for col, text in enumerate(headers, 1):
        cell = ws.cell(top + 1, col)
        set_value(cell, text)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    row = top + 2
    for record in table.itertuples(index=False):
        cls = None if record[0] == "total" else MatchClass(record[0])
        values = [record[1], cls.description if cls else "sum of the classes",
                  record[2], _major(record[3], scale), record[4], _major(record[5], scale)]
        _summary_row(ws, row, values, scale, FILLS.get(cls) if cls else None, bold=cls is None)
        row += 1
    observed = [inputs[f"{left}_rows"], inputs[f"{left}_amount"], inputs[f"{right}_rows"],
                inputs[f"{right}_amount"]]
    values = ["Input", "read from the files", observed[0], _major(observed[1], scale),
              observed[2], _major(observed[3], scale)]
    _summary_row(ws, row, values, scale, None, bold=True)
    total = table.iloc[-1, 2:].tolist()
    check = "balanced" if [int(v) for v in total] == observed else "NOT BALANCED"
    set_value(ws.cell(row, 7), check)
    return row + 2


def _major(minor: int, scale: int) -> Decimal:
    return Decimal(int(minor)).scaleb(-scale)  # exact: openpyxl writes Decimal as is


def _summary_row(ws: Worksheet, row: int, values: list[object], scale: int, fill: str | None,
                 *, bold: bool) -> None:
    for col, value in enumerate(values, 1):
        cell = ws.cell(row, col)
        set_value(cell, value)
        if col in (4, 6):
            cell.number_format = _money_format(scale)
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
        if bold:
            cell.font = Font(bold=True)


def _write_summary(book: ReportWorkbook, passes: Mapping[str, Reconciliation]) -> None:
    ws = book.sheet("Summary")
    row = 1
    for name, result in passes.items():
        row = _summary_block(ws, row, name, result)
    for letter, width in zip("ABCDEFG", (20, 48, 14, 18, 14, 18, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    ws.print_area = f"A1:G{max(row - 1, 1)}"  # the Check column prints with its table


def _columns(frame: pd.DataFrame, money: set[str], scale: int) -> list[TableColumn]:
    columns = []
    for name in frame.columns:
        dtype = frame[name].dtype
        if name in money:
            kind = CellKind.MONEY
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kind = CellKind.DATE
        elif pd.api.types.is_integer_dtype(dtype):
            kind = CellKind.INTEGER
        else:
            kind = CellKind.TEXT
        columns.append(TableColumn(name, name.replace("_", " ").capitalize()
                                   if name in ("class", "rule", "link", "difference", "note", "pass")
                                   else name, kind, scale=scale))
    return columns


def all_lines(passes: Mapping[str, Reconciliation], extra_money: Collection[str] = ()
              ) -> tuple[pd.DataFrame, set[str]]:
    """Every pass's lines, with a `pass` column when there are several; and the money columns
    (each side's amount, and any column named in `extra_money`, e.g. a bank balance)."""
    frames, money = [], {"difference"}
    for name, result in passes.items():
        lines = result.lines()
        left, right = result.labels()
        money |= {f"{left} {result.rules.left.amount}", f"{right} {result.rules.right.amount}"}
        money |= {f"{label} {column}" for label in (left, right) for column in extra_money}
        if len(passes) > 1:
            lines.insert(0, "pass", name)
        frames.append(lines)
    merged = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return merged, money


def write_recon_report(result: Reconciliation | ThreeWay, workbook: str | Path, *,
                       csv: str | Path | None = None,
                       money_columns: Collection[str] = ()) -> ReportFiles:
    """The formatted workbook (and, if asked, one CSV of every line).

    `money_columns`: the inputs' columns typed money besides the matched amounts (a bank
    balance, say), held in minor units like them and shown as money, not as integers.
    """
    passes = _passes(result)
    scale = next(iter(passes.values())).rules.scale
    book = ReportWorkbook()
    _write_summary(book, passes)
    lines, money = all_lines(passes, money_columns)
    codes = lines["class"].astype("str")
    for cls in MatchClass:
        part = lines[codes == cls.value].reset_index(drop=True)
        if len(part):
            book.add_table(cls.title, part, _columns(part, money, scale), fill=FILLS.get(cls))
    if isinstance(result, ThreeWay):
        view = result.ledger_view()
        left = next(iter(passes.values()))
        book.add_table("Ledger", view, _columns(
            view, {left.rules.left.amount, *money_columns}, scale))
    path = book.save(workbook)
    csv_path = write_csv(csv, lines, _columns(lines, money, scale)) if csv is not None else None
    return ReportFiles(path, csv_path)


# ---- streamed passes: the Summary in a workbook, every line in chunks to CSV or Parquet ----
class LineFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


SHEET_ROWS = 100_000  # lines per break class kept for the workbook; all of them go to the file


class LinesFile:
    """A sink for a streamed pass's lines: appended chunk by chunk, and kept for the
    workbook up to `SHEET_ROWS` lines per break class. The file appears whole when the
    pass ends and not at all when it fails (it is written beside, then renamed)."""

    def __init__(self, path: str | Path, fmt: LineFormat, *, money: set[str], scale: int,
                 sheet_rows: int = SHEET_ROWS) -> None:
        self.path, self.format = Path(path), LineFormat(fmt)
        self.money, self.scale, self.sheet_rows = money, scale, sheet_rows
        self.partial = self.path.with_suffix(self.path.suffix + ".partial")
        self.kept: dict[MatchClass, list[pd.DataFrame]] = {}
        self.kept_rows: dict[MatchClass, int] = {}
        self.rows = 0
        self._handle: Any = None
        self._columns: list[TableColumn] | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def __enter__(self) -> LinesFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._parquet is not None:
            self._parquet.close()
        if error is not None:
            self.partial.unlink(missing_ok=True)
            return
        if self._handle is None and self._parquet is None:  # no lines: still a valid file
            self._start(pd.DataFrame({"class": pd.Series([], dtype="str")}))
            self.__exit__(None, None, None)
            return
        os.replace(self.partial, self.path)

    def __call__(self, lines: pd.DataFrame) -> None:
        self.rows += len(lines)
        self._keep(lines)
        frame = lines.assign(**{"class": lines["class"].astype("str")})
        if self._handle is None and self._parquet is None:
            self._start(frame)
        if self.format is LineFormat.CSV:
            assert self._columns is not None
            body = [csv_cells(frame, column) for column in self._columns]
            csv.writer(self._handle).writerows(zip(*body, strict=True))
        else:
            assert self._parquet is not None and self._schema is not None
            self._parquet.write_table(self._arrow(frame).cast(self._schema))

    def _start(self, frame: pd.DataFrame) -> None:
        if self.format is LineFormat.CSV:
            self._columns = _columns(frame, self.money, self.scale)
            self._handle = self.partial.open("w", encoding="utf-8-sig", newline="")
            csv.writer(self._handle).writerow([csv_safe(c.title) for c in self._columns])
        else:
            self._schema = self._arrow(frame).schema
            self._parquet = pq.ParquetWriter(self.partial, self._schema)

    def _arrow(self, frame: pd.DataFrame) -> pa.Table:
        columns = {}
        for name in frame.columns:
            values = frame[name]
            if name in self.money:
                columns[name] = _decimals(values, self.scale)  # exact, in major units
            elif pd.api.types.is_integer_dtype(values.dtype):
                columns[name] = pa.array(values.astype("Int64"), type=pa.int64(),
                                         from_pandas=True)
            elif values.dtype == object:  # Decimals and mixed cells: their text, one type
                columns[name] = pa.array(values.astype("str"), type=pa.string(), from_pandas=True)
            else:
                columns[name] = pa.array(values, from_pandas=True)
        return pa.table(columns)

    def _keep(self, lines: pd.DataFrame) -> None:
        codes = lines["class"].astype("str")
        for cls in MatchClass:
            room = self.sheet_rows - self.kept_rows.get(cls, 0)
            if not cls.is_break or room <= 0:
                continue
            part = lines[codes == cls.value].head(room)
            if len(part):
                self.kept.setdefault(cls, []).append(part)
                self.kept_rows[cls] = self.kept_rows.get(cls, 0) + len(part)


def _decimals(values: pd.Series, scale: int) -> pa.Array:
    """Integer minor units as decimal128(38, scale): the same digits, no float between."""
    ints = values.astype("Int64")
    blank = ints.isna().to_numpy()
    low = ints.to_numpy(dtype=np.int64, na_value=0)
    words = np.empty(2 * len(low), dtype=np.int64)
    words[0::2], words[1::2] = low, np.where(low < 0, -1, 0)  # two's complement, 128 bits
    validity = pa.array(~blank).buffers()[1] if blank.any() else None
    return pa.Array.from_buffers(pa.decimal128(38, scale), len(low),
                                 [validity, pa.py_buffer(words)])


def line_money(rules: RuleSet) -> set[str]:
    """The money columns of a pass's lines: both amounts and the difference."""
    return {"difference", f"{rules.left.label} {rules.left.amount}",
            f"{rules.right.label} {rules.right.amount}"}


def write_streamed_report(passes: Mapping[str, tuple[StreamedReconciliation, LinesFile]],
                          workbook: str | Path) -> Path:
    """The Summary of every streamed pass, and per break class its first lines; every line
    is in the pass's lines file, named on the Summary."""
    book = ReportWorkbook()
    ws = book.sheet("Summary")
    row = 1
    for name, (result, lines) in passes.items():
        row = _summary_block(ws, row, name, result)  # type: ignore[arg-type]
        set_value(ws.cell(row - 1, 1), f"all {lines.rows:,} lines: {lines.path.name}")
        row += 1
    for letter, width in zip("ABCDEFG", (20, 48, 14, 18, 14, 18, 14), strict=True):
        ws.column_dimensions[letter].width = width
    scale = next(iter(passes.values()))[0].rules.scale
    for name, (result, lines) in passes.items():
        for cls, parts in lines.kept.items():
            part = pd.concat(parts, ignore_index=True)
            title = cls.title if len(passes) == 1 else f"{name} {cls.title}"
            book.add_table(title, part, _columns(part, line_money(result.rules), scale),
                           fill=FILLS.get(cls))
    return book.save(workbook)
