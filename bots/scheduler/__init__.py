"""Unattended runs on a schedule: TOML files -> the store -> fire times -> run rows ->
child processes. Several schedulers may share one PostgreSQL store; each fire time
still makes exactly one run row.

    model, triggers, cron, durations   typed schedules that refuse bad values; DST rule
    loading, sync                      schedules/*.toml into the store, audited with diffs
    state, parking                     pause, resume, park (never delete), reasons
    catchup, firing                    due fire times -> queued or missed rows
    claims, supervise, child           run a queued run in a child, timeouts, shutdown
    leader, housekeeping               one housekeeper (advisory lock / lock file)
    service, cli                       `runner.py schedule` and the other commands
"""

from __future__ import annotations

from bots.scheduler.model import CatchUp, CatchUpPolicy, NotifyPolicy, Schedule, ScheduleError
from bots.scheduler.triggers import CronTrigger, DateTrigger, IntervalTrigger

__all__ = ["CatchUp", "CatchUpPolicy", "CronTrigger", "DateTrigger", "IntervalTrigger",
           "NotifyPolicy", "Schedule", "ScheduleError"]
