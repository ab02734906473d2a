"""The ledger-workbook connector: only the intended cells change, compared cell by cell."""

from __future__ import annotations

from copy import copy
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from adjust_ledger_builder import write_ledger
from openpyxl import load_workbook

from connectors.invoice_ledger import InvoiceLedger, LedgerEntry, LedgerError
from connectors.invoice_model import AdjustmentKind
from connectors.xlsx_exact import stored_numbers

ROWS = [
    ("INV-1", "Ana Ruiz", D("100.00"), D("21.00"), D("0"), D("0"), "open"),
    ("INV-2", "=cmd|' /C calc'!A0", D("0.07"), D("0.01"), D("0"), D("0"), "open"),
    ("INV-3", "Luis Gil", D("250.50"), D("52.61"), D("10.00"), D("0"), "open"),
]


def entry(request_id: str, invoice_id: str, kind: AdjustmentKind, net: str, tax: str,
          number: str) -> LedgerEntry:
    return LedgerEntry(request_id, invoice_id, kind, D(net), D(tax), number, "GOODWILL",
                       date(2026, 3, 2))


def snapshot(path: Path) -> dict[str, Any]:
    """Everything a person could see or a formula could use, per cell and per sheet."""
    workbook = load_workbook(path)
    cells: dict[tuple[str, str], tuple[Any, ...]] = {}
    sheets: dict[str, tuple[Any, ...]] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=sheet.max_column):
            for c in row:
                cells[(sheet.title, c.coordinate)] = (
                    c.value, c.data_type, c.number_format, copy(c.font), copy(c.fill),
                    copy(c.border), copy(c.alignment), copy(c.protection))
        sheets[sheet.title] = (
            sorted(str(r) for r in sheet.merged_cells.ranges), sheet.freeze_panes,
            {k: v.width for k, v in sheet.column_dimensions.items()},
            {k: v.height for k, v in sheet.row_dimensions.items() if v.height},
            [(str(cf.sqref), [r.formula for r in cf.rules]) for cf in sheet.conditional_formatting],
            [(str(dv.sqref), dv.formula1) for dv in sheet.data_validations.dataValidation],
            {table.displayName: table.ref for table in sheet.tables.values()},
        )
    names = {name: d.attr_text for name, d in workbook.defined_names.items()}
    return {"cells": cells, "sheets": sheets, "names": names}


def test_only_the_intended_cells_change(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", ROWS)
    before = snapshot(path)
    ledger = InvoiceLedger.open(path)
    credit = ledger.apply(entry("REQ-1", "INV-1", AdjustmentKind.CREDIT, "10.00", "2.10", "NC-000001"))
    closing = ledger.apply(entry("REQ-2", "INV-2", AdjustmentKind.CREDIT, "0.07", "0.01", "NC-000002"))
    charge = ledger.apply(entry("=REQ-3", "INV-3", AdjustmentKind.CHARGE, "5.05", "1.06", "CG-000001"))
    # a second credit on INV-1 reads G4 again, after the Adjustments sheet's own G4 was written
    second = ledger.apply(entry("REQ-4", "INV-1", AdjustmentKind.CREDIT, "1.00", "0.21", "NC-000003"))
    ledger.save()
    after = snapshot(path)

    intended = {("Ledger", "G4"), ("Ledger", "G5"), ("Ledger", "I5"), ("Ledger", "F6")} | {
        ("Adjustments", f"{col}{row}") for col in "ABCDEFGHI" for row in (3, 4, 5, 6)}
    changed = {key for key in before["cells"] | after["cells"]
               if before["cells"].get(key) != after["cells"].get(key)}
    assert changed == intended
    assert set(credit.cells + closing.cells + charge.cells + second.cells) == {
        f"{s}!{c}" for s, c in intended}
    # the sheet-level things are the same, except the table that grew by its four rows
    assert after["sheets"]["Ledger"] == before["sheets"]["Ledger"]
    assert after["names"] == before["names"]
    assert after["sheets"]["Adjustments"][6] == {"AdjustmentsTable": "A1:I6"}
    assert after["sheets"]["Adjustments"][:6] == before["sheets"]["Adjustments"][:6]

    # the money written is exact in the file's XML, and the new rows look like the old one
    numbers = stored_numbers(path, "Ledger")
    assert (numbers["G4"], numbers["G5"], numbers["F6"]) == (D("13.31"), D("0.08"), D("16.11"))
    assert (second.before.credits, second.after.credits) == (D("12.10"), D("13.31"))
    adjustments = stored_numbers(path, "Adjustments")
    assert [adjustments[f"G{r}"] for r in (3, 4, 5)] == [D("12.10"), D("0.08"), D("6.11")]
    cells = after["cells"]
    assert cells[("Adjustments", "E3")][2] == cells[("Adjustments", "E2")][2] == "#,##0.00"
    assert cells[("Adjustments", "D4")][3] == cells[("Adjustments", "D2")][3]
    assert cells[("Ledger", "I5")][0] == "closed"
    assert cells[("Ledger", "B5")][:2] == ("=cmd|' /C calc'!A0", "s")  # text stays text
    assert cells[("Adjustments", "A5")][:2] == ("=REQ-3", "s")  # and is written as text
    assert (closing.before.balance, closing.after.balance) == (D("0.08"), D("0"))
    assert (charge.before.balance, charge.after.balance) == (D("313.11"), D("319.22"))


def test_applying_again_changes_nothing(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", ROWS)
    first = InvoiceLedger.open(path)
    first.apply(entry("REQ-1", "INV-1", AdjustmentKind.CREDIT, "10.00", "2.10", "NC-000001"))
    first.save()
    once = snapshot(path)
    again = InvoiceLedger.open(path)
    change = again.apply(entry("REQ-1", "INV-1", AdjustmentKind.CREDIT, "10.00", "2.10", "NC-000001"))
    again.save()
    assert change.already_applied and change.cells == ()
    assert snapshot(path) == once


def test_the_ledger_refuses_what_it_cannot_take(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", ROWS)
    ledger = InvoiceLedger.open(path)
    with pytest.raises(LedgerError, match="not in the ledger") as missing:
        ledger.apply(entry("REQ-1", "INV-404", AdjustmentKind.CREDIT, "1.00", "0.21", "NC-1"))
    assert missing.value.reason == "ledger_invoice_missing"
    with pytest.raises(LedgerError, match="exceeds the ledger's balance"):
        ledger.apply(entry("REQ-2", "INV-2", AdjustmentKind.CREDIT, "0.07", "0.02", "NC-2"))
    workbook = load_workbook(path)
    workbook["Ledger"]["G4"] = "=1+1"
    workbook.save(path)
    with pytest.raises(LedgerError, match="G4 .*formula"):
        InvoiceLedger.open(path).apply(entry("REQ-3", "INV-1", AdjustmentKind.CREDIT, "1.00",
                                             "0.21", "NC-3"))
