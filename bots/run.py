"""The run context a recipe receives: steps, artifacts, logger, settings, summary,
its queues and the one call that works a queue (`run.work`)."""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from loguru import logger
from sqlalchemy.engine import Engine

from bots import records
from bots.clock import Clock
from bots.errors import BusinessError, RunTimeout, UsageError
from bots.redaction import format_exception, register_secret
from bots.settings import Settings
from bots.workitems import EXCEPTIONAL, Queue, WorkQueue

if TYPE_CHECKING:
    from loguru import Logger

    from bots.progress import Tracker
    from bots.registry import RecipeSpec
    from bots.work import Handler, LaneSetup, WorkReport

F = TypeVar("F", bound=Callable[..., Any])


class Run:
    """What a recipe gets as its first argument."""

    def __init__(self, *, run_id: int, recipe: str, settings: Settings, engine: Engine,
                 clock: Clock, artifacts_dir: Path, attempt: int = 1,
                 deadline: float | None = None, time_limit: float | None = None,
                 trigger: str = "cli") -> None:
        self.id = run_id
        self.recipe = recipe
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.artifacts_dir = artifacts_dir
        self.attempt = attempt
        self.trigger = trigger
        self.summary: dict[str, Any] = {}
        self.spec: RecipeSpec | None = None
        self._outcomes: Counter[str] = Counter()
        self._outcomes_lock = threading.Lock()
        self._deadline = deadline
        self.time_limit = time_limit
        self._step: str | None = None
        self.log: Logger = logger.bind(run_id=run_id, recipe=recipe)

    # -- steps -------------------------------------------------------------------------
    @contextmanager
    def _step_context(self, name: str) -> Iterator[None]:
        self.check_deadline()
        started = self.clock.now()
        step_id = records.record_step_start(self.engine, self.id, name, self.attempt, started)
        outer, outer_log = self._step, self.log
        self._step, self.log = name, outer_log.bind(step=name)
        self.log.debug("step {} started", name)
        try:
            yield
        except BaseException as exc:
            outcome = "business_error" if isinstance(exc, BusinessError) else "failed"
            records.record_step_end(self.engine, step_id, started=started, now=self.clock.now(),
                                    outcome=outcome, error=format_exception(exc))
            self.log.warning("step {} {}: {}", name, outcome, exc)
            raise
        else:
            records.record_step_end(self.engine, step_id, started=started, now=self.clock.now(),
                                    outcome="ok")
            self.log.debug("step {} done", name)
        finally:
            self._step, self.log = outer, outer_log

    def step(self, name: str) -> _Step:
        """`with run.step("load"):` or `@run.step("load")` on a function."""
        return _Step(self, name)

    def progress(self, label: str, *, total: int | None = None) -> AbstractContextManager[Tracker]:
        """`with run.progress("reading", total=n) as bar: ... bar.advance()`: a bar on a
        terminal, INFO lines in the run's log otherwise (bots/progress.py). `run.work`
        shows its own."""
        from bots.progress import track

        return track(self.log, label, total=total)

    # -- outputs -----------------------------------------------------------------------
    def artifact_path(self, name: str) -> Path:
        path = self.artifacts_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add_artifact(self, path: Path, *, kind: str = "file") -> dict[str, Any]:
        """List a written file in the run record with its size and sha256."""
        return records.record_artifact(self.engine, self.id, Path(path),
                                       relative_to=self.settings.data_dir, kind=kind,
                                       now=self.clock.now())

    def register_secret(self, value: str) -> None:
        """Mask this value in every log line, record and error message from now on."""
        register_secret(value)

    # -- counting ----------------------------------------------------------------------
    def count(self, outcome: str, n: int = 1) -> None:
        """Count `n` things that ended as `outcome`: an item outcome (`done`,
        `business_exception`, ... counted by the queue itself), `rejected` (input rows
        refused before queueing) or `to_review` (results a person must look at). Anything
        exceptional makes the run "succeeded_with_exceptions"."""
        if n < 0:
            raise ValueError(f"cannot count {n} {outcome}")
        with self._outcomes_lock:  # lanes of one run count from their own threads
            self._outcomes[str(outcome)] += n

    def reject(self, problems: Iterable[Any], *, source: str = "") -> int:
        """Record the input rows these problems refuse (row, key, column, reason, value:
        `connectors.sheets.RowProblem`s) in the store, where every report counts them, and
        count them as `rejected`; returns how many rows."""
        from bots.rejects import record_rejected

        return record_rejected(self, problems, source=source)

    @property
    def outcomes(self) -> dict[str, int]:
        with self._outcomes_lock:
            return {k: v for k, v in self._outcomes.items() if v}

    @property
    def exceptions(self) -> int:
        """Things this run sent to a person: items in exception, rejected rows, breaks."""
        return sum(n for kind, n in self.outcomes.items() if kind in EXCEPTIONAL)

    # -- queues ------------------------------------------------------------------------
    def queue(self, queue: Queue | str | None = None) -> WorkQueue:
        """A queue bound to this run: the one named, or the recipe's declared queue; its
        policy as declared, with the operator's settings (`RPA_QUEUES`) over it."""
        spec = self._queue_spec(queue)
        return WorkQueue(self.engine, spec.name, clock=self.clock, run=self,
                         lease=spec.lease, retry=spec.retry)

    def _queue_spec(self, queue: Queue | str | None) -> Queue:
        declared = self.spec.queue if self.spec is not None else None
        if queue is None:
            if declared is None:
                raise UsageError(f"recipe {self.recipe} declares no queue: "
                                 "@recipe(queue=Queue(...)) or name one")
            queue = declared
        if isinstance(queue, str):
            queue = declared if declared is not None and declared.name == queue else Queue(queue)
        return queue.configured(self.settings.queues)

    def work(self, queue: Queue | WorkQueue | str | None = None,
             handler: Handler | LaneSetup | None = None,
             *, lanes: int = 1, browser: bool = False, batch: int = 1) -> WorkReport:
        """Work a queue until nothing is left to claim: see `bots.work.work_queue`.
        `queue`: a declared Queue, its name, or a queue from `run.queue()`. `batch`:
        items claimed, and their outcomes written, together (one transaction each way
        instead of one per item); for work whose effects are staged on the item
        (`notify`, `hand_over`) or checked before acting, since a crash leaves the
        batch's unwritten outcomes to be worked again."""
        from bots.work import work_queue

        if handler is None:
            raise UsageError("run.work needs a handler: an object with work(item) (and "
                             "optionally check(item)), or a per-lane set-up returning one")
        bound = queue if isinstance(queue, WorkQueue) else self.queue(queue)
        return work_queue(self, bound, handler, lanes=lanes, browser=browser, batch=batch)

    # -- time --------------------------------------------------------------------------
    def check_deadline(self) -> None:
        """Raise RunTimeout when the run's time is up (called at every step and item)."""
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise RunTimeout(self.id, self.time_limit or 0)

    @property
    def current_step(self) -> str | None:
        return self._step


class _Step:
    def __init__(self, run: Run, name: str) -> None:
        self._run, self._name = run, name
        self._cm: Any = None

    def __enter__(self) -> None:
        self._cm = self._run._step_context(self._name)
        self._cm.__enter__()

    def __exit__(self, *exc: Any) -> bool | None:
        return bool(self._cm.__exit__(*exc))

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._run._step_context(self._name):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
