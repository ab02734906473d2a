"""The sales sheet: every row checked, every problem located, money exact. No browser."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bots.errors import InputError
from connectors.sales_sheet import Sale, SalesRules, read_sales
from demo.samples.sales import (
    HEADERS,
    Problem,
    generate_sales,
    write_sales_csv,
    write_sales_workbook,
)

REASON_COLUMN = {
    Problem.VALIDATOR_IS_SELLER: ("Validator", "four-eyes"),
    Problem.DUPLICATE_EXTERNAL_ID: ("External ID", "already on row"),
    Problem.MISSING_CUSTOMER: ("Customer", "is missing"),
    Problem.NEGATIVE_AMOUNT: ("Amount", "greater than zero"),
    Problem.UNKNOWN_PRODUCT: ("Product", "is not one of"),
    Problem.AMOUNT_OVER_LIMIT: ("Amount", "above the limit"),
    Problem.TEXT_DATE: ("Sale date", "is not a date"),
}


def _floats(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in _floats(v)]
    return []


@pytest.mark.parametrize("writer", [write_sales_workbook, write_sales_csv])
def test_every_bad_row_is_named_with_its_column_and_reason(tmp_path: Path, writer: Any) -> None:
    suffix = ".xlsx" if writer is write_sales_workbook else ".csv"
    path = writer(tmp_path / f"sales{suffix}", count=80, seed=3, invalid=14)
    sample = generate_sales(80, 3, 14)
    sheet = read_sales(path)

    assert sheet.rows == 80
    assert [s.external_id for s in sheet.sales] == sample.valid_external_ids
    first_data_row = sheet.header_row + 1
    for index, row in enumerate(sample.rows):
        if row.problem is None:
            continue
        spreadsheet_row = first_data_row + index
        found = [p for p in sheet.problems if p.row == spreadsheet_row]
        column, words = REASON_COLUMN[row.problem]
        assert any(p.column == column and words in p.reason for p in found), (row, found)


def test_payloads_carry_exact_money_and_no_float(tmp_path: Path) -> None:
    sheet = read_sales(write_sales_workbook(tmp_path / "s.xlsx", count=40, seed=4, invalid=0))
    sample = generate_sales(40, 4, 0)
    assert [s.amount for s in sheet.sales] == [r.amount for r in sample.rows]
    for sale in sheet.sales:
        payload = sale.payload()
        assert _floats(payload) == []
        assert Decimal(payload["amount"]) == sale.amount and isinstance(payload["amount"], str)
        assert Sale.model_validate(payload) == sale  # what the queue stores reads back the same


def _workbook(tmp_path: Path, rows: list[list[Any]], headers: tuple[str, ...] = HEADERS) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    path = tmp_path / "hand.xlsx"
    book.save(path)
    return path


GOOD = ["E1", "14/02/2026", "Ana", "1X", "FIB-300", 1, 10.10, "EUR", "card", "web", "a.b",
        "c.d", "Yes", ""]


def test_float_cells_become_cents_only_when_they_are_cents(tmp_path: Path) -> None:
    rows = [GOOD, ["E2", *GOOD[1:6], 0.1 + 0.2, *GOOD[7:]], ["E3", *GOOD[1:6], 10.005, *GOOD[7:]],
            ["E4", *GOOD[1:6], "1.234,56", *GOOD[7:]], ["E5", *GOOD[1:6], "12.5", *GOOD[7:]]]
    sheet = read_sales(_workbook(tmp_path, rows))
    assert {s.external_id: s.amount for s in sheet.sales} == {
        "E1": Decimal("10.10"), "E2": Decimal("0.30"), "E4": Decimal("1234.56")}
    assert {p.key: p.column for p in sheet.problems} == {"E3": "Amount", "E5": "Amount"}


def test_four_eyes_ignores_case_and_limits_come_from_the_rules(tmp_path: Path) -> None:
    rows = [["E1", *GOOD[1:10], "Ana.Ruiz", "ana.ruiz ", *GOOD[12:]],
            ["E2", *GOOD[1:6], 600.00, *GOOD[7:]]]
    sheet = read_sales(_workbook(tmp_path, rows), rules=SalesRules(max_amount=Decimal("500")))
    reasons = {p.key: p.reason for p in sheet.problems}
    assert "four-eyes" in reasons["E1"] and "above the limit of 500.00" in reasons["E2"]
    assert sheet.sales == ()


def test_a_file_that_cannot_be_read_changes_nothing_and_says_where(tmp_path: Path) -> None:
    missing_amount = tuple(h for h in HEADERS if h != "Amount")
    with pytest.raises(InputError) as caught:
        read_sales(_workbook(tmp_path, [GOOD[:6] + GOOD[7:]], headers=missing_amount))
    assert "hand.xlsx" in str(caught.value) and "amount" in str(caught.value).lower()
    with pytest.raises(InputError, match="file not found"):
        read_sales(tmp_path / "nope.xlsx")


def test_blank_rows_are_skipped_and_optional_columns_may_be_blank(tmp_path: Path) -> None:
    rows = [GOOD, [None] * 14, ["E2", *GOOD[1:12], None, None]]
    sheet = read_sales(_workbook(tmp_path, rows))
    assert [(s.external_id, s.consent, s.notes) for s in sheet.sales] == [
        ("E1", True, ""), ("E2", False, "")]
    assert sheet.rows == 2 and sheet.problems == ()


@pytest.mark.parametrize("validator", ["Sara Ortiz", "sara.órtiz", "\u0455ara.ortiz",
                                       "sara.ortiz\u200b", "sara_ortiz", "SARA.ORTIZ", "sara  ortiz"])
def test_four_eyes_bypass_attempts_are_refused(tmp_path: Path, validator: str) -> None:
    rows = [["E1", *GOOD[1:10], "sara.ortiz", validator, *GOOD[12:]]]
    sheet = read_sales(_workbook(tmp_path, rows))
    assert sheet.sales == () and "four-eyes" in sheet.problems[0].reason
