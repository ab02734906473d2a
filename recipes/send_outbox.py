"""Deliver the messages to customers that are due, by mail and SMS, under the outbox's rules.

    runner.py run send_outbox                        send what is due now
    runner.py run send_outbox -p dry_run=true        render everything into the run's folder
    runner.py run send_outbox -p max_messages=50     at most 50 this run

A recipe, so that sending is a recorded run the scheduler can fire every few minutes.
The channels come from the settings (`RPA_OUTBOX__SMTP__*`, `RPA_OUTBOX__SMS__*`); the
rules too (quiet hours per channel, rate limit, max per run). Messages get into the outbox
with the outcomes that cause them (`item.notify`), never from here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bots import Run, recipe
from bots.errors import UsageError
from bots.outbox import Rules, Sender
from connectors.outbound import channels_from_settings


class SendParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dry_run: bool = Field(default=False, description="render into a folder, send nothing")
    folder: Path | None = Field(default=None, description="the dry run's folder; default: "
                                "the run's artifacts folder")
    max_messages: int | None = Field(default=None, ge=1, description="at most this many this "
                                     "run (RPA_OUTBOX__MAX_PER_RUN applies too)")


@recipe
def send_outbox(run: Run, params: SendParams) -> dict[str, Any]:
    """Deliver the due messages to customers (mail, SMS): rules, retries, crash recovery."""
    settings = run.settings
    channels = channels_from_settings(settings)
    if not channels and not params.dry_run:
        raise UsageError("no channel to send by: set RPA_OUTBOX__SMTP__HOST and/or "
                         "RPA_OUTBOX__SMS__URL (or use -p dry_run=true)")
    sender = Sender(run.engine, channels, rules=Rules.from_settings(settings), clock=run.clock,
                    lease=timedelta(seconds=settings.outbox.lease_seconds),
                    lanes=settings.outbox.lanes)
    with run.step("send"):
        if params.dry_run:
            folder = params.folder or run.artifact_path("outbox-dry-run")
            report = sender.run(dry_run=folder)
            if params.folder is None:
                run.add_artifact(folder / "index.json", kind="json")
        else:
            report = sender.run(limit=params.max_messages)
    run.log.info("outbox: {}", report.as_dict())
    summary = {k: v for k, v in report.as_dict().items() if v}
    summary["left"] = sender.pending()
    return summary
