"""One table part (xl/tables/tableN.xml): its range, header and totals rows, columns.

A table grows by changing the `ref` of the table and of its autoFilter, nothing else;
the bytes around them stay as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from connectors.xlsx_inplace.errors import WorkbookRefused
from connectors.xlsx_inplace.refs import Area, parse_area
from connectors.xlsx_inplace.sheet import MAIN, PARSER, coordinate


@dataclass
class TableDoc:
    part: str
    data: bytes
    name: str
    area: Area
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]
    calculated: dict[int, str]  # column index on the sheet -> formula of a calculated column
    new_ref: str | None = None

    @classmethod
    def read(cls, part: str, data: bytes) -> TableDoc:
        root = etree.fromstring(data, PARSER)
        area = parse_area(root.get("ref", ""))
        if area is None:
            raise WorkbookRefused(f"table part {part} has no range ({root.get('ref')!r})",
                                  reason="workbook_unreadable")
        columns, calculated = [], {}
        for index, column in enumerate(root.iter(f"{{{MAIN}}}tableColumn")):
            columns.append(column.get("name", ""))
            formula = column.findtext(f"{{{MAIN}}}calculatedColumnFormula")
            if formula:
                calculated[area.min_col + index] = formula
        return cls(part, data, root.get("displayName") or root.get("name") or part,
                   area, int(root.get("headerRowCount", "1")),
                   int(root.get("totalsRowCount", "0")), tuple(columns), calculated)

    @property
    def first_data_row(self) -> int:
        return self.area.min_row + self.header_rows

    @property
    def last_data_row(self) -> int:
        return self.area.max_row - self.totals_rows

    @property
    def ref(self) -> str:
        return self.new_ref or _text(self.area)

    def grow(self) -> str:
        """One more data row; returns the new range."""
        self.area = Area(self.area.min_col, self.area.min_row, self.area.max_col,
                         self.area.max_row + 1)
        self.new_ref = _text(self.area)
        return self.new_ref

    def render(self) -> bytes:
        if self.new_ref is None:
            return self.data
        start = re.search(rb"<(?:\w+:)?table\s[^>]*>", self.data)
        if start is None:
            raise WorkbookRefused(f"table part {self.part}: no table element", reason="workbook_unreadable")
        tag = re.sub(rb'(\sref=")[^"]*(")', lambda m: m.group(1) + self.new_ref.encode() + m.group(2),
                     start.group(0), count=1)
        data = self.data[:start.start()] + tag + self.data[start.end():]
        # the table's filter covers the header and data rows, not the totals row
        filtered = Area(self.area.min_col, self.area.min_row, self.area.max_col,
                        self.last_data_row)
        return re.sub(rb'(<(?:\w+:)?autoFilter\s+ref=")[^"]*(")',
                      lambda m: m.group(1) + _text(filtered).encode() + m.group(2), data, count=1)


def _text(area: Area) -> str:
    return f"{coordinate(area.min_row, area.min_col)}:{coordinate(area.max_row, area.max_col)}"
