"""Which due fire times run and which are recorded as missed: a pure function of the
fire times, the moment the scheduler looks, and the schedule's CatchUp policy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bots.scheduler.durations import format_duration
from bots.scheduler.model import CatchUp, CatchUpPolicy


@dataclass(frozen=True)
class Plan:
    run: tuple[datetime, ...]
    missed: tuple[tuple[datetime, str], ...]  # (fire time, why)

    def ordered(self) -> list[tuple[datetime, str | None]]:
        """Every decision, oldest first (None: run it)."""
        both = [(t, None) for t in self.run] + list(self.missed)
        return sorted(both, key=lambda pair: pair[0])


def plan(due: Sequence[datetime], now: datetime, catch_up: CatchUp) -> Plan:
    """`due`: fire times not yet recorded, oldest first, none after `now`."""
    on_time = [t for t in due if now - t <= catch_up.late_after]
    late = [t for t in due if now - t > catch_up.late_after]
    run: list[datetime] = list(on_time)
    missed: list[tuple[datetime, str]] = []
    grace = format_duration(catch_up.grace)
    too_old = f"missed: the scheduler was not running, and it is more than {grace} late"
    if catch_up.policy is CatchUpPolicy.SKIP:
        missed = [(t, "missed: the scheduler was not running (catch-up policy skip)")
                  for t in late]
    elif catch_up.policy is CatchUpPolicy.LATEST:
        # An on-time fire time is the latest already; otherwise the newest late one.
        superseded = late if on_time else late[:-1]
        missed = [(t, "missed: the scheduler was not running; a later fire time ran "
                      "instead (catch-up policy latest)") for t in superseded]
        if late and not on_time:
            newest = late[-1]
            if now - newest <= catch_up.grace:
                run.append(newest)
            else:
                missed.append((newest, too_old))
    else:
        within = [t for t in late if now - t <= catch_up.grace]
        limit = catch_up.limit or 0
        run.extend(within[:limit])
        missed.extend((t, too_old) for t in late if now - t > catch_up.grace)
        missed.extend((t, f"missed: the scheduler was not running, and {limit} late runs "
                          "were already caught up (catch-up policy all)")
                      for t in within[limit:])
    return Plan(tuple(sorted(run)), tuple(sorted(missed)))
