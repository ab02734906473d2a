"""Working a queue: the one loop every recipe shares (`run.work`).

    class Keyer:                                   # per lane: plain synchronous code
        def check(self, item) -> dict | None: ...  # what the outside system already shows
        def work(self, item) -> None: ...          # act; set item.output
        def settled(self, item) -> None: ...       # optional: after each item, its outcome
                                                   # (one call at a time across lanes)

    run.work(SALES, Keyer())                       # one lane, in this thread
    run.work(SALES, open_keyer, lanes=3, browser=True)
        # open_keyer(lane) -> Keyer, or a context manager yielding one (log in, log out)

What it does for the recipe, once, for every recipe:
- claims items under the queue's lease, runs `check` before `work` (a non-None answer
  completes the item as done without acting), works each inside `with item:` (done,
  business exception, system exception retried with back-off);
- drains: when nothing is claimable it waits for items backing off before a retry or held
  under another worker's lease, and ends when none is left, when the run's time is up, or
  when a stop is asked for (a worker's SIGTERM: the item in hand is finished first);
- stops every lane and fails the run on a fatal error (an error class with `fatal = True`:
  refused credentials, a dead browser) or when `settings.work.outage_after` items in a row
  fail on system errors (`Outage`): an outage must not become hundreds of exceptions. Items
  not attempted stay pending; the item in hand at a fatal error is handed back.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bots.errors import BusinessError, Outage, is_fatal
from bots.progress import Tracker, track
from bots.redaction import redact
from bots.threads import run_side_by_side
from bots.workitems import Outcome, WorkItem, WorkQueue

if TYPE_CHECKING:
    from bots.browser import Lane
    from bots.run import Run

POLL_SECONDS = 0.25  # while items back off or are held elsewhere
FAILED = frozenset({Outcome.SYSTEM_EXCEPTION, Outcome.RETRY_SCHEDULED})
SUCCEEDED = frozenset({Outcome.DONE, Outcome.FOUND_DONE, Outcome.BUSINESS_EXCEPTION})


@runtime_checkable
class Handler(Protocol):
    """What works the items of one lane. `check` is optional."""

    def work(self, item: WorkItem) -> None: ...


LaneSetup = Callable[[Any], "Handler | AbstractContextManager[Handler]"]


@dataclass
class WorkReport:
    """How the queue was worked in this call."""

    lanes: int
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.outcomes.get(Outcome.DONE, 0)

    @property
    def per_second(self) -> float | None:
        return round(self.done / self.seconds, 2) if self.seconds else None


class Crew:
    """What the lanes of one call share: the stop, the first fatal error, and the count
    of items in a row that failed on system errors."""

    def __init__(self, outage_after: int) -> None:
        self.stop = threading.Event()
        self.outage_after = outage_after
        self.error: BaseException | None = None
        self._failed_in_row = 0
        self._last_failure = ""
        self._lock = threading.Lock()
        # handlers' `settled` runs one call at a time across lanes: their tallies need no lock
        self.settling = threading.Lock()

    def stopped(self, queue: WorkQueue) -> bool:
        return self.stop.is_set() or queue.stopping()

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc
        self.stop.set()

    def guarded(self, fn: Callable[[WorkItem], Any]) -> Callable[[WorkItem], Any]:
        """`fn` with its fatal errors stopping every lane, and its system errors counted
        towards an outage (check and work alike: a search that fails is the portal's)."""

        def call(item: WorkItem) -> Any:
            try:
                return fn(item)
            except BaseException as exc:
                if is_fatal(exc):
                    self.fail(exc)
                elif isinstance(exc, Exception) and not isinstance(exc, BusinessError):
                    self._failure(exc)
                raise

        return call

    def _failure(self, exc: Exception) -> None:
        with self._lock:
            self._failed_in_row += 1
            self._last_failure = redact(f"{type(exc).__name__}: {exc}")[:500]
            outage = self._failed_in_row >= self.outage_after
        if outage:
            self.fail(Outage(f"{self._failed_in_row} items in a row failed on system errors; "
                             f"the last: {self._last_failure}"))

    def settled(self, item: WorkItem) -> None:
        if item.outcome in SUCCEEDED:
            with self._lock:
                self._failed_in_row = 0


def work_queue(run: Run, queue: WorkQueue, handler: Handler | LaneSetup, *, lanes: int = 1,
               browser: bool = False, batch: int = 1) -> WorkReport:
    """Work `queue` to the end with `lanes` lanes (threads; with `browser`, each with its own
    browser context of one shared Chromium), each claiming `batch` items at a time. See
    the module's docstring."""
    if lanes < 1:
        raise ValueError(f"lanes must be at least 1, got {lanes}")
    crew = Crew(run.settings.work.outage_after)
    report = WorkReport(lanes)
    tallies: list[WorkQueue] = []
    started = time.monotonic()
    left = queue.outstanding()
    if left.claimable == 0 and left.waiting == 0 and left.in_progress == 0:
        run.log.info("queue {}: nothing to work", queue.name)
        return report

    def lane_work(lane: Lane | None) -> None:
        mine = queue.with_options(owner=f"{queue.owner}:{lane.name if lane else 'main'}",
                                  stop=crew.stop, batch=batch)
        tallies.append(mine)
        with _handler_for(handler, lane) as worker:
            drain(run, mine, worker, crew, progress)

    with track(run.log, queue.name,
               total=left.claimable + left.waiting + left.in_progress) as progress:
        try:
            if browser:
                _browser_lanes(run, lane_work, lanes, crew)
            elif lanes == 1:
                lane_work(None)
            else:
                _thread_lanes(lane_work, lanes, crew)
        except BaseException as exc:
            if is_fatal(exc):
                crew.fail(exc)
            else:
                raise
        finally:
            report.seconds = time.monotonic() - started
            for mine in tallies:
                for outcome, n in mine.tally.items():
                    report.outcomes[str(outcome)] = report.outcomes.get(str(outcome), 0) + n
    if crew.error is not None:
        run.log.error("queue {}: stopped every lane: {}", queue.name, crew.error)
        raise crew.error
    return report


def drain(run: Run, queue: WorkQueue, handler: Handler, crew: Crew,
          progress: Tracker | None = None) -> None:
    """One lane's loop: claim, check, work, until the queue is drained or a stop."""
    check = getattr(handler, "check", None)
    checked = crew.guarded(check) if check is not None else None
    if checked is not None and progress is not None:
        checked = _counting_found(checked, progress)
    work = crew.guarded(handler.work)
    settled = getattr(handler, "settled", None)

    def recorded(item: WorkItem) -> None:
        if progress is not None and item.outcome in _FINAL:
            progress.advance()
        if settled is not None:
            with crew.settling:
                settled(item)

    while not crew.stopped(queue):
        for item in queue.claim_iter(check=checked):
            with item:
                work(item)
            crew.settled(item)  # as decided: a success ends a run of failures at once
            item.when_recorded(recorded)  # at once, or when its batch is written
            if crew.stopped(queue):
                return
        if not _more_to_come(run, queue, crew):
            return


# outcomes that end an item for this run; a retry, a release or a lost lease comes back
_FINAL = frozenset({Outcome.DONE, Outcome.FOUND_DONE, Outcome.BUSINESS_EXCEPTION,
                    Outcome.SYSTEM_EXCEPTION})


def _counting_found(check: Callable[[WorkItem], Any],
                    progress: Tracker) -> Callable[[WorkItem], Any]:
    """An item the check finds already done never reaches the loop: count it here."""

    def call(item: WorkItem) -> Any:
        found = check(item)
        if found is not None:
            progress.advance()
        return found

    return call


def _more_to_come(run: Run, queue: WorkQueue, crew: Crew) -> bool:
    """Wait while items back off before a retry or are held by another worker (whose
    lease may run out if it died); False once the queue is drained or on a stop."""
    while not crew.stopped(queue):
        left = queue.outstanding()
        if left.claimable:
            return True
        if not (left.waiting or left.in_progress):
            return False
        run.check_deadline()
        crew.stop.wait(POLL_SECONDS)
    return False


@contextmanager
def _handler_for(handler: Handler | LaneSetup, lane: Lane | None) -> Iterator[Handler]:
    if isinstance(handler, Handler):  # one handler for every lane: it must be thread-safe
        yield handler
        return
    made = handler(lane)
    with ExitStack() as stack:
        if isinstance(made, AbstractContextManager):
            made = stack.enter_context(made)
        if not isinstance(made, Handler):
            raise TypeError(f"a lane set-up must give an object with work(item), got {made!r}")
        yield made


def _browser_lanes(run: Run, lane_work: Callable[[Lane], None], lanes: int, crew: Crew) -> None:
    from bots.browser import BrowserPool, LaunchOptions

    with BrowserPool.open(LaunchOptions.from_settings(run.settings.browser)) as pool:
        pool.run_workers(lane_work, lanes, stop=crew.stop)


def _thread_lanes(lane_work: Callable[[None], None], lanes: int, crew: Crew) -> None:
    run_side_by_side([(f"lane-{n}", functools.partial(lane_work, None))
                      for n in range(1, lanes + 1)], crew.stop)
