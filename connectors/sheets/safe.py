"""Cell text that a spreadsheet will show, never run.

Text starting with `= + - @` (or a tab or carriage return, which some programs strip
before looking) is a formula to Excel and LibreOffice: `=HYPERLINK(...)` in a bank
concept would become a live link in the report. In xlsx such text is written as a
string cell with Excel's quote prefix; in CSV, where a cell has no type, it gets a
leading apostrophe, as OWASP recommends.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # no XML 1.0 document may hold these


def is_risky(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """A value for a CSV cell: risky text gets a leading apostrophe; numbers are untouched."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def set_text(cell: Cell, value: str) -> None:
    """Put text in an openpyxl cell as text, even when it looks like a formula."""
    cell.value = ILLEGAL_XML.sub("", value)
    if is_risky(value):
        cell.data_type = "s"  # openpyxl made it "f" on assignment
        cell.quotePrefix = True  # and Excel keeps it text if someone edits it


def set_value(cell: Cell, value: Any) -> None:
    """Any value into a cell; text goes through `set_text`."""
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value
