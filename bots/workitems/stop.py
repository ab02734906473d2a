"""The stop request a worker hands to the recipes it runs.

`run_worker` binds its stop event in each of its threads; `claim_iter` asks
`stop_requested()` before every claim, so a SIGTERM ends a recipe's loop between items
without the recipe knowing about signals. A context variable (not a global) keeps
workers started side by side in one test process independent of each other.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar, Token

_stop: ContextVar[threading.Event | None] = ContextVar("rpa_worker_stop", default=None)


def bind(event: threading.Event) -> Token[threading.Event | None]:
    """Bind `event` in this thread; pass the token to `unbind` when the worker is done, or
    a later run in the same thread (a test process) would still see a set stop."""
    return _stop.set(event)


def unbind(token: Token[threading.Event | None]) -> None:
    _stop.reset(token)


def stop_requested() -> bool:
    event = _stop.get()
    return event is not None and event.is_set()
