"""An edit of a workbook: operations, planned into a list of cell edits, then applied.

    edit = WorkbookEdit().set("Ledger", "G4", Decimal("12.10")).append_row(
        "Adjustments", {"A": "REQ-1", "G": Decimal("12.10")})
    plan = plan_edit(path, edit)        # nothing written yet
    print(plan.describe())              # Ledger!G4: '0' -> '12.10' ... the table's new range
    report = plan.apply()               # the workbook rewritten in place, atomically

A value equal to what the cell holds is no edit: planning the same edit twice over a
workbook that already has it gives an empty plan, and applying it writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.utils import column_index_from_string

from connectors.xlsx_inplace.dependents import stale_formulas
from connectors.xlsx_inplace.errors import WorkbookRefused
from connectors.xlsx_inplace.package import Package, without_calc_chain, write_package
from connectors.xlsx_inplace.refs import Area, Growth, Move, TotalsMove, move_formula
from connectors.xlsx_inplace.sheet import PARSER, SheetDoc, coordinate, split_coordinate
from connectors.xlsx_inplace.table import TableDoc
from connectors.xlsx_inplace.values import CellValue, Formula, describe, encode, same

_LATER_THAN_CALC = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr",
                    "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects",
                    "extLst")


@dataclass(frozen=True)
class SetCell:
    sheet: str
    cell: str
    value: CellValue


@dataclass(frozen=True)
class AppendRow:
    """A row after the last filled row of a table (or of the given columns): values by
    column letter; the table's other columns get the row above's style and formulas."""

    sheet: str
    values: tuple[tuple[str, CellValue], ...]
    table: str | None = None
    below: int = 0  # rows up to this one (a header) never lend their looks to the new row


Operation = SetCell | AppendRow


def _append_op(sheet: str, values: Mapping[str, CellValue], table: str | None,
               below: int) -> AppendRow:
    if not values:
        raise ValueError("an appended row needs at least one value")
    for letter, value in values.items():
        column_index_from_string(letter.upper())
        encode(value, date1904=False)
    return AppendRow(sheet, tuple((k.upper(), v) for k, v in values.items()), table, below)


class WorkbookEdit:
    """The operations of one edit, checked as they are added, applied together."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def set(self, sheet: str, cell: str, value: CellValue) -> WorkbookEdit:
        split_coordinate(cell)
        encode(value, date1904=False)  # a float or a bad value is refused here, not later
        self.operations.append(SetCell(sheet, cell.upper().replace("$", ""), value))
        return self

    def append_row(self, sheet: str, values: Mapping[str, CellValue], *,
                   table: str | None = None, below: int = 0) -> WorkbookEdit:
        self.operations.append(_append_op(sheet, values, table, below))
        return self

    def __len__(self) -> int:
        return len(self.operations)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)


@dataclass(frozen=True)
class CellEdit:
    sheet: str
    cell: str
    before: CellValue
    after: CellValue

    def as_dict(self) -> dict[str, str]:
        return {"sheet": self.sheet, "cell": self.cell, "before": describe(self.before),
                "after": describe(self.after)}

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}: {describe(self.before)!r} -> {describe(self.after)!r}"


@dataclass(frozen=True)
class EditReport:
    path: Path
    cells: tuple[CellEdit, ...]
    structure: tuple[str, ...]
    written: bool
    sha256_before: str
    sha256_after: str
    stale: tuple[str, ...] = ()  # formula cells whose cached results predate the edit

    def describe(self) -> str:
        if not self.written:
            return f"{self.path.name}: nothing to change; the workbook was left as it was"
        lines = [f"{self.path.name}: {len(self.cells)} cell(s) changed"]
        lines += [f"  {edit}" for edit in self.cells] + [f"  {line}" for line in self.structure]
        lines += _stale_lines(self.stale)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"workbook": str(self.path), "written": self.written,
                "sha256_before": self.sha256_before, "sha256_after": self.sha256_after,
                "cells": [edit.as_dict() for edit in self.cells],
                "structure": list(self.structure), "stale_formulas": list(self.stale)}


def _stale_lines(stale: tuple[str, ...]) -> list[str]:
    if not stale:
        return []
    shown = ", ".join(stale[:12]) + (f" and {len(stale) - 12} more" if len(stale) > 12 else "")
    return [f"  {len(stale)} formula cell(s) read the changed cells; their cached results are "
            f"from before the edit until recalculated on opening: {shown}"]


@dataclass(frozen=True)
class EditPlan:
    path: Path
    cells: tuple[CellEdit, ...]
    structure: tuple[str, ...]  # tables grown, rows added or moved, names extended, flags
    parts: Mapping[str, bytes] = field(repr=False)
    removed: frozenset[str] = field(repr=False, default=frozenset())
    package: Package | None = field(repr=False, default=None, compare=False)
    stale: tuple[str, ...] = ()

    @property
    def changes_nothing(self) -> bool:
        return not self.cells and not self.parts

    def describe(self) -> str:
        if self.changes_nothing:
            return f"{self.path.name}: nothing to change"
        return "\n".join([f"{self.path.name}: {len(self.cells)} cell(s) to change"]
                         + [f"  {edit}" for edit in self.cells]
                         + [f"  {line}" for line in self.structure] + _stale_lines(self.stale))

    def apply(self, out: Path | None = None) -> EditReport:
        """Write the edited workbook to `out` (default: over the original, atomically)."""
        before = _sha256(self.path)
        if self.changes_nothing:
            return EditReport(self.path, (), (), False, before, before)
        assert self.package is not None
        target = Path(out or self.path)
        write_package(self.package, target, dict(self.parts), self.removed)
        return EditReport(target, self.cells, self.structure, True, before, _sha256(target),
                          self.stale)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plan_edit(source: Path | Package, edit: WorkbookEdit) -> EditPlan:
    """Resolve every operation against the workbook; nothing is written. A refusal
    (`WorkbookRefused`) names the operation that cannot be done safely."""
    package = source if isinstance(source, Package) else Package(Path(source))
    editor = WorkbookEditor(package)
    for operation in edit:
        if isinstance(operation, SetCell):
            editor.set(operation.sheet, operation.cell, operation.value)
        else:
            editor.append(operation)
    return editor.finish()


def edit_workbook(path: Path, edit: WorkbookEdit, *, out: Path | None = None) -> EditReport:
    """Plan and apply `edit` to the workbook at `path` (in place unless `out` is given)."""
    return plan_edit(path, edit).apply(out)


def _located(method: Any) -> Any:
    """Name the workbook's file in a refusal raised while planning."""

    def wrapper(self: WorkbookEditor, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except WorkbookRefused as exc:
            if exc.file is None:
                raise WorkbookRefused(str(exc), reason=exc.reason,
                                      file=str(self.pkg.path)) from None
            raise

    return wrapper


class WorkbookEditor:
    """Operations planned one by one against an open workbook: reads through
    `package.sheet(name).value(row, col)` see the changes planned so far.

        editor = WorkbookEditor(read_workbook(path))
        editor.set("Ledger", "G4", Decimal("12.10"))     # True: the cell changes
        row = editor.append_row("Adjustments", {"A": "REQ-1"}, below=1)
        editor.finish().apply()
    """

    def __init__(self, package: Package, *, find_stale: bool = True) -> None:
        self.pkg, self.find_stale = package, find_stale
        self.edits: dict[tuple[str, int, int], list[CellValue]] = {}
        self.structure: list[str] = []
        self.moves: list[Move] = []
        self.changed_sheets: set[str] = set()
        self.formula_gone = False

    # -- operations ----------------------------------------------------------------------
    @_located
    def finish(self) -> EditPlan:
        """The plan of every operation so far (call once: it renders the changed parts)."""
        cells = tuple(CellEdit(sheet, coordinate(row, col), before, after)
                      for (sheet, row, col), (before, after) in self.edits.items())
        if not self.changed_sheets:
            return EditPlan(self.pkg.path, (), (), {}, frozenset(), self.pkg)
        parts: dict[str, bytes] = {}
        for name in sorted(self.changed_sheets):
            doc = self.pkg.sheet(name)
            parts[doc.part] = doc.render()
        for table in self.pkg.all_tables():
            if table.new_ref is not None:
                parts[table.part] = table.render()
        parts[self.pkg.workbook_part] = self._workbook_xml()
        removed: frozenset[str] = frozenset()
        chain = self.pkg.calc_chain()
        if chain is not None and self.formula_gone:
            parts.update(without_calc_chain(parts, self.pkg, chain))
            removed = frozenset({chain})
            self.structure.append(f"calculation chain {chain} dropped (rebuilt on opening)")
        parts = {k: v for k, v in parts.items() if v != self.pkg.parts.get(k)}
        touched = list(self.edits)  # moved cells keep their cached results: not "touched"
        grown = [t.name for t in self.pkg.all_tables() if t.new_ref is not None]
        stale = stale_formulas(self.pkg.read_sheets(), touched, grown) if self.find_stale else []
        return EditPlan(self.pkg.path, cells, tuple(self.structure), parts, removed, self.pkg,
                        tuple(stale))

    def _record(self, doc: SheetDoc, row: int, col: int, value: CellValue,
                style: int | None) -> None:
        key = (doc.name, row, col)
        before, noisy = doc.value(row, col), doc.float_noise(row, col)
        if isinstance(doc.original_value(row, col), Formula) and not isinstance(value, Formula):
            self.formula_gone = True
        doc.put(row, col, value, style)
        if key in self.edits:
            self.edits[key][1] = value
        elif not same(before, value, date1904=doc.date1904) or noisy:
            self.edits[key] = [before, value]
        self.changed_sheets.add(doc.name)

    @_located
    def set(self, sheet: str, cell: str, value: CellValue) -> bool:
        """Plan `value` into `cell`; False when the cell holds it already."""
        op = WorkbookEdit().set(sheet, cell, value).operations[0]
        assert isinstance(op, SetCell)
        doc = self.pkg.sheet(op.sheet)
        row, col = split_coordinate(op.cell)
        if (same(doc.value(row, col), op.value, date1904=doc.date1904)
                and not doc.float_noise(row, col)):
            return False
        for table in self.pkg.tables(op.sheet):
            header = table.header_rows and row == table.area.min_row
            totals = table.totals_rows and row == table.area.max_row
            if (header or totals) and table.area.covers(row, col):
                raise WorkbookRefused(
                    f"{op.sheet}!{op.cell} is in the {'header' if header else 'totals'} row of "
                    f"table {table.name}; changing it would restructure the table",
                    reason="workbook_restructure")
        self._record(doc, row, col, op.value, doc.style(row, col))
        return True

    def append_row(self, sheet: str, values: Mapping[str, CellValue], *,
                   table: str | None = None, below: int = 0) -> int:
        """Plan a new row (see `AppendRow`); returns its row number."""
        return self.append(_append_op(sheet, values, table, below))

    @_located
    def append(self, op: AppendRow) -> int:
        doc = self.pkg.sheet(op.sheet)
        given = {column_index_from_string(letter): value for letter, value in op.values}
        table = self._table_for(op, given)
        if table is None:
            last = doc.last_row(given, 1) or 0
            target, columns = last + 1, sorted(given)
            neighbour = last if last > op.below else None
            self._no_table_at(op.sheet, target, columns)
            if neighbour:
                self._move(doc, Growth(doc.name, last, min(given), max(given)))
        else:
            columns = list(range(table.area.min_col, table.area.max_col + 1))
            outside = sorted(set(given) - set(columns))
            if outside:
                raise WorkbookRefused(f"column {coordinate(1, outside[0])[:-1]} is outside table "
                                      f"{table.name} ({table.ref})", reason="workbook_restructure")
            target, neighbour = self._table_row(doc, table)
        if neighbour is not None and target not in doc.rebuilt and not doc.row_cells(target):
            doc.rebuild_row(target, doc.row_start(target, neighbour))
        for col in columns:
            style = doc.style(target, col)
            if style is None and neighbour is not None:
                style = doc.style(neighbour, col)
            if col in given:
                value = given[col]
            else:
                value = self._fill(doc, neighbour, target, col)
                if value is None and (style is None or doc.has_cell(target, col)):
                    continue  # nothing to carry into this cell
            self._record(doc, target, col, value, style)
        self.structure.append(f"{op.sheet} row {target} added"
                              + (f" (styled like row {neighbour})" if neighbour else ""))
        return target

    # -- tables ------------------------------------------------------------------------
    def _table_for(self, op: AppendRow, given: dict[int, CellValue]) -> TableDoc | None:
        tables = self.pkg.tables(op.sheet)
        if op.table is not None:
            for table in tables:
                if table.name == op.table:
                    return table
            raise WorkbookRefused(f"sheet {op.sheet!r} has no table {op.table!r}",
                                  reason="workbook_no_such_table")
        for table in tables:
            if all(table.area.min_col <= col <= table.area.max_col for col in given):
                return table
        return None

    def _no_table_at(self, sheet: str, row: int, columns: list[int]) -> None:
        for table in self.pkg.tables(sheet):
            if any(table.area.covers(row, col) for col in columns):
                raise WorkbookRefused(f"row {row} of {sheet!r} belongs to table {table.name}; "
                                      "name the table to append to it",
                                      reason="workbook_restructure")

    def _table_row(self, doc: SheetDoc, table: TableDoc) -> tuple[int, int | None]:
        """The row the new entry goes to, and the row whose looks it takes."""
        columns = range(table.area.min_col, table.area.max_col + 1)
        first, last = table.first_data_row, table.last_data_row
        filled = doc.last_row(columns, first, last)
        if filled is None:
            return first, None
        if filled < last:
            return filled + 1, filled
        target = last + 1
        before = table.ref
        if table.totals_rows:
            self._move_totals(doc, table, columns)
        else:
            taken = [col for col in columns if doc.has_content(target, col)]
            if taken:
                raise WorkbookRefused(
                    f"{doc.name}!{coordinate(target, taken[0])} under table {table.name} holds "
                    f"{describe(doc.value(target, taken[0]))!r}; the table cannot grow without "
                    "moving it", reason="workbook_restructure")
            for other in self.pkg.tables(doc.name):
                if other is not table and any(other.area.covers(target, c) for c in columns):
                    raise WorkbookRefused(f"table {table.name} cannot grow into table {other.name}",
                                          reason="workbook_restructure")
            self._move(doc, Growth(doc.name, last, table.area.min_col, table.area.max_col))
        table.grow()
        self.structure.append(f"table {table.name}: {before} -> {table.ref}")
        return target, last

    def _move_totals(self, doc: SheetDoc, table: TableDoc, columns: range) -> None:
        """The totals row one row down, onto an empty row; the new data row takes its place."""
        totals, last = table.area.max_row, table.last_data_row
        below = totals + 1
        if doc.row_cells(below):
            raise WorkbookRefused(
                f"row {below} under the totals row of table {table.name} ({doc.name}) holds "
                "cells; the totals row cannot move down without moving them",
                reason="workbook_restructure")
        for area in doc.merged + doc.arrays:
            if area.min_row <= totals <= area.max_row and not area.min_row == area.max_row == totals:
                raise WorkbookRefused(f"a merged range or array formula crosses the totals row of "
                                      f"table {table.name}", reason="workbook_restructure")
        moves: list[Move] = [TotalsMove(doc.name, totals),
                             Growth(doc.name, last, table.area.min_col, table.area.max_col)]
        self._references_to(doc, totals, moves[0])
        doc.rebuild_row(below, doc.row_start(below, totals))
        for col in doc.row_cells(totals):
            doc.move_cell(totals, col, below, moves)
        doc.rebuild_row(totals, doc.row_start(totals, last), replacing=True)
        doc.merged = [Area(a.min_col, a.min_row + 1, a.max_col, a.max_row + 1)
                      if a.min_row == totals else a for a in doc.merged]
        self.formula_gone = True  # the chain may name the totals row's old cells
        self.changed_sheets.add(doc.name)
        for move in moves:
            self._move(doc, move)
        self.structure.append(f"table {table.name}: totals row moved from row {totals} to {below}")

    def _references_to(self, doc: SheetDoc, totals: int, move: TotalsMove) -> None:
        """Refuse when a formula elsewhere names a cell of the totals row by its address:
        it would have to be rewritten on another sheet (or in a chart)."""
        for name, sheet in self.pkg.read_sheets().items():
            for (row, col), _ in sheet.cells.items():
                if name == doc.name and row == totals:
                    continue
                value = sheet.original_value(row, col)
                if isinstance(value, Formula) and move_formula(value.text, move, home=name) != value.text:
                    raise WorkbookRefused(
                        f"{name}!{coordinate(row, col)} ({value}) refers to the totals row of "
                        f"{doc.name} by address; use a structured reference "
                        "(Table[[#Totals],[Column]]) so the table can grow",
                        reason="workbook_restructure")
        for part, data in self.pkg.parts.items():
            if not part.startswith("xl/charts/chart"):
                continue
            for text in re.findall(rb"<c:f>(.*?)</c:f>", data, re.S):
                formula = etree.fromstring(b"<f>" + text + b"</f>", PARSER).text or ""
                if move_formula(formula, move, home=None) != formula:
                    raise WorkbookRefused(f"chart {part} plots the totals row of {doc.name} "
                                          f"({formula}); the totals row cannot move",
                                          reason="workbook_restructure")

    def _move(self, doc: SheetDoc, move: Move) -> None:
        doc.moves.append(move)
        self.moves.append(move)
        self.changed_sheets.add(doc.name)

    @staticmethod
    def _fill(doc: SheetDoc, neighbour: int | None, target: int, col: int) -> CellValue:
        """The neighbour's formula, carried down as Excel fills a table column."""
        if neighbour is None:
            return None
        value = doc.value(neighbour, col)
        if not isinstance(value, Formula):
            return None
        origin = coordinate(neighbour, col)
        element = doc.formula_element(neighbour, col)
        if element is not None and element.get("t") == "array":
            return None
        if element is not None and element.get("t") == "shared" and not element.text:
            master = next((rc for rc, c in doc.cells.items() if (f := c.find(element.tag)) is not None
                           and f.get("t") == "shared" and f.get("si") == element.get("si")
                           and f.text), None)
            if master is None:
                return None
            origin = coordinate(*master)
        translated = Translator("=" + value.text, origin=origin).translate_formula(
            coordinate(target, col))
        return Formula(translated)

    # -- the workbook part ---------------------------------------------------------------
    def _workbook_xml(self) -> bytes:
        data = self.pkg.parts[self.pkg.workbook_part]

        def name(match: re.Match[bytes]) -> bytes:
            text = etree.fromstring(b"<n>" + match.group(2) + b"</n>", PARSER).text or ""
            moved = text
            for move in self.moves:
                moved = move_formula(moved, move, home=None)
            if moved == text:
                return match.group(0)
            label = re.search(rb'\sname="([^"]*)"', match.group(1))
            self.structure.append(f"name {label.group(1).decode() if label else '?'}: "
                                  f"{text} -> {moved}")
            return match.group(1) + escape(moved).encode() + match.group(3)

        if self.moves:
            data = re.sub(rb"(<(?:\w+:)?definedName\b[^>]*>)(.*?)(</(?:\w+:)?definedName>)",
                          name, data, flags=re.S)
        return self._full_calc(data)

    def _full_calc(self, data: bytes) -> bytes:
        tag = re.search(rb"<(\w+:)?calcPr\b[^>]*?(/?)>", data)
        if tag is not None:
            if re.search(rb'\sfullCalcOnLoad="(1|true)"', tag.group(0)):
                return data
            new = re.sub(rb'\sfullCalcOnLoad="[^"]*"', b"", tag.group(0))
            end = len(new) - (2 if new.endswith(b"/>") else 1)
            new = new[:end] + b' fullCalcOnLoad="1"' + new[end:]
        else:
            prefix = (self.pkg.workbook_xml.prefix + ":") if self.pkg.workbook_xml.prefix else ""
            new = f'<{prefix}calcPr fullCalcOnLoad="1"/>'.encode()
            later = [m.start() for e in _LATER_THAN_CALC
                     if (m := re.search(rb"<(?:\w+:)?" + e.encode() + rb"[\s/>]", data))]
            close = data.rfind(b"</")
            at = min(later) if later else close
            self.structure.append("workbook marked for a full recalculation on opening")
            return data[:at] + new + data[at:]
        self.structure.append("workbook marked for a full recalculation on opening")
        return data[:tag.start()] + new + data[tag.end():]
