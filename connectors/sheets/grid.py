"""Raw cells of a sheet as a 2-D object array whose [0, 0] is cell A1.

xlsx is read with python-calamine (Rust): ~6x faster than openpyxl on 100k rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from python_calamine import CalamineError, CalamineWorkbook

from bots.errors import InputError
from connectors.sheets.schema import SheetSchema

XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Grid:
    cells: np.ndarray  # object, shape (rows, columns)
    file: str
    sheet: str | None
    merged: tuple[tuple[int, int, int, int], ...] = ()  # (row0, col0, row1, col1), inclusive


def _rectangle(rows: list[list[object]]) -> np.ndarray:
    width = max((len(r) for r in rows), default=0)
    if rows and all(len(r) == width for r in rows):
        cells = np.empty((len(rows), width), dtype=object)
        cells[:] = rows  # one C-level copy; np.array() could mistake a cell for a sequence
        return cells
    cells = np.full((len(rows), width), None, dtype=object)
    for i, row in enumerate(rows):
        cells[i, : len(row)] = row
    return cells


def read_xlsx(path: Path, schema: SheetSchema) -> Grid:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError("cannot open the workbook", file=str(path),
                         expected="an xlsx workbook", got=str(exc)) from None
    names = list(book.sheet_names)
    wanted = schema.sheet if schema.sheet is not None else 0
    if isinstance(wanted, int):
        if not 0 <= wanted < len(names):
            raise InputError("no such sheet", file=str(path), sheet=str(wanted),
                             expected=f"one of {names}")
        name = names[wanted]
    elif wanted in names:
        name = wanted
    else:
        raise InputError("no such sheet", file=str(path), sheet=wanted, expected=f"one of {names}")
    sheet = book.get_sheet_by_name(name)
    # skip_empty_area=False keeps [0, 0] at A1, so row numbers are the ones Excel shows
    rows = sheet.to_python(skip_empty_area=False)
    merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ()))
    return Grid(_rectangle(rows), str(path), name, merged)


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | that splits the sample's first lines most evenly."""
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    best, best_rows = ",", -1
    for delimiter in _DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        common = max(set(counts), key=counts.count) if counts else 0
        rows = sum(1 for c in counts if c == common) if common else 0
        if rows > best_rows:
            best, best_rows = delimiter, rows
    return best


def read_csv(path: Path, schema: SheetSchema) -> Grid:
    try:
        text = path.read_text(encoding=schema.encoding)
    except UnicodeDecodeError as exc:
        raise InputError("the file is not in the declared encoding", file=str(path),
                         expected=f"text in {schema.encoding} (declare encoding = \"cp1252\" "
                                  "for files saved by older Excel)",
                         got=f"byte {exc.object[exc.start]:#x} at offset {exc.start}") from None
    delimiter = schema.delimiter or sniff_delimiter(text[:65536])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return Grid(_rectangle(rows), str(path), None)


def read_grid(path: str | Path, schema: SheetSchema) -> Grid:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path), expected="an existing file")
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path, schema)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, schema)
    raise InputError("unknown file type", file=str(path),
                     expected=f"one of {sorted(XLSX_SUFFIXES | CSV_SUFFIXES)}", got=suffix)
