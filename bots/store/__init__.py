"""The store: one SQLAlchemy database for runs, steps, artifacts, audit and work items."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bots.errors import NotAStore, StoreError
from bots.locks import file_lock
from bots.redaction import mask_url
from bots.settings import Settings, get_settings
from bots.store.engine import create_store_engine, is_sqlite, reading
from bots.store.migrate import migrate
from bots.store.opening import check_sqlite_file, parse_store_url, refuse_foreign, sqlite_path
from bots.store.retrying import transaction

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def open_store(settings: Settings | None = None, *, url: str | None = None,
               create: bool = True) -> Engine:
    """The engine for the configured store, migrated; one per URL per process.

    Refuses (`NotAStore`) a URL it cannot parse and a SQLite file that is empty, corrupt,
    truncated or someone else's; with `create=False` (commands that only read or change
    an existing store) also a store that does not exist yet. A server it cannot reach is
    a `StoreError`."""
    settings = settings or get_settings()
    url = url or settings.store_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _open(url, settings.store.busy_timeout_ms, create)
            _engines[url] = engine
        return engine


def existing_store(settings: Settings | None = None) -> Engine:
    """The configured store, refused if it does not exist yet (reading commands)."""
    return open_store(settings, create=False)


def _open(url: str, busy_timeout_ms: int, create: bool) -> Engine:
    parsed = parse_store_url(url)
    path = sqlite_path(parsed)
    shown = str(path) if path else mask_url(url)
    if path is not None:
        with _creating(path, create):
            check_sqlite_file(path, create=create)
            return _migrated(url, busy_timeout_ms, path, shown)
    return _migrated(url, busy_timeout_ms, path, shown)


@contextmanager
def _creating(path: Path, create: bool) -> Iterator[None]:
    """Two processes opening a store that does not exist yet: the second waits while the
    first creates and migrates it (it would find a 0-byte file and refuse it)."""
    if not create:
        yield
        return
    with file_lock(path.parent / f".{path.name}.open-lock"):
        yield


def _migrated(url: str, busy_timeout_ms: int, path: Path | None, shown: str) -> Engine:
    engine = create_store_engine(url, busy_timeout_ms=busy_timeout_ms)
    try:
        if path is not None:
            with engine.connect() as conn:
                refuse_foreign(conn, f"store {shown}")
        migrate(engine)
    except sa.exc.DatabaseError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        if path is not None and not isinstance(exc, sa.exc.OperationalError):
            raise NotAStore(f"store {shown} is not a usable SQLite store: {reason}") from None
        raise StoreError(f"store {shown} cannot be used: {reason}") from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def close_stores() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


__all__ = ["open_store", "existing_store", "close_stores", "create_store_engine", "is_sqlite", "migrate", "reading", "transaction"]
