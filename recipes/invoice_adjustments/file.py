"""Reading the request file (xlsx or CSV) into typed requests, money exact from the first byte.

The header row is found by `connectors.sheets` (`find_header`: the row among the first 30
naming the most declared columns, header texts compared without case, accents or
punctuation). A CSV is read by `connectors.sheets.grid` as text. An xlsx is read here
instead: openpyxl and calamine hand every stored number over as a float, so its numbers
come from the worksheet XML as digits (`connectors.xlsx_exact.stored_numbers`) and its
text from openpyxl; no amount is ever a float.

A blank row is skipped. A cell that cannot be read stops the whole file with an
`InputError` naming file, sheet, row and column, before anything is queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

from bots.errors import InputError
from connectors.sheets.grid import CSV_SUFFIXES, Grid, read_csv
from connectors.sheets.loader import find_header
from connectors.sheets.schema import Column, SheetSchema
from connectors.xlsx_exact import stored_numbers
from recipes.invoice_adjustments.requests import (
    COLUMNS,
    REQUIRED,
    AdjustmentRequest,
    request_from_row,
)

HEADERS: dict[str, tuple[str, ...]] = {
    "request_id": ("request_id", "request", "solicitud"),
    "invoice_id": ("invoice_id", "invoice", "factura"),
    "kind": ("kind", "type", "tipo"),
    "amount": ("amount", "net amount", "importe"),
    "percentage": ("percentage", "percent", "porcentaje"),
    "reason_code": ("reason_code", "reason", "motivo"),
    "requested_by": ("requested_by", "requester", "solicitante"),
    "approved_by": ("approved_by", "approver", "aprobado por"),
    "second_approver": ("second_approver", "second approver", "segundo aprobador"),
    "note": ("note", "notes", "nota"),
    "customer_email": ("customer_email", "email", "customer email", "correo"),
    "customer_phone": ("customer_phone", "phone", "customer phone", "telefono", "movil"),
    "customer_language": ("customer_language", "language", "idioma"),
}
REQUEST_SCHEMA = SheetSchema(
    columns=tuple(Column(name, headers=HEADERS[name], required=name in REQUIRED)
                  for name in COLUMNS),
    sheet="Requests",
)
XLSX_SUFFIXES = {".xlsx", ".xlsm"}


def read_requests(path: Path, sheet: str | None = "Requests") -> list[AdjustmentRequest]:
    """Every request of the file, in file order (duplicates included: see split_duplicates)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path), expected="an existing request file")
    grid = _grid(path, sheet)
    header, mapping = find_header(grid, REQUEST_SCHEMA)
    if "amount" not in mapping and "percentage" not in mapping:
        raise InputError("the request file has neither an amount nor a percentage column",
                         file=grid.file, sheet=grid.sheet, row=header + 1)
    requests = []
    for row_no, values in _rows(grid, header, mapping):
        requests.append(request_from_row(values, file=grid.file, sheet=grid.sheet, row=row_no))
    return requests


def _rows(grid: Grid, header: int, mapping: dict[str, int],
          ) -> Iterator[tuple[int, dict[str, object]]]:
    for r in range(header + 1, grid.cells.shape[0]):
        values = {name: grid.cells[r, index] for name, index in mapping.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        yield r + 1, values


def _grid(path: Path, sheet: str | None) -> Grid:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path, REQUEST_SCHEMA)
    if suffix in XLSX_SUFFIXES:
        return exact_xlsx_grid(path, sheet)
    raise InputError("unknown file type", file=str(path),
                     expected=f"one of {sorted(XLSX_SUFFIXES | CSV_SUFFIXES)}", got=suffix)


def exact_xlsx_grid(path: Path, sheet: str | None) -> Grid:
    """The sheet's cells, [0, 0] = A1: text as text, numbers as exact Decimals."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError("cannot open the workbook", file=str(path), expected="an xlsx workbook",
                         got=str(exc)) from None
    try:
        name = sheet if sheet in workbook.sheetnames else None
        if name is None and sheet is not None and len(workbook.sheetnames) > 1:
            raise InputError("no such sheet", file=str(path), sheet=sheet,
                             expected=f"one of {workbook.sheetnames}")
        name = name or workbook.sheetnames[0]
        numbers = stored_numbers(path, name, formulas=True)
        rows: list[list[object]] = []
        for row in workbook[name].iter_rows(min_row=1, min_col=1):
            rows.append([_cell(c, numbers) for c in row])
    finally:
        workbook.close()
    width = max((len(r) for r in rows), default=0)
    cells = np.full((len(rows), width), None, dtype=object)
    for i, row in enumerate(rows):
        cells[i, : len(row)] = row
    return Grid(cells, str(path), name)


def _cell(cell: object, numbers: dict[str, Decimal]) -> object:
    coordinate = getattr(cell, "coordinate", None)
    if coordinate in numbers:
        return numbers[coordinate]  # the digits, not openpyxl's float
    value = getattr(cell, "value", None)
    if isinstance(value, float):
        # a number stored in a form we could not read exactly: refuse, never guess
        return _Unreadable(coordinate or "?")
    return value


class _Unreadable(str):
    """Shown in the InputError as the cell's content; never parses as an amount."""

    def __new__(cls, coordinate: str) -> _Unreadable:
        return super().__new__(cls, f"<number in {coordinate} not stored as digits>")
