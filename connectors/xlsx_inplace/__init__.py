"""Workbooks people own, edited in place: the intended cells change, every other byte stays.

    from connectors.xlsx_inplace import WorkbookEdit, edit_workbook, plan_edit, read_workbook

    book = read_workbook(path)                       # exact reads: book.sheet("Ledger").value(7, 4)
    edit = (WorkbookEdit()
            .set("Ledger", "G7", Decimal("12.10"))    # a value; the cell keeps its style
            .append_row("Adjustments", {"A": "REQ-1", "G": Decimal("12.10")}))
    plan = plan_edit(book, edit)                     # the cell edits, before anything is written
    report = plan.apply()                            # report.cells: (sheet, cell, before, after)

The package is edited, not a model of it: the workbook is opened as a zip, only the XML of
the cells, rows and table ranges the edit touches changes (values as exact decimal text,
new rows styled like the row above, a table's totals row kept last, table and defined-name
ranges extended), the workbook is marked for a full recalculation on opening, and every
other part is copied byte for byte: charts, images, comments, pivot tables, sparklines,
extensions and VBA projects are parts left untouched. Formula cells that depend on a
changed cell keep their cached results until a spreadsheet program recalculates them.

Refused (`WorkbookRefused`, each with its reason): an encrypted or signed workbook, Strict
Open XML, and an edit that would have to restructure a sheet (write inside a merged range
or an array formula, change a table's header or totals row, grow a table onto filled
cells, or move a totals row that other sheets or charts address by cell).
"""

from __future__ import annotations

from pathlib import Path

from connectors.xlsx_inplace.errors import WorkbookRefused
from connectors.xlsx_inplace.package import Package
from connectors.xlsx_inplace.plan import (
    AppendRow,
    CellEdit,
    EditPlan,
    EditReport,
    SetCell,
    WorkbookEdit,
    WorkbookEditor,
    edit_workbook,
    plan_edit,
)
from connectors.xlsx_inplace.sheet import SheetDoc, coordinate, split_coordinate
from connectors.xlsx_inplace.values import CellError, CellValue, Formula, describe, typed_value


def read_workbook(path: Path) -> Package:
    """The workbook opened for exact reading and for planning edits against."""
    return Package(Path(path))


__all__ = [
    "AppendRow",
    "CellEdit",
    "CellError",
    "CellValue",
    "EditPlan",
    "EditReport",
    "Formula",
    "Package",
    "SetCell",
    "SheetDoc",
    "WorkbookEdit",
    "WorkbookEditor",
    "WorkbookRefused",
    "coordinate",
    "describe",
    "edit_workbook",
    "plan_edit",
    "read_workbook",
    "split_coordinate",
    "typed_value",
]
