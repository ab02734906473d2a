"""Which sheet column holds which field of a row model: header names and their aliases.

In code, or in a TOML file the user edits, so another workbook's headers need no code:

    # sales.columns.toml
    sheet = "Ventas"                  # optional: the sheet (name or 0-based index)
    decimal_comma = true              # text amounts written 1.234,56 (false: 1,234.56)
    date_formats = ["%d/%m/%Y"]       # how text dates are written
    allow_formula_text = ["notes"]    # fields that may start with = + - @ (never keyed)
    encoding = "cp1252"               # CSV saved by an older Excel (default utf-8)

    [columns]                         # field = header, or [header, alias, ...]
    external_id = ["External ID", "Id externo", "Ref"]
    sale_date = "Fecha"

A field not listed is found under its own name, its pydantic alias or title. Headers are
compared without case, accents or punctuation ("Fecha  Venta (dd/mm)" = "fecha venta dd mm").
Every key with its default: docs/sheets.md.
"""

from __future__ import annotations

import codecs
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bots.errors import UsageError
from connectors.sheets.schema import normalize_header

KEYS = frozenset({"sheet", "decimal_comma", "date_formats", "allow_formula_text", "columns",
                  "header_rows", "encoding"})  # a TOML mapping's keys (docs/sheets.md)


@dataclass(frozen=True)
class ColumnMap:
    """Which sheet headers hold which fields of a row model, and how text is read
    (docs/sheets.md)."""

    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # field -> headers
    sheet: str | int | None = None
    decimal_comma: bool = True
    date_formats: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
    allow_formula_text: frozenset[str] = frozenset()
    header_rows: int = 30  # title rows above the header are skipped
    encoding: str = "utf-8-sig"  # CSV: "cp1252" for files saved by older Excel

    def __post_init__(self) -> None:
        fixed = {}
        for name, headers in dict(self.headers).items():
            found = (headers,) if isinstance(headers, str) else tuple(headers)
            if not found or not all(isinstance(h, str) and normalize_header(h) for h in found):
                raise UsageError(f"column {name}: give one or more header names, got {headers!r}")
            fixed[name] = found
        object.__setattr__(self, "headers", fixed)
        object.__setattr__(self, "allow_formula_text", frozenset(self.allow_formula_text))
        object.__setattr__(self, "date_formats", tuple(self.date_formats))
        if not self.date_formats or not all("%" in f for f in self.date_formats):
            raise UsageError(f"date_formats must be strptime patterns, got {self.date_formats!r}")
        if self.header_rows < 1:
            raise UsageError(f"header_rows must be at least 1, got {self.header_rows}")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise UsageError(f"encoding {self.encoding!r} is not a codec Python knows") from None

    @classmethod
    def load(cls, path: str | Path) -> ColumnMap:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"column mapping {path}: {exc}") from None
        return cls.from_mapping(data, where=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "column mapping") -> ColumnMap:
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise UsageError(f"{where}: unknown key(s) {unknown} (known: {sorted(KEYS)})")
        columns = data.get("columns", {})
        if not isinstance(columns, Mapping):
            raise UsageError(f"{where}: [columns] must be a table of field = header(s)")
        # a quoted "false" or "30" is a typo to name, not a value to coerce
        typed = {"sheet": (str, int), "decimal_comma": bool, "header_rows": int, "encoding": str}
        for key, kind in typed.items():
            value = data.get(key)
            if value is not None and (not isinstance(value, kind) or (
                    isinstance(value, bool) and kind is not bool)):
                raise UsageError(f"{where}: {key} = {value!r}: expected {_EXPECTED[key]}")
        try:
            return cls(headers=columns, sheet=data.get("sheet"),
                       decimal_comma=data.get("decimal_comma", True),
                       date_formats=tuple(data.get("date_formats", cls.date_formats)),
                       allow_formula_text=frozenset(data.get("allow_formula_text", ())),
                       header_rows=data.get("header_rows", 30),
                       encoding=data.get("encoding", "utf-8-sig"))
        except UsageError as exc:
            raise UsageError(f"{where}: {exc}") from None

    def check_fields(self, model: type[BaseModel], where: str = "column mapping") -> None:
        """Refuse a mapping that names fields the model does not have (a typo)."""
        known = set(model.model_fields)
        wrong = sorted((set(self.headers) | self.allow_formula_text) - known)
        if wrong:
            raise UsageError(f"{where}: {model.__name__} has no field(s) {wrong} "
                             f"(has {sorted(known)})")

    def headers_of(self, model: type[BaseModel], name: str) -> tuple[str, ...]:
        """The headers a field is found under: the mapping's, else its name, alias, title."""
        if name in self.headers:
            return tuple(self.headers[name])
        info = model.model_fields[name]
        found = [name, name.replace("_", " ")]
        for extra in (info.alias, info.title):
            if isinstance(extra, str):
                found.append(extra)
        return tuple(dict.fromkeys(found))


_EXPECTED = {"sheet": "a sheet name or a 0-based index", "decimal_comma": "true or false",
             "header_rows": "a whole number", "encoding": "a codec name such as \"cp1252\""}


def as_column_map(columns: ColumnMap | Mapping[str, Any] | str | Path | None) -> ColumnMap:
    if columns is None:
        return ColumnMap()
    if isinstance(columns, ColumnMap):
        return columns
    if isinstance(columns, str | Path):
        return ColumnMap.load(columns)
    return ColumnMap.from_mapping(columns)
