"""Which formula cells read an edited cell, directly or through other formulas.

Their cached results, kept byte for byte, are the ones from before the edit until a
spreadsheet program recalculates (the workbook is flagged for that); a reader that does
not calculate (pandas, calamine) sees the old figures. The edit report names them, so the
run's record says which cached figures are stale instead of leaving it silent.

A reference counts when it is an A1 address or range covering an edited cell, or a
structured reference to a table that grew. References through defined names, INDIRECT
or OFFSET are not followed.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.formula.tokenizer import Token, Tokenizer

from connectors.xlsx_inplace.refs import Area, parse_area, split_sheet
from connectors.xlsx_inplace.sheet import SheetDoc, coordinate
from connectors.xlsx_inplace.values import Formula

Cell = tuple[str, int, int]  # sheet, row, column


def _references(text: str, home: str) -> tuple[list[tuple[str, Area]], set[str]]:
    try:
        tokens = Tokenizer("=" + text).items
    except Exception:  # noqa: BLE001 - an unparsable formula reads nothing we can follow
        return [], set()
    areas, tables = [], set()
    for token in tokens:
        if token.type != Token.OPERAND or token.subtype != Token.RANGE:
            continue
        sheet, ref = split_sheet(token.value)
        if "[" in ref:
            tables.add(ref.split("[", 1)[0].casefold())
            continue
        area = parse_area(ref)
        if area is not None:
            areas.append((sheet or home, area))
    return areas, tables


def stale_formulas(sheets: dict[str, SheetDoc], changed: Iterable[Cell],
                   grown_tables: Iterable[str]) -> list[str]:
    """"Sheet!A1" of every formula cell that depends on `changed`, in sheet/row order."""
    formulas: dict[Cell, tuple[list[tuple[str, Area]], set[str]]] = {}
    for name, sheet in sheets.items():
        for row, col in set(sheet.cells) | set(sheet.overlay):
            value = sheet.value(row, col)
            if isinstance(value, Formula):
                formulas[name, row, col] = _references(value.text, name)
    dirty = set(changed)
    tables = {t.casefold() for t in grown_tables}
    stale: set[Cell] = set()
    frontier = set(dirty)
    while frontier:
        found = set()
        for cell, (areas, used_tables) in formulas.items():
            if cell in stale or cell in dirty:
                continue
            if used_tables & tables or any(
                    sheet == s and area.covers(r, c) for sheet, area in areas
                    for s, r, c in frontier):
                found.add(cell)
        stale |= found
        frontier = found
    return [f"{s}!{coordinate(r, c)}" for s, r, c in sorted(stale)]
