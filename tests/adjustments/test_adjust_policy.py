"""The policy file: typed, frozen, and refusing bad configuration; request rows and duplicates."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from pathlib import Path

import pytest
from adjust_builders import make_request

from bots.errors import InputError, UsageError
from bots.money import Rounding
from connectors.invoice_model import AdjustmentKind
from recipes.invoice_adjustments.policy import (
    DEFAULT_POLICY_FILE,
    AmountBasis,
    ApprovalPolicy,
    load_policy,
)
from recipes.invoice_adjustments.requests import request_from_row, split_duplicates

GOOD = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")


def test_the_example_policy_file(policy) -> None:  # noqa: ANN001
    assert policy.rounding is Rounding.HALF_UP
    assert policy.approval == ApprovalPolicy(AmountBasis.NET, D("0.00"), D("500.00"))
    assert policy.allowed(AdjustmentKind.CHARGE, "LATE_FEE")
    assert not policy.allowed(AdjustmentKind.CREDIT, "LATE_FEE")
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.rounding = Rounding.DOWN  # type: ignore[misc]


@pytest.mark.parametrize(("old", "new", "message"), [
    ('two_approvers_from = "500.00"', "two_approvers_from = 500.0", "quoted text"),
    ('four_eyes_from = "0.00"', 'four_eyes_from = "-1.00"', "cannot be negative"),
    ('four_eyes_from = "0.00"', 'four_eyes_from = "900.00"', "at least four_eyes_from"),
    ('rounding = "half_up"', 'rounding = "bankers"', "unknown rounding rule"),
    ('basis = "net"', 'basis = "tax"', "net or gross"),
    ('max_percentage = "100%"', 'max_percentage = "150%"', "at most 100%"),
    ('max_percentage = "100%"', "max_percentage = 1.0", "as text"),
    ('charge = ["LATE_FEE", "SERVICE_CHANGE", "PRICE_CORRECTION"]', "charge = []", "at least one"),
    ("[approval]", "[approval]\nfour_eyes_above = \"1.00\"", "unknown key"),
    ("[money]", "[limits]\nx = 1\n[money]", "unknown section"),
    ('basis = "net"', 'basis = "net', "policy file"),
])
def test_bad_policy_files_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = tmp_path / "policy.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(UsageError, match=message) as caught:
        load_policy(path)
    assert str(path) in str(caught.value)


def test_value_objects_refuse_bad_values_when_built() -> None:
    with pytest.raises(TypeError, match="never float"):
        ApprovalPolicy(four_eyes_from=0.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ApprovalPolicy(four_eyes_from=D("10"), two_approvers_from=D("5"))
    assert ApprovalPolicy().approvers_needed(D("0.01")) == 1
    assert ApprovalPolicy().approvers_needed(D("500.00")) == 2
    with pytest.raises(UsageError, match="does not exist"):
        load_policy(Path("/nonexistent/policy.toml"))


ROW = {"request_id": "REQ-9", "invoice_id": "INV-2026-0001", "kind": "Abono", "amount": "1.234,50",
       "percentage": None, "reason_code": "goodwill", "requested_by": "c.soto",
       "approved_by": "r.delgado", "note": "=HYPERLINK(\"x\")"}


def test_a_row_becomes_a_typed_request() -> None:
    request = request_from_row(ROW, file="req.csv", row=7)
    assert request.kind is AdjustmentKind.CREDIT and request.amount == D("1234.50")
    assert request.reason_code == "GOODWILL" and request.second_approver == "" and request.row == 7
    assert request_from_row({**ROW, "amount": D("12.5")}, file="x", row=2).amount == D("12.5")
    assert request_from_row({**ROW, "amount": None, "percentage": "10 %"}, file="x",
                            row=2).percentage == D("0.1")
    # a negative amount reads fine: the rules refuse it later, as a business exception
    assert request_from_row({**ROW, "amount": "-10,00"}, file="x", row=2).amount == D("-10.00")
    restored = type(request).from_payload(request.to_payload())
    assert restored == request and restored.same_request(request)


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("amount", "12,3x", "an amount like"), ("amount", 12.5, "exact amount"),
    ("kind", "refund", "charge or credit"), ("request_id", "  ", "a value"),
    ("percentage", "ten", "a fraction"),
])
def test_unreadable_cells_name_file_row_and_column(column: str, value: object, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as caught:
        request_from_row({**ROW, column: value}, file="requests.xlsx", sheet="Requests", row=12)
    error = caught.value
    assert (error.file, error.sheet, error.row, error.column) == ("requests.xlsx", "Requests", 12, column)
    assert f"row 12, column '{column}'" in str(error)


def test_duplicate_request_ids_keep_the_first_row() -> None:
    first, other, again = (make_request(row=2), make_request(request_id="REQ-2", row=3),
                           make_request(amount=D("99.00"), row=9))
    unique, duplicates = split_duplicates([first, other, again])
    assert unique == [first, other]
    assert [(d.request.row, d.first_row) for d in duplicates] == [(9, 2)]
    error = duplicates[0].error()
    assert error.reason == "duplicate_request_id" and "row 2" in str(error)
