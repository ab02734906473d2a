"""A schedule whose recipe is missing, or refuses its parameters, is parked: kept in the
store with the reason, reported by `schedules`, never deleted. Such a park lifts itself
once the recipe accepts the schedule again; a park for repeated failures needs `resume`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from loguru import logger
from sqlalchemy.engine import Engine

from bots.errors import ParameterError, RecipeNotFound
from bots.notify import Notice
from bots.registry import get_recipe
from bots.scheduler import state as states
from bots.scheduler.notices import Notifier

SELF_LIFTING = (states.ParkKind.RECIPE_MISSING, states.ParkKind.PARAMS_REFUSED)


def recipe_problem(recipe: str, params: dict[str, Any]) -> tuple[states.ParkKind, str] | None:
    try:
        spec = get_recipe(recipe)
    except RecipeNotFound:
        return (states.ParkKind.RECIPE_MISSING,
                f"recipe {recipe!r} not found; the schedule is kept and fires again when the "
                "recipe is back")
    try:
        spec.validate(params)
    except ParameterError as exc:
        return states.ParkKind.PARAMS_REFUSED, str(exc)
    return None


def code_hash(recipe: str) -> str | None:
    try:
        return get_recipe(recipe).code_hash()
    except (RecipeNotFound, OSError):
        return None


def reconcile(engine: Engine, notifier: Notifier, now: datetime, *,
              unpark: bool | Collection[str]) -> None:
    """Check every schedule against the recipe registry of this process; park those
    it refuses.

    Lift a park only with a fresh registry: `unpark=True` at the start of a process,
    or the names of schedules just synced. A running process keeps the recipes it
    imported, so it would otherwise lift a park that a child, which looked at the
    files afresh, has just set."""
    for stored in states.load_all(engine).values():
        lift = unpark is True or (not isinstance(unpark, bool) and stored.name in unpark)
        problem = recipe_problem(stored.schedule.recipe, stored.schedule.params)
        if problem is not None:
            kind, reason = problem
            if states.park(engine, stored.name, kind, reason, now):
                logger.warning("schedule {} parked: {}", stored.name, reason)
                notifier.send(Notice("parked", stored.name,
                                     f"schedule {stored.name} parked: {reason}", at=now),
                              stored.schedule.notify)
        elif lift and stored.parked_kind is not None and stored.parked_kind in SELF_LIFTING:
            states.unpark(engine, stored.name, stored.parked_kind,
                          "the recipe accepts the schedule again", now)
            logger.info("schedule {} unparked: its recipe accepts it again", stored.name)
