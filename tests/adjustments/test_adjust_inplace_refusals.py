"""The in-place editor refuses only what it cannot edit safely, each with its reason, and
leaves the file as it was."""

from __future__ import annotations

import shutil
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest
from adjust_ledger_builder import write_ledger
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from connectors.xlsx_inplace import Formula, WorkbookEdit, WorkbookRefused, edit_workbook, plan_edit

ROWS = [("INV-1", "Ana Ruiz", D("100.00"), D("21.00"), D("0"), D("0"), "open")]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return write_ledger(tmp_path / "ledger.xlsx", ROWS)


def refused(path: Path, edit: WorkbookEdit, reason: str, match: str) -> None:
    before = path.read_bytes()
    with pytest.raises(WorkbookRefused, match=match) as caught:
        edit_workbook(path, edit)
    assert caught.value.reason == reason and str(path) in str(caught.value)
    assert path.read_bytes() == before


def test_encrypted_and_signed_workbooks(tmp_path: Path, ledger: Path) -> None:
    encrypted = tmp_path / "encrypted.xlsx"
    encrypted.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    refused(encrypted, WorkbookEdit().set("Ledger", "G4", D("1")), "workbook_encrypted",
            "encrypted")
    signed = tmp_path / "signed.xlsx"
    shutil.copy2(ledger, signed)
    with zipfile.ZipFile(signed, "a") as package:
        package.writestr("_xmlsignatures/sig1.xml", "<Signature/>")
    refused(signed, WorkbookEdit().set("Ledger", "G4", D("1")), "workbook_signed", "signed")


def test_edits_that_would_restructure_a_sheet(ledger: Path) -> None:
    refused(ledger, WorkbookEdit().set("Ledger", "B1", "x"), "workbook_restructure",
            "inside a merged range")
    refused(ledger, WorkbookEdit().set("Adjustments", "G1", "Total"), "workbook_restructure",
            "header row of table AdjustmentsTable")
    workbook = load_workbook(ledger)
    workbook["Adjustments"]["C3"] = "a note under the table"
    workbook["Ledger"]["K4"] = ArrayFormula("K4:L4", "=C4:D4*2")
    workbook.save(ledger)
    refused(ledger, WorkbookEdit().append_row("Adjustments", {"A": "REQ-1"}),
            "workbook_restructure", "under table AdjustmentsTable holds")
    refused(ledger, WorkbookEdit().set("Ledger", "L4", D("1")), "workbook_restructure",
            "array formula")


def test_bad_values_are_refused_before_planning() -> None:
    with pytest.raises(TypeError, match="float"):
        WorkbookEdit().set("Ledger", "G4", 0.1)
    with pytest.raises(ValueError, match="15"):
        WorkbookEdit().set("Ledger", "G4", D("1234567890123.456"))
    with pytest.raises(ValueError, match="not a cell address"):
        WorkbookEdit().set("Ledger", "4G", D("1"))


def test_text_stays_text_and_a_plan_is_printable(ledger: Path) -> None:
    edit = (WorkbookEdit().set("Ledger", "I4", "=cmd|' /C calc'!A0")
            .set("Ledger", "K4", Formula("=C4*2")).set("Ledger", "C4", D("100.00")))
    plan = plan_edit(ledger, edit)
    assert [str(e) for e in plan.cells] == [
        "Ledger!I4: 'open' -> \"=cmd|' /C calc'!A0\"", "Ledger!K4: '' -> '=C4*2'"]
    plan.apply()
    sheet = load_workbook(ledger)["Ledger"]
    assert (sheet["I4"].value, sheet["I4"].data_type) == ("=cmd|' /C calc'!A0", "s")
    assert sheet["K4"].value == "=C4*2"


def test_an_empty_sheet_takes_its_first_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "log.xlsx"
    workbook = Workbook()
    workbook.active.title = "Log"
    workbook.save(path)
    report = edit_workbook(path, WorkbookEdit().append_row("Log", {"A": "run", "B": D("1.50")})
                           .append_row("Log", {"A": "rerun", "C": D("0.07")}))
    assert [str(e) for e in report.cells] == [
        "Log!A1: '' -> 'run'", "Log!B1: '' -> '1.50'", "Log!A2: '' -> 'rerun'",
        "Log!C2: '' -> '0.07'"]
    rows = list(load_workbook(path)["Log"].iter_rows(values_only=True))
    assert rows == [("run", 1.5, None), ("rerun", None, 0.07)]
