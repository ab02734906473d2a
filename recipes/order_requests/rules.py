"""What a request may do to an order: the state table, then the order's own limits.

`decide(state, kind)` is the table (tests/orders/test_order_rules.py pins every cell):

    cancel    draft, confirmed, picking: allowed. dispatched, delivered, partially_returned:
              converted into a return offer. returned: already_returned. cancelled:
              already_cancelled.
    return    delivered, partially_returned: allowed. draft, confirmed, picking:
              not_dispatched. dispatched: not_delivered. returned: already_returned.
              cancelled: cancelled.
    change    draft, confirmed: allowed. picking: picking_started. dispatched and later:
              already_dispatched. cancelled: cancelled.
    slot      confirmed, picking: allowed. draft: not_confirmed. dispatched and later:
              already_dispatched. cancelled: cancelled.
    incident  dispatched, delivered, partially_returned: allowed. draft, confirmed, picking:
              not_dispatched. returned: already_returned. cancelled: cancelled.

`plan(request, order, ...)` then checks what the table cannot see: each line's return
window (its product's), quantities against what was delivered and not yet returned, the
new address, a free dispatch slot, and four eyes on a refund above the threshold.
A refusal is a `Refused` (a business exception with a reason code); the customer is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bots.errors import BusinessError
from bots.people import StaffDirectory, four_eyes
from recipes.order_requests.requests import Kind, OrderRequest, parse_day

STATES = ("draft", "confirmed", "picking", "dispatched", "delivered", "partially_returned",
          "returned", "cancelled")


class Verdict(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    CONVERTED = "converted"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    form: str = ""  # the portal's action screen (a form of the orders map)
    reason: str = ""  # refused: why, as a code


def _allow(form: str) -> Decision:
    return Decision(Verdict.ALLOWED, form)


def _refuse(reason: str) -> Decision:
    return Decision(Verdict.REFUSED, reason=reason)


_OFFER = Decision(Verdict.CONVERTED, "order_return_offer", "too_late_to_cancel")
_TABLE: dict[str, tuple[Decision, Decision, Decision, Decision, Decision]] = {
    # state:               cancel, return, change, slot, incident
    "draft": (_allow("order_cancel"), _refuse("not_dispatched"), _allow("order_address"),
              _refuse("not_confirmed"), _refuse("not_dispatched")),
    "confirmed": (_allow("order_cancel"), _refuse("not_dispatched"), _allow("order_address"),
                  _allow("order_slot"), _refuse("not_dispatched")),
    "picking": (_allow("order_cancel"), _refuse("not_dispatched"), _refuse("picking_started"),
                _allow("order_slot"), _refuse("not_dispatched")),
    "dispatched": (_OFFER, _refuse("not_delivered"), _refuse("already_dispatched"),
                   _refuse("already_dispatched"), _allow("order_incident")),
    "delivered": (_OFFER, _allow("order_return"), _refuse("already_dispatched"),
                  _refuse("already_dispatched"), _allow("order_incident")),
    "partially_returned": (_OFFER, _allow("order_return"), _refuse("already_dispatched"),
                           _refuse("already_dispatched"), _allow("order_incident")),
    "returned": (_refuse("already_returned"), _refuse("already_returned"),
                 _refuse("already_dispatched"), _refuse("already_dispatched"),
                 _refuse("already_returned")),
    "cancelled": (_refuse("already_cancelled"), _refuse("cancelled"), _refuse("cancelled"),
                  _refuse("cancelled"), _refuse("cancelled")),
}
_COLUMN = {Kind.CANCEL: 0, Kind.RETURN: 1, Kind.CHANGE: 2, Kind.SLOT: 3, Kind.INCIDENT: 4}


def decide(state: str, kind: Kind) -> Decision:
    try:
        return _TABLE[state][_COLUMN[kind]]
    except KeyError:
        raise ValueError(f"unknown order state {state!r}") from None


class Refused(BusinessError):
    """The request breaks a rule of the order: answered, not applied."""

    def __init__(self, message: str, reason: str, **facts: Any) -> None:
        super().__init__(message, reason=reason)
        self.facts = facts


@dataclass(frozen=True)
class Line:
    number: int
    sku: str
    quantity: int
    delivered: int
    returned: int
    unit_price: Decimal
    return_until: date | None

    @property
    def returnable(self) -> int:
        return self.delivered - self.returned

    def open_on(self, today: date) -> bool:
        return self.return_until is not None and today <= self.return_until


@dataclass(frozen=True)
class Order:
    id: str
    state: str
    customer: str
    email: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class Slot:
    slot_id: str
    day: date
    window: str
    free: int


@dataclass(frozen=True)
class Plan:
    """What to key: the form, its record, and what the customer is told besides."""

    decision: Decision
    record: dict[str, Any]
    refund: Decimal = Decimal("0.00")
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    four_eyes_above: Decimal
    staff: StaffDirectory | None = None


def plan(request: OrderRequest, order: Order, limits: Limits, today: date,
         slots: Sequence[Slot] = ()) -> Plan:
    decision = decide(order.state, request.kind)
    where = f"{request.request_id} on {order.id} ({order.state})"
    if decision.verdict is Verdict.REFUSED:
        raise Refused(f"{where}: {request.kind} refused: {decision.reason}", decision.reason)
    base = {"order_id": order.id, "request_reference": request.request_id}
    if decision.verdict is Verdict.CONVERTED:
        return _offer(request, order, today, base, where)
    if request.kind is Kind.CANCEL:
        result = Plan(decision, {**base, "reason": request.reason or "C01"}, order.total)
    elif request.kind is Kind.RETURN:
        result = _return(request, order, today, base, where)
    elif request.kind is Kind.CHANGE:
        if not request.address:
            raise Refused(f"{where}: no new address given", "no_new_address")
        result = Plan(decision, {**base, "address": request.address},
                      facts={"address": request.address})
    elif request.kind is Kind.SLOT:
        result = _slot(request, slots, base, where)
    else:
        result = Plan(decision, {**base, "kind": request.incident or "late",
                                 "description": request.description or "(no description)"})
    _four_eyes(request, result.refund, limits, where)
    return result


def _offer(request: OrderRequest, order: Order, today: date, base: dict[str, Any],
           where: str) -> Plan:
    """Too late to cancel: offer a return, while some line can still be returned."""
    if order.state == "dispatched":  # on its way: returnable once delivered, all of it
        return Plan(_OFFER, {**base, "note": _offer_note(request)}, facts={"until": ""})
    open_lines = [line for line in order.lines if line.returnable > 0 and line.open_on(today)]
    if not open_lines:
        raise Refused(f"{where}: too late to cancel and the return window has passed",
                      "return_window_passed")
    until = max((line.return_until for line in open_lines if line.return_until), default=None)
    return Plan(_OFFER, {**base, "note": _offer_note(request)},
                facts={"until": until.isoformat() if until else ""})


def _offer_note(request: OrderRequest) -> str:
    return f"Cancellation requested too late ({request.request_id}): return offered"


def _return(request: OrderRequest, order: Order, today: date, base: dict[str, Any],
            where: str) -> Plan:
    by_number = {line.number: line for line in order.lines}
    wanted = request.quantities or {
        line.number: line.returnable for line in order.lines if line.returnable > 0}
    for number, qty in sorted(wanted.items()):
        line = by_number.get(number)
        if line is None:
            raise Refused(f"{where}: the order has no line {number}", "no_such_line")
        if qty > line.returnable:
            raise Refused(f"{where}: line {number}: {qty} asked, {line.returnable} delivered "
                          "and not yet returned", "quantity_above_delivered")
        if not line.open_on(today):
            raise Refused(f"{where}: line {number}: the return window ended on "
                          f"{line.return_until}", "return_window_passed",
                          until=str(line.return_until or ""))
    if not wanted:
        raise Refused(f"{where}: nothing left to return", "nothing_to_return")
    record = {**base, "reason": request.reason or "R03",
              **{f"qty_{n}": q for n, q in wanted.items()}}
    refund = sum((by_number[n].unit_price * q for n, q in wanted.items()), Decimal("0.00"))
    return Plan(decide(order.state, Kind.RETURN), record, refund,
                facts={"lines": ", ".join(f"{n}x{q}" for n, q in sorted(wanted.items()))})


def _slot(request: OrderRequest, slots: Sequence[Slot], base: dict[str, Any],
          where: str) -> Plan:
    day = parse_day(request.slot_day) if request.slot_day else None
    free = [s for s in slots if s.free > 0 and (day is None or s.day == day)]
    if not free:
        on = f" on {day}" if day else ""
        raise Refused(f"{where}: every dispatch slot{on} is full", "slot_full")
    chosen = min(free, key=lambda s: (s.day, s.window))
    return Plan(decide("confirmed", Kind.SLOT), {**base, "slot_id": chosen.slot_id},
                facts={"slot_day": chosen.day.isoformat(), "slot_window": chosen.window})


def _four_eyes(request: OrderRequest, refund: Decimal, limits: Limits, where: str) -> None:
    if refund <= limits.four_eyes_above:
        return
    if not request.approved_by or limits.staff is None:
        raise BusinessError(f"{where}: a refund of {refund} is above {limits.four_eyes_above}"
                            " and needs a second person's approval", reason="four_eyes_required")
    four_eyes(limits.staff, {"requester": request.requested_by,
                             "approver": request.approved_by})

