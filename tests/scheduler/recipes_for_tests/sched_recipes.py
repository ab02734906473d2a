"""Recipes for the scheduler tests (loaded through RPA_RECIPE_PATHS); names start with
`sched_` so they never clash with other test folders loaded in the same process."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from bots import Run, recipe


@recipe
def sched_ok(run: Run, *, note: str = "") -> dict:
    """Succeeds at once."""
    run.log.info("ok {}", note)
    return {"note": note}


@recipe
def sched_fail(run: Run) -> None:
    """Always fails with a system error (no retry policy)."""
    raise RuntimeError("the portal is down")


@recipe
def sched_sleep(run: Run, *, seconds: float = 60) -> None:
    """Sleeps in small steps (interruptible), logging as it goes."""
    for tick in range(int(seconds * 10)):
        if tick % 10 == 0:
            run.log.info("tick {}", tick)
        time.sleep(0.1)


@recipe
def sched_hang(run: Run, *, pid_file: str) -> None:
    """Hangs where no Python-level timeout reaches it: ignores SIGALRM and SIGTERM,
    swallows every exception, and leaves a grandchild process running."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    helper = subprocess.Popen(["sleep", "300"])
    Path(pid_file).write_text(str(helper.pid))
    while True:
        try:
            time.sleep(0.2)
        except BaseException:  # noqa: BLE001 - the point: nothing stops it from inside
            continue
