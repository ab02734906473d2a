"""The runtime every recipe shares: its public face.

    from bots import Queue, RetryPolicy, Run, recipe, BusinessError

    SALES = Queue("sales", lease=timedelta(seconds=60), retry=RetryPolicy(attempts=4))

    @recipe(queue=SALES)
    def key_sales(run: Run, *, workbook: Path) -> dict:
        run.queue().put_many(...)          # the recipe's queue, with its declared policy
        run.work(handler=..., lanes=3, browser=True)    # claims, checks, retries, drain

A recipe author imports from `bots` (the runtime), `connectors.portal` (portal maps,
`key_records`), `connectors.sheets` (`read_rows`, writers) and, for custom browser work,
`bots.browser`. Those four faces are documented and pinned by tests
(tests/runtime/test_public_api.py); everything else may change.
"""

from __future__ import annotations

from bots.clock import Clock, FrozenClock, SystemClock
from bots.errors import (
    ApplicationError,
    BusinessError,
    FateUnknown,
    InputError,
    Outage,
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
from bots.work import Handler, WorkReport
from bots.workitems import (
    REJECTED,
    TO_REVIEW,
    ItemState,
    Outcome,
    Priority,
    Queue,
    WorkItem,
    WorkQueue,
)

__all__ = [
    "REJECTED",
    "TO_REVIEW",
    "ApplicationError",
    "BusinessError",
    "Clock",
    "FateUnknown",
    "FrozenClock",
    "Handler",
    "InputError",
    "ItemState",
    "Outage",
    "Outcome",
    "ParameterError",
    "Priority",
    "Queue",
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
    "WorkItem",
    "WorkQueue",
    "WorkReport",
    "execute",
    "get_settings",
    "recipe",
]
