"""Large CSV and Parquet files read in batches through a declared schema.

Each batch goes through the same cell parsers as `load_sheet` (exact money, declared
date formats, trimmed text) and the first bad cell stops the read with an `InputError`
naming the file, row and column. Rows are numbered as `load_sheet` numbers them (the
CSV record, the Parquet row + 1 for its header). Blank rows are dropped; totals rows
are not recognised here (a machine export has none; one would fail as a bad cell).

xlsx cannot be streamed (the format is a zip of XML read whole): a workbook is loaded
in one piece when its estimated size fits the memory setting, else refused.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bots.errors import InputError
from bots.reconcile.stream import MemoryBudget, TableStream
from connectors.sheets.cells import BLANK, TEXT, cell_repr, kinds, to_text
from connectors.sheets.dates import parse_dates
from connectors.sheets.grid import CSV_SUFFIXES, XLSX_SUFFIXES, Grid, sniff_delimiter
from connectors.sheets.loader import find_header, load_sheet
from connectors.sheets.numbers import Parsed, parse_numbers
from connectors.sheets.schema import Column, ColumnType, NumberStyle, SheetSchema, normalize_header

PARQUET_SUFFIXES = {".parquet", ".pq"}
XLSX_BYTES_IN_MEMORY = 40  # an xlsx byte becomes ~40 bytes of cells once unzipped and read


def stream_table(path: str | Path, schema: SheetSchema, budget: MemoryBudget) -> TableStream:
    """The file's rows as typed pandas batches sized for `budget`."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path), expected="an existing file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _csv_stream(path, schema, budget)
    if suffix in PARQUET_SUFFIXES:
        return _parquet_stream(path, schema, budget)
    if suffix in XLSX_SUFFIXES:
        need = path.stat().st_size * XLSX_BYTES_IN_MEMORY
        if need > budget.bytes:
            raise InputError(
                f"an xlsx workbook is read whole and this one needs about {need / 2**20:,.0f} MB, "
                f"more than the memory setting of {budget.megabytes:,} MB",
                file=str(path), expected="a CSV or Parquet export of the sheet for inputs this "
                                         "large (or a higher memory setting)")
        frame = load_sheet(path, schema).frame
        return TableStream([frame], len(frame))
    raise InputError("unknown file type", file=str(path), got=suffix, expected=(
        f"one of {sorted(CSV_SUFFIXES | PARQUET_SUFFIXES | XLSX_SUFFIXES)}"))


# ---- CSV -------------------------------------------------------------------------------------
def _csv_stream(path: Path, schema: SheetSchema, budget: MemoryBudget) -> TableStream:
    with path.open(encoding=schema.encoding, newline="") as handle:
        sample = handle.read(65536)
        lines = sample.count("\n")
    delimiter = schema.delimiter or sniff_delimiter(sample)  # the loader's choice, same 64 KiB
    size = path.stat().st_size
    rows_hint = int(size / max(1, len(sample.encode(schema.encoding))) * max(1, lines))
    return TableStream(_csv_batches(path, schema, budget, delimiter), rows_hint)


def _csv_batches(path: Path, schema: SheetSchema, budget: MemoryBudget,
                 delimiter: str) -> Iterator[pd.DataFrame]:
    try:
        with path.open(encoding=schema.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            head = list(itertools.islice(reader, schema.header_search_rows))
            grid = Grid(_rectangle(head), str(path), None)
            header, mapping = find_header(grid, schema)
            titles = {name: str(grid.cells[header, i]).strip() for name, i in mapping.items()}
            rows = budget.batch_rows(grid.cells.shape[1])
            start = header + 1  # 0-based record index of the first data row
            pending = [list(r) for r in head[header + 1 :]]
            styles = _Styles(schema)
            while True:
                pending.extend(itertools.islice(reader, rows - len(pending)))
                if not pending:
                    return
                cells = _rectangle(pending)
                yield _typed(cells, mapping, schema, styles, str(path), start, titles)
                start += len(pending)
                pending = []
    except UnicodeDecodeError as exc:
        raise InputError("the file is not in the declared encoding", file=str(path),
                         expected=f"text in {schema.encoding}",
                         got=f"byte {exc.object[exc.start]:#x}") from None


def _rectangle(rows: list[list[str]]) -> np.ndarray:
    width = max((len(r) for r in rows), default=0)
    if rows and all(len(r) == width for r in rows):
        cells = np.empty((len(rows), width), dtype=object)
        cells[:] = rows  # one C-level copy
        return cells
    cells = np.full((len(rows), width), None, dtype=object)
    for i, row in enumerate(rows):
        cells[i, : len(row)] = row
    return cells


# ---- Parquet ---------------------------------------------------------------------------------
def _parquet_stream(path: Path, schema: SheetSchema, budget: MemoryBudget) -> TableStream:
    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError("cannot open the Parquet file", file=str(path),
                         expected="a Parquet file", got=str(exc)) from None
    names = file.schema_arrow.names
    mapping: dict[str, int] = {}
    for column in schema.columns:
        hits = [i for i, n in enumerate(names) if column.matches(normalize_header(n))]
        if len(hits) > 1:
            raise InputError("a column's header appears twice", file=str(path),
                             column=column.name, expected="one header per column",
                             got=[names[i] for i in hits])
        if hits:
            mapping[column.name] = hits[0]
        elif column.required:
            raise InputError("no such column", file=str(path), column=column.name,
                             expected=f"a column named {' or '.join(column.headers)!r}",
                             got=names)
    rows = file.metadata.num_rows
    return TableStream(_parquet_batches(file, path, schema, budget, mapping), rows)


def _parquet_batches(file: pq.ParquetFile, path: Path, schema: SheetSchema,
                     budget: MemoryBudget, mapping: dict[str, int]) -> Iterator[pd.DataFrame]:
    names = file.schema_arrow.names
    used = sorted(set(mapping.values()))
    titles = {name: names[i] for name, i in mapping.items()}
    position = {i: k for k, i in enumerate(used)}
    start = 1  # the header is row 1, so data row k (0-based) is row k + 2 as in a sheet
    styles = _Styles(schema)
    for batch in file.iter_batches(batch_size=budget.batch_rows(len(used)),
                                   columns=[names[i] for i in used]):
        cells = np.empty((batch.num_rows, len(used)), dtype=object)
        for k, array in enumerate(batch.columns):
            cells[:, k] = _objects(array)
        local = {name: position[i] for name, i in mapping.items()}
        yield _typed(cells, local, schema, styles, str(path), start, titles)
        start += batch.num_rows


def _objects(array: pa.Array) -> np.ndarray:
    """Cells as the parsers know them: str, int/float, datetime, None."""
    kind = array.type
    if pa.types.is_decimal(kind):
        array = array.cast(pa.string())  # exact: the decimal's own digits
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        series = pd.Series(array.cast(pa.timestamp("ns")).to_pandas())
        return series.astype(object).where(series.notna(), None).to_numpy()
    values = array.to_numpy(zero_copy_only=False)
    if values.dtype != object:
        values = values.astype(object)
    return values


# ---- typing a batch --------------------------------------------------------------------------
class _Styles:
    """An automatic number style is decided on the first batch and kept for the rest,
    so one file is never read in two styles."""

    def __init__(self, schema: SheetSchema) -> None:
        self.schema = schema
        self.chosen: dict[str, NumberStyle] = {}

    def of(self, column: Column, cells: np.ndarray, kind: np.ndarray) -> NumberStyle:
        style = self.schema.style_of(column)
        if style is not NumberStyle.AUTO:
            return style
        if column.name not in self.chosen:
            bad = {s: int(parse_numbers(cells, scale=None, style=s, kind=kind).bad.sum())
                   for s in (NumberStyle.POINT, NumberStyle.COMMA)}
            if bad[NumberStyle.POINT] == bad[NumberStyle.COMMA]:
                return NumberStyle.AUTO  # nothing tells yet: decide per batch until it does
            self.chosen[column.name] = min(bad, key=bad.__getitem__)
        return self.chosen[column.name]


def _parse(column: Column, cells: np.ndarray, kind: np.ndarray, schema: SheetSchema,
           styles: _Styles) -> Parsed:
    if column.type is ColumnType.DATE:
        return parse_dates(cells, schema.formats_of(column), schema.excel_serial_dates, kind)
    if column.type in (ColumnType.MONEY, ColumnType.INTEGER, ColumnType.DECIMAL):
        style = styles.of(column, cells, kind)
        if column.type is ColumnType.MONEY:
            return _money(cells, kind, column.scale, style)
        if column.type is ColumnType.INTEGER:
            return parse_numbers(cells, scale=None, style=style, integer=True, kind=kind)
        return parse_numbers(cells, scale=None, style=style, kind=kind)
    text = to_text(cells)
    return Parsed(text.to_numpy(dtype=object), text.isna().to_numpy(), np.zeros(len(cells), bool),
                  "text")


def _money(cells: np.ndarray, kind: np.ndarray, scale: int, style: NumberStyle) -> Parsed:
    """`parse_numbers`, with plain cells ("-1234.5") cut into digits by Arrow kernels.

    An export's amounts are nearly all plain; the general parser's pattern with eleven
    groups costs ~10 us a cell. Plain cells here get the value the general parser gives
    (the property test in tests/reconcile pins that); every other cell goes through it.
    """
    if style is NumberStyle.AUTO:
        return parse_numbers(cells, scale=scale, style=style, kind=kind)
    text = np.flatnonzero(kind == TEXT)
    strings = pa.array(cells[text], type=pa.string())
    sep = "." if style is NumberStyle.POINT else ","
    # at most 17 - scale whole digits: the general parser's limit for an exact int64
    whole = 17 - scale
    plain = (_PLAIN.format(sep=re.escape(sep), scale=scale, whole=whole) if scale
             else rf"^-?\d{{1,{whole}}}$")
    simple = np.asarray(pc.match_substring_regex(strings, plain).to_numpy(zero_copy_only=False),
                        dtype=bool)
    rest = np.ones(len(cells), bool)
    rest[text[simple]] = False
    out = parse_numbers(cells[rest], scale=scale, style=style, kind=kind[rest])
    values = np.zeros(len(cells), np.int64)
    blank, bad = np.zeros(len(cells), bool), np.zeros(len(cells), bool)
    values[rest], blank[rest], bad[rest] = out.values, out.blank, out.bad
    if simple.any():
        values[text[simple]] = _plain_minor_units(strings.filter(pa.array(simple)), sep, scale)
    return Parsed(values, blank, bad, out.expected)


_PLAIN = r"^-?\d{{1,{whole}}}(?:{sep}\d{{1,{scale}}})?$"


def _plain_minor_units(strings: pa.Array, sep: str, scale: int) -> np.ndarray:
    negative = np.asarray(pc.starts_with(strings, "-").to_numpy(zero_copy_only=False), bool)
    body = pc.utf8_ltrim(strings, "-")
    at = pc.find_substring(body, sep).to_numpy(zero_copy_only=False).astype(np.int64)
    length = pc.utf8_length(body).to_numpy(zero_copy_only=False).astype(np.int64)
    decimals = np.where(at >= 0, length - at - 1, 0)
    digits = pc.cast(pc.replace_substring(body, sep, ""), pa.int64()).to_numpy(
        zero_copy_only=False)
    value = digits * 10 ** (scale - decimals)
    return np.where(negative, -value, value)


def _series(column: Column, parsed: Parsed) -> pd.Series:
    values, blank = parsed.values, parsed.blank
    if column.type is ColumnType.TEXT:
        return pd.Series(values, dtype="str")
    if column.type is ColumnType.DATE:
        return pd.Series(values, dtype="datetime64[ns]")
    if column.type in (ColumnType.MONEY, ColumnType.INTEGER):
        # always nullable: every batch must have the same type, blanks or not
        return pd.Series(pd.array(np.where(blank, 0, values), dtype="Int64")).mask(blank)
    return pd.Series(np.where(blank, None, values), dtype=object)


def _typed(cells: np.ndarray, mapping: dict[str, int], schema: SheetSchema, styles: _Styles,
           file: str, start: int, titles: dict[str, str]) -> pd.DataFrame:
    """One batch of raw cells as a typed frame; `start` is the 0-based record of cells[0]."""
    kind = kinds(cells.ravel()).reshape(cells.shape) if cells.size else np.zeros(
        cells.shape, np.int8)
    rows = np.flatnonzero(~(kind == BLANK).all(axis=1))
    frame = {}
    for column in schema.columns:
        index = mapping.get(column.name)
        if index is None or index >= cells.shape[1]:
            part, part_kind = np.full(len(rows), None, object), np.zeros(len(rows), np.int8)
        else:
            part, part_kind = cells[rows, index], kind[rows, index]
        parsed = _parse(column, part, part_kind, schema, styles)
        bad = parsed.bad | (parsed.blank & column.required)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            got = cell_repr(part[first])
            missing = got in (None, "")
            raise InputError(
                "a required value is missing" if missing else "unreadable value", file=file,
                row=start + int(rows[first]) + 1, column=titles.get(column.name, column.name),
                expected=f"a value ({parsed.expected})" if missing else parsed.expected, got=got)
        frame[column.name] = _series(column, parsed)
    out = pd.DataFrame(frame)
    if schema.row_column:
        out.insert(0, schema.row_column, start + rows + 1)
    return out


def with_row_column(schema: SheetSchema) -> SheetSchema:
    """The schema with a row number column: streamed lines must name their rows."""
    return schema if schema.row_column else replace(schema, row_column="source_row")


__all__ = ["PARQUET_SUFFIXES", "stream_table", "with_row_column"]

