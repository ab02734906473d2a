"""Apply invoice charges and credits ("cargos y abonos") exactly once, with four eyes.

    runner.py run invoice_adjustments -p requests=requests.xlsx [-p ledger=ledger.xlsx]
        [-p policy=my_policy.toml] [-p sheet=Requests] [-p lease_seconds=60]

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

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bots import RetryPolicy, Run, recipe
from bots.errors import UsageError
from bots.params import DelaySeconds
from bots.workitems import WorkQueue
from connectors.invoice_ledger import InvoiceLedger
from connectors.portal.errors import LoginRefused
from recipes.invoice_adjustments.apply import Applier, InvoicePortal
from recipes.invoice_adjustments.file import read_requests
from recipes.invoice_adjustments.ledger import apply_to_ledger
from recipes.invoice_adjustments.policy import DEFAULT_POLICY_FILE, AdjustmentPolicy, load_policy
from recipes.invoice_adjustments.requests import AdjustmentRequest, split_duplicates
from recipes.invoice_adjustments.summary import Tracker

QUEUE = "invoice_adjustments"


class AdjustmentParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: Path | None = Field(default=None, description="xlsx or CSV of requests; "
                                  "none: work the requests already queued")
    sheet: str = Field(default="Requests", description="the sheet of an xlsx request file")
    policy: Path = Field(default=DEFAULT_POLICY_FILE, description="the rules (TOML)")
    ledger: Path | None = Field(default=None, description="ledger workbook to update too")
    lease_seconds: int = Field(default=60, ge=5, le=3600,
                               description="how long a crashed run holds an item")
    retry_attempts: int = Field(default=3, ge=1, le=10, description="tries on a system error")
    retry_delay_seconds: DelaySeconds = Field(default=2, ge=0, le=600,
                                      description="first back-off; doubles on each retry")
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


@recipe(consumes=QUEUE)
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
    queue = run.queue(QUEUE).with_options(
        lease=timedelta(seconds=params.lease_seconds),
        retry=RetryPolicy(attempts=params.retry_attempts,
                          initial=timedelta(seconds=params.retry_delay_seconds),
                          maximum=timedelta(minutes=5)))
    with run.step("queue"):
        tracker.queued(queue_requests(queue, unique, tracker))
    with run.step("apply"):
        work_queue(run, queue, policy, tracker, params.portal_map)
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


def work_queue(run: Run, queue: WorkQueue, policy: AdjustmentPolicy, tracker: Tracker,
               portal_map: str) -> None:
    """One lane, one item at a time: two requests on one invoice must see each other's
    effect on its balance. Items backing off after a system error are waited for."""
    left = queue.outstanding()
    if left.claimable == 0 and left.waiting == 0:
        # A rerun of a finished file: no browser, no portal, nothing changed.
        run.log.info("nothing to claim in queue {} ({} held by another run)", QUEUE,
                     left.in_progress)
        return
    with portal_for(run, portal_map) as portal:
        applier = Applier(portal, policy, run.log)
        while True:
            for item in queue.claim_iter(check=tracker.checking(applier.check)):
                refused: LoginRefused | None = None
                with item:
                    try:
                        applier.work(item)
                    except LoginRefused as exc:  # every item would fail alike: stop the run
                        refused = exc
                        raise
                tracker.worked(item)
                if refused is not None:
                    raise refused
            if not _more_to_come(run, queue):
                return


def _more_to_come(run: Run, queue: WorkQueue) -> bool:
    """Wait while items back off before a retry; False once none is left to claim."""
    while True:
        left = queue.outstanding()
        if left.claimable:
            return True
        if not left.waiting:
            return False
        run.check_deadline()
        run.clock.sleep(1)  # back-offs are seconds long


@contextmanager
def portal_for(run: Run, portal_map: str) -> Iterator[InvoicePortal]:
    """The portal's invoice screens in a logged-in browser lane (system Chromium)."""
    from connectors.portal.invoices import open_invoice_portal

    with open_invoice_portal(run, portal_map) as portal:
        yield portal
