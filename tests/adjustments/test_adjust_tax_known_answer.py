"""Known answer: the VAT of an adjustment is charged at the invoice's rates, not a blend.

An invoice rounds its VAT line by line, so its VAT / net is not exactly its rate: with
lines 1000.00 and 0.50 at 21 % (taxes 210.00 and 0.11, half up) the blend is
210.11 / 1000.50. A credit of 359.64 on it: 21 % of 359.64 is 75.5244, so 75.52; the
blend would give 75.5257..., so 75.53. The recipe's rules and the demo's own
`expected_amounts` (written apart, the demo imports nothing of the toolkit) agree on 75.52.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from adjust_builders import make_invoice, make_request

from bots.money import Rounding
from demo.portal.ledger import Invoice as DemoInvoice
from demo.samples.invoices import AdjustmentRequest as DemoRequest
from demo.samples.invoices import expected_amounts
from recipes.invoice_adjustments.rules import resolve


def demo_invoice(*lines: tuple[str, str, str]) -> DemoInvoice:
    rows = [{"net_amount": net, "tax_rate": rate, "tax_amount": tax} for net, rate, tax in lines]
    return DemoInvoice("INV-1", "Ana", "B1", "2026-01-02", "open", rows)  # type: ignore[arg-type]


def demo_request(amount: str | None, percentage: str | None = None) -> DemoRequest:
    return DemoRequest("REQ-1", "INV-1", "credit", D(amount) if amount else None,
                       D(percentage) if percentage else None, "GOODWILL", "c.soto",
                       "r.delgado", "", "")


@pytest.mark.parametrize(("lines", "amount", "percentage", "net", "tax"), [
    # single rate, the case: 75.52, not the blend's 75.53
    ((("1000.00", "21", "210.00"), ("0.50", "21", "0.11")), "359.64", None, "359.64", "75.52"),
    # a full credit of a group keeps the invoice's own tax to the cent
    ((("1000.00", "21", "210.00"), ("0.50", "21", "0.11")), "1000.50", None, "1000.50", "210.11"),
    # two rates: the net shared 10.00 / 5.00, taxed 2.10 + 0.50
    ((("100.00", "21", "21.00"), ("50.00", "10", "5.00")), None, "0.1", "15.00", "2.60"),
    # shares that round: 1.05 over equal nets is 0.53 + 0.53; the higher rate gives the
    # cent back: 0.52 at 21 % (0.11) + 0.53 at 10 % (0.05)
    ((("10.00", "21", "2.10"), ("10.00", "10", "1.00")), "1.05", None, "1.05", "0.16"),
])
def test_demo_and_rules_agree_on_the_tax(lines: tuple[tuple[str, str, str], ...],
                                         amount: str | None, percentage: str | None,
                                         net: str, tax: str) -> None:
    demo = expected_amounts(demo_invoice(*lines), demo_request(amount, percentage))
    invoice = make_invoice(*((n, r) for n, r, _ in lines))
    assert tuple(str(line.tax) for line in invoice.lines) == tuple(t for _, _, t in lines)
    request = make_request(amount=D(amount) if amount else None,
                           percentage=D(percentage) if percentage else None)
    resolved = resolve(request, invoice, Rounding.HALF_UP)
    assert demo == (resolved.net, resolved.tax) == (D(net), D(tax))


def test_the_blend_would_have_said_75_53() -> None:
    blended = (D("359.64") * D("210.11") / D("1000.50")).quantize(D("0.01"))
    assert (blended, (D("359.64") * 21 / 100).quantize(D("0.01"))) == (D("75.53"), D("75.52"))
