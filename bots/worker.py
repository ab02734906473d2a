"""`runner.py worker`: work the queues until stopped.

For each queue, the recipe registered with `@recipe(queue=...)` is executed (a
recorded run, trigger "worker") whenever the queue has claimable items; the recipe's
`claim_iter` loop ends when the queue is empty, and the worker polls again.

Concurrency is threads, not processes: bots wait on portals and browsers, not on the
CPU, and threads share one engine (one connection pool) and one lease keeper. With
concurrency 1 the recipe runs in the calling thread, so that a run's time limit (SIGALRM)
and a second Ctrl-C/SIGTERM (which interrupts the item in hand and hands it back) reach
it. For CPU-heavy recipes, start several worker processes instead: they coordinate
through the store alone.

Stopping: the first SIGTERM/SIGINT sets the stop event; each item in hand finishes and
is recorded, no new item is claimed, nothing stays claimed.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bots.clock import Clock, SystemClock
from bots.errors import UsageError
from bots.executor import Interrupted, Trigger, execute, load_recipes
from bots.registry import RecipeSpec, all_recipes, consumer_of
from bots.settings import Settings
from bots.store import open_store
from bots.workitems import stop
from bots.workitems.queue import WorkQueue

FAILED_RUN_PAUSE = (5.0, 300.0)  # first and longest pause of a queue whose runs fail


@dataclass
class WorkerReport:
    queues: list[str]
    runs: int = 0
    failed_runs: int = 0
    states: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, state: str, ok: bool) -> None:
        with self._lock:
            self.runs += 1
            self.failed_runs += 0 if ok else 1
            self.states[state] = self.states.get(state, 0) + 1


def consumers(queues: list[str] | None) -> dict[str, RecipeSpec]:
    """The recipe for each queue (every consumed queue when `queues` is None)."""
    names = queues or sorted({spec.consumes for spec in all_recipes() if spec.consumes})
    if not names:
        raise UsageError("no recipe consumes a queue: mark one with @recipe(queue=Queue(...))")
    specs = {name: consumer_of(name) for name in names}
    for spec in specs.values():
        spec.validate({})  # a worker passes no parameters: refuse before working anything
    return specs


def run_worker(settings: Settings, queues: list[str] | None, concurrency: int,
               stop_event: threading.Event, idle_exit: bool = False, *,
               poll: float = 1.0, engine: Engine | None = None,
               clock: Clock | None = None) -> WorkerReport:
    """Work `queues` (all consumed queues when None) with `concurrency` threads until
    `stop_event` is set or, with `idle_exit`, until nothing is claimable or in progress."""
    if concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, got {concurrency}")
    load_recipes(settings)
    specs = consumers(queues)
    loop = _Loop(specs, settings, engine or open_store(settings), stop_event, idle_exit,
                 poll, clock or SystemClock(), WorkerReport(list(specs)))
    logger.info("worker on {} with concurrency {}", ", ".join(specs), concurrency)
    if concurrency == 1:
        loop.run()
        return loop.report
    # Daemon threads: after a second signal the process must be able to exit; their
    # items' leases then run out and check-before-act settles them.
    threads = [threading.Thread(target=loop.run, name=f"worker-{n}", daemon=True)
               for n in range(1, concurrency + 1)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)  # short joins keep the main thread open to signals
    return loop.report


class _Loop:
    def __init__(self, specs: dict[str, RecipeSpec], settings: Settings, engine: Engine,
                 stop_event: threading.Event, idle_exit: bool, poll: float, clock: Clock,
                 report: WorkerReport) -> None:
        self.specs, self.settings, self.engine = specs, settings, engine
        self.stop_event, self.idle_exit, self.poll, self.clock = stop_event, idle_exit, poll, clock
        self.report = report

    def run(self) -> None:
        token = stop.bind(self.stop_event)
        try:
            self._loop()
        finally:
            stop.unbind(token)

    def _loop(self) -> None:
        paused: dict[str, tuple[float, float]] = {}  # queue -> (until, last pause)
        while not self.stop_event.is_set():
            try:
                worked = self._round(paused)
                if not worked and self.idle_exit and self._drained():
                    return
            except SQLAlchemyError as exc:
                logger.warning("worker: store unavailable, retrying in {} s: {}", self.poll, exc)
                worked = False
            if not worked:
                self.stop_event.wait(self.poll)

    def _round(self, paused: dict[str, tuple[float, float]]) -> bool:
        worked = False
        for name, spec in self.specs.items():
            if self.stop_event.is_set():
                break
            if paused.get(name, (0.0, 0.0))[0] > time.monotonic():
                continue
            if WorkQueue(self.engine, name, clock=self.clock).outstanding().claimable == 0:
                continue
            result = execute(spec, {}, trigger=Trigger(kind="worker"), settings=self.settings,
                             engine=self.engine, clock=self.clock)
            worked = True
            self.report.add(result.state, result.ok)
            if result.ok:
                paused.pop(name, None)
                continue
            first, longest = FAILED_RUN_PAUSE
            pause = min(paused.get(name, (0.0, first / 2))[1] * 2, longest)
            paused[name] = (time.monotonic() + pause, pause)
            logger.warning("worker: run {} of {} ended {}; queue {} paused {:.0f} s",
                           result.run_id, spec.name, result.state, name, pause)
        return worked

    def _drained(self) -> bool:
        return all(WorkQueue(self.engine, name, clock=self.clock).outstanding().drained
                   for name in self.specs)


def install_stop_signals(stop_event: threading.Event) -> None:
    """First SIGTERM/SIGINT: finish the items in hand and stop. Second: interrupt now
    (the item in hand is handed back to pending)."""

    def on_signal(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if stop_event.is_set():
            raise Interrupted(f"{name} received twice")
        logger.info("{}: finishing the item in hand, then stopping", name)
        stop_event.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def worker_command(settings: Settings, queues: Sequence[str] | None, concurrency: int = 1, *,
                   idle_exit: bool = False, poll: float = 1.0) -> WorkerReport:
    """`runner.py worker`: install the stop signals (main thread only) and work until
    stopped. Returns the report; exit code 0 when it stopped cleanly."""
    stop_event = threading.Event()
    if threading.current_thread() is threading.main_thread():
        install_stop_signals(stop_event)
    return run_worker(settings, list(queues) if queues else None, concurrency, stop_event,
                      idle_exit, poll=poll)
