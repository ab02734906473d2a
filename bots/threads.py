"""Plain threads that work side by side until all are done: browser lanes, queue lanes."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence

from loguru import logger


def run_side_by_side(work: Sequence[tuple[str, Callable[[], None]]],
                     stop: threading.Event) -> None:
    """Run each `(name, fn)` in its own daemon thread and wait for all. The first error
    sets `stop` (which the work should watch) and is raised once every thread has ended;
    an interrupt of the calling thread sets `stop` too. Each thread gets a copy of the
    caller's context variables (a worker's stop request, a run's bindings)."""
    errors: list[BaseException] = []

    def guarded(fn: Callable[[], None]) -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread below
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=contextvars.copy_context().run, args=(guarded, fn),
                                name=name, daemon=True) for name, fn in work]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)  # short joins keep this thread open to signals
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join()
        raise
    if errors:
        for extra in errors[1:]:
            logger.warning("another thread also failed: {!r}", extra)
        raise errors[0]
