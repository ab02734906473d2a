"""Writing item lists people open (CSV, XLSX), safe against formula injection.

A spreadsheet runs text that starts with = + - @ (and tab or carriage return, which
some programs strip before looking) as a formula. In CSV such text gets a leading
apostrophe; in XLSX the cell is stored as a string, so the text stays exactly as it was.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bots.errors import UsageError
from bots.workitems.model import ItemRecord, json_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767

COLUMNS = (
    "id", "queue", "key", "state", "priority", "attempts", "created_at", "updated_at",
    "deadline", "not_before", "lease_owner", "lease_expires_at", "reason", "last_error",
    "payload", "output", "review_outcome", "review_note",
)


def csv_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def item_row(item: ItemRecord, tz: ZoneInfo) -> dict[str, Any]:
    """One item as export values: numbers stay numbers, times in `tz`, JSON as text.
    The two review columns are left empty for a reviewer to fill (`review` reads them)."""

    def when(value: datetime | None) -> datetime | None:
        return value.astimezone(tz).replace(tzinfo=None) if value else None

    return {
        "id": item.id, "queue": item.queue, "key": item.key, "state": str(item.state),
        "priority": item.priority, "attempts": item.attempts,
        "created_at": when(item.created_at), "updated_at": when(item.updated_at),
        "deadline": when(item.deadline), "not_before": when(item.not_before),
        "lease_owner": item.lease_owner, "lease_expires_at": when(item.lease_expires_at),
        "reason": item.reason, "last_error": item.last_error,
        "payload": json_text(item.payload),
        "output": json_text(item.output) if item.output is not None else None,
        "review_outcome": None, "review_note": None,
    }


def write_items(items: Sequence[ItemRecord], path: Path, *, tz: ZoneInfo) -> Path:
    rows = [item_row(item, tz) for item in items]
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        _write_csv(rows, path)
    elif suffix == ".xlsx":
        _write_xlsx(rows, path)
    else:
        raise UsageError(f"export to {path.name}: the file must end in .csv or .xlsx")
    return path


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)


def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    # utf-8-sig: Excel reads the BOM and shows accents right.
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([
                row[c] if isinstance(row[c], int) else csv_safe(_text(row[c])) for c in COLUMNS
            ])


def _write_xlsx(rows: list[dict[str, Any]], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "items"
    sheet.append(list(COLUMNS))
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(COLUMNS, start=1):
            value = row[name]
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, datetime):
                cell.value = value
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(value, int):
                cell.value = value
            else:
                # Control characters are not allowed in XLSX XML; they carry nothing to a reader.
                text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_CELL_LIMIT]
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever the text starts with
    sheet.freeze_panes = "A2"
    book.save(path)
