"""Which notices a schedule asked for, sent through `bots.notify` without flooding.

Run outcomes are one notice per run; a schedule missing fire times (say, every minute
while its runs overlap) is one notice per schedule per quiet period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bots.notify import Notice, deliver
from bots.records import RunState
from bots.scheduler.firing import FireReport
from bots.scheduler.model import NotifyPolicy
from bots.settings import NotifySettings

MISSED_QUIET = timedelta(minutes=10)


class Notifier:
    def __init__(self, settings: NotifySettings, *,
                 sender: Callable[..., list[str]] = deliver) -> None:
        self._settings, self._send = settings, sender
        self._last_missed: dict[str, float] = {}
        self._lock = threading.Lock()

    def send(self, notice: Notice, policy: NotifyPolicy) -> list[str]:
        if notice.event not in policy.on:
            return []
        if notice.event == RunState.MISSED and not self._missed_allowed(notice.schedule):
            return []
        return self._send(notice, self._settings, extra_recipients=policy.email,
                          webhook=policy.webhook)

    def _missed_allowed(self, schedule: str) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last_missed.get(schedule)
            if last is not None and now - last < MISSED_QUIET.total_seconds():
                return False
            self._last_missed[schedule] = now
            return True

    def missed(self, report: FireReport, policy: NotifyPolicy, now: datetime) -> list[str]:
        count = len(report.missed) + report.unrecorded_missed
        if not count:
            return []
        first, why = report.missed[0] if report.missed else (None, "")
        run_note = ""
        if first is not None:
            run_note = f"; the first recorded miss is at {first.isoformat()}"
        return self.send(Notice(
            RunState.MISSED, report.schedule,
            f"schedule {report.schedule} missed {count} fire time(s){run_note}",
            detail=f"{why}\nsee them with: runner.py runs --state missed", at=now), policy)
