"""Order requests (cancel, return, address change, dispatch slot, incident), applied
through the portal's order program exactly once, and the customer told the outcome.

    runner.py run order_requests [-p requests=requests.xlsx] [-p columns=my.columns.toml]
        [-p four_eyes_above=500.00] [-p portal_map=orders]

Steps: load (the agents' sheet through a declared ColumnMap: every bad cell named, none
queued) -> queue (one work item per request id; mail triage queues its own into the same
queue, `order_requests`) -> apply (one lane: the order's History tab first, then the
rules on the order as the portal shows it, then the action screen, the customer's mail
staged with the outcome) -> report (order_requests.xlsx, exceptions.xlsx).

Rerunning changes nothing done: done items are not claimed again, and an item whose
action the History tab shows (a crash between the portal's save and the store's record)
is completed from it. With no `requests`, whatever is queued is worked (`runner.py worker`).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bots import Queue, RetryPolicy, Run, recipe
from bots.people import staff_directory
from connectors.portal import load_map, open_portal, run_audit
from connectors.sheets import ColumnMap, read_rows
from recipes.order_requests import report
from recipes.order_requests.apply import OrderRequests
from recipes.order_requests.notify import CustomerNotice
from recipes.order_requests.requests import COLUMNS, OrderRequest
from recipes.order_requests.rules import Limits
from recipes.order_requests.screens import OrderScreens

QUEUE = "order_requests"
ORDER_REQUESTS = Queue(QUEUE, lease=timedelta(seconds=60),
                       retry=RetryPolicy(attempts=3, initial=timedelta(seconds=2),
                                         maximum=timedelta(minutes=5)))


class OrderRequestParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: Path | None = Field(default=None, description="the agents' sheet (xlsx or CSV);"
                                  " none: work what is queued (mail triage's items too)")
    columns: Path | None = Field(default=None, description="a column mapping (TOML) for "
                                 "other headers")
    four_eyes_above: Decimal = Field(default=Decimal("500.00"), ge=0, decimal_places=2,
                                     description="a refund above this needs a second person")
    portal_map: str = Field(default="orders", description="a map name or a .toml path")

    @field_validator("requests", "columns")
    @classmethod
    def _file_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} is not a file")
        return path


@recipe(queue=ORDER_REQUESTS)
def order_requests(run: Run, params: OrderRequestParams) -> dict[str, Any]:
    """Cancel, return, re-address, book a dispatch slot or open an incident on orders,
    exactly once, and tell each customer the outcome."""
    problems: list[Any] = []
    valid: list[OrderRequest] = []
    with run.step("load"):
        portal_map = load_map(params.portal_map)  # a bad map refuses the run before work
        if params.requests is not None:
            columns = ColumnMap.load(params.columns) if params.columns else COLUMNS
            rows = read_rows(params.requests, OrderRequest, columns=columns, key="request_id")
            problems = rows.problems
            run.reject(problems, source=str(params.requests))
            valid = rows.values
    queue = run.queue()
    with run.step("queue"):
        created = queue.put_many((r.request_id, r.to_payload()) for r in valid).created
    limits = Limits(params.four_eyes_above, staff_directory())
    seen: list[str] = []  # every item this run claims (its own and mail triage's)
    with run.step("apply"):
        # One lane: two requests on one order must see each other's effect on its state.
        run.work(handler=lambda lane: OrderRequests(
                     OrderScreens(open_portal(run, lane, portal_map)), limits,
                     CustomerNotice.from_settings(run.settings),
                     audit=run_audit(run, f"bot:{run.recipe}:{lane.name}"), seen=seen),
                 lanes=1, browser=True)
    with run.step("report"):
        keys = dict.fromkeys([*(r.request_id for r in valid), *seen])
        items = list(queue.get_many(keys).values())
        out = report.write(run.artifact_path("order_requests.xlsx"), "Requests",
                           report.OUTPUT, report.output_rows(items))
        exc = report.write(run.artifact_path("exceptions.xlsx"), "Exceptions",
                           report.EXCEPTIONS, report.exception_rows(items, problems), "FCE4D6")
        run.add_artifact(out)
        run.add_artifact(exc)
    outcomes: dict[str, int] = {}
    for item in items:
        outcome = report.outcome_of(item)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {"requests": len(items), "queued": created, "rejected_rows": len(problems),
            "by_outcome": outcomes}
