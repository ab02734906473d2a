"""Table rows rendered straight to sheet XML, spliced into a workbook openpyxl saved.

openpyxl owns the package: styles, the header row, frozen panes, filters, widths and
one styled template row per table. Its per-cell serializer costs ~28 us a cell here
(et_xmlfile, no lxml), ~30 s for a 100k-row report; so the data rows are rendered by
column with vectorised string operations and put where the template row was, each
cell carrying the style id openpyxl gave the template cell of its column.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from connectors.sheets.safe import FORMULA_STARTS, ILLEGAL_XML

CHUNK_ROWS = 20_000
_EPOCH = np.datetime64("1899-12-30", "D")
# row 2 holds each column's style, row 3 the quote-prefixed style of text columns
_TEMPLATE_ROW = re.compile(rb'<row r="2"[^>]*>.*?</row><row r="3"[^>]*>.*?</row>', re.S)
_ROW = re.compile(rb'<row r="(\d+)"[^>]*>(.*?)</row>', re.S)
_CELL = re.compile(rb"<c ([^>]*?)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


class CellKind(StrEnum):
    """How a report column's cells are written: text, whole numbers, money, dates or decimals."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"  # integer minor units in the frame
    DATE = "date"
    DECIMAL = "decimal"


@dataclass(frozen=True)
class StreamColumn:
    """How one frame column becomes cells."""

    values: pd.Series
    letter: str
    kind: CellKind
    style: int  # openpyxl's style id for this column's cells
    quoted_style: int  # for text that starts like a formula
    scale: int = 2


def template_styles(sheet_xml: bytes) -> dict[tuple[int, str], int]:
    """(template row, column letter) -> style id openpyxl gave that cell."""
    match = _TEMPLATE_ROW.search(sheet_xml)
    if match is None:
        raise AssertionError("template rows not found in the saved sheet")
    styles: dict[tuple[int, str], int] = {}
    for row in _ROW.finditer(match.group(0)):
        for cell in _CELL.finditer(row.group(2)):
            attrs = dict(_ATTR.findall(cell.group(1)))
            letter = re.sub(rb"\d", b"", attrs[b"r"]).decode()
            styles[int(row.group(1)), letter] = int(attrs.get(b"s", b"0"))
    return styles


def money_text(minor: np.ndarray, scale: int) -> list[str]:
    """Exact decimal text of integer minor units: 123456 -> "1234.56"."""
    whole, part = np.divmod(np.abs(minor), 10**scale)
    signs = np.where(minor < 0, "-", "").tolist()
    if not scale:
        return [f"{sign}{w}" for sign, w in zip(signs, whole.tolist(), strict=True)]
    return [f"{sign}{w}.{p:0{scale}d}"
            for sign, w, p in zip(signs, whole.tolist(), part.tolist(), strict=True)]


def _escape(texts: list[str]) -> list[str]:
    if ILLEGAL_XML.search("".join(texts)):
        texts = [ILLEGAL_XML.sub("", t) for t in texts]
    return [t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for t in texts]


def _present(values: pd.Series) -> np.ndarray:
    return values.notna().to_numpy(dtype=bool)


def _text_cells(col: StreamColumn, values: pd.Series, numbers: list[int]) -> list[str]:
    present = _present(values)
    texts = ["" if not ok else str(v) for v, ok in zip(values.tolist(), present, strict=True)]
    escaped = _escape(texts)
    plain, quoted = f'" s="{col.style}" t="inlineStr"><is><t', f'" s="{col.quoted_style}" t="inlineStr"><is><t'
    cells = []
    for n, raw, text in zip(numbers, texts, escaped, strict=True):
        if not raw:
            cells.append("")
            continue
        head = quoted if raw.startswith(FORMULA_STARTS) else plain
        space = ' xml:space="preserve"' if raw != raw.strip() else ""
        cells.append(f'<c r="{col.letter}{n}{head}{space}>{text}</t></is></c>')
    return cells


def _number_texts(col: StreamColumn, values: pd.Series, present: np.ndarray) -> list[str]:
    if col.kind is CellKind.MONEY:
        return money_text(values.fillna(0).to_numpy(dtype=np.int64), col.scale)
    if col.kind is CellKind.DATE:
        days = values.to_numpy(dtype="datetime64[D]")
        return [str(d) for d in np.where(present, (days - _EPOCH).astype(np.int64), 0).tolist()]
    return [str(v) for v in values.tolist()]


def _number_cells(col: StreamColumn, values: pd.Series, numbers: list[int]) -> list[str]:
    present = _present(values)
    head = f'" s="{col.style}"><v>'
    return [f'<c r="{col.letter}{n}{head}{text}</v></c>' if ok else ""
            for n, text, ok in zip(numbers, _number_texts(col, values, present), present,
                                   strict=True)]


def render_rows(columns: Sequence[StreamColumn], start_row: int, stop: int) -> str:
    """XML of data rows [start_row, stop) of the frame, as sheet rows start_row + 2..."""
    numbers = list(range(start_row + 2, stop + 2))
    cells = []
    for col in columns:
        values = col.values.iloc[start_row:stop]
        make = _text_cells if col.kind is CellKind.TEXT else _number_cells
        cells.append(make(col, values, numbers))
    return "".join(f'<row r="{n}">{"".join(row)}</row>'
                   for n, row in zip(numbers, zip(*cells, strict=True), strict=True))


def _chunks(columns: Sequence[StreamColumn], rows: int) -> Iterator[bytes]:
    for start in range(0, rows, CHUNK_ROWS):
        yield render_rows(columns, start, min(rows, start + CHUNK_ROWS)).encode("utf-8")


@dataclass(frozen=True)
class Splice:
    part: str  # the sheet's part name in the package: xl/worksheets/sheet2.xml
    columns: tuple[StreamColumn, ...]
    rows: int
    last_letter: str


def _spliced(xml: bytes, splice: Splice) -> tuple[bytes, bytes]:
    """The sheet XML before and after the template row, with the true dimension."""
    match = _TEMPLATE_ROW.search(xml)
    if match is None:
        raise AssertionError(f"{splice.part}: template row not found")
    head, tail = xml[: match.start()], xml[match.end() :]
    ref = f'<dimension ref="A1:{splice.last_letter}{splice.rows + 1}"/>'.encode()
    head = re.sub(rb'<dimension ref="[^"]*"/>', ref, head, count=1)
    return head, tail


def splice_tables(saved: Path, target: Path, splices: Sequence[Splice]) -> None:
    """Copy the package at `saved` to `target`, streaming table rows into their sheets."""
    by_part = {s.part: s for s in splices}
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in source.infolist():
            data = source.read(info)
            splice = by_part.get(info.filename)
            if splice is None:
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            head, tail = _spliced(data, splice)
            with out.open(info.filename, "w", force_zip64=True) as stream:
                stream.write(head)
                for chunk in _chunks(splice.columns, splice.rows):
                    stream.write(chunk)
                stream.write(tail)


