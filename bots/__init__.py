"""The runtime every recipe shares. Recipe authors import from here only.

    from bots import recipe, Run, BusinessError

Everything else in `bots` is the runtime's own and may change.
"""

from __future__ import annotations

from bots.clock import Clock, FrozenClock, SystemClock
from bots.errors import (
    ApplicationError,
    BusinessError,
    InputError,
    ParameterError,
    RpaError,
    RunTimeout,
)
from bots.executor import RunResult, Trigger, execute
from bots.records import RunState
from bots.registry import RecipeSpec, recipe
from bots.retry import RetryPolicy
from bots.run import Run
from bots.settings import Settings, get_settings

__all__ = [
    "ApplicationError",
    "BusinessError",
    "Clock",
    "FrozenClock",
    "InputError",
    "ParameterError",
    "RecipeSpec",
    "RetryPolicy",
    "RpaError",
    "Run",
    "RunResult",
    "RunState",
    "RunTimeout",
    "Settings",
    "SystemClock",
    "Trigger",
    "execute",
    "get_settings",
    "recipe",
]
