"""Row-level validation of any workbook or CSV: one pydantic model per row, every problem
of every row reported, the valid rows returned.

    class Order(BaseModel):
        ref: str
        day: date
        amount: Decimal = Field(gt=0, decimal_places=2)
        note: str = ""

    rows = read_rows("orders.xlsx", Order, columns="orders.columns.toml", key="ref")
    rows.valid       # [ValidRow(row=2, value=Order(...)), ...] in sheet order
    rows.problems    # [RowProblem(row=5, column="Importe", value="12,5x", reason=...), ...]
    write_exceptions(rows, "exceptions.xlsx")        # the rejected rows, with reasons

Columns are found by header (see `columns.py`: names and aliases in code or TOML); every
missing required header is named at once. Cells are read by the model's field types:
Decimal exactly (text as 1.234,56 or 1,234.56 per the mapping, number cells within
rounding noise), int, date (text formats or Excel dates), bool (yes/no, sí/no, x, 1/0),
text. A formula cell counts by the result a spreadsheet program saved with it; with no
saved result it is reported as a formula with its text, never read as blank. Text that a
spreadsheet would run as a formula (`=`, `@`, or `+`/`-` followed by more than a number)
is refused in text fields, which may be keyed into a portal, unless the mapping allows it
for that field. A later row repeating the `key` of an earlier one is refused.

Rows are read and validated in batches (`RowReader.batches`), so a file of millions of rows
is worked in flat memory; `read_rows` collects them all for files that fit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from bots.errors import InputError
from connectors.sheets.cells import BLANK, kinds, to_text
from connectors.sheets.columns import ColumnMap, as_column_map
from connectors.sheets.dates import parse_dates
from connectors.sheets.numbers import parse_numbers
from connectors.sheets.schema import NumberStyle, normalize_header
from connectors.sheets.stream import Formula, open_rows

M = TypeVar("M", bound=BaseModel)
BATCH = 5000
_YES = frozenset({"yes", "y", "si", "sí", "s", "true", "1", "x", "verdadero"})
_NO = frozenset({"no", "n", "false", "0", "falso"})
_HARMLESS_SIGNED = re.compile(r"^[+\-][\d\s.,()/]*$")  # -12,50 or +34 600 123 456
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never typed by a person
SHOWN = 300  # characters of a bad value kept in a problem


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem of one row: the row, the column as the sheet names it, the reason, the value."""

    row: int  # as the spreadsheet numbers it
    column: str  # as the user's sheet names it
    reason: str
    value: str = ""
    key: str | None = None


@dataclass(frozen=True, slots=True)
class ValidRow(Generic[M]):
    """A row that passed: its row number and the model built from it."""

    row: int
    value: M


@dataclass
class Rows(Generic[M]):
    """What `read_rows` read: the valid rows, every problem, the header found."""

    file: str
    sheet: str | None
    header_row: int
    titles: dict[str, str]  # field -> header text found in the sheet
    valid: list[ValidRow[M]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0  # data rows read (blank rows not counted)

    @property
    def rejected_rows(self) -> set[int]:
        return {p.row for p in self.problems}

    @property
    def values(self) -> list[M]:
        return [v.value for v in self.valid]


def _plain(annotation: Any) -> Any:
    """`Decimal` from `Decimal | None`, `Annotated[Decimal, ...]`, `Optional[Decimal]`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _plain(args[0]) if len(args) == 1 else str
    return annotation


def _places(info: FieldInfo) -> int | None:
    for meta in info.metadata:
        places = getattr(meta, "decimal_places", None)
        if isinstance(places, int):
            return places
    return None


def field_kind(info: FieldInfo) -> str:
    """How a field's cells are read: `money2` is a Decimal with 2 decimal places, read as
    exact minor units (a number cell only when it lies within rounding noise of cents)."""
    kind = _plain(info.annotation)
    if isinstance(kind, type):
        if issubclass(kind, bool):
            return "bool"
        if issubclass(kind, Decimal):
            places = _places(info)
            return f"money{places}" if places is not None and places <= 6 else "decimal"
        if issubclass(kind, int):
            return "integer"
        if issubclass(kind, dt.date):
            return "date"
    return "text"


def runs_as_formula(text: str) -> bool:
    """Text a spreadsheet program would evaluate when the cell is opened or pasted."""
    if not text:
        return False
    if text[0] in "=@\t\r":
        return True
    return text[0] in "+-" and not _HARMLESS_SIGNED.match(text)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class RowReader(Generic[M]):
    """Reads a sheet row by row into `model`; see the module's docstring."""

    def __init__(self, path: str | Path, model: type[M], *,
                 columns: ColumnMap | Mapping[str, Any] | str | Path | None = None,
                 sheet: str | int | None = None, key: str | None = None,
                 context: Mapping[str, Any] | None = None, batch: int = BATCH) -> None:
        self.model, self.key, self.context = model, key, dict(context or {})
        self.map = as_column_map(columns)
        self.map.check_fields(model)
        if key is not None and key not in model.model_fields:
            raise ValueError(f"{model.__name__} has no field {key!r} to use as the key")
        self.kinds = {name: field_kind(info) for name, info in model.model_fields.items()}
        self.batch = batch
        self.source = open_rows(path, sheet=sheet if sheet is not None else self.map.sheet,
                                encoding=self.map.encoding)
        self._seen: dict[int, int] = {}  # hash of a casefolded key -> its first row
        self.result: Rows[M] = Rows(self.source.file, self.source.sheet, 0, {})
        self.columns: dict[str, int] = {}
        self._header()

    # -- the header --------------------------------------------------------------------
    def _header(self) -> None:
        wanted = {name: {normalize_header(h) for h in self.map.headers_of(self.model, name)}
                  for name in self.model.model_fields}
        best: tuple[int, dict[str, int], list[Any]] = (-1, {}, [])
        scanned: list[list[Any]] = []  # given back to the data rows below the header
        for number, cells in enumerate(self.source.rows, start=1):
            scanned.append(cells)
            texts = [normalize_header(_show(c)) for c in cells]
            found = {}
            for name, headers in wanted.items():
                hits = [i for i, t in enumerate(texts) if t and t in headers]
                if len(hits) > 1:
                    raise InputError("a column's header appears twice", file=self.source.file,
                                     sheet=self.source.sheet, row=number, column=_show(cells[hits[1]]),
                                     expected=f"one column for {name}")
                if hits:
                    found[name] = hits[0]
            if len(found) > len(best[1]):
                best = (number, found, cells)
            if len(found) == len(wanted) or number >= self.map.header_rows:
                break
        number, found, cells = best
        required = [n for n, info in self.model.model_fields.items() if info.is_required()]
        missing = [n for n in required if n not in found]
        if missing:
            where = f" (best guess: row {number})" if number > 0 else ""
            names = "; ".join(" or ".join(repr(h) for h in self.map.headers_of(self.model, n))
                              for n in missing)
            raise InputError(f"{len(missing)} required column(s) not found in the first "
                             f"{self.map.header_rows} rows{where}", file=self.source.file,
                             sheet=self.source.sheet, expected=f"header cells reading {names}",
                             reason="missing_columns")
        self.columns = found
        self.result.header_row = number
        self.result.titles = {n: _show(cells[i]) for n, i in found.items()}
        self._next_row = number + 1
        self.source.rows = itertools.chain(scanned[number:], self.source.rows)

    def title(self, name: str) -> str:
        return self.result.titles.get(name) or self.map.headers_of(self.model, name)[0]

    # -- the rows ----------------------------------------------------------------------
    def batches(self) -> Iterator[list[ValidRow[M]]]:
        """The valid rows, a batch at a time; problems gather in `self.result.problems`."""
        chunk: list[tuple[int, list[Any]]] = []
        try:
            for cells in self.source.rows:
                number, self._next_row = self._next_row, self._next_row + 1
                if any(_show(c) for c in cells):
                    chunk.append((number, cells))
                if len(chunk) >= self.batch:
                    yield self._validate(chunk)
                    chunk = []
            if chunk:
                yield self._validate(chunk)
        finally:
            if self.source.close is not None:
                self.source.close()

    def read(self) -> Rows[M]:
        for batch in self.batches():
            self.result.valid.extend(batch)
        return self.result

    def _validate(self, chunk: list[tuple[int, list[Any]]]) -> list[ValidRow[M]]:
        self.result.rows += len(chunk)
        parsed = {name: self._column(name, [cells for _, cells in chunk])
                  for name in self.columns}
        valid = []
        for n, (row, _) in enumerate(chunk):
            found = self._row(row, n, parsed)
            if found is not None:
                valid.append(ValidRow(row, found))
        return valid

    def _column(self, name: str, rows: list[list[Any]]) -> _Parsed:
        index = self.columns[name]
        raw = np.empty(len(rows), dtype=object)
        raw[:] = [r[index] if index < len(r) else None for r in rows]
        return _Parsed.of(raw, self.kinds[name], self.map,
                          formula_text_ok=name in self.map.allow_formula_text)

    def _row(self, row: int, n: int, parsed: dict[str, _Parsed]) -> M | None:
        problems: list[RowProblem] = []
        data: dict[str, Any] = {}
        for name, column in parsed.items():
            reason = column.problem[n]
            if reason:
                problems.append(RowProblem(row, self.title(name), reason,
                                           _show(column.raw[n])[:SHOWN]))
            elif column.values[n] is not None:
                data[name] = column.values[n]
        key = self._key(data)
        value = None
        try:
            value = self.model.model_validate(data, context=self.context)
        except ValidationError as exc:
            reported = {p.column for p in problems}
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                column = self.title(name) if name in self.model.model_fields else "(row)"
                if column in reported:
                    continue
                reason = ("is missing" if error["type"] == "missing"
                          else error["msg"].removeprefix("Value error, "))
                shown = _show(parsed[name].raw[n])[:SHOWN] if name in parsed else ""
                problems.append(RowProblem(row, column, reason, shown))
        if key is not None:
            # The key's hash, not the key: a million keys held twice is a hundred MB more.
            first = self._seen.setdefault(hash(key.casefold()), row)
            if first != row:
                problems.append(RowProblem(row, self.title(self.key or ""),
                                           f"already on row {first}", key))
        if problems:
            self.result.problems.extend(RowProblem(p.row, p.column, p.reason, p.value, key)
                                        for p in problems)
            return None
        return value

    def _key(self, data: dict[str, Any]) -> str | None:
        if self.key is None or data.get(self.key) in (None, ""):
            return None
        return str(data[self.key]).strip()


@dataclass
class _Parsed:
    raw: np.ndarray
    values: list[Any]
    problem: list[str]  # "" when the cell is fine

    @classmethod
    def of(cls, raw: np.ndarray, kind: str, columns: ColumnMap, *,
           formula_text_ok: bool) -> _Parsed:
        problem = [""] * len(raw)
        cells = raw.copy()
        formulas = np.flatnonzero(np.fromiter(map(Formula.__instancecheck__, raw), bool,
                                              count=len(raw)))
        for i in formulas:
            cell = raw[i]
            if isinstance(cell, Formula):
                if cell.cached is None or (isinstance(cell.cached, str) and not cell.cached):
                    problem[i] = (f"is a formula ({cell.text[:80]}) with no saved result: type "
                                  "the value, or open and save the file in a spreadsheet program")
                    cells[i] = None
                else:
                    cells[i] = cell.cached
        values, bad, expected = _convert(cells, kind, columns)
        for i, is_bad in enumerate(bad):
            if is_bad and not problem[i]:
                problem[i] = f"is not {expected}"
        if kind == "text":
            for i, value in enumerate(values):
                if not isinstance(value, str) or problem[i]:
                    continue
                if _CONTROL.search(value):
                    problem[i] = "holds control characters (a NUL, an escape): not text a person typed"
                elif not formula_text_ok and runs_as_formula(value):
                    problem[i] = ("starts like a formula (= + - @) and would run in a "
                                  "spreadsheet: not accepted in a field that is keyed")
        return cls(raw, values, problem)


def _convert(cells: np.ndarray, kind: str, columns: ColumnMap) -> tuple[list[Any], Any, str]:
    """(values, None where blank), bad cells, what was expected."""
    blank = kinds(cells) == BLANK
    style = NumberStyle.COMMA if columns.decimal_comma else NumberStyle.POINT
    if kind.startswith("money"):
        places = int(kind.removeprefix("money"))
        parsed = parse_numbers(cells, scale=places, style=style)
        values = [Decimal(int(v)).scaleb(-places) for v in parsed.values]
    elif kind == "decimal":
        parsed = parse_numbers(cells, scale=None, style=style)
        values = list(parsed.values)
    elif kind == "integer":
        parsed = parse_numbers(cells, scale=None, style=style, integer=True)
        values = [int(v) for v in parsed.values]
    elif kind == "date":
        parsed = parse_dates(cells, columns.date_formats, True, kinds(cells))
        values = [None if np.isnat(v) else v.astype("datetime64[D]").item() for v in parsed.values]
    elif kind == "bool":
        values = [_boolean(v) for v in cells]
        bad = np.array([v is None for v in values], bool) & ~blank
        return [None if b else v for v, b in zip(values, blank, strict=True)], bad, "yes or no"
    else:
        return list(to_text(cells).astype(object).where(~blank, None)), np.zeros(len(cells), bool), "text"
    bad = np.asarray(parsed.bad, bool) & ~blank
    expected = parsed.expected.removeprefix("a ").removeprefix("an ")
    article = "an" if expected[:1] in "aeiou" else "a"
    values = [None if b or x else v for v, b, x in zip(values, blank, bad, strict=True)]
    return values, bad, f"{article} {expected}"


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().casefold()
    return True if text in _YES else False if text in _NO or not text else None


def read_rows(path: str | Path, model: type[M], *,
              columns: ColumnMap | Mapping[str, Any] | str | Path | None = None,
              sheet: str | int | None = None, key: str | None = None,
              context: Mapping[str, Any] | None = None) -> Rows[M]:
    """Every row of the sheet validated: see the module's docstring."""
    return RowReader(path, model, columns=columns, sheet=sheet, key=key, context=context).read()


def write_exceptions(rows: Rows[Any], path: str | Path, *, key_title: str = "Key") -> Path:
    """The rejected rows, one line per problem (row, key, column, reason, value as found),
    as a formatted workbook a person works through."""
    import pandas as pd

    from connectors.sheets.writer import CellKind, ReportWorkbook, TableColumn

    frame = pd.DataFrame([{"row": p.row, "key": p.key or "", "column": p.column,
                           "reason": p.reason, "value": p.value} for p in rows.problems],
                         columns=["row", "key", "column", "reason", "value"])
    book = ReportWorkbook()
    book.add_table("Exceptions", frame, [
        TableColumn("row", "Row", CellKind.INTEGER), TableColumn("key", key_title),
        TableColumn("column", "Column"), TableColumn("reason", "Reason", width=60),
        TableColumn("value", "Value as found")], fill="FCE4D6")
    return book.save(Path(path))
