"""Apply invoice charges and credits ("cargos y abonos") exactly once, with four eyes.

    runner.py run invoice_adjustments -p requests=requests.xlsx [-p ledger=ledger.xlsx]
        [-p policy=my_policy.toml] [-p sheet=Requests]

The queue's lease and retry policy are declared once (`ADJUSTMENTS`); an operator changes
them through the settings (`RPA_QUEUES='{"invoice_adjustments": {"lease_seconds": 30}}'`).

Steps: load (the request file and the policy; an unreadable cell refuses the whole file,
nothing queued) -> queue (one work item per request id; a later row repeating an id, or
an id already queued with different content, is refused) -> apply (per item: check the
portal for the request id, validate, key, capture the document number) -> ledger (the
applied adjustments into the ledger workbook, when one is given) -> report
(before/after and exceptions workbooks; counts in the summary).

Rerunning a file changes nothing that is done: items already done are not claimed again,
and an item whose adjustment is in the portal (a crash between keying and recording) is
completed from what the portal shows. With no `requests`, the recipe works whatever is
queued (so `runner.py worker` can run it).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bots import Queue, RetryPolicy, Run, WorkItem, recipe
from bots.errors import UsageError
from bots.workitems import WorkQueue
from connectors.invoice_ledger import InvoiceLedger
from recipes.invoice_adjustments.apply import Applier, InvoicePortal
from recipes.invoice_adjustments.file import read_requests
from recipes.invoice_adjustments.ledger import apply_to_ledger
from recipes.invoice_adjustments.policy import DEFAULT_POLICY_FILE, load_policy
from recipes.invoice_adjustments.requests import AdjustmentRequest, split_duplicates
from recipes.invoice_adjustments.summary import Tracker

QUEUE = "invoice_adjustments"
ADJUSTMENTS = Queue(QUEUE, lease=timedelta(seconds=60),
                    retry=RetryPolicy(attempts=3, initial=timedelta(seconds=2),
                                      maximum=timedelta(minutes=5)))


class AdjustmentParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: Path | None = Field(default=None, description="xlsx or CSV of requests; "
                                  "none: work the requests already queued")
    sheet: str = Field(default="Requests", description="the sheet of an xlsx request file")
    policy: Path = Field(default=DEFAULT_POLICY_FILE, description="the rules (TOML)")
    ledger: Path | None = Field(default=None, description="ledger workbook to update too")
    portal_map: str = Field(default="demo", description="a map name or a .toml path")

    @field_validator("policy")
    @classmethod
    def _policy_loads(cls, path: Path) -> Path:
        try:
            load_policy(path)  # a bad policy refuses the run before anything is written
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return path

    @field_validator("requests", "ledger")
    @classmethod
    def _file_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} is not a file")
        return path


@recipe(queue=ADJUSTMENTS)
def invoice_adjustments(run: Run, params: AdjustmentParams) -> dict[str, Any]:
    """Apply invoice charges and credits from a request file, exactly once, with four eyes."""
    tracker = Tracker(run)
    with run.step("load"):
        policy = load_policy(params.policy)
        requests = [] if params.requests is None else read_requests(params.requests, params.sheet)
        unique, duplicates = split_duplicates(requests)
        tracker.read(requests, duplicates)
        if params.ledger is not None:
            InvoiceLedger.open(params.ledger)  # its layout checked before the portal is touched
    queue = run.queue()
    with run.step("queue"):
        tracker.queued(queue_requests(queue, unique, tracker))
    with run.step("apply"):
        # One lane, one item at a time: two requests on one invoice must see each other's
        # effect on its balance.
        run.work(handler=lambda lane: Adjusting(
                     Applier(portal_for(run, lane, params.portal_map), policy, run.log), tracker),
                 lanes=1, browser=USES_BROWSER)
    if params.ledger is not None:
        with run.step("ledger"):
            tracker.ledger(apply_to_ledger(run, params.ledger, tracker.done_records(queue)))
    with run.step("report"):
        tracker.report(queue)
    return tracker.summary()


def queue_requests(queue: WorkQueue, requests: list[AdjustmentRequest],
                   tracker: Tracker) -> int:
    """Put the new requests; refuse an id already queued with a different request."""
    fresh = []
    for request in requests:
        existing = queue.get(request.request_id)
        if existing is None:
            fresh.append(request)
        elif not AdjustmentRequest.from_payload(existing.payload).same_request(request):
            tracker.conflict(request, existing)
    result = queue.put_many((r.request_id, r.to_payload()) for r in fresh)
    return result.created


class Adjusting:
    """The lane's handler: check the portal for the request id, else apply it."""

    def __init__(self, applier: Applier, tracker: Tracker) -> None:
        self.applier, self.tracker = applier, tracker
        self.check = tracker.checking(applier.check)

    def work(self, item: WorkItem) -> None:
        self.applier.work(item)

    def settled(self, item: WorkItem) -> None:
        self.tracker.worked(item)


USES_BROWSER = True  # the seam tests use to hand in an in-memory portal with `portal_for`


def portal_for(run: Run, lane: Any, portal_map: str) -> InvoicePortal:
    """The portal's invoice screens on the lane, logged in (system Chromium)."""
    from connectors.portal.invoices import invoice_portal_on

    return invoice_portal_on(run, lane, portal_map)
