"""Rows of a workbook or CSV file, one at a time: memory stays flat whatever the size.

xlsx is read twice in step with openpyxl's read-only mode, once for what cells hold
(formulas as their text) and once for the values a spreadsheet program saved, so that a
formula cell can be told from a blank one: it comes as a `Formula` with its text and its
saved result (None when no program ever calculated it, as in files written by scripts).
CSV is decoded and split as it is read.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bots.errors import InputError
from connectors.sheets.grid import CSV_SUFFIXES, sniff_delimiter

XLSX_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class Formula:
    """A formula cell: its text (`=SUM(B2:B9)`) and the result saved with the file."""

    text: str
    cached: Any = None

    def __str__(self) -> str:
        return self.text


@dataclass
class RowSource:
    file: str
    sheet: str | None
    rows: Iterator[list[Any]]  # row 1 first; each a list of cell values
    close: Any = None


def open_rows(path: str | Path, *, sheet: str | int | None = None,
              encoding: str = "utf-8-sig", delimiter: str | None = None) -> RowSource:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path), expected="an existing file")
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _xlsx(path, sheet)
    if suffix in CSV_SUFFIXES:
        return _csv(path, encoding, delimiter)
    raise InputError("unknown file type", file=str(path),
                     expected=f"one of {sorted(XLSX_SUFFIXES | CSV_SUFFIXES)}", got=suffix)


def _xlsx(path: Path, sheet: str | int | None) -> RowSource:
    try:
        formulas = load_workbook(path, read_only=True, data_only=False)
        values = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError("cannot open the workbook", file=str(path),
                         expected="an xlsx workbook", got=str(exc)[:200]) from None
    names = formulas.sheetnames
    wanted = 0 if sheet is None else sheet
    if isinstance(wanted, int):
        if not 0 <= wanted < len(names):
            raise InputError("no such sheet", file=str(path), sheet=str(wanted),
                             expected=f"one of {names}")
        name = names[wanted]
    elif wanted in names:
        name = wanted
    else:
        raise InputError("no such sheet", file=str(path), sheet=wanted, expected=f"one of {names}")

    def rows() -> Iterator[list[Any]]:
        ws_f, ws_v = formulas[name], values[name]
        for row_f, row_v in zip(ws_f.iter_rows(), ws_v.iter_rows(values_only=True),
                                strict=False):
            out = []
            for n, cell in enumerate(row_f):
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    cached = row_v[n] if n < len(row_v) else None
                    out.append(Formula(str(value), cached))
                else:
                    out.append(value)
            yield out

    def close() -> None:
        formulas.close()
        values.close()

    return RowSource(str(path), name, rows(), close)


def _csv(path: Path, encoding: str, delimiter: str | None) -> RowSource:
    handle = path.open(encoding=encoding, newline="")
    try:
        sample = handle.read(65536)
        handle.seek(0)
    except UnicodeDecodeError as exc:
        handle.close()
        raise _encoding_error(path, encoding, exc) from None

    def rows() -> Iterator[list[Any]]:
        reader = csv.reader(handle, delimiter=delimiter or sniff_delimiter(sample))
        try:
            yield from reader
        except UnicodeDecodeError as exc:
            raise _encoding_error(path, encoding, exc) from None
        except csv.Error as exc:
            raise InputError("the file is not readable as CSV", file=str(path),
                             row=reader.line_num,
                             expected="comma, semicolon or tab separated text",
                             got=str(exc)) from None

    return RowSource(str(path), None, rows(), handle.close)


def _encoding_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> InputError:
    return InputError("the file is not in the declared encoding", file=str(path),
                      expected=f"text in {encoding} (declare encoding = \"cp1252\" for files "
                               "saved by older Excel)",
                      got=f"byte {exc.object[exc.start]:#x}")

