"""The bank statement against the open invoices, known answers: in full, in part (several
lines applied in statement order while they fit), an overpayment, an unknown invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recipes.collections.book import Account, OpenInvoice
from recipes.collections.payments import BankLine, match_payments

DAY = date(2026, 3, 2)


def _book(*balances: str) -> dict[str, Account]:
    account = Account("C1", "Cliente", "", "", "es", 0, True, 30, False, "PM1C", "")
    for n, balance in enumerate(balances, 1):
        account.invoices.append(OpenInvoice(f"INV-2026-{n:05d}", "C1", DAY, Decimal("100.00"),
                                            Decimal(balance)))
    return {"C1": account}


def _line(reference: str, invoice: str, amount: str) -> BankLine:
    return BankLine(booked=DAY, concept=f"TRANSF {invoice}", amount=Decimal(amount),
                    reference=reference)


def test_full_partial_and_over() -> None:
    book = _book("100.00", "100.00", "60.00")
    lines = [_line("B1", "INV-2026-00001", "100.00"),   # in full
             _line("B2", "INV-2026-00002", "30.00"),    # in part
             _line("B3", "INV-2026-00002", "69.99"),    # in part again: 0.01 left
             _line("B4", "INV-2026-00002", "0.02"),     # more than the 0.01 left
             _line("B5", "INV-2026-00003", "60.01"),    # more than the balance
             _line("B6", "INV-2026-09999", "10.00")]    # no such open invoice
    received, rest = match_payments(book, lines)
    assert sorted((r.bank_reference, r.invoice, r.amount) for r in received) == [
        ("B1", "INV-2026-00001", Decimal("100.00")), ("B2", "INV-2026-00002", Decimal("30.00")),
        ("B3", "INV-2026-00002", Decimal("69.99"))]
    classes = {r["reference"]: r["class"] for r in rest}
    assert classes["B4"] == classes["B5"] == "overpayment"
    assert classes["B6"] != "overpayment" and set(classes) == {"B4", "B5", "B6"}


def test_a_full_payment_and_a_partial_for_one_invoice() -> None:
    received, rest = match_payments(_book("80.00"), [_line("B1", "INV-2026-00001", "20.00"),
                                                     _line("B2", "INV-2026-00001", "80.00")])
    # the engine pairs the exact amount; the 20.00 no longer fits what is left
    assert [(r.bank_reference, r.amount) for r in received] == [("B2", Decimal("80.00"))]
    assert [(r["reference"], r["class"]) for r in rest] == [("B1", "overpayment")]
