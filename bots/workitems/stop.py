"""The stop request a worker hands to the recipes it runs.

`run_worker` binds its stop event in each of its threads; `claim_iter` asks
`stop_requested()` before every claim, so a SIGTERM ends a recipe's loop between items
without the recipe knowing about signals. A context variable (not a global) keeps
workers started side by side in one test process independent of each other.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

_stop: ContextVar[threading.Event | None] = ContextVar("rpa_worker_stop", default=None)


def bind(event: threading.Event) -> None:
    _stop.set(event)


def stop_requested() -> bool:
    event = _stop.get()
    return event is not None and event.is_set()
