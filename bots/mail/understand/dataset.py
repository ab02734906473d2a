"""Labelled mail to train on: a CSV, or folders named by category as agents file mail.

- CSV: a header with `subject`, `text`, `category` and optionally `language` (es/en;
  detected when absent or empty). A bad row is refused naming file, row and column.
- Folders: `ROOT/<category>/` holding `.eml` files, or a maildir (`cur/`, `new/`) per
  category. A folder whose name is not a category is refused; a mail file that cannot
  be read at all is skipped and reported (one unreadable mail among thousands filed
  must not stop the training), never guessed at.
- Reviewed labels: `runner.py mail reviewed` (or `append_reviewed`) adds each mail a
  person labelled to a CSV in the same format plus `message_id`, by default
  `<data_dir>/mail/reviewed.csv`, which `runner.py mail train` adds to its `--data`.

`data_sha256` hashes the examples themselves (sorted), so the same mail filed in a CSV
or in folders gives the same hash, and the model's metadata says what it learnt from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Protocol

from bots.errors import InputError
from bots.mail.understand.categories import CATEGORIES, LANGUAGES
from bots.mail.understand.csvfiles import read_rows
from bots.mail.understand.language import detect_language
from bots.mail.understand.text import new_text

CSV_COLUMNS = ("subject", "text", "category", "language")


@dataclass(frozen=True)
class Example:
    subject: str
    text: str
    category: str
    language: str


class Labelled(Protocol):
    """Any labelled mail (an `Example`, or a corpus's own record with these fields)."""

    @property
    def subject(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def language(self) -> str: ...


@dataclass
class Loaded:
    examples: list[Example] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "path: why"
    sources: list[str] = field(default_factory=list)


def load_sources(paths: Iterable[Path], default_language: str = "es") -> Loaded:
    loaded = Loaded()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            _load_folders(path, loaded, default_language)
        elif path.is_file():
            loaded.examples.extend(load_csv(path, default_language))
        else:
            raise InputError("no such training data", file=str(path),
                             expected="a CSV file or a folder of category folders")
        loaded.sources.append(str(path))
    return loaded


def _example(subject: str, text: str, category: str, language: str, default_language: str) -> Example:
    # line ends and edge spaces differ between a CSV cell and a stored mail, not the mail
    subject = " ".join(subject.split())
    body = new_text(text.replace("\r\n", "\n")).strip()
    if not language:
        language = detect_language(f"{subject}\n{body}", default_language)[0]
    return Example(subject, body, category, language)


def load_csv(path: Path, default_language: str = "es") -> list[Example]:
    examples = []
    header, rows = read_rows(path, ("subject", "text", "category"))
    missing = [c for c in ("subject", "text", "category") if c not in header]
    if missing:
        raise InputError("training CSV lacks columns", file=str(path), row=1,
                         expected=f"a header with {', '.join(CSV_COLUMNS[:3])} (and language)",
                         got=header)
    for row_no, row in enumerate(rows, start=2):
        category, language = checked_label(path, row_no, row)
        examples.append(_example(row["subject"], row["text"], category, language, default_language))
    return examples


def checked_label(path: Path, row_no: int, row: Mapping[str, str]) -> tuple[str, str]:
    """A labelled row's category and language ("" when not given: detected), refused
    naming the file, row and column when it is not one."""
    category = (row.get("category") or "").strip()
    if category not in CATEGORIES:
        raise InputError("unknown category", file=str(path), row=row_no, column="category",
                         expected=f"one of {', '.join(CATEGORIES)}", got=category)
    language = (row.get("language") or "").strip().casefold()
    if language and language not in LANGUAGES:
        raise InputError("unknown language", file=str(path), row=row_no, column="language",
                         expected="es or en (or empty: detected)", got=language)
    if not ((row.get("subject") or "").strip() or (row.get("text") or "").strip()):
        raise InputError("empty mail", file=str(path), row=row_no, column="text",
                         expected="a subject or a text")
    return category, language


def _load_folders(root: Path, loaded: Loaded, default_language: str) -> None:
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InputError("no category folders", file=str(root),
                         expected=f"one folder per category ({', '.join(CATEGORIES)})")
    for folder in folders:
        if folder.name not in CATEGORIES:
            raise InputError("folder is not a category", file=str(folder),
                             expected=f"one of {', '.join(CATEGORIES)}", got=folder.name)
        for mail_path in _mail_files(folder):
            try:
                subject, text = read_mail_file(mail_path)
            except (OSError, ValueError, LookupError) as error:
                loaded.skipped.append(f"{mail_path}: {error}")
                continue
            if not (subject.strip() or text.strip()):
                loaded.skipped.append(f"{mail_path}: no subject and no text")
                continue
            loaded.examples.append(_example(subject, text, folder.name, "", default_language))


def _mail_files(folder: Path) -> list[Path]:
    if (folder / "cur").is_dir() or (folder / "new").is_dir():  # a maildir
        return sorted(p for sub in ("cur", "new") if (folder / sub).is_dir()
                      for p in (folder / sub).iterdir() if p.is_file() and not p.name.startswith("."))
    return sorted(p for p in folder.rglob("*.eml") if p.is_file())


def read_mail_file(path: Path) -> tuple[str, str]:
    """(subject, plain text) of one stored mail; HTML-only mail is turned into text."""
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    subject = str(message.get("subject", "") or "")
    if not isinstance(message, EmailMessage):
        raise ValueError("not a mail message")
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return subject, ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # a charset Python does not know: keep what is legible
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        raise ValueError("body is not text")
    if part.get_content_type() == "text/html":
        import html_text

        content = html_text.extract_text(content)
    return subject, content


def data_sha256(examples: Iterable[Example]) -> str:
    lines = sorted(json.dumps([e.subject, e.text, e.category, e.language], ensure_ascii=False)
                   for e in examples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def append_reviewed(path: Path, *, subject: str, text: str, category: str, language: str,
                    message_id: str = "") -> bool:
    """Add one mail a person labelled to the reviewed-labels CSV (made with its header);
    False when the file already had it (see `bots.mail.understand.reviewed`)."""
    from bots.mail.understand.reviewed import add_reviewed, make_label

    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (one of: {', '.join(LANGUAGES)})")
    return add_reviewed(path, [make_label(message_id, subject, text, category, language)]).added == 1
