"""Workbooks and CSV files: declared-schema loaders and safe, formatted writers.

    from connectors.sheets import Column, ColumnType, SheetSchema, load_sheet
    loaded = load_sheet("statement.xlsx", BANK_SCHEMA)     # .frame, .dropped, .header_row

    from connectors.sheets import ReportWorkbook, TableColumn, CellKind, write_csv
"""

from __future__ import annotations

from connectors.sheets.loader import LoadedSheet, find_header, load_sheet
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
    "ColumnType",
    "DroppedRow",
    "LoadedSheet",
    "NumberStyle",
    "ReportWorkbook",
    "SchemaError",
    "SheetSchema",
    "TableColumn",
    "csv_safe",
    "find_header",
    "load_sheet",
    "normalize_header",
    "set_text",
    "write_csv",
]
