"""Ledgers from openpyxl, XlsxWriter, LibreOffice and an .xlsm, edited in place: the
packages are diffed part by part and cell by cell, and the result is read back by
LibreOffice (a PDF), pandas, openpyxl and calamine."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest
from ledger_corpus import KINDS, WITH_TOTALS, build, convert
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from connectors.invoice_ledger import InvoiceLedger, LedgerEntry
from connectors.invoice_model import AdjustmentKind
from connectors.xlsx_inplace import read_workbook

CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', re.S)
ENTRIES = [
    LedgerEntry("REQ-1", "INV-1", AdjustmentKind.CREDIT, D("10.00"), D("2.10"), "NC-000001",
                "GOODWILL", date(2026, 3, 2)),
    LedgerEntry("REQ-2", "INV-2", AdjustmentKind.CHARGE, D("5.05"), D("1.06"), "CG-000001",
                "LATE_FEE", date(2026, 3, 2)),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus")
    return {kind: build(kind, root / kind) for kind in KINDS}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def cells(xml: bytes) -> dict[str, bytes]:
    return {m.group(1).decode(): re.sub(rb'\sr="[A-Z]+\d+"', b"", m.group(0))
            for m in CELL.finditer(xml)}


def edited(tmp_path: Path, source: Path) -> tuple[Path, object]:
    path = tmp_path / source.name
    shutil.copy2(source, path)
    ledger = InvoiceLedger.open(path)
    for entry in ENTRIES:
        ledger.apply(entry)
    return path, ledger.save()


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_intended_parts_and_cells_change(kind: str, corpus: dict[str, Path],
                                                   tmp_path: Path) -> None:
    source = corpus[kind]
    path, report = edited(tmp_path, source)
    book = read_workbook(source)
    ledger_part, adj_part = (book.sheet(n).part for n in ("Ledger", "Adjustments"))
    table_parts = {t.part for t in book.tables("Adjustments")}
    before, after = parts(source), parts(path)
    assert path.suffix == source.suffix
    dropped = set(before) - set(after)
    assert dropped <= {"xl/calcChain.xml"} and set(after) <= set(before)
    allowed = {ledger_part, adj_part, book.workbook_part, *table_parts}
    if dropped:
        allowed |= {"[Content_Types].xml", "xl/_rels/workbook.xml.rels"}
    changed = {name for name in after if after[name] != before[name]}
    assert changed <= allowed, changed - allowed
    assert {ledger_part, adj_part} <= changed
    if kind == "xlsm":
        assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    if kind == "libreoffice-pivot":  # what the corpus is for: these are kept, not refused
        assert any(n.startswith("xl/pivotTables/") for n in after)
    if kind != "openpyxl":
        assert {"xl/drawings/drawing1.xml", "xl/charts/chart1.xml"} <= set(after)

    # every untouched cell's XML is identical; the totals row (if any) moved as it was
    written = {(e.sheet, e.cell) for e in report.cells}
    old, new = cells(before[ledger_part]), cells(after[ledger_part])
    assert set(old) == set(new)
    assert {c for c in old if old[c] != new[c]} == {c for s, c in written if s == "Ledger"}
    old, new = cells(before[adj_part]), cells(after[adj_part])
    table, = book.tables("Adjustments")
    assert bool(table.totals_rows) == (kind in WITH_TOTALS)
    first_new = table.last_data_row + 1  # the totals row, when there is one, moves 2 down

    def now_at(cell: str) -> str:
        letters, row = re.match(r"([A-Z]+)(\d+)", cell).groups()  # type: ignore[union-attr]
        return f"{letters}{int(row) + 2}" if int(row) == first_new else cell

    for cell, xml in old.items():
        assert new[now_at(cell)] == xml, (cell, now_at(cell))
    assert set(new) - {now_at(c) for c in old} <= {
        f"{letter}{row}" for letter in "ABCDEFGHI" for row in (first_new, first_new + 1)}

    # the edited cells hold exactly the intended values, as the editor reads them back
    sheet = read_workbook(path).sheet("Ledger")
    assert (sheet.value(4, 7), sheet.value(5, 6)) == (D("12.10"), D("16.11"))
    assert b"<v>12.10</v>" in after[ledger_part] and b"<v>16.11</v>" in after[ledger_part]
    adjustments = read_workbook(path).sheet("Adjustments")
    assert [adjustments.value(first_new, c) for c in (1, 5, 6, 7)] == [
        "REQ-1", D("10"), D("2.1"), D("12.1")]
    assert [adjustments.value(first_new + 1, c) for c in (1, 7)] == ["REQ-2", D("6.11")]
    assert b"fullCalcOnLoad=\"1\"" in after[book.workbook_part]
    # the formulas reading the changed cells are named: their cached results are old
    assert {"Ledger!H4", "Ledger!H5", "Ledger!G8", "Ledger!F8", "Ledger!H8"} <= set(report.stale)
    assert "Ledger!E4" not in report.stale  # Net + VAT: untouched
    if kind in WITH_TOTALS:  # names: the data range grew by two rows, the total moved
        names = dict(re.findall(rb'<definedName\s[^>]*?\bname="(\w+)"[^>]*>([^<]*)<',
                                after[book.workbook_part]))
        assert names[b"AdjustmentRows"] == b"Adjustments!$A$1:$I$4"
        assert names[b"AdjustmentsGrossTotal"] == b"Adjustments!$G$5"
        assert names[b"LedgerTotal"] == b"Ledger!$H$8"


@pytest.mark.parametrize("kind", KINDS)
def test_readers_see_the_edited_values_exactly(kind: str, corpus: dict[str, Path],
                                                tmp_path: Path) -> None:
    path, _ = edited(tmp_path, corpus[kind])
    sheet = load_workbook(path)["Ledger"]
    assert (D(str(sheet["G4"].value)), D(str(sheet["F5"].value))) == (D("12.1"), D("16.11"))
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Ledger").to_python()
    assert (D(str(calamine[3][6])), D(str(calamine[4][5]))) == (D("12.1"), D("16.11"))
    for engine in ("openpyxl", "calamine"):
        frame = pd.read_excel(path, sheet_name="Adjustments", engine=engine)
        rows = frame[frame["Request"].isin(["REQ-1", "REQ-2"])]
        assert [D(str(v)) for v in rows["Gross"]] == [D("12.1"), D("6.11")], engine
        assert list(rows["Document"]) == ["NC-000001", "CG-000001"]


@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_opens_it_with_the_new_totals(kind: str, corpus: dict[str, Path],
                                                   tmp_path: Path) -> None:
    path, _ = edited(tmp_path, corpus[kind])
    pdf = convert(path, "pdf", tmp_path / "pdf", recalculate=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "REQ-1" in text and "NC-000001" in text and "CG-000001" in text
    # totals recalculated on opening: credits 0 + 12.10 + 517.57, charges 0 + 16.11 + 0
    assert "529.67" in text and "16.11" in text
    if kind in WITH_TOTALS:  # the Adjustments table's totals row: 1.21 + 12.10 + 6.11
        assert "19.42" in text


@pytest.mark.parametrize("kind", KINDS)
def test_a_rerun_changes_nothing_and_says_so(kind: str, corpus: dict[str, Path],
                                              tmp_path: Path) -> None:
    path, first = edited(tmp_path, corpus[kind])
    once = path.read_bytes()
    ledger = InvoiceLedger.open(path)
    changes = [ledger.apply(entry) for entry in ENTRIES]
    report = ledger.save()
    assert all(c.already_applied for c in changes)
    assert not report.written and report.cells == ()
    assert "nothing to change" in report.describe()
    assert path.read_bytes() == once
