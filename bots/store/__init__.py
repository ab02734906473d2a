"""The store: one SQLAlchemy database for runs, steps, artifacts, audit and work items."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from bots.settings import Settings, get_settings
from bots.store.engine import create_store_engine, is_sqlite, reading
from bots.store.migrate import migrate
from bots.store.retrying import transaction

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def open_store(settings: Settings | None = None, *, url: str | None = None) -> Engine:
    """The engine for the configured store, migrated; one per URL per process."""
    settings = settings or get_settings()
    url = url or settings.store_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_store_engine(url, busy_timeout_ms=settings.store.busy_timeout_ms)
            migrate(engine)
            _engines[url] = engine
        return engine


def close_stores() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


__all__ = ["open_store", "close_stores", "create_store_engine", "is_sqlite", "migrate", "reading", "transaction"]
