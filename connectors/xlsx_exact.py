"""Exact numbers in xlsx files: read the digits as stored, write a Decimal digit for digit.

openpyxl turns every stored number that has a point into a float as it reads
(`_cast_number`), and formats a Decimal through `"%.16g"` (a float) as it writes:
`Decimal("0.07")` lands in the file as `0.07000000000000001`. Money must not pass
through a float, so:

- `stored_numbers(path, sheet)` reads a worksheet's XML itself and returns its literal
  numbers as `Decimal` (formula cells are left out: their cached value is the formula's,
  not an input). A spreadsheet program stores a typed 0.07 as the double nearest to it,
  written `0.07000000000000001` or `7.0000000000000007E-2`; a double holds 15 significant
  decimal digits faithfully, so the text is rounded to 15 significant digits, in Decimal:
  that gives back what the person typed for every amount with cents below a trillion;
- `save_exact(workbook, path)` saves an openpyxl workbook, then gives every `Decimal` cell
  its own digits in the saved package (`connectors.xlsx_inplace`, which edits those cells'
  XML and nothing else), atomically (temp file + rename). openpyxl's writer is not
  patched: other code saving at the same moment is unaffected.
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook

from connectors.xlsx_inplace import WorkbookEditor, read_workbook, typed_value

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_COORD = re.compile(r"^([A-Z]+)(\d+)$")


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = None
    for node in workbook.iter(f"{MAIN}sheet"):
        if node.get("name") == sheet:
            rel_id = node.get(f"{REL}id")
    if rel_id is None:
        raise KeyError(f"no sheet named {sheet!r}")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for node in rels.iter(f"{PKG_REL}Relationship"):
        if node.get("Id") == rel_id:
            target = node.get("Target", "")
            # Targets are relative to xl/ unless absolute within the package.
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
    raise KeyError(f"sheet {sheet!r}: relationship {rel_id} missing")


__all__ = ["save_exact", "stored_numbers", "typed_value"]


def stored_numbers(path: Path, sheet: str, *, formulas: bool = False) -> dict[str, Decimal]:
    """{"C4": Decimal("1234.50"), ...}: every literal numeric cell of `sheet`, exact.

    With `formulas=True` the cached results of formula cells come too (what a person
    sees in the cell), for files that are read, not written back. Date cells are numbers
    in the file (day serials) and come as such."""
    found: dict[str, Decimal] = {}
    with zipfile.ZipFile(path) as archive, archive.open(_sheet_part(archive, sheet)) as part:
        row_no, col_no = 0, 0
        for event, node in ElementTree.iterparse(part, events=("start", "end")):
            if node.tag == f"{MAIN}row":
                if event == "start":
                    row_no, col_no = int(node.get("r") or row_no + 1), 0
                else:
                    node.clear()
                continue
            if event != "end" or node.tag != f"{MAIN}c":
                continue
            coordinate = node.get("r")
            if coordinate:
                letters, digits = _COORD.match(coordinate).groups()  # type: ignore[union-attr]
                row_no, col_no = int(digits), column_index_from_string(letters)
            else:  # the r attribute is optional: count on from the previous cell
                col_no += 1
                coordinate = f"{get_column_letter(col_no)}{row_no}"
            text = node.findtext(f"{MAIN}v")
            literal = formulas or node.find(f"{MAIN}f") is None
            if node.get("t", "n") == "n" and text and literal:
                try:
                    found[coordinate] = typed_value(Decimal(text))
                except InvalidOperation:
                    pass  # not a number after all; the caller sees the cell as missing
    return found


def save_exact(workbook: Workbook, path: Path) -> Path:
    """Save with exact Decimals; a crash mid-save leaves the old file whole."""
    path = Path(path)
    exact = {(sheet.title, cell.coordinate): cell.value for sheet in workbook.worksheets
             for row in sheet.iter_rows() for cell in row if isinstance(cell.value, Decimal)}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        workbook.save(temporary)
        if exact:
            editor = WorkbookEditor(read_workbook(temporary), find_stale=False)
            for (sheet, cell), value in exact.items():
                editor.set(sheet, cell, value)
            editor.finish().apply()
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
