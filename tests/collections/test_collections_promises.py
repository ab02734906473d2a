"""Promises to pay matched first-in first-out against payments: known answers."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace as Row

from recipes.collections.promises import fifo


def promise(id: int, customer: str, amount: str, made: date, due: date) -> Row:  # noqa: A002
    return Row(id=id, customer=customer, amount=amount, made_at=datetime.combine(made, datetime.min.time()),
               promised_on=due, invoice=f"INV-{id}")


def payment(customer: str, amount: str, booked: date) -> Row:
    return Row(customer=customer, amount=amount, booked_on=booked)


D = date(2026, 3, 1)


def day(n: int) -> date:
    return date.fromordinal(D.toordinal() + n)


def test_payments_fill_promises_in_the_order_they_were_made() -> None:
    promises = [promise(1, "C1", "100.00", day(0), day(5)),
                promise(2, "C1", "50.00", day(1), day(6))]
    # one payment of 120 fills the first and 20 of the second; the second stays open
    assert fifo(promises, [payment("C1", "120.00", day(3))], day(4)) == {1: "kept", 2: "open"}
    # ... and is broken once its date passes unfilled
    assert fifo(promises, [payment("C1", "120.00", day(3))], day(7)) == {1: "kept", 2: "broken"}
    # a second payment before its date keeps it
    paid = [payment("C1", "120.00", day(3)), payment("C1", "30.00", day(6))]
    assert fifo(promises, paid, day(7)) == {1: "kept", 2: "kept"}


def test_a_payment_after_the_date_or_before_the_promise_keeps_nothing() -> None:
    promises = [promise(1, "C1", "100.00", day(2), day(5))]
    assert fifo(promises, [payment("C1", "100.00", day(6))], day(6)) == {1: "broken"}
    assert fifo(promises, [payment("C1", "100.00", day(1))], day(6)) == {1: "broken"}
    assert fifo(promises, [payment("C2", "100.00", day(3))], day(6)) == {1: "broken"}
    assert fifo(promises, [payment("C1", "100.00", day(5))], day(6)) == {1: "kept"}
