"""Executing a recipe: validate, record, attempt with retries, finish, hash the evidence."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import tenacity
from loguru import logger
from sqlalchemy.engine import Engine

from bots import records
from bots.clock import Clock, SystemClock
from bots.errors import BusinessError, RunTimeout
from bots.logs import add_run_sink, configure, remove_run_sink
from bots.records import RunState
from bots.redaction import format_exception
from bots.registry import RecipeSpec, discover
from bots.run import Run
from bots.settings import Settings, get_settings
from bots.store import open_store

HEARTBEAT_SECONDS = 10.0


class Interrupted(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error
    """The process was asked to stop (SIGTERM); the run is recorded as interrupted."""


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its id, state, summary, error and the recipe's return value."""

    run_id: int
    state: str
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.state in (RunState.SUCCEEDED, RunState.SUCCEEDED_WITH_EXCEPTIONS)


@dataclass(frozen=True)
class Trigger:
    """Who or what asked for the run."""

    kind: str = "cli"
    schedule: str | None = None
    fire_time: datetime | None = None
    queued_run_id: int | None = None


def load_recipes(settings: Settings) -> None:
    discover(("recipes",), settings.recipe_paths)


def load_recipe(settings: Settings, name: str) -> RecipeSpec:
    """One recipe, importing only the module that defines it (bots/recipe_index.py)."""
    from bots.recipe_index import load_recipe as load_one

    return load_one(name, ("recipes",), settings.recipe_paths)


def execute(recipe: str | RecipeSpec, raw_params: dict[str, Any] | None = None, *,
            trigger: Trigger | None = None, settings: Settings | None = None,
            engine: Engine | None = None, clock: Clock | None = None,
            timeout: timedelta | None = None) -> RunResult:
    """Run a recipe once, retrying system errors per its policy; never raises for a
    failing recipe (the result says how it ended) but does raise ParameterError and
    RecipeNotFound before anything is written."""
    settings = settings or get_settings()
    configure(settings.log.level)
    clock = clock or SystemClock()
    trigger = trigger or Trigger()
    if isinstance(recipe, str):
        recipe = load_recipe(settings, recipe)
    spec = recipe
    params = spec.validate(raw_params or {})
    engine = engine or open_store(settings)
    run_id = _open_run(engine, spec, params.model_dump(mode="json"), trigger, clock)
    run_dir = settings.runs_dir / str(run_id)
    log_path = run_dir / "run.log.jsonl"
    records.set_log_path(engine, run_id, str(log_path))
    sink = add_run_sink(run_id, log_path, max_bytes=settings.log.run_log_max_bytes)
    limit = timeout or spec.timeout
    deadline = time.monotonic() + limit.total_seconds() if limit else None
    run = Run(run_id=run_id, recipe=spec.name, settings=settings, engine=engine, clock=clock,
              artifacts_dir=run_dir / "artifacts", deadline=deadline,
              time_limit=limit.total_seconds() if limit else None, trigger=trigger.kind)
    run.spec = spec
    run.log.info("run {} of {} started ({})", run_id, spec.name, trigger.kind)
    state, error, error_kind, value = RunState.FAILED, None, None, None
    with _heartbeat(engine, run_id, clock), _alarm(run_id, limit):
        try:
            value = _attempts(spec, run, params, clock)
            state = RunState.SUCCEEDED_WITH_EXCEPTIONS if run.exceptions else RunState.SUCCEEDED
        except BusinessError as exc:
            error, error_kind = format_exception(exc), "business"
        except RunTimeout as exc:
            state, error, error_kind = RunState.TIMED_OUT, format_exception(exc), "timeout"
        except (Interrupted, KeyboardInterrupt) as exc:
            state, error, error_kind = RunState.INTERRUPTED, format_exception(exc), "interrupted"
        except Exception as exc:  # noqa: BLE001 - any other error is a system error, recorded
            error, error_kind = format_exception(exc), "system"
    if isinstance(value, dict):
        run.summary.update(value)  # what the recipe returns joins what it counted
    if run.outcomes:
        run.summary["outcomes"] = run.outcomes
    run.log.info("run {} {}", run_id, state)
    remove_run_sink(sink)
    records.finish_run(engine, run_id, state=state, now=clock.now(), attempts=run.attempt,
                       summary=run.summary, error=error, error_kind=error_kind,
                       evidence=_evidence(run_dir))
    return RunResult(run_id, state, dict(run.summary), error, value)


def _open_run(engine: Engine, spec: RecipeSpec, params: dict[str, Any], trigger: Trigger,
              clock: Clock) -> int:
    if trigger.queued_run_id is not None:
        records.start_run(engine, trigger.queued_run_id, now=clock.now())
        return trigger.queued_run_id
    return records.create_run(engine, recipe=spec.name, code_hash=spec.code_hash(),
                              params=params, trigger=trigger.kind, now=clock.now(),
                              schedule=trigger.schedule, fire_time=trigger.fire_time)


def _attempts(spec: RecipeSpec, run: Run, params: Any, clock: Clock) -> Any:
    policy = spec.retry

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        run.log.warning("attempt {} failed with a system error ({}); retrying in {:.1f} s",
                        state.attempt_number, exc, state.upcoming_sleep)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=lambda state: policy.delay(state.attempt_number),
        retry=tenacity.retry_if_exception(
            lambda exc: isinstance(exc, Exception)
            and not isinstance(exc, (BusinessError, RunTimeout))
        ),
        sleep=clock.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            run.attempt = attempt.retry_state.attempt_number
            run.summary.clear()
            return spec.call(run, params)
    return None  # unreachable: tenacity either returns or re-raises


@contextmanager
def _heartbeat(engine: Engine, run_id: int, clock: Clock) -> Iterator[None]:
    """A thread stamps the run while it is alive, so a killed run shows as stale."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                records.heartbeat(engine, run_id, now=SystemClock().now())
            except Exception as exc:  # noqa: BLE001 - a missed beat must not kill the run
                logger.bind(run_id=run_id).warning("heartbeat failed: {}", exc)

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


@contextmanager
def _alarm(run_id: int, limit: timedelta | None) -> Iterator[None]:
    """In the main thread a run-level timeout interrupts the recipe wherever it is."""
    if limit is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    seconds = limit.total_seconds()

    def on_alarm(_signum: int, _frame: Any) -> None:
        raise RunTimeout(run_id, seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _evidence(run_dir: Any) -> dict[str, str]:
    """sha256 of the run's log and every file under its folder, for the audit chain."""
    if not run_dir.exists():
        return {}
    return {
        str(path.relative_to(run_dir)): records.sha256_file(path)
        for path in sorted(run_dir.rglob("*"))
        if path.is_file()
    }


