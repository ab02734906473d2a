"""The declared shape of a sheet: which columns, of what type, found under which headers.

    BANK = SheetSchema(
        columns=(
            Column("value_date", ColumnType.DATE, headers=("Fecha valor", "Value date"),
                   date_formats=("%d/%m/%Y",)),
            Column("concept", ColumnType.TEXT, headers=("Concepto",)),
            Column("amount", ColumnType.MONEY, headers=("Importe",)),
        ),
        number_style=NumberStyle.COMMA,     # 1.234,56
    )

A schema is a frozen value: bad declarations are refused when it is built, so a
typo'd type fails at import, not at 3 a.m. on row 40,000.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeVar


class ColumnType(StrEnum):
    """The type a declared column is parsed to; money and decimal are exact."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"  # exact: int64 minor units (cents) in the frame
    DECIMAL = "decimal"  # exact: decimal.Decimal objects, for rates and quantities
    DATE = "date"


class NumberStyle(StrEnum):
    """How amounts written as text separate thousands and decimals."""

    POINT = "point"  # 1,234.56
    COMMA = "comma"  # 1.234,56
    AUTO = "auto"  # per column, from the cells that can only be read one way


class SchemaError(ValueError):
    """A schema that cannot be right: the programmer's mistake, found when declared."""


DEFAULT_TOTALS = ("total", "totals", "totales", "total general", "grand total", "subtotal",
                  "suma", "sum", "saldo final", "closing balance")


def normalize_header(text: object) -> str:
    """Casefolded, accents and punctuation dropped: "Fecha  Valor (€)" -> "fecha valor"."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.casefold()).split())


@dataclass(frozen=True)
class Column:
    """One declared column of a sheet schema: name, type, headers (docs/sheets.md)."""

    name: str
    type: ColumnType = ColumnType.TEXT
    headers: tuple[str, ...] = ()  # header texts to look for; default: the name
    required: bool = True  # a blank cell is an error (else the value is missing)
    scale: int = 2  # MONEY: digits of the minor unit (2 for cents, 0 for yen)
    number_style: NumberStyle | None = None  # default: the schema's
    date_formats: tuple[str, ...] | None = None  # default: the schema's

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise SchemaError(f"a column needs a name, got {self.name!r}")
        object.__setattr__(self, "type", _member(ColumnType, self.type, f"column {self.name}: type"))
        headers = tuple(self.headers) or (self.name,)
        if not all(normalize_header(h) for h in headers):
            raise SchemaError(f"column {self.name}: empty header in {headers!r}")
        object.__setattr__(self, "headers", headers)
        if not 0 <= self.scale <= 6:
            raise SchemaError(f"column {self.name}: scale must be 0..6, got {self.scale}")
        if self.number_style is not None:
            object.__setattr__(self, "number_style", _member(
                NumberStyle, self.number_style, f"column {self.name}: number_style"))
        if self.date_formats is not None:
            object.__setattr__(self, "date_formats", _formats(self.date_formats, self.name))

    def matches(self, header: str) -> bool:
        return header in {normalize_header(h) for h in self.headers}


E = TypeVar("E", ColumnType, NumberStyle)


def _member(kind: type[E], value: object, where: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise SchemaError(f"{where} {value!r}: expected one of "
                          f"{', '.join(m.value for m in kind)}") from None


def _formats(value: object, where: str) -> tuple[str, ...]:
    formats = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
    if not formats or not all(isinstance(f, str) and "%" in f for f in formats):
        raise SchemaError(f"{where}: date formats must be strptime patterns, got {value!r}")
    return formats


@dataclass(frozen=True)
class SheetSchema:
    """The declared shape of a sheet for `load_sheet` (docs/sheets.md); refuses bad values when
    built."""

    columns: tuple[Column, ...]
    sheet: str | int | None = None  # xlsx: name or 0-based index; None: the first sheet
    header_search_rows: int = 30  # title rows above the header are skipped
    number_style: NumberStyle = NumberStyle.AUTO
    date_formats: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y")
    excel_serial_dates: bool = True  # numbers in a date column are Excel day serials
    totals_markers: tuple[str, ...] = DEFAULT_TOTALS
    delimiter: str | None = None  # CSV: None sniffs among , ; tab |
    encoding: str = "utf-8-sig"  # CSV
    fill_merged: bool = True  # a merged cell's value fills every cell of its range
    row_column: str = "source_row"  # the Excel row number a person sees; "" to leave out
    keep_other_columns: bool = False  # undeclared columns come along as text

    def __post_init__(self) -> None:
        columns = tuple(self.columns)
        if not columns:
            raise SchemaError("a schema needs at least one column")
        names = [c.name for c in columns]
        if len(set(names)) != len(names) or self.row_column in names:
            raise SchemaError(f"column names must be unique (and not {self.row_column!r}): {names}")
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "number_style", _member(NumberStyle, self.number_style,
                                                         "number_style"))
        object.__setattr__(self, "date_formats", _formats(self.date_formats, "schema"))
        object.__setattr__(self, "totals_markers", tuple(normalize_header(m)
                                                         for m in self.totals_markers))
        if self.header_search_rows < 1:
            raise SchemaError("header_search_rows must be at least 1")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise SchemaError(f"delimiter must be one character, got {self.delimiter!r}")

    def style_of(self, column: Column) -> NumberStyle:
        return column.number_style or self.number_style

    def formats_of(self, column: Column) -> tuple[str, ...]:
        return column.date_formats or self.date_formats

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SheetSchema:
        """From a TOML table: `columns = [{name = "amount", type = "money"}, ...]`."""
        allowed = {f.name for f in fields(cls)}
        unknown = set(raw) - allowed
        if unknown:
            raise SchemaError(f"unknown schema key(s) {sorted(unknown)}")
        table = dict(raw)
        column_keys = {f.name for f in fields(Column)}
        columns = []
        for item in table.get("columns", ()):
            bad = set(item) - column_keys
            if bad:
                raise SchemaError(f"column {item.get('name', '?')}: unknown key(s) {sorted(bad)}")
            columns.append(Column(**{k: tuple(v) if isinstance(v, list) else v
                                     for k, v in item.items()}))
        table["columns"] = tuple(columns)
        for key in ("date_formats", "totals_markers"):
            if key in table:
                table[key] = tuple(table[key])
        return cls(**table)


@dataclass(frozen=True)
class DroppedRow:
    """A row the loader left out on purpose, kept for the audit trail."""

    row: int
    reason: str  # "blank" or "totals"
    cells: tuple[Any, ...] = field(default=())
