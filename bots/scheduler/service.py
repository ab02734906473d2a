"""`runner.py schedule`: the timer, the workers and the housekeeping of one process.

The store's tables are the truth. APScheduler 3.11 (a BackgroundScheduler with a memory
job store) is only the alarm clock: one job per active schedule, referencing it by
name, rebuilt from the tables at start and whenever they change; no job is ever
pickled, so a renamed function cannot make APScheduler drop a schedule (#341). When a
job rings, the process records every due fire time of that schedule from the store
(`firing.fire_due`), so a late, doubled or skipped alarm changes nothing. Workers
(threads) claim queued runs and execute each in a child process (`supervise`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from loguru import logger
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bots import audit
from bots.audit_export import CheckpointExporter
from bots.clock import Clock, SystemClock
from bots.executor import load_recipes
from bots.records import actor
from bots.scheduler import state as states
from bots.scheduler.claims import claim_next
from bots.scheduler.firing import fire_due
from bots.scheduler.housekeeping import close_orphaned_runs, reclaim_expired_leases
from bots.scheduler.leader import InstanceLock, leadership_for
from bots.scheduler.notices import Notifier
from bots.scheduler.parking import code_hash, reconcile
from bots.scheduler.supervise import Supervisor
from bots.scheduler.sync import SyncReport, sync_dir
from bots.scheduler.triggers import AnyTrigger
from bots.settings import Settings
from bots.store import is_sqlite, open_store


@dataclass(frozen=True)
class ServiceOptions:
    schedules_dir: Path | None = None  # None: run the store's schedules, read no files
    fire: bool = True  # False: only execute queued runs (more workers beside schedulers)
    workers: int = 1  # 0: fire only; other processes execute
    poll: float = 1.0  # seconds between looks at the files and tables
    housekeeping_every: float = 5.0
    drain: float = 30.0  # on SIGTERM, seconds running runs may take to finish
    term_grace: float = 5.0  # then seconds between SIGTERM and SIGKILL of a child

    def __post_init__(self) -> None:
        if not 0 <= self.workers <= 64:
            raise ValueError(f"workers must be 0 to 64, got {self.workers}")
        if not self.fire and self.workers == 0:
            raise ValueError("neither firing nor executing: give workers or drop --no-fire")
        for name in ("poll", "housekeeping_every", "term_grace"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.drain < 0:
            raise ValueError("drain cannot be negative")


class _Alarm(BaseTrigger):  # type: ignore[misc]
    """APScheduler asks our trigger objects for the next fire time (DST rule included)."""

    def __init__(self, trigger: AnyTrigger) -> None:
        self.trigger = trigger

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        after = previous_fire_time or now - timedelta(microseconds=1)
        return self.trigger.next_after(after)

    def __str__(self) -> str:
        return self.trigger.describe()


class SchedulerService:
    def __init__(self, settings: Settings, options: ServiceOptions, *,
                 engine: Engine | None = None, clock: Clock | None = None,
                 notifier: Notifier | None = None) -> None:
        self.settings, self.options = settings, options
        self.engine = engine or open_store(settings)
        self.clock = clock or SystemClock()
        self.notifier = notifier or Notifier(settings.notify)
        self.checkpoints = CheckpointExporter(settings.audit)
        self.leadership = leadership_for(self.engine)
        self.draining, self.hard_stop = threading.Event(), threading.Event()
        self._wake, self._quit = threading.Event(), threading.Event()
        self._active: set[int] = set()
        self._leader = False
        self._threads: list[threading.Thread] = []
        self._timer = BackgroundScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._store_mark: tuple[Any, ...] = ()
        self._files_mark: tuple[Any, ...] = ()
        self.supervisor = Supervisor(self.engine, settings, clock=self.clock,
                                     notifier=self.notifier, stop=self.hard_stop,
                                     term_grace=options.term_grace)

    # -- life cycle ----------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set; then drain and return."""
        lock = InstanceLock(self.settings.data_dir / "scheduler.lock")
        if is_sqlite(self.engine) and self.options.fire:
            lock.acquire()  # workers only (no firing) may run beside the one scheduler
        try:
            self.start()
            while not stop.wait(self.options.poll):
                self.poll()
        finally:
            self.shutdown()
            lock.release()

    def start(self) -> None:
        if self.options.fire:
            load_recipes(self.settings)
            if self.options.schedules_dir is not None:
                self._files_mark = self._files_fingerprint()
                logger.info(self.sync_files().describe())
            self.reconcile(unpark=True)
            self.rebuild()
            self._timer.start()
            self._spawn(self._housekeeping_loop, "housekeeping")
        for number in range(self.options.workers):
            self._spawn(self._worker_loop, f"worker-{number + 1}")
        logger.info("scheduler started: {} schedule(s), {} worker(s)",
                    len(self._timer.get_jobs()), self.options.workers)

    def poll(self) -> None:
        if not self.options.fire:
            return
        try:
            if self.options.schedules_dir is not None:
                mark = self._files_fingerprint()
                if mark != self._files_mark:
                    self._files_mark = mark
                    report = self.sync_files()
                    logger.info(report.describe())
                    self.reconcile(unpark={*report.added, *report.changed})
            if states.fingerprint(self.engine) != self._store_mark:
                self.reconcile(unpark=False)
                self.rebuild()
        except SQLAlchemyError as exc:
            logger.warning("the store is unreachable, retrying: {}", exc)
        except ValueError as exc:  # ScheduleError: a bad edit keeps the running schedules
            logger.error("schedule files not applied: {}", exc)

    def shutdown(self) -> None:
        logger.info("stopping: no more firing or claiming; running runs get {} s",
                    self.options.drain)
        self.draining.set()
        if self._timer.running:
            self._timer.shutdown(wait=False)
        self._wake.set()
        deadline = time.monotonic() + self.options.drain
        workers = [t for t in self._threads if t.name.startswith("worker")]
        for thread in workers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in workers):
            logger.warning("drain period over: stopping {} run(s) still going", len(self._active))
            self.hard_stop.set()
            for thread in workers:
                thread.join()
        self._quit.set()
        for thread in self._threads:
            thread.join()
        self.leadership.release()
        logger.info("scheduler stopped")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- schedules -----------------------------------------------------------------
    def sync_files(self) -> SyncReport:
        folder = self.options.schedules_dir
        if folder is None:
            return SyncReport()
        return sync_dir(self.engine, folder, default_timezone=self.settings.timezone,
                        now=self.clock.now())

    def _files_fingerprint(self) -> tuple[Any, ...]:
        folder = self.options.schedules_dir
        if folder is None or not folder.is_dir():
            return ()
        return tuple((path.name, path.stat().st_mtime_ns, path.stat().st_size)
                     for path in sorted(folder.glob("*.toml")))

    def reconcile(self, *, unpark: bool | set[str]) -> None:
        reconcile(self.engine, self.notifier, self.clock.now(), unpark=unpark)

    def rebuild(self) -> None:
        self._store_mark = states.fingerprint(self.engine)
        stored = states.load_all(self.engine)
        self._timer.remove_all_jobs()
        for name, item in stored.items():
            if item.active:
                self._timer.add_job(self.fire, trigger=_Alarm(item.schedule.trigger), args=[name],
                                    id=name, name=name, replace_existing=True)
        self.fire_all(stored.values())

    def fire_all(self, stored: Any = None) -> None:
        for item in stored if stored is not None else states.load_all(self.engine).values():
            if item.active:
                self.fire(item.name)

    def fire(self, name: str) -> None:
        """The alarm rang (or catch-up): record every due fire time of this schedule."""
        try:
            stored = states.load_one(self.engine, name)
            report = fire_due(self.engine, stored, self.clock.now(),
                              code_hash=code_hash(stored.schedule.recipe))
        except Exception as exc:  # noqa: BLE001 - never stop the timer; the next alarm retries
            logger.warning("firing {} failed, retried at the next alarm: {}", name, exc)
            return
        if report.queued:
            self._wake.set()
        if report.missed:
            logger.warning("schedule {}: {} fire time(s) recorded as missed", name,
                           len(report.missed))
            self.notifier.missed(report, stored.schedule.notify, self.clock.now())

    # -- threads -------------------------------------------------------------------
    def _worker_loop(self) -> None:
        while not self.draining.is_set():
            try:
                claimed = claim_next(self.engine, self.clock.now())
            except (SQLAlchemyError, ValueError) as exc:  # store down; a bad stored definition
                logger.warning("cannot claim runs, retrying: {}", exc)
                claimed = None
            if claimed is None:
                self._wake.wait(self.options.poll)
                self._wake.clear()
                continue
            self._active.add(claimed.id)
            try:
                self.supervisor.run(claimed)
            except Exception:  # noqa: BLE001 - the worker goes on; housekeeping closes the run
                logger.exception("supervising run {} failed", claimed.id)
            finally:
                self._active.discard(claimed.id)

    def _housekeeping_loop(self) -> None:
        while not self._quit.is_set() and not self.draining.is_set():
            try:
                self._housekeeping_round()
            except Exception as exc:  # noqa: BLE001 - keep the thread; the next round retries
                logger.warning("housekeeping round failed: {}", exc)
            self._quit.wait(self.options.housekeeping_every)

    def _housekeeping_round(self) -> None:
        leader = self.leadership.hold()
        if leader and not self._leader:
            self._record_leadership()
        elif not leader and self._leader:
            logger.warning("no longer the housekeeping leader")
        self._leader = leader
        if not leader or self.draining.is_set():
            return
        now = self.clock.now()
        reclaim_expired_leases(self.engine, now)
        close_orphaned_runs(self.engine, now, own=self._active.copy())  # C-level, atomic
        self.fire_all()
        self.checkpoints.maybe_export(self.engine, now)

    def _record_leadership(self) -> None:
        now = self.clock.now()
        logger.info("this scheduler ({}) now does the housekeeping", actor())
        with self.engine.begin() as conn:
            audit.append(conn, ts=now, actor=actor(), action="scheduler.leader",
                         subject="scheduler:housekeeping", data={})

