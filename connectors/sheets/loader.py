"""Read a messy sheet into a typed frame through a declared schema.

The header row is found below any title rows; blank rows and totals rows are dropped
(and listed); every declared column is parsed to its type. The first bad cell stops
the load with an `InputError` naming file, sheet, Excel row, column and what was
expected. Reading changes nothing, so a failed load leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bots.errors import InputError
from connectors.sheets.cells import BLANK, TEXT, cell_repr, kinds, to_text
from connectors.sheets.dates import parse_dates
from connectors.sheets.grid import Grid, read_grid
from connectors.sheets.numbers import Parsed, parse_numbers
from connectors.sheets.schema import (
    Column,
    ColumnType,
    DroppedRow,
    SheetSchema,
    normalize_header,
)


@dataclass(frozen=True)
class LoadedSheet:
    """A sheet read through a schema: the typed frame, where the header was, the rows left out."""

    frame: pd.DataFrame
    file: str
    sheet: str | None
    header_row: int  # as Excel numbers it
    headers: dict[str, str]  # column name -> the header text found
    dropped: tuple[DroppedRow, ...]


def _fill_merged(grid: Grid, below: int) -> None:
    for r0, c0, r1, c1 in grid.merged:
        if r0 > below:
            grid.cells[r0 : r1 + 1, c0 : c1 + 1] = grid.cells[r0, c0]


def find_header(grid: Grid, schema: SheetSchema) -> tuple[int, dict[str, int]]:
    """(row index, column name -> column index) of the row that names the most columns."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for r in range(min(schema.header_search_rows, grid.cells.shape[0])):
        texts = [normalize_header(v) if isinstance(v, str) else "" for v in grid.cells[r]]
        found: dict[str, int] = {}
        for column in schema.columns:
            hits = [c for c, text in enumerate(texts) if text and column.matches(text)]
            if len(hits) > 1:
                raise InputError("a column's header appears twice", file=grid.file,
                                 sheet=grid.sheet, row=r + 1, column=column.name,
                                 expected="one header per column", got=column.headers)
            if hits:
                found[column.name] = hits[0]
        if len(found) > len(best[1]):
            best = (r, found)
    missing = [c for c in schema.columns if c.required and c.name not in best[1]]
    if missing:
        where = f" (best guess: row {best[0] + 1})" if best[0] >= 0 else ""
        raise InputError(f"no header row found in the first {schema.header_search_rows} rows"
                         f"{where}", file=grid.file, sheet=grid.sheet, column=missing[0].name,
                         expected=f"a header cell reading {' or '.join(missing[0].headers)!r}")
    return best


def _totals_pattern(schema: SheetSchema) -> str:
    words = "|".join(sorted((m.replace(" ", r"\W+") for m in schema.totals_markers), key=len,
                            reverse=True))
    return rf"^\W*(?:{words})(?:\W|$)"


def _row_filters(cells: np.ndarray, kind: np.ndarray, schema: SheetSchema,
                 mapping: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Masks of blank rows and totals rows among the data rows.

    A totals row carries a marker ("Total", "Saldo final") and either lacks a required
    value or has the marker where a date or number belongs: "Total Energies SA" in a
    name column of a complete row is a customer, not a total.
    """
    blank = (kind == BLANK).all(axis=1)
    required = [i for n, i in mapping.items() if _column(schema, n).required]
    incomplete = (kind[:, required] == BLANK).any(axis=1) & ~blank
    typed = [i for n, i in mapping.items() if _column(schema, n).type is not ColumnType.TEXT]
    pattern = _totals_pattern(schema)
    totals = np.zeros(len(cells), bool)
    for c in range(cells.shape[1]):
        rows = np.flatnonzero((kind[:, c] == TEXT) & (incomplete | (c in typed)))
        if len(rows):
            text = pd.Series(cells[rows, c], dtype="str")
            hit = text.str.contains(pattern, case=False, regex=True).to_numpy(dtype=bool)
            totals[rows[hit]] = True
    return blank, totals


def _column(schema: SheetSchema, name: str) -> Column:
    return next(c for c in schema.columns if c.name == name)


def _parse(column: Column, cells: np.ndarray, kind: np.ndarray, schema: SheetSchema) -> Parsed:
    style = schema.style_of(column)
    if column.type is ColumnType.DATE:
        return parse_dates(cells, schema.formats_of(column), schema.excel_serial_dates, kind)
    if column.type is ColumnType.MONEY:
        return parse_numbers(cells, scale=column.scale, style=style, kind=kind)
    if column.type is ColumnType.INTEGER:
        return parse_numbers(cells, scale=None, style=style, integer=True, kind=kind)
    if column.type is ColumnType.DECIMAL:
        return parse_numbers(cells, scale=None, style=style, kind=kind)
    text = to_text(cells)
    return Parsed(text.to_numpy(dtype=object), text.isna().to_numpy(), np.zeros(len(cells), bool),
                  "text")


def _series(column: Column, parsed: Parsed) -> pd.Series:
    values, blank = parsed.values, parsed.blank
    if column.type is ColumnType.TEXT:
        return pd.Series(values, dtype="str")
    if column.type is ColumnType.DATE:
        return pd.Series(values, dtype="datetime64[ns]")
    if column.type in (ColumnType.MONEY, ColumnType.INTEGER):
        if not blank.any():
            return pd.Series(values, dtype="int64")
        return pd.Series(pd.array(np.where(blank, 0, values), dtype="Int64")).mask(blank)
    return pd.Series(np.where(blank, None, values), dtype=object)


def _first_error(grid: Grid, schema: SheetSchema, rows: np.ndarray, problems: list[tuple[
        Column, int, np.ndarray, str]]) -> InputError:
    problems.sort(key=lambda p: (rows[p[2][0]], p[1]))
    column, index, bad, expected = problems[0]
    total = sum(len(p[2]) for p in problems)
    first = int(rows[bad[0]])
    more = f" ({total - 1} more bad cell{'s' if total > 2 else ''})" if total > 1 else ""
    got = cell_repr(grid.cells[first, index])
    message = ("a required value is missing" if got in (None, "") else "unreadable value") + more
    return InputError(message, file=grid.file, sheet=grid.sheet, row=first + 1,
                      column=column.name, expected=expected, got=got)


def load_sheet(path: str | Path, schema: SheetSchema) -> LoadedSheet:
    """The sheet as a typed frame through `schema`; the first bad cell raises InputError
    (for row-level validation that reports every row, see `read_rows`)."""
    grid = read_grid(path, schema)
    header, mapping = find_header(grid, schema)
    if schema.fill_merged:
        _fill_merged(grid, header)
    body = grid.cells[header + 1 :]
    kind = kinds(body.ravel()).reshape(body.shape)
    blank, totals = _row_filters(body, kind, schema, mapping)
    keep = ~(blank | totals)
    rows = np.flatnonzero(keep) + header + 1  # 0-based grid rows of the data
    dropped = tuple(DroppedRow(int(r) + header + 2, "blank" if blank[r] else "totals",
                               tuple(cell_repr(v) for v in body[r] if v not in (None, "")))
                    for r in np.flatnonzero(~keep))
    frame, problems = {}, []
    for column in schema.columns:
        index = mapping.get(column.name)
        if index is None:  # an optional column the sheet does not have
            cells, cell_kinds = np.full(len(rows), None, object), np.zeros(len(rows), np.int8)
        else:
            cells, cell_kinds = grid.cells[rows, index], kind[rows - header - 1, index]
        parsed = _parse(column, cells, cell_kinds, schema)
        bad = parsed.bad | (parsed.blank & column.required)
        if bad.any():
            expected = parsed.expected if not parsed.blank[bad][0] else f"a value ({parsed.expected})"
            problems.append((column, index, np.flatnonzero(bad), expected))
        frame[column.name] = _series(column, parsed)
    if problems:
        raise _first_error(grid, schema, rows, problems)
    out = pd.DataFrame(frame)
    if schema.keep_other_columns:
        _add_others(out, grid, header, rows, set(mapping.values()))
    if schema.row_column:
        out.insert(0, schema.row_column, rows + 1)
    return LoadedSheet(out, grid.file, grid.sheet, header + 1,
                       {name: str(grid.cells[header, i]).strip() for name, i in mapping.items()},
                       dropped)


def _add_others(out: pd.DataFrame, grid: Grid, header: int, rows: np.ndarray,
                used: set[int]) -> None:
    for index in range(grid.cells.shape[1]):
        title = grid.cells[header, index]
        if index in used or not isinstance(title, str) or not title.strip():
            continue
        if title.strip() not in out.columns:
            out[title.strip()] = to_text(grid.cells[rows, index]).to_numpy()
