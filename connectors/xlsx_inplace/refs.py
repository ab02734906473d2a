"""A1 references, and how they move when a sheet gains a row.

Two movements, both Excel's own:

- `Growth(sheet, last, columns)`: a list (a table, a named range, a formatted column) that
  ended on row `last` now ends one row lower, because a row was appended under it. Only
  ranges of more than one row that end on `last` and share a column with the list grow;
  a single cell stays the cell it names.
- `TotalsMove(sheet, row)`: a table's totals row moves from `row` down one, onto an
  empty row, to make room for a new last data row: a reference to the totals row follows
  it, a range ending on it grows to where it now is; nothing below it moves.

A reference is rewritten digit for digit: only its row numbers change, `$` signs, case
and sheet quoting stay as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import column_index_from_string

_PART = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_SHEET = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$")


@dataclass(frozen=True)
class Area:
    min_col: int
    min_row: int
    max_col: int
    max_row: int

    def covers(self, row: int, col: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= col <= self.max_col


def parse_cell(text: str) -> tuple[int, int] | None:
    """"$G$7" -> (7, 7): (row, column); None when the text is no single cell."""
    match = _PART.match(text)
    if match is None:
        return None
    return int(match.group(4)), column_index_from_string(match.group(2).upper())


def parse_area(text: str) -> Area | None:
    """"A1:I7" or "$B$3" -> Area; None for whole rows/columns, names and structured refs."""
    parts = text.split(":")
    if len(parts) > 2:
        return None
    cells = [parse_cell(p) for p in parts]
    if any(c is None for c in cells):
        return None
    (r1, c1), (r2, c2) = cells[0], cells[-1]  # type: ignore[misc]
    return Area(min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2))


def _with_rows(text: str, first: int, last: int) -> str:
    parts = text.split(":")
    rows = [first, last] if len(parts) == 2 else [first]
    out = []
    for part, row in zip(parts, rows, strict=True):
        match = _PART.match(part)
        assert match is not None  # parse_area accepted it
        out.append(f"{match.group(1)}{match.group(2)}{match.group(3)}{row}")
    return ":".join(out)


@dataclass(frozen=True)
class Growth:
    sheet: str
    last: int  # the list's last row before the append
    min_col: int
    max_col: int

    def area(self, area: Area) -> tuple[int, int] | None:
        if (area.max_row == self.last and area.min_row < self.last
                and area.min_col <= self.max_col and area.max_col >= self.min_col):
            return area.min_row, self.last + 1
        return None


@dataclass(frozen=True)
class TotalsMove:
    sheet: str
    row: int  # where the totals row was

    def area(self, area: Area) -> tuple[int, int] | None:
        if area.max_row != self.row and area.min_row != self.row:
            return None
        first = self.row + 1 if area.min_row == self.row else area.min_row
        return first, max(area.max_row, self.row + 1)


Move = Growth | TotalsMove


def move_ref(text: str, move: Move) -> str:
    """One unqualified A1 reference ("G2:G6", "$H$7"), moved; unchanged when untouched."""
    area = parse_area(text)
    if area is None:
        return text
    rows = move.area(area)
    return text if rows is None else _with_rows(text, *rows)


def move_sqref(text: str, move: Move) -> str:
    """A space-separated list of references (a `sqref`), each moved."""
    return " ".join(move_ref(part, move) for part in text.split(" "))


def split_sheet(operand: str) -> tuple[str | None, str]:
    """"'My sheet'!$A$1" -> ("My sheet", "$A$1"); "A1" -> (None, "A1")."""
    match = _SHEET.match(operand)
    if match is None:
        return None, operand
    name = match.group(1).replace("''", "'") if match.group(1) else match.group(2)
    return name, match.group(3)


def move_formula(formula: str, move: Move, *, home: str | None) -> str:
    """A formula's text (without "="), its references to `move.sheet` moved.

    `home` is the sheet the formula sits on (None for a defined name, whose references
    always name their sheet). Text that the tokenizer cannot render back exactly is
    returned unchanged rather than rewritten."""
    try:
        tokens = Tokenizer("=" + formula)
    except Exception:  # noqa: BLE001 - a formula openpyxl cannot tokenize is left alone
        return formula
    if tokens.render() != "=" + formula:
        return formula
    changed = False
    for token in tokens.items:
        if token.type != Token.OPERAND or token.subtype != Token.RANGE:
            continue
        sheet, ref = split_sheet(token.value)
        if (sheet or home) != move.sheet:
            continue
        moved = move_ref(ref, move)
        if moved != ref:
            token.value = token.value[: len(token.value) - len(ref)] + moved
            changed = True
    return tokens.render()[1:] if changed else formula
