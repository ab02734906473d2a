"""Customer mail triage: screen, read, route and answer the company mailbox's new mail.

    runner.py run mail_triage [-p routing=my_routing.toml] [-p max_mails=500]
        [-p credit_requests=credit_requests.csv]

The mailbox, the limits and the reader's files are settings (`RPA_MAIL__IMAP__HOST`,
`..._USERNAME`, `..._PASSWORD` or `..._OAUTH2_TOKEN`, `RPA_MAIL__MODEL`, ...).

Steps: file (mail whose case a run cut short had finished) -> intake (new UIDs fetched in
batches, parsed, screened, read; one work item each, keyed by the Message-ID's hash,
put with the reading's priority) -> triage (per item, by priority then age: route, tell
the customer through the outbox; see handling.py) -> file (each mail moved, by UID sets,
to the folder that says what happened: Triage/Answered, Forwarded, Routed, Screened,
Spam, Review). The acknowledgements leave with the next `send_outbox` run.

Routed mail becomes one work item of the recipe that works it, its payload:

    {"source": "mail", "message_id", "case", "received_at", "from", "language",
     "category", "kind", "subject", "text" (the new text, <= 4000 characters),
     "facts": {"invoice", "order", "customer", "amount", "iban", "date": [...]}}

Killed at any instant and run again: nothing is answered, routed or filed twice, and no
mail is lost (it stays in the inbox until its item is settled).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bots import TO_REVIEW, Queue, RetryPolicy, Run, recipe
from bots.errors import UsageError
from bots.mail.parse import Limits
from bots.mail.screen import Ours
from connectors.mailbox import open_mailbox
from connectors.outbound import templates_for
from recipes.mail_triage.credit_requests import CreditRequests
from recipes.mail_triage.filing import file_settled
from recipes.mail_triage.handling import Tally, Triager
from recipes.mail_triage.intake import Understanding, take_in
from recipes.mail_triage.routing import DEFAULT_ROUTING, load_routing

MESSAGES = Path(__file__).with_name("messages")
MAIL = Queue("mail_triage", lease=timedelta(seconds=60),
             retry=RetryPolicy(attempts=3, initial=timedelta(seconds=2),
                               maximum=timedelta(minutes=2)))


class MailTriageParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    routing: Path = Field(default=DEFAULT_ROUTING, description="category -> action (TOML)")
    max_mails: int | None = Field(default=None, ge=1, description="fetch at most this many "
                                  "new mails this run (the rest wait for the next)")
    credit_requests: Path | None = Field(default=None, description="the CSV credit requests "
                                         "from mail are added to; default: "
                                         "<data>/mail/credit_requests.csv")
    fetch: bool = Field(default=True, description="false: only work what is queued")

    @field_validator("routing")
    @classmethod
    def _routing_loads(cls, path: Path) -> Path:
        try:
            load_routing(path)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return path

    @model_validator(mode="after")
    def _mailbox_configured(self) -> MailTriageParams:
        """Refused before a run is opened: without a mailbox nothing can be done."""
        from bots.settings import get_settings

        imap = get_settings().mail.imap
        missing = [name for name, value in (("HOST", imap.host), ("USERNAME", imap.username))
                   if not value]
        if imap.password is None and imap.oauth2_token is None:
            missing.append("PASSWORD (or OAUTH2_TOKEN)")
        if missing:
            raise ValueError("no mailbox to triage: set " + ", ".join(
                f"RPA_MAIL__IMAP__{name}" for name in missing))
        return self


@recipe(queue=MAIL)
def mail_triage(run: Run, params: MailTriageParams) -> dict[str, Any]:
    """Screen, classify, prioritise, route and answer the customer mailbox's new mail."""
    settings = run.settings
    routing = load_routing(params.routing)
    folders = settings.mail.imap.folders
    queue = run.queue()
    tally = Tally()
    summary: dict[str, Any] = {}
    with open_mailbox(settings.mail.imap) as box:
        with run.step("refile"):  # finished by a run cut short, not yet moved
            refiled = file_settled(run, box, queue, folders, routing.folder("review"))
            summary["filed_before"] = sum(refiled.moved.values())
        if params.fetch:
            with run.step("intake"):
                intake = take_in(run, box, queue, folders, _understanding(run),
                                 batch=settings.mail.fetch_batch, limit=params.max_mails)
                summary.update(fetched=intake.fetched, queued=intake.queued,
                               already_known=intake.known, intake=dict(intake.kinds))
    with run.step("triage"):
        credits = CreditRequests(params.credit_requests
                                 or settings.data_dir / "mail" / "credit_requests.csv")
        triager = Triager(run, routing, templates_for(settings, MESSAGES), credits,
                          settings, tally)
        report = run.work(handler=triager, lanes=1, batch=50)
        summary["worked"] = report.done
    # a connection of its own: the triage may outlast the server's idle timeout, or a
    # restart of the server, and the mail it finished must still be filed
    with open_mailbox(settings.mail.imap) as box, run.step("file"):
        filing = file_settled(run, box, queue, folders, routing.folder("review"))
        summary["filed"] = dict(filing.moved)
    counts = tally.as_dict()
    reviews = counts.get("action", {}).get("review", 0)
    if reviews:
        run.count(TO_REVIEW, reviews)
    summary.update(counts)
    run.log.info("mail triage: {}", summary)
    filing.check()  # a folder the server refused: the run fails, after the new mail is done
    return summary


def _understanding(run: Run) -> Understanding:
    from email.utils import parseaddr

    from bots.mail.understand import load_reader

    mail = run.settings.mail
    reader = load_reader(mail.model, mail.rules, mail.customers)
    ours = {parseaddr(run.settings.outbox.sender)[1].lower(),
            *(a.lower() for a in mail.our_addresses)}
    return Understanding(
        limits=Limits(max_bytes=mail.max_bytes, attachment_max_bytes=mail.attachment_max_bytes),
        ours=Ours(frozenset(a for a in ours if a), re.compile(r"\bM-[0-9A-F]{10}\b")),
        read=reader.read, read_many=_batch_reader(reader), now=run.clock.now,
        default_language=run.settings.outbox.default_locale)


def _batch_reader(reader: Any) -> Any:
    from bots.mail.understand import MailToRead

    def read_many(asked: list[tuple[Any, ...]], now: Any) -> Any:
        return reader.read_many([MailToRead(*entry) for entry in asked], now)

    return read_many if hasattr(reader, "read_many") else None
