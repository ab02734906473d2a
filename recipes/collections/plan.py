"""What a day of collections does to each account, decided from the portal's book and the
evidence in the store; pure, so a test can ask it directly.

For each open invoice, with days late counted after the contract's grace days:
- an open dispute stops everything on it; an open promise (its date not passed) stops
  letters and suspension; a balance below the policy's minimum is not chased;
- its level is the last one whose days it has reached, one further per broken promise;
  the level's action is taken once (a letter: once per level per invoice);
- a charge when an unexpired authorisation covers it: through an approval when the amount
  is at least `approval.charge_from`, a soft decline retried per `charges.retry_days`, a
  hard decline never;
- the call list: an invoice at a call level is listed once per level, or again every
  `call_list.relist_days` days while it stays there (the policy says which);
- a suspension is requested (never applied without another person's approval) when the
  level says so, the contract allows it and the invoice is late past its
  `suspend_after_days`; an approved one is applied while the invoice is still open.
A suspended account with nothing overdue is reactivated. A charge or suspension still
waiting for an invoice that is no longer open (paid) is withdrawn (`withdraw_settled`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from recipes.collections.book import Account, OpenInvoice
from recipes.collections.evidence import WAITING, Evidence
from recipes.collections.policy import Action, CollectionsPolicy

LETTER, PAYMENT, CHARGE, SERVICE = 30, 50, 20, 10  # priorities: payments first


@dataclass
class Plan:
    items: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)
    call_list: list[dict[str, Any]] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)  # why invoices were not chased

    def hold(self, why: str) -> None:
        self.held[why] = self.held.get(why, 0) + 1


def plan_day(book: dict[str, Account], policy: CollectionsPolicy, evidence: Evidence,
             today: date) -> Plan:
    plan = Plan()
    disputes = evidence.open_disputes()
    promised = {p.invoice for p in evidence.promises()
                if p.state == "open" and p.promised_on >= today}
    bumps = evidence.bumps()
    listed = evidence.listings()
    for account in book.values():
        for invoice in account.invoices:
            if invoice.id in disputes:
                plan.hold("disputed")
                continue
            if invoice.balance < policy.minimum:
                plan.hold("below_minimum")
                continue
            _charge(plan, account, invoice, policy, evidence, today)
            if invoice.id in promised:
                plan.hold("promised")
                continue
            _level(plan, account, invoice, policy, evidence, today, bumps.get(invoice.id, 0),
                   listed)
    plan_reactivations(plan, book, evidence, today)
    return plan


def _level(plan: Plan, account: Account, invoice: OpenInvoice, policy: CollectionsPolicy,
           evidence: Evidence, today: date, bumps: int,
           listed: dict[tuple[str, str], list[date]]) -> None:
    late = invoice.days_past_due(today) - account.grace_days
    index = policy.level_index(late, bumps)
    if index is None:
        return
    level = policy.levels[index]
    if level.action.is_letter:
        plan.items.append((f"letter:{invoice.id}:{level.name}", {
            "kind": "letter", "level": level.name, "action": str(level.action),
            "channel": str(level.channel), "customer": account.id, "name": account.name,
            "email": account.email, "phone": account.phone, "language": account.language,
            "invoice": invoice.id, "balance": str(invoice.balance), "due": invoice.due.isoformat(),
        }, LETTER))
    elif level.action is Action.CALL_LIST:
        days = listed.get((invoice.id, level.name), [])
        last = max((d for d in days if d < today), default=None)
        # listed today already (a resumed run): listed again, the same list
        if today not in days and not policy.call_list.due(last, today):
            plan.hold("called_recently")
            return
        plan.call_list.append({
            "customer": account.id, "name": account.name, "phone": account.phone,
            "language": account.language, "invoice": invoice.id, "due": invoice.due,
            "days_late": late, "balance": invoice.balance, "level": level.name,
            "listed_before": last})
    elif level.action is Action.SUSPENSION_REQUEST:
        _suspension(plan, account, invoice, policy, evidence, today, late)


def _suspension(plan: Plan, account: Account, invoice: OpenInvoice, policy: CollectionsPolicy,
                evidence: Evidence, today: date, late: int) -> None:
    if not account.suspension_allowed:
        plan.hold("suspension_not_in_contract")
        return
    if late < account.suspend_after_days:
        plan.hold("suspension_not_yet")
        return
    request_id = f"SUS-{account.id}-{invoice.id}"
    request = evidence.request(request_id)
    if request is None and not account.suspended:
        evidence.ask(request_id=request_id, kind="suspension", customer=account.id,
                     invoice=invoice.id, amount=invoice.balance,
                     requested_by=policy.approval.requester, today=today, needs_approval=True)
    elif request is not None and request.state == "approved" and not account.suspended:
        plan.items.append((f"suspend:{request_id}", {
            "kind": "suspend", "request": request_id, "customer": account.id,
            "invoice": invoice.id, "reason": f"invoice {invoice.id} unpaid, {late} days late"},
            SERVICE))


def _charge(plan: Plan, account: Account, invoice: OpenInvoice, policy: CollectionsPolicy,
            evidence: Evidence, today: date) -> None:
    if invoice.days_past_due(today) < 0:
        return
    auth = evidence.authorisation(account.id, invoice.id, today, invoice.balance)
    if auth is None:
        return  # none, expired, or none allowing this much
    request_id = f"CHG-{invoice.id}"
    request = evidence.request(request_id)
    if request is None:
        evidence.ask(request_id=request_id, kind="charge", customer=account.id,
                     invoice=invoice.id, amount=invoice.balance,
                     requested_by=policy.approval.requester, today=today,
                     needs_approval=invoice.balance >= policy.approval.charge_from)
        request = evidence.request(request_id)
    if request.state != "approved":
        return  # awaiting approval, done, or declined for good
    if request.attempts:
        due = policy.next_retry(request.attempts, request.last_attempt_on)
        if due is None:
            evidence.update_request(request_id, "collections.charge_retries_exhausted",
                                    state="declined")
            return
        if today < due:
            return
    method = account.debit_method if auth.method == "debit" else account.card_method
    plan.items.append((f"charge:{invoice.id}:{request.attempts + 1}", {
        "kind": "charge", "request": request_id, "customer": account.id, "invoice": invoice.id,
        "amount": str(invoice.balance), "method_id": method, "authorisation": auth.reference,
        "authorisation_channel": auth.channel}, CHARGE))


def withdraw_settled(book: dict[str, Account], evidence: Evidence) -> int:
    """Charges and suspensions still waiting for an invoice the portal no longer shows open
    (paid: by the bank, a charge, or at the counter) are withdrawn, so nobody approves or
    applies them; how many."""
    open_invoices = {i.id for a in book.values() for i in a.invoices}
    return sum(evidence.withdraw(r.id, f"invoice {r.invoice} is no longer open (paid)")
               for r in evidence.requests()
               if r.state in WAITING and r.invoice not in open_invoices)


def plan_reactivations(plan: Plan, book: dict[str, Account], evidence: Evidence,
                       today: date) -> None:
    for account in book.values():
        if not account.suspended or account.overdue(today):
            continue
        done = [r for r in evidence.requests(kind="suspension", state="done")
                if r.customer == account.id]
        if not done:
            plan.hold("suspended_elsewhere")  # suspended by a person, not by us: theirs to lift
            continue
        request_id = done[-1].id
        plan.items.append((f"reactivate:{request_id}", {
            "kind": "reactivate", "request": request_id, "customer": account.id,
            "reason": "debt paid"}, SERVICE))
