"""invoice_adjustments' four eyes through the staff directory: every bypass attempt of the
runtime's known-answer table, written as the approver of one's own request or as a
second approver equal to the first, is refused; an unknown name is a business exception."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from recipes.invoice_adjustments.policy import AdjustmentPolicy
from recipes.invoice_adjustments.rules import Refusal, validate
from tests.adjustments.adjust_builders import make_invoice, make_request
from tests.adjustments.test_adjust_rules import refused
from tests.runtime.test_people import BYPASS_ATTEMPTS

INVOICE = make_invoice(("10000.00", "21"))


@pytest.mark.parametrize(("written", "trick"), BYPASS_ATTEMPTS,
                         ids=[trick for _, trick in BYPASS_ATTEMPTS])
def test_approving_ones_own_request_in_disguise_is_refused(policy: AdjustmentPolicy,
                                                           written: str, trick: str) -> None:
    refused(Refusal.SELF_APPROVED,
            make_request(requested_by="sara.ortiz", approved_by=written), INVOICE, policy)


@pytest.mark.parametrize(("written", "trick"), BYPASS_ATTEMPTS,
                         ids=[trick for _, trick in BYPASS_ATTEMPTS])
def test_one_person_as_both_approvers_in_disguise_is_refused(policy: AdjustmentPolicy,
                                                             written: str, trick: str) -> None:
    refused(Refusal.APPROVERS_NOT_DISTINCT,
            make_request(amount=D("500.00"), approved_by="sara.ortiz", second_approver=written),
            INVOICE, policy)


@pytest.mark.parametrize("who", ["requested_by", "approved_by", "second_approver"])
def test_a_name_not_in_the_directory_is_refused(policy: AdjustmentPolicy, who: str) -> None:
    request = make_request(**{"amount": D("500.00"), "second_approver": "j.castillo",
                              who: "r.delgad0"})
    error = refused(Refusal.UNKNOWN_PERSON, request, INVOICE, policy)
    assert "r.delgad0" in str(error)


def test_different_people_however_written_pass(policy: AdjustmentPolicy) -> None:
    request = make_request(amount=D("500.00"), requested_by="Clara Soto",
                           approved_by="r.delgado@backoffice.example",
                           second_approver="Castillo, Javier")
    assert validate(request, INVOICE, policy)
