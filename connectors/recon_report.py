"""The reconciliation report: a Summary that adds up, a sheet per class, and a CSV.

The Summary shows, per pass and class, rows and amounts of each side; its Total row
is the sum of the classes and the Input row is read from the inputs themselves, so a
person can see they agree (the `Check` column says so in words).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from bots.reconcile import MatchClass, Reconciliation, ThreeWay
from connectors.sheets import CellKind, ReportWorkbook, TableColumn, write_csv
from connectors.sheets.safe import set_value
from connectors.sheets.writer import HEADER_FILL

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
