"""Progress of a long step, for whoever watches: a bar on a terminal, log lines otherwise.

    with run.progress("keying", total=len(sales)) as bar:   # track(run.log, ...) elsewhere
        for sale in sales:
            ...
            bar.advance()

On a terminal (stderr is a TTY) a rich progress bar shows the count, the rate and the
time left. Anywhere else (a scheduler's child, a pipe, a service's journal) an INFO line
every `interval` seconds says the same in words, and one line at the end gives the
total and the rate, so a run keying 288 items is never silent for a minute.

`advance` may be called from several threads (a pool of browser lanes); `total` may be
set later, when the count is known only after the step has begun.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

DEFAULT_INTERVAL = 10.0  # seconds between log lines when no terminal watches


class _Log(Protocol):
    def info(self, message: str, *args: Any) -> None: ...


class Tracker:
    """What `track` yields: count work done with `advance`."""

    def __init__(self, label: str, total: int | None, *, log: _Log, interval: float,
                 bar: Progress | None, clock: Callable[[], float]) -> None:
        self.label = label
        self._total = total
        self._done = 0
        self._log, self._interval, self._bar, self._clock = log, interval, bar, clock
        self._lock = threading.Lock()
        self._started = self._last = clock()
        self._task = bar.add_task(label, total=total) if bar is not None else None

    @property
    def done(self) -> int:
        return self._done

    @property
    def total(self) -> int | None:
        return self._total

    @total.setter
    def total(self, value: int | None) -> None:
        if value is not None and value < 0:
            raise ValueError(f"progress {self.label}: total must be >= 0, got {value}")
        with self._lock:
            self._total = value
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=value)

    def advance(self, count: int = 1) -> None:
        if count < 0:
            raise ValueError(f"progress {self.label}: cannot go back ({count})")
        with self._lock:
            self._done += count
            now = self._clock()
            due = self._bar is None and now - self._last >= self._interval
            if due:
                self._last = now
            line = self.describe(now) if due else None
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, count)
        if line is not None:
            self._log.info("{}", line)

    def describe(self, now: float | None = None) -> str:
        """`keying: 120/288 (41.7 %), 3.1 per s, about 54 s left`."""
        elapsed = max((now if now is not None else self._clock()) - self._started, 1e-9)
        rate = self._done / elapsed
        if self._total:
            text = (f"{self.label}: {self._done:,}/{self._total:,} "
                    f"({100 * self._done / self._total:.1f} %), {rate:,.1f} per s")
            left = self._total - self._done
            if rate > 0 and left > 0:
                text += f", about {_span(left / rate)} left"
            return text
        return f"{self.label}: {self._done:,} done, {rate:,.1f} per s"

    def finish(self) -> None:
        elapsed = self._clock() - self._started
        rate = self._done / elapsed if elapsed > 0 else 0.0
        of = f"/{self._total:,}" if self._total is not None else ""
        self._log.info("{}", f"{self.label}: {self._done:,}{of} in {_span(elapsed)} "
                             f"({rate:,.1f} per s)")


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:,.1f}/s", style="progress.data.speed")


def _bar(console: Console) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TaskProgressColumn(), _RateColumn(), TimeElapsedColumn(),
                    TextColumn("ETA"), TimeRemainingColumn(), console=console,
                    transient=False)


@contextmanager
def track(log: _Log, label: str, *, total: int | None = None,
          interval: float = DEFAULT_INTERVAL, console: Console | None = None,
          clock: Callable[[], float] = time.monotonic) -> Iterator[Tracker]:
    """Count a long step's work; a bar on a terminal, INFO lines every `interval` s else.

    `console`: where the bar goes (default: stderr, and only when it is a terminal).
    """
    if total is not None and total < 0:
        raise ValueError(f"progress {label}: total must be >= 0, got {total}")
    if interval < 0:
        raise ValueError(f"progress {label}: interval must be >= 0, got {interval}")
    if console is None and sys.stderr.isatty():
        console = Console(stderr=True)
    bar = _bar(console) if console is not None and console.is_terminal else None
    tracker = Tracker(label, total, log=log, interval=interval, bar=bar, clock=clock)
    if bar is not None:
        bar.start()
    try:
        yield tracker
    finally:
        if bar is not None:
            bar.stop()
        tracker.finish()


__all__ = ["DEFAULT_INTERVAL", "Tracker", "track"]
