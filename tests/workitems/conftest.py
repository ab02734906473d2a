"""Fixtures for the work-item tests: stores, a frozen clock, queues, the effect service,
PostgreSQL databases made and dropped per test, and worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bots.clock import FrozenClock
from bots.retry import RetryPolicy
from bots.settings import Settings, get_settings, reset_settings
from bots.store import open_store
from bots.workitems import WorkQueue
from bots.workitems.lease import KEEPER
from tests.workitems.effects import EffectService

ITEM_RECIPES = Path(__file__).resolve().parent / "recipes_for_items"
KAT_RETRY = RetryPolicy(attempts=3, initial=timedelta(seconds=10), multiplier=2.0,
                        maximum=timedelta(minutes=5))


@pytest.fixture(autouse=True)
def _forget_leases() -> Iterator[None]:
    """Leases a test left held on purpose must not be renewed into the next test's store."""
    yield
    KEEPER.forget_all()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def store(settings: Settings) -> Engine:
    """The SQLite store of the test's data folder, migrated."""
    return open_store(settings)


@pytest.fixture
def make_queue(store: Engine, clock: FrozenClock) -> Callable[..., WorkQueue]:
    """WorkQueue on the test store with the frozen clock and a known retry policy."""

    def make(name: str = "sales", owner: str = "worker-a", **options: Any) -> WorkQueue:
        options.setdefault("retry", KAT_RETRY)
        return WorkQueue(store, name, clock=clock, owner=owner, **options)

    return make


@pytest.fixture
def effects() -> Iterator[EffectService]:
    service = EffectService().start()
    yield service
    service.stop()


# -- PostgreSQL (`pg_url`, a fresh database per test, comes from tests/conftest.py) ----
@pytest.fixture
def pg_settings(rpa_env: dict[str, str], pg_url: str,
                monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a fresh PostgreSQL database. Its connections commit without waiting
    for the disk (synchronous_commit=off): these tests kill workers, never the server,
    so durability against a power cut is not what they test, and each commit holding
    the audit head would otherwise wait for an fsync (see benchmarks/work_queue.py)."""
    url = pg_url + ("&" if "?" in pg_url else "?") + "options=-csynchronous_commit%3Doff"
    monkeypatch.setenv("RPA_STORE__URL", url)
    rpa_env["RPA_STORE__URL"] = url
    reset_settings()
    return get_settings()


@pytest.fixture
def pg_store(pg_settings: Settings) -> Engine:
    return open_store(pg_settings)


# -- worker processes -----------------------------------------------------------------------
WORKER_CODE = (
    "import sys\n"
    "from bots.executor import load_recipes\n"
    "from bots.settings import get_settings\n"
    "from bots.worker import worker_command\n"
    "load_recipes(get_settings())\n"  # imports and discovery happen before the start line
    "if sys.argv[4] == 'standby':\n"
    "    sys.stdin.readline()\n"
    "report = worker_command(get_settings(), [sys.argv[1]], int(sys.argv[2]),"
    " idle_exit=sys.argv[3] == 'idle', poll=0.2)\n"
    "print('runs', report.runs, 'failed', report.failed_runs, flush=True)\n"
)


class Workers:
    """Start `worker_command` in real processes; their output goes to files.

    A standby worker has done its imports and recipe discovery and waits for `go()`:
    restarting after a kill then takes no start-up time (several seconds on a busy
    machine), which keeps the crash tests short without changing what they prove."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, queue: str = "effects", *, concurrency: int = 1, idle_exit: bool = True,
              standby: bool = False, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"worker-{len(self.started) + 1}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER_CODE, queue, str(concurrency),
             "idle" if idle_exit else "forever", "standby" if standby else "now"],
            env={**self.env, **extra}, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder,
            stdin=subprocess.PIPE if standby else subprocess.DEVNULL,
        )
        log.close()
        self.started.append(proc)
        return proc

    @staticmethod
    def go(proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        return proc

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")
                         for path in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)


@pytest.fixture
def workers(rpa_env: dict[str, str], effects: EffectService,
            tmp_path: Path) -> Iterator[Callable[..., Workers]]:
    made: list[Workers] = []

    def make(**extra: str) -> Workers:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
        env.update(rpa_env)
        env.update({"RPA_RECIPE_PATHS": f'["{ITEM_RECIPES}"]', "RPA_LOG__LEVEL": "INFO",
                    "EFFECT_URL": effects.url, "PYTHONUNBUFFERED": "1", **extra})
        folder = tmp_path / "workers"
        folder.mkdir(exist_ok=True)
        made.append(Workers(env, folder))
        return made[-1]

    yield make
    for group in made:
        group.stop_all()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll for an event with a generous limit; a limit reached is a hang, not slowness."""
    limit = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > limit:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.02)
