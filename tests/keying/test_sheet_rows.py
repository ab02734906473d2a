"""Row-level validation of any workbook: every problem of every row, where a person looks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from pydantic import BaseModel, Field

from bots.errors import InputError, UsageError
from connectors.sheets import ColumnMap, read_rows, runs_as_formula, write_exceptions


class Payment(BaseModel):
    invoice: str = Field(min_length=3)
    paid_on: date
    amount: Decimal = Field(gt=0, decimal_places=2)
    urgent: bool = False
    note: str = ""


MAPPING = {"columns": {"invoice": ["Factura", "Nº factura"], "paid_on": "Fecha de cobro",
                       "amount": ["Importe cobrado"], "urgent": "Urgente", "note": "Observaciones"},
           "decimal_comma": True}


def _book(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Cobros de marzo"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_other_headers_formulas_injection_and_blanks_are_each_reported(tmp_path: Path) -> None:
    header = ["Nº factura", "Fecha de cobro", "Importe cobrado", "Urgente", "Observaciones"]
    path = _book(tmp_path / "cobros.xlsx", header, [
        ["F-001", date(2026, 3, 2), 120.5, "sí", "ok"],
        ["F-002", "03/03/2026", "1.234,56", "no", ""],
        ["F-003", date(2026, 3, 4), "=C3*2", None, ""],              # a formula, no saved result
        ["F-004", date(2026, 3, 4), "10,00", None, "=HYPERLINK(\"http://x\")"],
        [None, date(2026, 3, 5), "5,00", None, ""],                    # empty required cell
        ["F-006", "31/02/2026", "-3,00", "tal vez", ""],
    ])
    book_rows = list(range(3, 9))
    rows = read_rows(path, Payment, columns=MAPPING, key="invoice")

    assert rows.header_row == 2 and rows.rows == 6
    assert [(v.row, v.value.invoice, v.value.amount) for v in rows.valid] == [
        (3, "F-001", Decimal("120.50")), (4, "F-002", Decimal("1234.56"))]
    found = {(p.row, p.column): p for p in rows.problems}
    assert "formula (=C3*2)" in found[(5, "Importe cobrado")].reason
    injected = found[(6, "Observaciones")]
    assert "formula" in injected.reason and injected.value.startswith("=HYPERLINK(")
    assert found[(7, "Nº factura")].reason == "is missing"
    assert "is not a date" in found[(8, "Fecha de cobro")].reason
    assert "greater than 0" in found[(8, "Importe cobrado")].reason
    assert found[(8, "Urgente")].reason == "is not yes or no"
    assert rows.rejected_rows == set(book_rows[2:])

    out = write_exceptions(rows, tmp_path / "exceptions.xlsx")
    import pandas as pd
    frame = pd.read_excel(out, dtype=str)
    assert list(frame.columns) == ["Row", "Key", "Column", "Reason", "Value as found"]
    assert len(frame) == len(rows.problems)
    assert (frame["Value as found"] == '=HYPERLINK("http://x")').any()  # kept as text


def test_every_missing_header_is_named_at_once(tmp_path: Path) -> None:
    path = _book(tmp_path / "cobros.xlsx", ["Nº factura", "Observaciones"], [["F-1", "x"]])
    with pytest.raises(InputError) as caught:
        read_rows(path, Payment, columns=MAPPING)
    message = str(caught.value)
    assert "2 required column(s) not found" in message
    assert "'Fecha de cobro'" in message and "'Importe cobrado'" in message
    assert "cobros.xlsx" in message


def test_a_mapping_file_for_another_workbook_needs_no_code(tmp_path: Path) -> None:
    mapping = tmp_path / "payments.columns.toml"
    mapping.write_text('decimal_comma = false\n[columns]\ninvoice = "Invoice no."\n'
                       'paid_on = ["Paid", "Payment date"]\namount = "Amount (USD)"\n')
    path = tmp_path / "payments.csv"
    path.write_text("Invoice no.,Payment date,Amount (USD)\nA-100,2026-03-02,\"1,234.50\"\n",
                    encoding="utf-8")
    rows = read_rows(path, Payment, columns=mapping)
    assert [(v.value.invoice, v.value.amount) for v in rows.valid] == [("A-100", Decimal("1234.50"))]
    mapping.write_text('[columns]\ninvoyce = "Invoice no."\n')
    with pytest.raises(UsageError, match="no field.*invoyce"):
        read_rows(path, Payment, columns=ColumnMap.load(mapping))


def test_duplicates_repeat_an_earlier_row_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    header = ["Factura", "Fecha de cobro", "Importe cobrado"]
    path = _book(tmp_path / "c.xlsx", header, [["F-1", date(2026, 3, 1), 1], [None, None, None],
                                              ["f-1", date(2026, 3, 1), 2]])
    rows = read_rows(path, Payment, columns=MAPPING, key="invoice")
    assert rows.rows == 2 and [p.reason for p in rows.problems] == ["already on row 3"]


@pytest.mark.parametrize(("text", "runs"), [
    ("=1+1", True), ("@SUM(A1)", True), ("+HYPERLINK(\"x\")", True), ("-2+3+cmd|' /C calc'!A0", True),
    ("+34 612 345 678", False), ("-12,50", False), ("Pending", False), ("", False),
])
def test_what_runs_as_a_formula(text: str, runs: bool) -> None:
    assert runs_as_formula(text) is runs


def test_hostile_files_are_refused_or_reported_with_their_place(tmp_path: Path) -> None:
    nul = tmp_path / "nul.csv"
    nul.write_text("Factura,Fecha de cobro,Importe cobrado\nF-1\x00,02/03/2026,\"1,00\"\n")
    rows = read_rows(nul, Payment, columns=MAPPING)
    assert rows.valid == [] and "control characters" in rows.problems[0].reason
    write_exceptions(rows, tmp_path / "nul.xlsx")  # a NUL never reaches the workbook

    huge = tmp_path / "huge.csv"
    huge.write_text("Factura,Fecha de cobro,Importe cobrado\n" + "x" * 200_000 + ",1,1\n")
    with pytest.raises(InputError, match="huge.csv, row 2: the file is not readable as CSV"):
        read_rows(huge, Payment, columns=MAPPING)

    latin = tmp_path / "latin.csv"
    latin.write_bytes("Factura;Fecha de cobro;Importe cobrado\nF-Jos\xe9;02/03/2026;1,50\n"
                      .encode("cp1252"))
    with pytest.raises(InputError, match="declared encoding"):
        read_rows(latin, Payment, columns=MAPPING)
    rows = read_rows(latin, Payment, columns={**MAPPING, "encoding": "cp1252"})
    assert [v.value.invoice for v in rows.valid] == ["F-José"]
