"""Known answers for every adjustment rule: amounts, rounding, mixed rates, approvals."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from adjust_builders import make_invoice, make_request

from bots.errors import BusinessError
from connectors.invoice_model import AdjustmentKind, PostedAdjustment
from recipes.invoice_adjustments.policy import AdjustmentPolicy
from recipes.invoice_adjustments.rules import RatePart, Refusal, validate


def refused(reason: Refusal, request, invoice, policy) -> BusinessError:  # noqa: ANN001
    with pytest.raises(BusinessError) as caught:
        validate(request, invoice, policy)
    assert caught.value.reason == reason.value, str(caught.value)
    assert request.request_id in str(caught.value)
    return caught.value


def test_an_amount_on_a_single_rate_invoice(policy: AdjustmentPolicy) -> None:
    result = validate(make_request(amount=D("10.00")), make_invoice(("100.00", "21")), policy)
    assert (result.net, result.tax, result.gross) == (D("10.00"), D("2.10"), D("12.10"))
    assert result.signed_gross == D("-12.10")


def test_half_cent_tax_follows_the_declared_rule(policy: AdjustmentPolicy,
                                                 half_even: AdjustmentPolicy) -> None:
    invoice = make_invoice(("100.00", "21"))
    request = make_request(amount=D("0.50"))  # tax 0.105
    assert validate(request, invoice, policy).tax == D("0.11")
    assert validate(request, invoice, half_even).tax == D("0.10")


def test_half_cent_percentage_net_follows_the_declared_rule(policy: AdjustmentPolicy,
                                                            half_even: AdjustmentPolicy) -> None:
    invoice = make_invoice(("10.05", "10"))  # 10 % of 10.05 = 1.005
    request = make_request(amount=None, percentage=D("0.1"))
    up, even = validate(request, invoice, policy), validate(request, invoice, half_even)
    assert (up.net, up.tax) == (D("1.01"), D("0.10"))  # tax 0.101
    assert (even.net, even.tax) == (D("1.00"), D("0.10"))


def test_a_percentage_on_mixed_rates_is_split_per_rate(policy: AdjustmentPolicy) -> None:
    invoice = make_invoice(("100.00", "21"), ("50.00", "10"))
    result = validate(make_request(amount=None, percentage=D("0.1")), invoice, policy)
    assert result.parts == (RatePart(D("21"), D("10.00"), D("2.10")),
                            RatePart(D("10"), D("5.00"), D("0.50")))
    assert (result.net, result.tax, result.gross) == (D("15.00"), D("2.60"), D("17.60"))


def test_mixed_rates_with_rounding_residue_and_three_rates(policy: AdjustmentPolicy,
                                                          half_even: AdjustmentPolicy) -> None:
    # net 100.00: 33.33 at 21 %, 66.67 at 10 %; 12.5 % -> 12.50 shared 4.166.. / 8.33375
    invoice = make_invoice(("33.33", "21"), ("66.67", "10"))
    result = validate(make_request(amount=None, percentage=D("0.125")), invoice, policy)
    assert [(p.net, p.tax) for p in result.parts] == [(D("4.17"), D("0.88")), (D("8.33"), D("0.83"))]
    assert (result.net, result.tax) == (D("12.50"), D("1.71"))
    # three rates, each share rounded up by half-up; the largest group (21 %) gives back a cent
    three = make_invoice(("10.00", "21"), ("5.00", "10"), ("5.00", "4"))
    result = validate(make_request(amount=D("0.10")), three, policy)  # 0.05 / 0.025 / 0.025
    assert [p.net for p in result.parts] == [D("0.04"), D("0.03"), D("0.03")]
    assert sum(p.net for p in result.parts) == D("0.10")
    even = validate(make_request(amount=D("0.10")), three, half_even)  # 0.05 / 0.02 / 0.02
    assert [p.net for p in even.parts] == [D("0.06"), D("0.02"), D("0.02")]


def test_a_hundred_percent_credit_cancels_the_invoice_to_the_cent(policy: AdjustmentPolicy) -> None:
    # Line taxes 0.315 -> 0.32 each (0.64); a recomputation over the group, 3.00 x 21 %,
    # would give 0.63 and leave a cent open. The whole group takes its invoiced tax.
    invoice = make_invoice(("1.50", "21"), ("1.50", "21"), ("20.05", "10"))
    assert (invoice.tax, invoice.total) == (D("2.65"), D("25.70"))
    result = validate(make_request(amount=None, percentage=D("1")), invoice, policy)
    assert (result.net, result.tax, result.gross) == (invoice.net, invoice.tax, invoice.total)
    assert invoice.open_balance - result.gross == 0
    by_amount = validate(make_request(amount=invoice.net), invoice, policy)
    assert by_amount.tax == invoice.tax


def test_a_credit_larger_than_the_open_balance_is_refused(policy: AdjustmentPolicy) -> None:
    earlier = PostedAdjustment("NC-000001", AdjustmentKind.CREDIT, D("80.00"), D("16.80"))
    invoice = make_invoice(("100.00", "21"), adjustments=(earlier,))
    assert invoice.open_balance == D("24.20")
    ok = validate(make_request(amount=D("20.00")), invoice, policy)  # gross 24.20: exactly fits
    assert ok.gross == invoice.open_balance
    error = refused(Refusal.CREDIT_OVER_BALANCE, make_request(amount=D("20.01")), invoice, policy)
    assert "24.21" in str(error) and "24.20" in str(error)
    # a charge is not capped by the balance
    assert validate(make_request(kind=AdjustmentKind.CHARGE, reason_code="LATE_FEE",
                                 amount=D("500.00"), second_approver="j.castillo"),
                    invoice, policy).gross == D("605.00")


@pytest.mark.parametrize("amount", ["-10.00", "0", "0.00"])
def test_negative_and_zero_amounts_are_refused(policy: AdjustmentPolicy, amount: str) -> None:
    refused(Refusal.AMOUNT_NOT_POSITIVE, make_request(amount=D(amount)),
            make_invoice(("100.00", "21")), policy)


def test_amount_and_percentage_shape(policy: AdjustmentPolicy) -> None:
    invoice = make_invoice(("100.00", "21"))
    refused(Refusal.AMOUNT_MISSING, make_request(amount=None), invoice, policy)
    refused(Refusal.AMOUNT_AND_PERCENTAGE, make_request(percentage=D("0.1")), invoice, policy)
    refused(Refusal.AMOUNT_NOT_IN_CENTS, make_request(amount=D("1.005")), invoice, policy)
    for share in ("0", "-0.1", "1.01"):
        refused(Refusal.PERCENTAGE_OUT_OF_RANGE, make_request(amount=None, percentage=D(share)),
                invoice, policy)


def test_invoice_must_exist_and_be_open(policy: AdjustmentPolicy) -> None:
    refused(Refusal.INVOICE_NOT_FOUND, make_request(), None, policy)
    refused(Refusal.INVOICE_CLOSED, make_request(), make_invoice(("100.00", "21"), status="closed"),
            policy)


def test_reason_must_be_allowed_for_the_kind(policy: AdjustmentPolicy) -> None:
    invoice = make_invoice(("100.00", "21"))
    refused(Refusal.REASON_NOT_ALLOWED, make_request(reason_code="DISCOUNT"), invoice, policy)
    refused(Refusal.REASON_NOT_ALLOWED, make_request(reason_code="LATE_FEE"), invoice, policy)
    assert validate(make_request(kind=AdjustmentKind.CHARGE, reason_code="LATE_FEE"), invoice, policy)


def test_four_eyes_and_two_approvers(policy: AdjustmentPolicy) -> None:
    invoice = make_invoice(("10000.00", "21"))
    refused(Refusal.SELF_APPROVED, make_request(approved_by="c.soto"), invoice, policy)
    refused(Refusal.SELF_APPROVED, make_request(approved_by=" C.Soto "), invoice, policy)
    refused(Refusal.APPROVER_MISSING, make_request(approved_by=""), invoice, policy)
    # 500.00 is the inclusive threshold of the second approver (on the net, per the policy)
    assert validate(make_request(amount=D("499.99")), invoice, policy)
    refused(Refusal.SECOND_APPROVER_MISSING, make_request(amount=D("500.00")), invoice, policy)
    refused(Refusal.APPROVERS_NOT_DISTINCT,
            make_request(amount=D("500.00"), second_approver="R.Delgado"), invoice, policy)
    refused(Refusal.SELF_APPROVED,
            make_request(amount=D("500.00"), second_approver="c.soto"), invoice, policy)
    assert validate(make_request(amount=D("500.00"), second_approver="dir.finanzas"), invoice, policy)
    # a percentage is checked on the amount it resolves to: 5 % of 10000.00 = 500.00
    refused(Refusal.SECOND_APPROVER_MISSING, make_request(amount=None, percentage=D("0.05")),
            invoice, policy)


def test_thresholds_and_basis_come_from_the_policy(policy: AdjustmentPolicy) -> None:
    from dataclasses import replace

    from recipes.invoice_adjustments.policy import AmountBasis, ApprovalPolicy

    lenient = replace(policy, approval=ApprovalPolicy(AmountBasis.GROSS, D("100.00"), D("1000.00")))
    invoice = make_invoice(("10000.00", "21"))
    # below four_eyes_from a requester may approve their own small goodwill credit
    assert validate(make_request(amount=D("50.00"), approved_by="c.soto"), invoice, lenient)
    # gross basis: net 90.00 is 108.90 gross, over the 100.00 threshold
    refused(Refusal.SELF_APPROVED, make_request(amount=D("90.00"), approved_by="c.soto"),
            invoice, lenient)
    refused(Refusal.SECOND_APPROVER_MISSING, make_request(amount=D("830.00")), invoice, lenient)
