"""One order request as a work item: check before act, decide, key once, tell.

    check(item)  the order's History tab lists what was keyed under the request id: found,
                 the item is done without acting (its customer told from what the portal
                 shows). A crash between the portal's save and the store's record ends here.
    work(item)   the order as the portal shows it now (state, lines, delivered and
                 returned quantities, each line's return deadline) -> `rules.plan`: keyed
                 through the plan's action screen, or refused with a reason; a too-late
                 cancellation becomes a return offer. The customer's mail is staged on the
                 item, so it reaches the outbox with the outcome, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bots import BusinessError, WorkItem
from connectors.portal import AuditHook, PortalRejected
from recipes.order_requests.notify import TOLD_REFUSALS, CustomerNotice
from recipes.order_requests.requests import MAIL_KINDS, Kind, OrderRequest, parse_day
from recipes.order_requests.rules import Limits, Order, Plan, Refused, Verdict, plan
from recipes.order_requests.screens import Done, OrderScreens

SLOT_TRIES = 3  # slots read again after the portal says the chosen one filled meanwhile
FORM_OF_ACTION = {"CANCELLED": "order_cancel", "RETURN": "order_return",
                  "RETURN OFFERED": "order_return_offer", "ADDRESS CHANGED": "order_address",
                  "SLOT BOOKED": "order_slot"}


@dataclass
class OrderRequests:
    """The lane's handler for `run.work`."""

    screens: OrderScreens
    limits: Limits
    notice: CustomerNotice
    today: Callable[[], date] = date.today
    audit: AuditHook | None = None  # each decision into the run's audit chain
    seen: list[str] | None = None  # the keys claimed, for the run's workbooks

    def check(self, item: WorkItem) -> dict[str, Any] | None:
        if self.seen is not None:
            self.seen.append(item.key)
        try:
            request = OrderRequest.from_payload(item.payload, item.key)
        except (BusinessError, ValueError):
            return None  # work() refuses it, with its reason
        order = self.screens.order(request.order_id) if request.order_id else None
        if order is None:
            return None
        try:
            request = for_order(request, order)
        except BusinessError:
            return None  # work() sends it to review
        done = self.screens.done(item.key, request.order_id)
        if not done:
            return None
        if len(done) > 1:
            raise BusinessError(f"{item.key} shows {len(done)} times in the history of "
                                f"{request.order_id}: {', '.join(d.reference for d in done)}",
                                reason="applied_more_than_once")
        output = found_output(request, done[0])
        self._tell(item, request, output)
        item.log.info("{} already keyed as {}: nothing done again", item.key, done[0].reference)
        return output

    def work(self, item: WorkItem) -> None:
        request = self._request(item)
        for attempt in range(1, SLOT_TRIES + 1):
            request, chosen = self._decide(item, request)
            try:
                reference = self.screens.apply(chosen, item)
                break
            except PortalRejected as exc:
                # Someone booked the slot's last place between our read and our submit:
                # the slots are read again and the next free one chosen (or slot_full).
                if request.kind is not Kind.SLOT or "slot_id" not in exc.field_errors \
                        or attempt == SLOT_TRIES:
                    raise
                item.log.info("{}: {}; choosing again", item.key, exc.field_errors["slot_id"])
        item.output = applied_output(request, chosen, reference)
        self._tell(item, request, item.output)
        item.log.info("{} {} on {}: {}", item.key, chosen.decision.form, request.order_id,
                      reference)

    def _decide(self, item: WorkItem, request: OrderRequest) -> tuple[OrderRequest, Plan]:
        """The order as the portal shows it now, and what to do to it; a refusal is told
        to the customer (with the business exception) and raised."""
        try:
            if not request.order_id:
                raise Refused(f"{item.key}: no order number", "no_order_number")
            order = self.screens.order(request.order_id)
            if order is None:
                raise Refused(f"{item.key}: order {request.order_id} does not exist",
                              "unknown_order")
            request = for_order(request, order)
            slots = self.screens.slots(order.id) if request.kind is Kind.SLOT else ()
            chosen = plan(request, order, self.limits, self.today(), slots)
        except BusinessError as exc:
            self._decided(item, request, "refused", reason=exc.reason or "")
            self._refuse(item, request, exc)
            raise
        self._decided(item, request, str(chosen.decision.verdict), state=order.state,
                      form=chosen.decision.form, refund=str(chosen.refund))
        return request, chosen

    def _decided(self, item: WorkItem, request: OrderRequest, verdict: str,
                 **data: str) -> None:
        if self.audit is not None:
            self.audit("order.decided", item.subject, {
                "request": item.key, "kind": str(request.kind), "order": request.order_id,
                "verdict": verdict, **data})

    def _request(self, item: WorkItem) -> OrderRequest:
        try:
            return OrderRequest.from_payload(item.payload, item.key)
        except BusinessError as exc:
            self._refuse(item, fallback_request(item.payload, item.key), exc)
            raise
        except ValueError as exc:
            raise BusinessError(f"{item.key}: not a valid request: {exc}",
                                reason="invalid_request") from None

    def _refuse(self, item: WorkItem, request: OrderRequest | None, exc: BusinessError) -> None:
        if request is None or exc.reason not in TOLD_REFUSALS:
            return
        message = self.notice.message(request, "refused", reason=exc.reason or "")
        if message is not None:
            item.notify(message, on_refusal=True)

    def _tell(self, item: WorkItem, request: OrderRequest, output: dict[str, Any]) -> None:
        message = self.notice.message(request, output["outcome"], reference=output["reference"],
                                      facts=output.get("facts"),
                                      refund=_decimal(output.get("refund")))
        if message is not None:
            item.notify(message)


def for_order(request: OrderRequest, order: Order) -> OrderRequest:
    """A mail must come from the order's customer (anyone can write a mail); a sheet row
    without an address is answered at the one the portal holds."""
    if request.source == "mail":
        if not order.email or _mailbox(request.customer_email) != _mailbox(order.email):
            raise BusinessError(f"{request.request_id}: {request.customer_email} is not the "
                                f"customer of {order.id}", reason="sender_not_customer")
        return request
    if not request.customer_email and order.email:
        return request.model_copy(update={"customer_email": order.email})
    return request


def _mailbox(address: str) -> str:
    from email.utils import parseaddr

    return parseaddr(address)[1].strip().casefold()


def applied_output(request: OrderRequest, chosen: Plan, reference: str) -> dict[str, Any]:
    converted = chosen.decision.verdict is Verdict.CONVERTED
    return {"request_id": request.request_id, "source": request.source,
            "kind": str(request.kind), "order_id": request.order_id,
            "outcome": "converted" if converted else "done", "form": chosen.decision.form,
            "reference": reference, "refund": str(chosen.refund) if chosen.refund else "",
            "facts": chosen.facts, "found_in_portal": False}


def found_output(request: OrderRequest, done: Done) -> dict[str, Any]:
    form = FORM_OF_ACTION.get(done.action, "order_incident")
    facts: dict[str, Any] = {}
    if form == "order_slot":
        day, _, window = done.detail.partition(" ")
        facts = {"slot_day": parse_day(day).isoformat(), "slot_window": window}
    elif form == "order_address":
        facts = {"address": request.address}
    return {"request_id": request.request_id, "source": request.source,
            "kind": str(request.kind), "order_id": request.order_id,
            "outcome": "converted" if form == "order_return_offer" else "done", "form": form,
            "reference": done.reference, "refund": "", "facts": facts,
            "found_in_portal": True}


def fallback_request(payload: dict[str, Any], key: str) -> OrderRequest | None:
    """A mail item that is no valid request still names whom to answer, and how."""
    if payload.get("source") != "mail" or not payload.get("from"):
        return None
    return OrderRequest.model_construct(
        request_id=key, kind=MAIL_KINDS.get(payload.get("category", ""), Kind.CANCEL),
        order_id="", customer_email=str(payload["from"]),
        language=payload.get("language") if payload.get("language") in ("es", "en") else "es",
        source="mail", case=str(payload.get("case", "")),
        message_id=str(payload.get("message_id", "")), subject=str(payload.get("subject", "")),
        address="", lines="", reason="", slot_day="", incident="", description="",
        requested_by="", approved_by="")


def _decimal(text: Any) -> Any:
    from decimal import Decimal

    return Decimal(text) if text else None
