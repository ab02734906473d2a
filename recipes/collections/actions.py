"""The actions of a collections run, as items of the queue `collections`, each exactly once.

    letter:<invoice>:<level>       the level's letter, staged on the item (the outbox's key
                                   keeps one per level per invoice)
    pay:<bank reference>           a payment received, recorded on the portal's invoice
    charge:<invoice>:<n>           the n-th try to charge an authorised invoice
    suspend:<request>              an approved suspension
    reactivate:<request>           the service back once the debt is paid

Check before act: every portal action carries its item's request reference (a payment:
the bank reference), and the portal's search by it says whether it was done already;
found, the item is completed from what the portal shows and nothing is submitted again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bots import BusinessError, Outcome, WorkItem
from connectors.portal.accounts import AccountsPortal, Action
from recipes.collections.evidence import Evidence
from recipes.collections.letters import Letters
from recipes.collections.policy import CollectionsPolicy


def reference_of(item: WorkItem) -> str:
    """What the portal files the item's action under (at most 200 characters)."""
    kind, _, rest = item.key.partition(":")
    return rest if kind == "pay" else item.key.replace(":", "/")


class Acting:
    """The handler of the queue `collections` (one lane, the run's portal)."""

    def __init__(self, portal: AccountsPortal, evidence: Evidence, letters: Letters,
                 policy: CollectionsPolicy, today: date) -> None:
        self.portal, self.evidence, self.letters = portal, evidence, letters
        self.policy, self.today = policy, today
        self.done: list[dict[str, Any]] = []  # what this run did, for the workbook

    def settled(self, item: WorkItem) -> None:
        if item.outcome not in (Outcome.DONE, Outcome.FOUND_DONE):
            return
        p, output = item.payload, item.output or {}
        self.done.append({
            "key": item.key, "kind": p["kind"], "customer": p["customer"],
            "invoice": p.get("invoice", ""), "reference": output.get("reference", ""),
            "status": output.get("status", "") or output.get("channel", ""),
            "decline_code": output.get("decline_code", ""),
            "amount": int(Decimal(p["amount"]).scaleb(2)) if p.get("amount") else 0})

    def check(self, item: WorkItem) -> dict[str, Any] | None:
        if item.payload["kind"] == "letter":
            return None  # done and its letter are one transaction: nothing to look up
        found = self.portal.find(reference_of(item))
        if not found:
            return None
        if len(found) > 1:
            raise BusinessError(f"{item.key} is in the portal {len(found)} times: "
                                f"{', '.join(a.reference for a in found)}",
                                reason="acted_more_than_once")
        item.log.info("already in the portal as {}: not submitted again", found[0].reference)
        return self._record(item, found[0], found_in_portal=True)

    def work(self, item: WorkItem) -> None:
        p = item.payload
        kind = p["kind"]
        if kind == "letter":
            item.notify(self.letters.letter(p, self.evidence.clock.now()))
            item.output = {"letter": p["level"], "channel": p["channel"], "invoice": p["invoice"]}
            return
        key, common = reference_of(item), dict(before_submit=item.ensure_lease,
                                              subject=item.subject)
        amount = Decimal(p.get("amount", "0"))
        if kind == "pay":
            done = self.portal.payment({"account_id": p["customer"], "invoice_id": p["invoice"],
                                        "amount": amount, "bank_reference": key}, key=key,
                                       **common)
        elif kind == "charge":
            auth = self.evidence.authorisation(p["customer"], p["invoice"], self.today, amount)
            if auth is None or auth.reference != p["authorisation"]:
                raise BusinessError(f"{item.key}: no unexpired authorisation "
                                    f"{p['authorisation']} today", reason="not_authorised")
            if not p["method_id"]:
                raise BusinessError(f"{item.key}: the account has no {auth.method} to charge",
                                    reason="no_payment_method")
            done = self.portal.charge({
                "account_id": p["customer"], "invoice_id": p["invoice"],
                "method_id": p["method_id"], "amount": amount,
                "authorisation_reference": p["authorisation"], "request_reference": key},
                key=key, **common)
        else:
            done = self.portal.service({"account_id": p["customer"], "operation": kind,
                                        "reason": p["reason"], "request_reference": key},
                                       key=key, **common)
        item.output = self._record(item, done, found_in_portal=False)

    def _record(self, item: WorkItem, done: Action, *, found_in_portal: bool) -> dict[str, Any]:
        """What the portal did, into the store (idempotent: a found action records the same)."""
        p = item.payload
        if p["kind"] == "pay":
            self.evidence.payment(bank_reference=reference_of(item), customer=p["customer"],
                                  invoice=p["invoice"], amount=Decimal(p["amount"]),
                                  booked_on=date.fromisoformat(p["booked"]), seen_on=self.today)
        elif p["kind"] == "charge":
            n = int(item.key.rsplit(":", 1)[1])
            state = "done" if done.status == "approved" else (
                "declined" if done.decline_code not in self.policy.charges.soft_declines
                else "approved")
            self.evidence.update_request(p["request"], f"collections.charge_{done.status}",
                                         attempts=n, last_attempt_on=self.today,
                                         last_decline=done.decline_code, state=state,
                                         note=done.reference)
        elif p["kind"] == "suspend":
            self.evidence.update_request(p["request"], "collections.suspended", state="done",
                                         note=done.reference)
        elif p["kind"] == "reactivate":
            self.evidence.update_request(p["request"], "collections.reactivated",
                                         state="reactivated", note=done.reference)
        return {"reference": done.reference, "status": done.status,
                "decline_code": done.decline_code, "amount": p.get("amount"),
                "invoice": p.get("invoice"), "customer": p["customer"],
                "found_in_portal": found_in_portal}
