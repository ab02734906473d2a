"""The order program's screens as the orders map declares them (connectors/portal_maps/
orders.toml), read and keyed through `connectors.portal.Portal` on one browser lane:

    screens.order("ORD-1001")          the search screen + the Lines tab -> rules.Order
    screens.done("REQ-1", "ORD-1001")  the History tab: the action keyed under that request
    screens.slots("ORD-1001")          the dispatch slots with their free room
    screens.apply(plan, item)          the plan's action screen, keyed once (lookup on an
                                       unknown fate: the History tab again)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bots import WorkItem
from bots.money import Convention, parse_money
from connectors.portal import KeyMode, MapMismatch, Portal
from recipes.order_requests.requests import parse_day
from recipes.order_requests.rules import Line, Order, Plan, Slot


@dataclass(frozen=True)
class Done:
    """An action the History tab shows under the request's reference."""

    reference: str
    action: str
    detail: str


def _int(text: str | None, what: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise MapMismatch(f"the order screen shows {what} as {text!r}") from None


def _day(text: str | None) -> date | None:
    return parse_day(text) if text and text.strip() else None


class OrderScreens:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    def order(self, order_id: str) -> Order | None:
        found = self.portal.find("order", order_id)
        if found is None:
            return None
        if found.copies > 1:
            raise MapMismatch(f"the order search shows {order_id} {found.copies} times")
        head = found.rows[0]
        lines = self.portal.find("order_lines", order_id)
        return Order(
            id=order_id, state=(head.get("state") or "").strip().lower().replace(" ", "_"),
            customer=head.get("customer") or "", email=head.get("email") or "",
            lines=tuple(self._line(row) for row in (lines.rows if lines else ())))

    @staticmethod
    def _line(row: dict[str, str | None]) -> Line:
        try:
            price = parse_money(row.get("unit_price") or "", Convention.COMMA, what="unit price")
        except ValueError as exc:
            raise MapMismatch(f"order line price {row.get('unit_price')!r}: {exc}") from None
        return Line(number=_int(row.get("line_no"), "a line number"), sku=row.get("sku") or "",
                    quantity=_int(row.get("quantity"), "a quantity"),
                    delivered=_int(row.get("delivered"), "a delivered quantity"),
                    returned=_int(row.get("returned"), "a returned quantity"),
                    unit_price=Decimal(price), return_until=_day(row.get("return_until")))

    def done(self, request_id: str, order_id: str) -> list[Done]:
        found = self.portal.find("order_history", request_id, {"order_id": order_id})
        if found is None:
            return []
        return [Done(ref or "", row.get("action") or "", row.get("detail") or "")
                for ref, row in zip(found.references, found.rows, strict=True)]

    def slots(self, order_id: str) -> list[Slot]:
        found = self.portal.find("dispatch_slots", order_id)
        return [Slot(slot_id=(row.get("slot_id") or "").strip(),
                     day=parse_day(row.get("day") or ""), window=(row.get("window") or "").strip(),
                     free=_int(row.get("free"), "free room"))
                for row in (found.rows if found else ())]

    def apply(self, plan: Plan, item: WorkItem) -> str:
        """Key the plan's screen once; the portal's reference (RMA, claim number...)."""
        form = plan.decision.form
        with self.portal.watch(f"{item.key} {form}"):
            keyed = self.portal.key(form, plan.record, key=item.key, mode=KeyMode.UI,
                                    before_submit=item.ensure_lease, subject=item.subject)
        return keyed.reference

