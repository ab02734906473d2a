"""The run context a recipe receives: steps, artifacts, logger, settings, summary."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from loguru import logger
from sqlalchemy.engine import Engine

from bots import records
from bots.clock import Clock
from bots.errors import BusinessError, RunTimeout
from bots.redaction import format_exception, register_secret
from bots.settings import Settings

if TYPE_CHECKING:
    from loguru import Logger

    from bots.workitems import WorkQueue

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
        self.exceptions = 0  # items sent to review; makes the run "succeeded_with_exceptions"
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

    def queue(self, name: str) -> WorkQueue:
        from bots.workitems import WorkQueue

        return WorkQueue(self.engine, name, clock=self.clock, run=self)

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
        return self._cm.__exit__(*exc)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._run._step_context(self._name):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
