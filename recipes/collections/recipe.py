"""Collections, run daily: chase unpaid invoices by the policy, exactly once.

    runner.py run collections [-p bank=statement.csv] [-p call_sheet=calls.xlsx]
        [-p approvals=approvals.csv] [-p policy=my_policy.toml]

Steps: book (the portal's export of open invoices) -> intake (the agents' call sheet
into `collections_inbox`, and that queue worked: mail triage's and the sheet's
authorisations, promises and disputes recorded as evidence; so are the authorisations
customers gave on the portal, from its export: `consents.py`) -> payments (the bank
statement matched by the reconciliation engine, partial payments too; each payment
recorded on the portal's invoice; requests waiting for an invoice now paid withdrawn) ->
promises (kept or broken, FIFO against payments) -> approvals (four eyes) -> act (letters,
charges, suspensions, reactivations: `actions.py`, decided by `plan.py`; the call list
recorded) -> report (the collections workbook and the call list).

"Today" is the run's clock in the settings' time zone, so a test drives 60 days with an
injected clock. A resumed run (after a kill) decides again from the portal and the store
and finds its earlier actions there (check before act).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bots import TO_REVIEW, Queue, RetryPolicy, Run, recipe
from bots.errors import UsageError
from bots.people import staff_directory
from connectors.portal import KeyMode
from connectors.portal.accounts import AccountsPortal, open_accounts_portal
from recipes.collections.actions import Acting
from recipes.collections.approvals import apply_decisions, read_decisions
from recipes.collections.book import Account, read_book
from recipes.collections.consents import read_consents, record_consents
from recipes.collections.evidence import Evidence
from recipes.collections.inbox import Inbox, call_items
from recipes.collections.letters import Letters
from recipes.collections.payments import match_payments, read_bank
from recipes.collections.plan import (
    PAYMENT,
    Plan,
    plan_day,
    plan_reactivations,
    withdraw_settled,
)
from recipes.collections.policy import DEFAULT_POLICY_FILE, CollectionsPolicy, load_policy
from recipes.collections.promises import settle_promises
from recipes.collections.report import write_call_list, write_workbook

_RETRY = RetryPolicy(attempts=3, initial=timedelta(seconds=1), maximum=timedelta(seconds=30))
ACTIONS = Queue("collections", lease=timedelta(seconds=60), retry=_RETRY)
INBOX = Queue("collections_inbox", lease=timedelta(seconds=60), retry=_RETRY)


class CollectionsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bank: Path | None = Field(default=None, description="bank statement CSV/xlsx (payments)")
    call_sheet: Path | None = Field(default=None, description="the agents' call sheet (xlsx)")
    approvals: Path | None = Field(default=None, description="approvals of suspensions and "
                                   "large charges (request, approver, decision)")
    policy: Path = Field(default=DEFAULT_POLICY_FILE, description="the policy (TOML)")
    portal_map: str = Field(default="demo", description="a map name or a .toml path")
    mode: KeyMode = Field(default=KeyMode.REQUEST, description="request: forms posted "
                          "through the browser context's HTTP client; ui: filled in the page")

    @field_validator("policy")
    @classmethod
    def _policy_loads(cls, path: Path) -> Path:
        try:
            load_policy(path)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        return path

    @field_validator("bank", "call_sheet", "approvals")
    @classmethod
    def _file_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path} is not a file")
        return path


@recipe(queue=ACTIONS)
def collections(run: Run, params: CollectionsParams) -> dict[str, Any]:
    """Chase unpaid invoices by the collections policy: letters, charges, suspensions."""
    policy = load_policy(params.policy)
    today = run.clock.now().astimezone(ZoneInfo(run.settings.timezone)).date()
    evidence = Evidence(run.engine, run.clock, f"bot:{run.recipe}")
    letters = Letters.from_settings(run.settings)
    summary: dict[str, Any] = {"day": today.isoformat()}
    with run.step("read"):  # every input file whole before anything is done
        lines = read_bank(params.bank) if params.bank is not None else None
        decisions = read_decisions(params.approvals) if params.approvals is not None else None
        calls = call_items(params.call_sheet) if params.call_sheet is not None else None
    with open_accounts_portal(run, params.portal_map, mode=params.mode) as portal:
        with run.step("book"):
            book = _book(run, portal, "open_invoices.csv")
        with run.step("intake"):
            summary["inbox"] = _intake(run, calls, params, evidence, policy, book, letters)
            consents, problems = read_consents(
                portal.export_authorisations(run.artifact_path("authorisations.csv")))
            run.reject(problems, source="portal authorisations")
            summary["portal_authorisations"] = record_consents(consents, evidence, policy)
        acting = Acting(portal, evidence, letters, policy, today)
        unmatched: list[dict[str, Any]] = []
        with run.step("payments"):
            if lines is not None:
                seen = {p.bank_reference for p in evidence.payments()}  # a statement fed twice
                received, unmatched = match_payments(
                    book, [line for line in lines if line.reference not in seen])
                run.queue(ACTIONS).put_many(
                    (f"pay:{r.bank_reference}", {
                        "kind": "pay", "customer": r.customer, "invoice": r.invoice,
                        "amount": str(r.amount), "booked": r.booked.isoformat()}, PAYMENT)
                    for r in received)
                run.count(TO_REVIEW, len(unmatched))
            run.work(ACTIONS, acting)
            book = _book(run, portal, "open_invoices_after_payments.csv")
            withdrawn = withdraw_settled(book, evidence)
        with run.step("promises"):
            summary["promises"] = settle_promises(evidence, today)
        if decisions is not None:
            with run.step("approvals"):
                summary["approvals"] = apply_decisions(decisions, evidence, staff_directory(),
                                                       today)
        with run.step("act"):
            # charges first: an invoice a charge pays today gets no letter today
            charges = plan_day(book, policy, evidence, today)
            _act(run, Plan([i for i in charges.items if i[1]["kind"] == "charge"]), acting)
            book = _book(run, portal, "open_invoices_after_charges.csv")
            withdrawn += withdraw_settled(book, evidence)
            plan = plan_day(book, policy, evidence, today)
            evidence.listed(plan.call_list, today)
            _act(run, plan, acting)
            book = _book(run, portal, "open_invoices_after.csv")
            again = Plan()
            plan_reactivations(again, book, evidence, today)  # accounts a charge just paid
            if again.items:
                _act(run, again, acting)
                book = _book(run, portal, "open_invoices_after.csv")
            summary["withdrawn"] = withdrawn + withdraw_settled(book, evidence)
        with run.step("report"):
            summary.update(_report(run, today, book, policy, evidence, acting, unmatched, plan))
    return summary


def _book(run: Run, portal: AccountsPortal, name: str) -> dict[str, Account]:
    return read_book(portal.export_open_invoices(run.artifact_path(name)))


def _intake(run: Run, calls: tuple[list[Any], Any] | None, params: CollectionsParams,
            evidence: Evidence, policy: CollectionsPolicy, book: dict[str, Account],
            letters: Letters) -> dict[str, int]:
    inbox = run.queue(INBOX)
    if calls is not None:
        items, rows = calls
        inbox.put_many(items)
        run.reject(rows.problems, source=str(params.call_sheet))
    report = run.work(INBOX, Inbox(evidence, policy, book, letters, f"bot:{run.recipe}"))
    return report.outcomes


def _act(run: Run, plan: Plan, acting: Acting) -> None:
    run.queue(ACTIONS).put_many(plan.items)
    run.work(ACTIONS, acting)


def _report(run: Run, today: date, book: dict[str, Account], policy: CollectionsPolicy,
            evidence: Evidence, acting: Acting, unmatched: list[dict[str, Any]],
            plan: Plan) -> dict[str, Any]:
    workbook = write_workbook(run.artifact_path("collections.xlsx"), today=today, book=book,
                              policy=policy, evidence=evidence, actions=acting.done,
                              unmatched=unmatched)
    run.add_artifact(workbook)
    calls = write_call_list(run.artifact_path("call_list.xlsx"), plan.call_list)
    run.add_artifact(calls)
    kinds: dict[str, int] = {}
    for row in acting.done:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return {"actions": kinds, "call_list": len(plan.call_list), "held": plan.held,
            "unmatched_payments": len(unmatched),
            "awaiting_approval": len(evidence.requests(state="awaiting_approval"))}
