"""Who may do what when several schedulers share one store.

Firing needs no leader: every scheduler fires, and the unique (schedule, fire_time)
keeps one row per fire time. Housekeeping (reclaiming expired leases, closing runs
whose process is gone, the catch-up sweep) is done by one of them:
- PostgreSQL: the holder of a session advisory lock on a dedicated connection. When its
  process dies, the server drops the session and the lock with it (at once for a killed
  process, within the TCP keepalive settings below for a vanished host), and another
  scheduler takes it at its next housekeeping round.
- SQLite: a lock file (flock) lets one scheduler run per data folder at all; it is the
  leader. The kernel releases the lock when the process dies, however it dies.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bots.errors import RpaError

HOUSEKEEPING_LOCK = 727_032  # pg advisory lock key (migrate.py: 727001, sync: 727031)
# Server-side keepalives on the lock session: a dead host is noticed in about 10 + 3 * 5 s.
_KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5,
               "tcp_keepalives_count": 3}


class SchedulerBusy(RpaError):
    """Another scheduler already runs on this SQLite store."""


class InstanceLock:
    """An exclusive flock on a file in the data folder; the holder's pid is written in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise SchedulerBusy(
                f"another scheduler (pid {holder}) runs on this store ({self.path}); on "
                "SQLite one scheduler runs at a time, use PostgreSQL for several") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class Leadership(Protocol):
    def hold(self) -> bool: ...

    def release(self) -> None: ...


class SoleLeadership:
    """SQLite: the lock file already made this the only scheduler."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        return None


class PgLeadership:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: sa.Connection | None = None

    def hold(self) -> bool:
        """Leader now? Checks a held lock's session is alive, else tries to take it."""
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT 1"))
                return True
            except SQLAlchemyError as exc:
                logger.warning("lost the housekeeping lock: {}", exc)
                self._drop()
                return False
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as exc:
            logger.warning("cannot reach the store for the housekeeping lock: {}", exc)
            return False
        try:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                               {"key": HOUSEKEEPING_LOCK}).scalar()
            if got:
                for name, value in _KEEPALIVES.items():
                    conn.execute(sa.text(f"SET {name} = {int(value)}"))
        except SQLAlchemyError as exc:
            logger.warning("housekeeping lock attempt failed: {}", exc)
            conn.invalidate()
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        self._drop()

    def _drop(self) -> None:
        # Invalidate rather than close: a pooled connection would keep the session lock.
        if self._conn is not None:
            try:
                self._conn.invalidate()
            except SQLAlchemyError:
                pass  # the session is gone either way, and the lock with it
            self._conn = None


def leadership_for(engine: Engine) -> Leadership:
    return PgLeadership(engine) if engine.dialect.name == "postgresql" else SoleLeadership()
