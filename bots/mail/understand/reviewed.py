"""The categories people gave in review, kept for the next training.

A mail below the confidence threshold goes to Triage/Review. An agent decides its
category, and that decision is what the model most needs to learn from (it is mail the
model did not understand). Two ways it comes back, both by `runner.py mail reviewed`:

- the mailbox: the agent moves the mail from Triage/Review into `Reviewed/<category>`
  (read by `connectors.mailbox.reviewed`, which hands each mail to `label_from_mail`);
- an export of the review list (CSV or xlsx: `subject`, `text`, `category`, optionally
  `message_id` and `language`) whose `category` column the agent filled; a row with an
  empty category is not reviewed yet and is left for later.

`add_reviewed` adds them to `<data_dir>/mail/reviewed.csv` (the training CSV's columns
plus `message_id`), which `runner.py mail train` learns from by default. A label whose
Message-ID is already there is not added again (a mail without one is known by its
subject and text), so running it after every review session adds only the new ones.
The file is rewritten whole through a temporary file: never half-written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bots.errors import InputError
from bots.mail.understand.categories import CATEGORIES, LANGUAGES
from bots.mail.understand.csvfiles import read_rows
from bots.mail.understand.dataset import checked_label
from bots.mail.understand.language import detect_language
from bots.mail.understand.text import new_text

REVIEWED_COLUMNS = ("message_id", "subject", "text", "category", "language")
NEEDED = ("subject", "text", "category")


@dataclass(frozen=True)
class ReviewedLabel:
    message_id: str  # "" when the mail had none
    subject: str
    text: str  # the customer's new text (quoted history cut), as the classifier reads it
    category: str
    language: str

    @property
    def key(self) -> str:
        if self.message_id:
            return self.message_id.strip().lower()
        return "sha256:" + hashlib.sha256(f"{self.subject}\n{self.text}".encode()).hexdigest()


@dataclass
class Export:
    labels: list[ReviewedLabel] = field(default_factory=list)
    pending: int = 0  # rows whose category is still empty


@dataclass(frozen=True)
class Added:
    added: int
    already: int  # labels whose mail the file already had (or given twice)
    path: Path


def make_label(message_id: str, subject: str, text: str, category: str, language: str = "",
               default_language: str = "es") -> ReviewedLabel:
    """A label from what a person decided; the language is detected when not given."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r} (one of: {', '.join(CATEGORIES)})")
    subject, body = " ".join(subject.split()), new_text(text.replace("\r\n", "\n")).strip()
    if not language:
        language = detect_language(f"{subject}\n{body}", default_language)[0]
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (one of: {', '.join(LANGUAGES)})")
    return ReviewedLabel(message_id.strip(), subject, body, category, language)


def label_from_mail(raw: bytes, category: str, default_language: str = "es") -> ReviewedLabel:
    """A stored mail an agent filed under `category`. Raises `MailRefused` (a ValueError's
    kin: bots.errors.BusinessError) for a mail that cannot be read."""
    from bots.mail.parse import parse_mail

    parsed = parse_mail(raw)
    return make_label(parsed.message_id, parsed.subject, parsed.new_text, category, "",
                      default_language)


def read_export(path: Path, default_language: str = "es") -> Export:
    """The reviewed rows of a review-list export (CSV or xlsx); a bad row is refused
    with its file, row and column, and nothing is taken from the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such review export", file=str(path),
                         expected="a CSV or xlsx file with subject, text and category columns")
    header, rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else read_rows(path, NEEDED)
    missing = [c for c in NEEDED if c not in header]
    if missing:
        raise InputError("review export lacks columns", file=str(path), row=1,
                         expected=f"a header with {', '.join(NEEDED)} (and message_id, language)",
                         got=header)
    export = Export()
    for row_no, row in enumerate(rows, start=2):
        if not row.get("category", "").strip():
            export.pending += 1  # not reviewed yet
            continue
        category, language = checked_label(path, row_no, row)
        export.labels.append(make_label(row.get("message_id", ""), row["subject"], row["text"],
                                        category, language, default_language))
    return export


def _xlsx_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise InputError("not a readable xlsx workbook", file=str(path),
                         got=f"{type(error).__name__}: {error}") from None
    try:
        values = [["" if v is None else str(v) for v in row]
                  for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    if not values:
        return [], []
    header = [name.strip().casefold() for name in values[0]]
    return header, [dict(zip(header, row, strict=False)) | {k: "" for k in header[len(row):]}
                    for row in values[1:] if any(cell.strip() for cell in row)]


def add_reviewed(path: Path, labels: Iterable[ReviewedLabel]) -> Added:
    """Add the labels the file does not have yet; the file is made with its header."""
    path = Path(path)
    header: list[str] = list(REVIEWED_COLUMNS)
    rows: list[dict[str, str]] = []
    if path.exists() and path.stat().st_size > 0:
        header, rows = read_rows(path, NEEDED)
        missing = [c for c in NEEDED if c not in header]
        if missing:
            raise InputError("reviewed labels file lacks columns", file=str(path), row=1,
                             expected=f"a header with {', '.join(REVIEWED_COLUMNS)}", got=header)
    known = {_row_key(row) for row in rows}
    fresh: list[ReviewedLabel] = []
    already = 0
    for label in labels:
        if label.key in known:
            already += 1
            continue
        known.add(label.key)
        fresh.append(label)
    if fresh:
        if "message_id" not in header:  # a file made before Message-IDs were kept
            header.insert(0, "message_id")
        _write(path, header, rows + [vars(label) for label in fresh])
    return Added(len(fresh), already, path)


def _row_key(row: dict[str, str]) -> str:
    label = ReviewedLabel(row.get("message_id", ""), row.get("subject", ""), row.get("text", ""),
                          row.get("category", ""), row.get("language", ""))
    return label.key


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", restval="")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".reviewed-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(buffer.getvalue())
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.remove(staging)
