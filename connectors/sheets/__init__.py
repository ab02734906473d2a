"""Workbooks and CSV files: declared-schema loaders and safe, formatted writers.

    from connectors.sheets import Column, ColumnType, SheetSchema, load_sheet
    loaded = load_sheet("statement.xlsx", BANK_SCHEMA)     # .frame, .dropped, .header_row

    from connectors.sheets import ReportWorkbook, TableColumn, CellKind, write_csv

    from connectors.sheets import read_rows, write_exceptions   # one pydantic model per row
    rows = read_rows("orders.xlsx", Order, columns="orders.columns.toml", key="ref")
"""

from __future__ import annotations

from connectors.sheets.columns import ColumnMap
from connectors.sheets.loader import LoadedSheet, find_header, load_sheet
from connectors.sheets.rows import (
    RowProblem,
    RowReader,
    Rows,
    ValidRow,
    read_rows,
    runs_as_formula,
    write_exceptions,
)
from connectors.sheets.safe import csv_safe, set_text
from connectors.sheets.schema import (
    Column,
    ColumnType,
    DroppedRow,
    NumberStyle,
    SchemaError,
    SheetSchema,
    normalize_header,
)
from connectors.sheets.writer import CellKind, ReportWorkbook, TableColumn, write_csv

__all__ = [
    "CellKind",
    "Column",
    "ColumnMap",
    "ColumnType",
    "DroppedRow",
    "LoadedSheet",
    "NumberStyle",
    "ReportWorkbook",
    "RowProblem",
    "RowReader",
    "Rows",
    "SchemaError",
    "SheetSchema",
    "TableColumn",
    "ValidRow",
    "csv_safe",
    "find_header",
    "load_sheet",
    "normalize_header",
    "read_rows",
    "runs_as_formula",
    "set_text",
    "write_csv",
    "write_exceptions",
]
