"""Progress of a long step: INFO lines with counts, rate and time left when no terminal
watches; a rich bar with the same on a terminal; several threads counting at once."""

from __future__ import annotations

import io
import threading

import pytest
from rich.console import Console

from bots.progress import track


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str, *args: object) -> None:
        self.lines.append(message.format(*args))


class Clock:
    """A hand-moved clock: the lines depend on elapsed time, the test on no real time."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_log_lines_every_interval_with_rate_and_time_left() -> None:
    log, clock = Lines(), Clock()
    with track(log, "keying", total=288, interval=10, clock=clock, console=Console(
            file=io.StringIO(), force_terminal=False)) as bar:
        for _ in range(48):  # 48 items in 9 s: no line yet
            clock.now += 9 / 48
            bar.advance()
        assert log.lines == []
        clock.now += 1.5
        bar.advance(12)  # 60 items after 10.5 s
        assert log.lines == ["keying: 60/288 (20.8 %), 5.7 per s, about 40 s left"]
        clock.now += 5
        bar.advance()
        assert len(log.lines) == 1  # the next line is due 10 s after the last
    assert log.lines[-1] == "keying: 61/288 in 16 s (3.9 per s)"


def test_total_known_later_and_bad_values_refused() -> None:
    log, clock = Lines(), Clock()
    with track(log, "reading", interval=0, clock=clock) as bar:
        clock.now += 2
        bar.advance(10)
        assert log.lines[-1] == "reading: 10 done, 5.0 per s"
        bar.total = 40
        clock.now += 2
        bar.advance(10)
        assert log.lines[-1] == "reading: 20/40 (50.0 %), 5.0 per s, about 4.0 s left"
        with pytest.raises(ValueError, match="cannot go back"):
            bar.advance(-1)
        with pytest.raises(ValueError, match="total must be >= 0"):
            bar.total = -5
    with pytest.raises(ValueError, match="interval"), track(log, "x", interval=-1):
        pass


def test_a_terminal_gets_a_bar_and_threads_count_once_each() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    log = Lines()
    with track(log, "keying", total=400, console=console) as bar:
        def work() -> None:
            for _ in range(100):
                bar.advance()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert bar.done == 400
    text = out.getvalue()
    assert "keying" in text and "400/400" in text and "100%" in text and "/s" in text
    assert log.lines[-1].startswith("keying: 400/400 in ")  # the final line, always
