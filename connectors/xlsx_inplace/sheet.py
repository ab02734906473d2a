"""One worksheet part: read with lxml, changed by splicing its bytes.

lxml parses the part to read it (values, styles, formulas, merged and array ranges). The
changes are then made on the part's own bytes: a changed cell's `<c>` element is
replaced, a new cell or row is inserted between its neighbours, and everything else, the
other cells included, keeps the exact bytes it had (re-serialising the whole tree would
re-quote, re-escape and re-declare things no one asked to change). The byte scan of
`<sheetData>` is checked against lxml's reading before any change is made; a part whose
two readings disagree is refused, not guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter

from connectors.xlsx_inplace.errors import WorkbookRefused
from connectors.xlsx_inplace.refs import Area, Growth, Move, move_formula, move_sqref, parse_area
from connectors.xlsx_inplace.values import CellError, CellValue, Formula, encode, parse_number

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                         remove_blank_text=False)
_COORD = re.compile(r"^([A-Z]{1,3})(\d+)$")
_R_ATTR = re.compile(rb'\sr="([^"]*)"')
_SPANS = re.compile(rb'\sspans="(\d+):(\d+)"')


def q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


def coordinate(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


_column_index = lru_cache(maxsize=None)(column_index_from_string)


def split_coordinate(cell: str) -> tuple[int, int]:
    """"G7" -> (7, 7): (row, column)."""
    match = _COORD.match(cell) or _COORD.match(cell.upper().replace("$", ""))
    if match is None:
        raise ValueError(f"{cell!r} is not a cell address like 'G7'")
    return int(match.group(2)), _column_index(match.group(1))


@dataclass
class _CellSpan:
    start: int
    end: int


@dataclass
class _RowSpan:
    start: int
    end: int
    tag: bytes  # the start tag as written
    cells: dict[int, _CellSpan] = field(default_factory=dict)


class SharedStrings:
    """The shared-strings table, read only: new text is written inline instead."""

    def __init__(self, data: bytes | None) -> None:
        self.items: list[str] = []
        if data is None:
            return
        root = etree.fromstring(data, PARSER)
        for item in root.iter(q("si")):
            self.items.append(text_of(item))

    def __getitem__(self, index: int) -> str:
        return self.items[index]


def text_of(node: etree._Element) -> str:
    """The text of a string item or inline string: its runs, without phonetic guides."""
    direct = node.find(q("t"))
    if direct is not None:
        return direct.text or ""
    return "".join(t.text or "" for r in node.iter(q("r")) for t in r.iter(q("t")))


class SheetDoc:
    """A worksheet: exact reads, and the byte-level changes planned for it."""

    def __init__(self, name: str, part: str, data: bytes, strings: SharedStrings,
                 date1904: bool) -> None:
        self.name, self.part, self.data = name, part, data
        self.strings, self.date1904 = strings, date1904
        self.root = etree.fromstring(data, PARSER)
        if self.root.tag != q("worksheet"):
            raise WorkbookRefused(f"sheet {name!r} ({part}) is not a worksheet "
                                  f"({etree.QName(self.root).localname})", reason="workbook_sheet_kind")
        self.prefix = f"{self.root.prefix}:" if self.root.prefix else ""
        self.cells: dict[tuple[int, int], etree._Element] = {}
        self.row_tags: dict[int, etree._Element] = {}
        self._empty_data = False  # <sheetData/>: written whole when a row arrives
        self._read_tree()
        self._rows = self._scan()
        self.arrays, self.merged = self._ranges()
        # planned changes
        self.overlay: dict[tuple[int, int], tuple[CellValue, int | None]] = {}
        self.new_cells: dict[int, dict[int, bytes]] = {}
        self.rebuilt: dict[int, bytes] = {}  # row -> start tag of a row written anew
        self.moves: list[Move] = []

    # -- reading -------------------------------------------------------------------------
    def _read_tree(self) -> None:
        data = self.root.find(q("sheetData"))
        if data is None:
            return
        row_no = 0
        for row in data.iterchildren(q("row")):
            row_no = int(row.get("r") or row_no + 1)
            self.row_tags[row_no] = row
            col_no = 0
            for cell in row.iterchildren(q("c")):
                ref = cell.get("r")
                if ref is None:
                    col_no += 1
                else:
                    r, col_no = split_coordinate(ref)
                    if r != row_no:
                        raise self._unsafe(f"cell {ref} sits in row {row_no}")
                self.cells[row_no, col_no] = cell

    def _unsafe(self, why: str) -> WorkbookRefused:
        return WorkbookRefused(f"sheet {self.name!r} cannot be edited safely: {why}",
                               reason="workbook_sheet_unreadable")

    def _scan(self) -> dict[int, _RowSpan]:
        """Byte spans of every row and cell of <sheetData>, with the same addresses lxml read."""
        p = re.escape(self.prefix.encode())
        opening = re.search(rb"<" + p + rb"sheetData(?=[\s/>])[^>]*?(/?)>", self.data)
        if opening is None:
            self._content = (len(self.data), len(self.data))
            return {}
        if opening.group(1):
            self._content = (opening.start(), opening.end())  # <sheetData/>: replaced whole
            self._empty_data = True
            return {}
        end = self.data.index(b"</" + self.prefix.encode() + b"sheetData>", opening.end())
        self._content = (opening.end(), end)
        if b"<!--" in self.data[opening.end():end] or b"<![CDATA[" in self.data[opening.end():end]:
            raise self._unsafe("comments or CDATA inside its cell data")
        row_re = re.compile(rb"<" + p + rb"row(?=[\s/>])[^>]*?(/?)>")
        cell_re = re.compile(rb"<" + p + rb"c(?=[\s/>])[^>]*?(/?)>")
        close_row, close_cell = (b"</" + self.prefix.encode() + t for t in (b"row>", b"c>"))
        rows: dict[int, _RowSpan] = {}
        pos, row_no = opening.end(), 0
        while (match := row_re.search(self.data, pos, end)) is not None:
            row_end = match.end() if match.group(1) else (
                self.data.index(close_row, match.end()) + len(close_row))
            ref = _R_ATTR.search(match.group(0))
            row_no = int(ref.group(1)) if ref else row_no + 1
            span = _RowSpan(match.start(), row_end, match.group(0))
            cell_pos, col_no = match.end(), 0
            while (cell := cell_re.search(self.data, cell_pos, row_end)) is not None:
                cell_end = cell.end() if cell.group(1) else (
                    self.data.index(close_cell, cell.end()) + len(close_cell))
                ref = _R_ATTR.search(cell.group(0))
                col_no = split_coordinate(ref.group(1).decode())[1] if ref else col_no + 1
                span.cells[col_no] = _CellSpan(cell.start(), cell_end)
                cell_pos = cell_end
            rows[row_no] = span
            pos = row_end
        scanned = {(r, c) for r, s in rows.items() for c in s.cells}
        if scanned != set(self.cells) or set(rows) != set(self.row_tags):
            raise self._unsafe("its cell data does not read the same byte by byte as parsed")
        return rows

    def _ranges(self) -> tuple[list[Area], list[Area]]:
        """Array formulas (a cell inside one cannot change alone), and the masters of shared
        formulas over several cells (the others read their formula from it)."""
        blocks = []
        for (row, col), cell in self.cells.items():
            f = cell.find(q("f"))
            if f is None or not f.get("ref"):
                continue
            area = parse_area(f.get("ref", ""))
            if area is None or (area.min_row, area.min_col) == (area.max_row, area.max_col):
                continue
            if f.get("t") == "array":
                blocks.append(area)
            elif f.get("t") == "shared":
                blocks.append(Area(col, row, col, row))
        merged = [a for node in self.root.iter(q("mergeCell"))
                  if (a := parse_area(node.get("ref", ""))) is not None]
        return blocks, merged

    def value(self, row: int, col: int) -> CellValue:
        """What the cell holds now, planned changes included."""
        if (row, col) in self.overlay:
            return self.overlay[row, col][0]
        return self.original_value(row, col)

    def original_value(self, row: int, col: int) -> CellValue:
        cell = self.cells.get((row, col))
        if cell is None:
            return None
        f = cell.find(q("f"))
        if f is not None and (f.text or f.get("t") == "shared"):
            return Formula(f.text or self._shared_formula(f))
        kind, v = cell.get("t", "n"), cell.findtext(q("v"))
        if kind == "inlineStr":
            node = cell.find(q("is"))
            return text_of(node) if node is not None else ""
        if v is None:
            return None
        if kind == "s":
            return self.strings[int(v)]
        if kind in ("str", "d"):
            return v
        if kind == "b":
            return v.strip() in ("1", "true")
        if kind == "e":
            return CellError(v)
        number = parse_number(v)
        if number is None:
            raise self._unsafe(f"cell {coordinate(row, col)} holds {v!r} as a number")
        return number

    def float_noise(self, row: int, col: int) -> bool:
        """True when the cell's stored number is a double's noise around what was typed
        (`0.07000000000000001`): writing the typed value gives it its exact digits."""
        cell = self.cells.get((row, col))
        if cell is None or (row, col) in self.overlay or cell.get("t", "n") != "n":
            return False
        text = cell.findtext(q("v"))
        number = parse_number(text) if text else None
        return number is not None and Decimal(text) != number  # type: ignore[arg-type]

    def _shared_formula(self, f: etree._Element) -> str:
        """A shared formula's text as its master cell holds it (not translated)."""
        for cell in self.cells.values():
            master = cell.find(q("f"))
            if (master is not None and master.get("t") == "shared" and master.get("si") == f.get("si")
                    and master.text):
                return master.text
        return "?"

    def style(self, row: int, col: int) -> int | None:
        if (row, col) in self.overlay:
            return self.overlay[row, col][1]
        cell = self.cells.get((row, col))
        return int(cell.get("s", "0")) if cell is not None else None

    def formula_element(self, row: int, col: int) -> etree._Element | None:
        cell = self.cells.get((row, col))
        return None if cell is None or (row, col) in self.overlay else cell.find(q("f"))

    def has_content(self, row: int, col: int) -> bool:
        return self.value(row, col) not in (None, "")

    def has_cell(self, row: int, col: int) -> bool:
        return (row, col) in self.cells or (row, col) in self.overlay

    def rows(self) -> list[int]:
        return sorted(set(self.row_tags) | {r for r, _ in self.overlay})

    def row_cells(self, row: int) -> list[int]:
        return sorted({c for r, c in self.cells if r == row} | {c for r, c in self.overlay if r == row})

    def last_row(self, columns: Iterable[int], first: int, last: int | None = None) -> int | None:
        """The last row in first..last holding content in one of `columns`."""
        wanted = set(columns)
        rows = [r for r, c in set(self.cells) | set(self.overlay)
                if c in wanted and r >= first and (last is None or r <= last)
                and self.has_content(r, c)]
        return max(rows) if rows else None

    # -- planning changes ----------------------------------------------------------------
    def check_writable(self, row: int, col: int) -> None:
        where = coordinate(row, col)
        for area in self.merged:
            if area.covers(row, col) and (row, col) != (area.min_row, area.min_col):
                raise WorkbookRefused(f"{self.name}!{where} lies inside a merged range whose value "
                                      f"is in {coordinate(area.min_row, area.min_col)}",
                                      reason="workbook_restructure")
        for area in self.arrays:
            if area.covers(row, col):
                raise WorkbookRefused(f"{self.name}!{where} belongs to an array formula (or is "
                                      "the master of a shared formula) over several cells; "
                                      "changing it alone would restructure it",
                                      reason="workbook_restructure")

    def put(self, row: int, col: int, value: CellValue, style: int | None) -> None:
        """Plan `value` into the cell, with `style` (None: no style attribute)."""
        self.check_writable(row, col)
        self.overlay[row, col] = (value, style)
        self.new_cells.setdefault(row, {})[col] = self._cell_xml(row, col, value, style)

    def _cell_xml(self, row: int, col: int, value: CellValue, style: int | None) -> bytes:
        kind, inner = encode(value, date1904=self.date1904, prefix=self.prefix)
        attrs = f' r="{coordinate(row, col)}"'
        if style:
            attrs += f' s="{style}"'
        original = self.cells.get((row, col))
        if original is not None and original.get("ph"):
            attrs += f' ph={quoteattr(original.get("ph", ""))}'
        if kind:
            attrs += f' t="{kind}"'
        tag = f"{self.prefix}c"
        return (f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>").encode()

    def row_start(self, row: int, like: int | None) -> bytes:
        """A start tag for new row `row`, with the height and style of row `like`."""
        tag = self.row_tag(like) if like is not None else f"<{self.prefix}row>".encode()
        tag = re.sub(rb'\s(hidden|collapsed)="[^"]*"', b"", tag)
        tag = _R_ATTR.sub(b"", tag)
        tag = tag.replace(b"/>", b">")
        head = f"<{self.prefix}row".encode()
        return head + f' r="{row}"'.encode() + tag[len(head):]

    def rebuild_row(self, row: int, start_tag: bytes, *, replacing: bool = False) -> None:
        """Row `row` is written anew from `new_cells`; its old element, if any, is dropped,
        which only a row without cells (or, `replacing`, a row being moved away) allows."""
        if not replacing and self.row_cells(row):
            raise WorkbookRefused(f"row {row} of sheet {self.name!r} holds cells that would be "
                                  "overwritten", reason="workbook_restructure")
        for col in self.row_cells(row):
            self.overlay[row, col] = (None, None)
        self.rebuilt[row] = start_tag
        self.new_cells[row] = {}

    def row_tag(self, row: int) -> bytes:
        if row in self.rebuilt:
            return self.rebuilt[row]
        return self._rows[row].tag if row in self._rows else f"<{self.prefix}row>".encode()

    def cell_bytes(self, row: int, col: int) -> bytes:
        if col in self.new_cells.get(row, {}):
            return self.new_cells[row][col]
        span = self._rows[row].cells[col]
        return self.data[span.start:span.end]

    def move_cell(self, row: int, col: int, new_row: int, moves: list[Move]) -> None:
        """Plan the cell at (row, col), bytes and all, at `new_row`; its formula's references
        moved by `moves`."""
        raw = _R_ATTR.sub(f' r="{coordinate(new_row, col)}"'.encode(), self.cell_bytes(row, col),
                          count=1)
        value, style = self.value(row, col), self.style(row, col)
        p = re.escape(self.prefix.encode())
        formula = re.search(rb"(<" + p + rb"f(?:\s[^>]*)?>)(.*?)(</" + p + rb"f>)", raw, re.S)
        if isinstance(value, Formula) and formula is not None:
            text = etree.fromstring(b"<f>" + formula.group(2) + b"</f>", PARSER).text or ""
            moved = text
            for move in moves:
                moved = move_formula(moved, move, home=self.name)
            if moved != text:
                raw = raw[:formula.start(2)] + escape(moved).encode() + raw[formula.end(2):]
                value = Formula(moved)
        self.overlay[new_row, col] = (value, style)
        self.new_cells.setdefault(new_row, {})[col] = raw

    # -- writing -------------------------------------------------------------------------
    def render(self) -> bytes:
        """The part's bytes with every planned change spliced in."""
        splices: list[tuple[int, int, int, bytes]] = []
        start, end = self._content
        previous_end = start
        for row in sorted(set(self._rows) | set(self.rebuilt) | set(self.new_cells)):
            span = self._rows.get(row)
            if span is not None:
                previous_end = span.end
            if row not in self.new_cells and row not in self.rebuilt:
                continue
            if row in self.rebuilt or span is None:
                tag = self.rebuilt.get(row) or self.row_start(row, None)
                body = b"".join(x for _, x in sorted(self.new_cells[row].items()))
            else:
                tag = self._widened(span.tag, self.new_cells[row])
                cells = {c: self.data[s.start:s.end] for c, s in span.cells.items()}
                cells.update(self.new_cells[row])
                body = b"".join(x for _, x in sorted(cells.items()))
            tag = tag.replace(b"/>", b">")
            rendered = tag + body + f"</{self.prefix}row>".encode()
            if span is not None:
                splices.append((span.start, span.end, row, rendered))
            else:
                splices.append((previous_end, previous_end, row, rendered))
        data = self.data
        if self._empty_data and splices:
            inner = b"".join(x for *_, x in sorted(splices, key=lambda s: s[2]))
            name = f"{self.prefix}sheetData".encode()
            data = data[:start] + b"<" + name + b">" + inner + b"</" + name + b">" + data[end:]
        else:
            pieces, at = [], 0
            for s, e, _, new in sorted(splices, key=lambda s: (s[0], s[2])):
                pieces += [data[at:s], new]
                at = e
            data = b"".join([*pieces, data[at:]])
        # everything before <sheetData> is where it was: the dimension is there
        return self._moved_tail(self._dimension(data[:start]) + data[start:])

    def _widened(self, tag: bytes, cells: dict[int, bytes]) -> bytes:
        match = _SPANS.search(tag)
        if match is None:
            return tag
        low = min(int(match.group(1)), *cells)
        high = max(int(match.group(2)), *cells)
        return tag[:match.start()] + f' spans="{low}:{high}"'.encode() + tag[match.end():]

    def _dimension(self, head: bytes) -> bytes:
        match = re.search(rb'(<' + re.escape(self.prefix.encode()) + rb'dimension\s+ref=")([^"]*)"', head)
        if match is None:
            return head
        area = parse_area(match.group(2).decode())
        rows = list(self.new_cells) + list(self.rebuilt)
        cols = [c for cells in self.new_cells.values() for c in cells]
        if area is None or not rows:
            return head
        top, left = min(area.min_row, *rows), min(area.min_col, *(cols or [area.min_col]))
        bottom, right = max(area.max_row, *rows), max(area.max_col, *(cols or [area.max_col]))
        text = coordinate(top, left) if (top, left) == (bottom, right) else (
            f"{coordinate(top, left)}:{coordinate(bottom, right)}")
        return head[:match.end(1)] + text.encode() + head[match.end(2):]

    def _moved_tail(self, data: bytes) -> bytes:
        """Ranges after <sheetData> (formats, validations, filters, merges) moved."""
        if not self.moves:
            return data
        close = f"</{self.prefix}sheetData>".encode()
        at = data.find(close)
        at = at + len(close) if at >= 0 else data.find(f"<{self.prefix}sheetData".encode())
        head, tail = data[:at], data[at:].decode("utf-8")

        def attr(pattern: str, text: str, grow: bool) -> str:
            def repl(match: re.Match[str]) -> str:
                value = match.group(2)
                for move in self.moves:
                    if grow or not isinstance(move, Growth):
                        value = move_sqref(value, move)
                return match.group(1) + value + match.group(3)

            return re.sub(pattern, repl, text)

        tail = attr(r'(\ssqref=")([^"]*)(")', tail, True)
        tail = attr(r"(<xm:sqref>)([^<]*)(</xm:sqref>)", tail, True)
        tail = attr(r'(<(?:\w+:)?autoFilter\s+ref=")([^"]*)(")', tail, True)
        tail = attr(r'(<(?:\w+:)?mergeCell\s+ref=")([^"]*)(")', tail, False)
        tail = attr(r'(<(?:\w+:)?hyperlink\s[^>]*?ref=")([^"]*)(")', tail, False)
        return head + tail.encode("utf-8")
