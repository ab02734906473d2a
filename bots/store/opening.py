"""Refusing what is not a store, before SQLAlchemy touches it.

A mistyped SQLite path must not silently become a new, empty store, and an empty,
truncated or foreign file must not pass for a clean one. Each refusal is one line naming
the path and what is wrong (`NotAStore`, its own exit code); URLs are shown with their
password masked.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from bots.errors import NotAStore
from bots.redaction import mask_url
from bots.store.migrate import VERSION_TABLE

SQLITE_MAGIC = b"SQLite format 3\x00"


def parse_store_url(text: str) -> URL:
    """The store's URL as SQLAlchemy reads it; `postgres://` and `postgresql://` use
    psycopg (version 3), the driver the toolkit ships."""
    raw = text.strip()
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            raw = "postgresql+psycopg://" + raw.removeprefix(prefix)
    try:
        url = sa.engine.make_url(raw)
        url.get_dialect()  # an unknown scheme or driver is refused here, not at first use
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
        raise NotAStore(f"store URL {mask_url(text)!r} cannot be parsed: {exc}") from None
    return url


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database or another dialect)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse a file that is not a store; a missing one only when it may be created."""
    if not path.exists():
        if not create:
            where = path.parent if not path.parent.is_dir() else path
            what = "folder" if where != path else "file"
            raise NotAStore(f"no store at {path}: the {what} {where} does not exist "
                            "(check RPA_STORE__URL / RPA_DATA_DIR; `run` creates a store)")
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if path.is_dir():
        raise NotAStore(f"store {path} is a folder, not a SQLite file")
    size = path.stat().st_size
    if size == 0:
        raise NotAStore(f"store {path} is empty (0 bytes): not a store; restore it from a "
                        "copy or remove it to start a new one")
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise NotAStore(f"store {path} is not a SQLite database (its first bytes are "
                        f"{header[:16]!r})")
    if len(header) < 100:
        raise NotAStore(f"store {path} is truncated ({size} bytes, shorter than its header)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    wal = path.with_name(path.name + "-wal")
    # The header's page count is exact when no write-ahead log holds newer pages.
    if pages and not (wal.exists() and wal.stat().st_size) and size < pages * page_size:
        raise NotAStore(f"store {path} is truncated: {size} bytes, its header says "
                        f"{pages} pages of {page_size}")


def refuse_foreign(conn: sa.Connection, where: str) -> None:
    """A database with tables but none of a store's is someone else's: not ours to migrate."""
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    if tables and not tables & {VERSION_TABLE, "schema_version"}:
        shown = ", ".join(sorted(tables)[:5])
        raise NotAStore(f"{where} is a database but not a store (it has tables {shown} "
                        f"and no {VERSION_TABLE})")
