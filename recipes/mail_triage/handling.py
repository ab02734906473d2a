"""Acting on one triaged mail: route it, tell the customer, say where it is to be filed.

Per item (the payload holds what intake understood):

    screened   nothing is sent; filed to Screened (Spam for spam)
    refused    (too large, unreadable, no sender) or read with too little confidence:
               review; the customer, when there is an address, is told a person will answer
    read       the category's route: a work item in another recipe's queue (key
               mail:<sha256(Message-ID)[:24]>, the contract's payload), a credit request
               row awaiting approval, a forward to a department mailbox, or an answer
               from the template; then one acknowledgement, threaded, in their language

Every side effect is exactly once: the downstream item and the messages are staged on the
item (`item.hand_over`, `item.notify`) and written with the outcome that causes them, in
one transaction; the credit request's case reference is checked before writing. The item's
output says which folder the mail belongs in; `filing` moves it there once settled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bots import Run, WorkItem, audit
from bots.errors import BusinessError
from bots.settings import Settings
from connectors.outbound import Thread, compose_mail
from recipes.mail_triage.credit_requests import CreditRequests
from recipes.mail_triage.routing import Action, Route, Routing

ACK = "mail_ack"
FORWARD = "mail_forward"
NEXT_BY_QUEUE = {"order_requests": "orders", "collections_inbox": "collections"}
NEXT_BY_CATEGORY = {"billing_enquiry": "billing", "complaint": "complaints"}


@dataclass(frozen=True)
class Decision:
    action: str  # an Action value, or "screened"
    folder: str
    next: str | None  # what the acknowledgement says happens next; None: no answer
    route: Route | None = None


def decide(payload: dict[str, Any], routing: Routing) -> Decision:
    outcome = payload.get("outcome")
    if outcome == "screened":
        kind = payload["screen"]["kind"]
        return Decision("screened", routing.folder("spam" if kind == "spam" else "screened"),
                        None)
    reading = payload.get("reading") or {}
    if outcome != "read" or reading.get("needs_review"):
        return Decision(Action.REVIEW.value, routing.folder("review"),
                        "review" if payload.get("from") else None)
    route = routing.route(reading["category"])
    if route.action is Action.QUEUE:
        next_step = NEXT_BY_QUEUE.get(route.queue, "forward")
    elif route.action is Action.REQUEST:
        next_step = "credit"
    elif route.action is Action.FORWARD:
        next_step = NEXT_BY_CATEGORY.get(route.category, "forward")
    elif route.action is Action.ANSWER:
        next_step = "answer"
    else:
        next_step = "review"
    return Decision(route.action.value, routing.folder(route.folder_key), next_step, route)


def downstream_key(item_key: str) -> str:
    return f"mail:{item_key}"


def downstream_payload(payload: dict[str, Any], route: Route) -> dict[str, Any]:
    """The contract between recipes: what a routed mail's work item holds."""
    reading = payload["reading"]
    return {"source": "mail", "message_id": payload["message_id"], "case": payload["case"],
            "received_at": payload["received_at"], "from": payload["from"],
            "language": reading["language"], "category": reading["category"],
            "kind": route.kind, "subject": payload["subject"], "text": payload["text"][:4000],
            "facts": reading["facts"]}


@dataclass
class Tally:
    """Counts for the summary, by what each mail was and what was done."""

    by: dict[str, Counter[str]] = field(default_factory=lambda: {
        k: Counter() for k in ("category", "priority", "language", "action", "folder")})

    def add(self, output: dict[str, Any]) -> None:  # from `settled`: one call at a time
        for name, counter in self.by.items():
            value = output.get(name)
            if value is not None:
                counter[str(value)] += 1

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: dict(sorted(c.items())) for name, c in self.by.items() if c}


def priority_band(priority: int) -> str:
    return "urgent" if priority >= 50 else "high" if priority >= 10 else "normal" \
        if priority >= 0 else "low"


class Triager:
    """The lane's handler (`run.work`): act on the item, stage the messages."""

    def __init__(self, run: Run, routing: Routing, templates: Any, credits: CreditRequests,
                 settings: Settings, tally: Tally) -> None:
        self.run, self.routing, self.templates = run, routing, templates
        self.credits, self.settings, self.tally = credits, settings, tally

    def work(self, item: WorkItem) -> None:
        payload = item.payload
        decision = decide(payload, self.routing)
        output: dict[str, Any] = {
            "case": payload["case"], "action": decision.action, "folder": decision.folder,
            "language": payload.get("language"), "outcome": payload.get("outcome"),
            "priority": priority_band(item.priority)}
        reading = payload.get("reading") or {}
        if reading:
            output.update(category=reading["category"], confidence=reading["confidence"])
            if decision.action == Action.REVIEW.value:
                output["suggestions"] = reading.get("suggestions")
        if payload.get("outcome") == "screened":
            output["screened"] = payload["screen"]["kind"]
            output["category"] = "screened"
        if payload.get("refused"):
            output["refused"] = payload["refused"]
        route = decision.route
        if route is not None and route.action is Action.QUEUE:
            key = downstream_key(item.key)
            item.hand_over(route.queue, key, downstream_payload(payload, route),
                           priority=item.priority)
            output["downstream"] = f"{route.queue}/{key}"
        elif route is not None and route.action is Action.REQUEST:
            if self.credits.add(payload["case"], payload):
                self._audit_credit(item, payload)
            output["downstream"] = f"credit requests file {self.credits.path.name}"
        elif route is not None and route.action is Action.FORWARD:
            item.notify(self._forward(payload, route))
            output["forwarded_to"] = route.to
        if decision.next is not None:
            try:
                item.notify(self._ack(payload, decision.next))
                output["answered"] = True
            except BusinessError as exc:  # an address no relay would take: a person looks
                output.update(action=Action.REVIEW.value, folder=self.routing.folder("review"),
                              answered=False, refused=str(exc))
        item.output = output

    def settled(self, item: WorkItem) -> None:
        if item.output is not None:
            self.tally.add(item.output)

    def _audit_credit(self, item: WorkItem, payload: dict[str, Any]) -> None:
        facts = (payload.get("reading") or {}).get("facts") or {}
        with self.run.engine.begin() as conn:
            audit.append(conn, ts=self.run.clock.now(), actor=f"bot:{self.run.recipe}",
                         action="mail.credit_requested", subject=item.subject,
                         data={"run_id": self.run.id, "case": payload["case"],
                               "file": str(self.credits.path),
                               "invoice": facts.get("invoice", [])[:1],
                               "amount": facts.get("amount", [])[:1]})

    def _ack(self, payload: dict[str, Any], next_step: str) -> Any:
        outbox = self.settings.outbox
        thread = Thread(message_id=payload["message_id"], subject=payload["subject"] or "",
                        our_address=outbox.sender, references=tuple(payload.get("references", ())))
        return compose_mail(
            self.templates, case=payload["case"], template=ACK, step="received",
            to=payload["from"], context={"customer_name": payload.get("from_name", ""),
                                         "next": next_step},
            locale=payload.get("language") or outbox.default_locale, sender=outbox.sender,
            now=self.run.clock.now(), thread=thread, tz=self.settings.timezone)

    def _forward(self, payload: dict[str, Any], route: Route) -> Any:
        outbox = self.settings.outbox
        reading = payload["reading"]
        facts = {k: v for k, v in (reading.get("facts") or {}).items() if v}
        context = {"category": reading["category"], "subject": payload["subject"],
                   "sender": payload["from"], "received_at": payload["received_at"],
                   "language": reading["language"], "priority": reading.get("priority", ""),
                   "facts": ", ".join(f"{k}: {' '.join(v)}" for k, v in facts.items()),
                   "text": payload["text"]}
        # a department is not a customer: each forward is its own rate-limit bucket
        return compose_mail(
            self.templates, case=payload["case"], template=FORWARD, step="forwarded",
            to=route.to, context=context, locale=outbox.default_locale, sender=outbox.sender,
            now=self.run.clock.now(), customer=f"{route.to}#{payload['case']}",
            tz=self.settings.timezone)
