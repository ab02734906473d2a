"""Transactions that lose a race are run again, not failed up to the recipe.

PostgreSQL aborts one transaction of a deadlock (SQLSTATE 40P01) and, under stricter
isolation, one of two that would not serialise (40001); SQLite may still answer
"database is locked" when its busy timeout runs out under a long writer. Each is
transient: the whole transaction is rolled back, so running it again from the start is
safe. `transaction()` does that with a short jittered back-off; anything else is raised
at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Engine
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

T = TypeVar("T")

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock, serialization failure


def is_transient(exc: BaseException) -> bool:
    """A lost race the database rolled back: safe to run the transaction again."""
    if not isinstance(exc, sa.exc.DBAPIError) or exc.connection_invalidated:
        return False
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state in TRANSIENT_SQLSTATES:
        return True
    return isinstance(exc, sa.exc.OperationalError) and "database is locked" in str(exc.orig)


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    logger.info("transaction lost a race ({}), running it again (attempt {})",
                type(getattr(exc, "orig", exc)).__name__, state.attempt_number + 1)


def transaction(engine: Engine, work: Callable[[sa.Connection], T], *,
                attempts: int = 8) -> T:
    """Run `work(conn)` in one transaction; again from the start if it lost a race."""
    retrying = Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.02, max=1.0),
        before_sleep=_log_retry,
        reraise=True,
    )
    for attempt in retrying:
        with attempt, engine.begin() as conn:
            result = work(conn)
    return result
