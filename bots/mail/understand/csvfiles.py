"""The CSV files people hand the mail reader (training mail, reviewed labels, customer
tiers): UTF-8 (with or without BOM), comma or semicolon or tab, as spreadsheets save them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bots.errors import InputError

DELIMITERS = (",", ";", "\t", "|")


def read_rows(path: Path, wanted: tuple[str, ...]) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows with casefolded keys); the delimiter is the one that splits the header
    into the `wanted` column names (a Spanish Excel saves with ';')."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError("the file is not UTF-8", file=str(path), expected="UTF-8 text (save the "
                         "spreadsheet as 'CSV UTF-8')", got=f"byte {error.object[error.start]:#x} at "
                         f"offset {error.start}") from None
    first = text.split("\n", 1)[0]
    delimiter = next((d for d in DELIMITERS
                      if set(wanted) <= {c.strip().casefold() for c in first.split(d)}), ",")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(name or "").strip().casefold() for name in reader.fieldnames or []]
    rows = [{(k or "").strip().casefold(): (v or "") for k, v in raw.items()} for raw in reader]
    return header, rows
