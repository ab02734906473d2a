"""Known answers for every rule: the state x kind table, then each order's own limits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bots.errors import BusinessError
from bots.people import SamePerson, StaffDirectory, staff_directory
from recipes.order_requests.requests import Kind, OrderRequest, from_mail, parse_lines
from recipes.order_requests.rules import (
    STATES,
    Limits,
    Line,
    Order,
    Refused,
    Slot,
    Verdict,
    decide,
    plan,
)

A, R, C = Verdict.ALLOWED, Verdict.REFUSED, Verdict.CONVERTED
# state: cancel, return, change, slot, incident  (verdict, form or reason)
TABLE = {
    "draft": [(A, "order_cancel"), (R, "not_dispatched"), (A, "order_address"),
              (R, "not_confirmed"), (R, "not_dispatched")],
    "confirmed": [(A, "order_cancel"), (R, "not_dispatched"), (A, "order_address"),
                  (A, "order_slot"), (R, "not_dispatched")],
    "picking": [(A, "order_cancel"), (R, "not_dispatched"), (R, "picking_started"),
                (A, "order_slot"), (R, "not_dispatched")],
    "dispatched": [(C, "order_return_offer"), (R, "not_delivered"), (R, "already_dispatched"),
                   (R, "already_dispatched"), (A, "order_incident")],
    "delivered": [(C, "order_return_offer"), (A, "order_return"), (R, "already_dispatched"),
                  (R, "already_dispatched"), (A, "order_incident")],
    "partially_returned": [(C, "order_return_offer"), (A, "order_return"),
                           (R, "already_dispatched"), (R, "already_dispatched"),
                           (A, "order_incident")],
    "returned": [(R, "already_returned"), (R, "already_returned"), (R, "already_dispatched"),
                 (R, "already_dispatched"), (R, "already_returned")],
    "cancelled": [(R, "already_cancelled"), (R, "cancelled"), (R, "cancelled"),
                  (R, "cancelled"), (R, "cancelled")],
}
KINDS = [Kind.CANCEL, Kind.RETURN, Kind.CHANGE, Kind.SLOT, Kind.INCIDENT]
CELLS = [(state, kind, *TABLE[state][i]) for state in STATES for i, kind in enumerate(KINDS)]
TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(("state", "kind", "verdict", "what"), CELLS,
                         ids=[f"{s}-{k}" for s, k, *_ in CELLS])
def test_state_by_kind(state: str, kind: Kind, verdict: Verdict, what: str) -> None:
    decision = decide(state, kind)
    assert decision.verdict is verdict
    assert (decision.reason if verdict is R else decision.form) == what


def test_the_table_covers_every_state_the_portal_has() -> None:
    from demo.portal.orders import STATES as PORTAL_STATES

    assert tuple(TABLE) == STATES == PORTAL_STATES
    with pytest.raises(ValueError, match="unknown order state 'lost'"):
        decide("lost", Kind.CANCEL)


def line(n: int, *, qty: int = 2, delivered: int = 2, returned: int = 0, price: str = "10.00",
         until: int | None = 10) -> Line:
    return Line(n, f"SKU-{n}", qty, delivered, returned, Decimal(price),
                None if until is None else TODAY + timedelta(days=until))


def order(state: str, *lines: Line) -> Order:
    return Order("ORD-2001", state, "Customer", "c@customers.example", lines or (line(1),))


def request(kind: str, **fields: str) -> OrderRequest:
    return OrderRequest(request_id="REQ-1", kind=kind, order_id="ORD-2001",
                        requested_by="m.campos", **fields)


@pytest.fixture
def limits() -> Limits:
    return Limits(Decimal("500.00"), staff_directory())


def refused(kind: str, the_order: Order, limits: Limits, slots: tuple[Slot, ...] = (),
            **fields: str) -> str:
    with pytest.raises(BusinessError) as caught:
        plan(request(kind, **fields), the_order, limits, TODAY, slots)
    return caught.value.reason or ""


def test_returns_within_each_products_window_and_by_line(limits: Limits) -> None:
    two = order("delivered", line(1, until=0), line(2, qty=3, delivered=3, returned=1, until=-1))
    chosen = plan(request("return", lines="1x2"), two, limits, TODAY)
    assert chosen.record == {"order_id": "ORD-2001", "request_reference": "REQ-1",
                             "reason": "R03", "qty_1": 2}
    assert chosen.refund == Decimal("20.00")
    # the last day of the window is inside it; the day after is not
    assert refused("return", two, limits, lines="2x1") == "return_window_passed"
    assert refused("return", two, limits, lines="1x3") == "quantity_above_delivered"
    returned_before = order("partially_returned", line(1, qty=3, delivered=3, returned=1))
    assert refused("return", returned_before, limits, lines="1x3") == "quantity_above_delivered"
    assert plan(request("return", lines="1x2"), returned_before, limits, TODAY).refund == 20
    assert refused("return", two, limits, lines="3x1") == "no_such_line"
    # no lines given: everything still returnable
    everything = plan(request("return"), order("delivered", line(1), line(2, qty=1, delivered=1)),
                      limits, TODAY)
    assert {k: v for k, v in everything.record.items() if k.startswith("qty")} == {
        "qty_1": 2, "qty_2": 1}


def test_a_refund_above_the_threshold_needs_a_second_person(limits: Limits) -> None:
    dear = order("delivered", line(1, qty=1, delivered=1, price="500.01"))
    assert refused("return", dear, limits) == "four_eyes_required"
    assert refused("cancel", order("confirmed", line(1, qty=1, price="600.00")),
                   limits) == "four_eyes_required"
    at_threshold = order("delivered", line(1, qty=1, delivered=1, price="500.00"))
    assert plan(request("return"), at_threshold, limits, TODAY).refund == Decimal("500.00")
    assert plan(request("return", approved_by="c.herrera"), dear, limits, TODAY).refund
    with pytest.raises(SamePerson):  # the same person written another way
        plan(request("return", approved_by="M. Campos"), dear,
             Limits(Decimal("500.00"), StaffDirectory.load(_staff_with_alias())), TODAY)


def _staff_with_alias() -> object:
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "staff.toml"
    path.write_text('[[person]]\nid = "m.campos"\nname = "Marta Campos"\n'
                    'aliases = ["M. Campos"]\n', encoding="utf-8")
    return path


def test_a_too_late_cancellation_becomes_a_return_offer(limits: Limits) -> None:
    on_its_way = order("dispatched", line(1, delivered=0, until=None))
    assert plan(request("cancel"), on_its_way, limits, TODAY).decision.verdict is C
    mixed = order("delivered", line(1, until=-1), line(2, until=5))
    offer = plan(request("cancel"), mixed, limits, TODAY)
    assert offer.decision.form == "order_return_offer"
    assert offer.facts == {"until": (TODAY + timedelta(days=5)).isoformat()}
    assert offer.refund == 0  # nothing refunded until the goods come back
    assert refused("cancel", order("delivered", line(1, until=-1)), limits) \
        == "return_window_passed"


def test_the_earliest_free_slot_or_slot_full(limits: Limits) -> None:
    day = TODAY + timedelta(days=1)
    slots = (Slot("1", day, "09:00-13:00", 0), Slot("3", day + timedelta(days=1), "14:00-18:00", 1),
             Slot("2", day + timedelta(days=1), "09:00-13:00", 2))
    chosen = plan(request("slot"), order("confirmed"), limits, TODAY, slots)
    assert chosen.record["slot_id"] == "2"
    assert refused("slot", order("confirmed"), limits, slots,
                   slot_day=day.strftime("%d/%m/%Y")) == "slot_full"
    assert refused("slot", order("picking"), limits, ()) == "slot_full"


def test_address_and_incident(limits: Limits) -> None:
    assert refused("change", order("draft"), limits) == "no_new_address"
    changed = plan(request("change", address="Calle Luna 8, Sevilla"), order("draft"), limits,
                   TODAY)
    assert changed.record["address"] == "Calle Luna 8, Sevilla"
    incident = plan(request("incident", incident="lost"), order("dispatched"), limits, TODAY)
    assert incident.record["kind"] == "lost" and incident.decision.form == "order_incident"


def test_lines_are_written_as_the_old_program_did() -> None:
    assert parse_lines("1x2, 3X1;4×7") == {1: 2, 3: 1, 4: 7}
    assert parse_lines("") == {}
    for bad, says in (("1-2", "LINExQTY"), ("1x2,1x1", "twice"), ("1x0", "at least 1")):
        with pytest.raises(ValueError, match=says):
            parse_lines(bad)


def test_mail_items_follow_the_triage_contract() -> None:
    payload = {"source": "mail", "message_id": "<a@b>", "case": "CASE-1", "from": "x@y.example",
               "language": "en", "category": "order_return", "subject": "Return",
               "text": "I want to return it", "received_at": "2026-12-01T10:00:00Z",
               "facts": {"order": ["ord-1002"], "invoice": [], "customer": [], "amount": [],
                         "iban": [], "date": []}}
    made = from_mail(payload, "mail:abc")
    assert (made.kind, made.order_id, made.case_reference, made.language) == (
        Kind.RETURN, "ORD-1002", "CASE-1", "en")
    with pytest.raises(BusinessError) as several:
        from_mail({**payload, "facts": {"order": ["ORD-1", "ORD-1002", "ORD-1003"]}}, "k")
    assert several.value.reason == "several_orders"
    with pytest.raises(BusinessError) as other:
        from_mail({**payload, "category": "billing_enquiry"}, "k")
    assert other.value.reason == "not_an_order_request"
    incident = from_mail({**payload, "category": "delivery_incident",
                          "text": "The parcel arrived broken"}, "mail:k2")
    assert incident.incident == "damaged"
    assert isinstance(Refused("x", "slot_full"), BusinessError)
