"""The report end to end on the demo files: Summary adds up, a sheet per class, CSV."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bots.reconcile import load_rules, reconcile, reconcile_three_way
from connectors.recon_report import write_recon_report
from connectors.sheets import SheetSchema, load_sheet
from demo.samples.reconcile import write_reconcile_samples

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "recipes/reconcile_rules/default.toml")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    files = write_reconcile_samples(tmp_path_factory.mktemp("demo"))
    return {name: load_sheet(path, SheetSchema.from_mapping(RULES.sources[name])).frame
            for name, path in files.items()}


@pytest.fixture(scope="module")
def three_way(demo):
    return reconcile_three_way(demo["ledger"], {
        "bank": (demo["bank"], RULES.passes["bank"]),
        "portal": (demo["portal_export"], RULES.passes["portal"])})


def test_demo_samples_are_the_same_for_the_same_seed(tmp_path):
    first = write_reconcile_samples(tmp_path / "a")
    second = write_reconcile_samples(tmp_path / "b")
    assert first["portal_export"].read_bytes() == second["portal_export"].read_bytes()
    one = [list(r) for r in load_workbook(first["bank"]).active.iter_rows(values_only=True)]
    two = [list(r) for r in load_workbook(second["bank"]).active.iter_rows(values_only=True)]
    assert one == two


def test_demo_bank_statement_loads_and_drops_its_totals(tmp_path):
    files = write_reconcile_samples(tmp_path)
    loaded = load_sheet(files["bank"], SheetSchema.from_mapping(RULES.sources["bank"]))
    assert loaded.header_row == 4
    assert [d.reason for d in loaded.dropped] == ["blank", "totals"]
    assert loaded.frame["amount"].dtype == "int64"
    assert loaded.frame["booked"].notna().all()


def test_demo_plants_every_finding(three_way):
    bank = three_way.passes["bank"].counts()
    for cls in ("matched", "matched_tolerance", "grouped", "amount_break", "date_break",
                "ambiguous", "missing_right"):
        assert bank[f"ledger_{cls}"] > 0, cls
    assert bank["bank_duplicate"] == 1 and bank["bank_missing_left"] == 1
    assert bank["ledger_grouped"] == 2 and bank["bank_grouped"] == 1
    assert bank["ledger_ambiguous"] == 2 and bank["bank_ambiguous"] == 1
    portal = three_way.passes["portal"].counts()
    assert portal["ledger_amount_break"] == 2 and portal["ledger_missing_right"] == 3


def test_report_summary_adds_up_to_the_inputs(tmp_path, three_way, demo):
    files = write_recon_report(three_way, tmp_path / "report.xlsx", csv=tmp_path / "lines.csv")
    book = load_workbook(files.workbook)
    assert book.sheetnames[0] == "Summary"
    assert {"Matched", "Within tolerance", "Settled by group", "Amount break", "Date break",
            "Ambiguous", "Duplicate", "Missing left", "Missing right", "Ledger"} <= set(
        book.sheetnames)
    rows = list(book["Summary"].iter_rows(values_only=True))
    totals = [r for r in rows if r[0] == "Total"]
    inputs = [r for r in rows if r[0] == "Input"]
    assert len(totals) == len(inputs) == 2  # one block per pass
    for total, observed in zip(totals, inputs, strict=True):
        assert total[2:6] == observed[2:6] and observed[6] == "balanced"
    ledger_sum = Decimal(int(demo["ledger"]["amount"].sum())).scaleb(-2)
    assert Decimal(str(inputs[0][3])) == ledger_sum
    assert inputs[0][2] == len(demo["ledger"]) and inputs[0][4] == len(demo["bank"])


def test_class_sheets_hold_every_row_once(tmp_path, three_way, demo):
    files = write_recon_report(three_way, tmp_path / "report.xlsx", csv=tmp_path / "lines.csv")
    book = load_workbook(files.workbook)
    seen_bank = 0
    for title in book.sheetnames[1:-1]:
        ws = book[title]
        header = [c.value for c in ws[1]]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        col = header.index("bank source_row") + 1
        seen_bank += sum(1 for r in range(2, ws.max_row + 1) if ws.cell(r, col).value is not None)
    assert seen_bank == len(demo["bank"])
    with files.csv.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    names = {line["ledger customer_name"] for line in lines}
    assert "'=Gamma Partners" in names  # a formula-looking name, neutralised
    amount_breaks = [line for line in lines if line["Class"] == "amount_break"]
    assert {line["Pass"] for line in amount_breaks} == {"bank", "portal"}


def test_two_way_report(tmp_path, demo):
    result = reconcile(demo["ledger"], demo["portal_export"], RULES.passes["portal"])
    files = write_recon_report(result, tmp_path / "r.xlsx")
    assert files.csv is None
    book = load_workbook(files.workbook)
    assert "Ledger" not in book.sheetnames
    ws = book["Amount break"]
    assert [c.value for c in ws[1]][:3] == ["Class", "Rule", "Link"]
    assert ws["A2"].fill.fgColor.rgb.endswith("FCE4D6")  # break rows coloured
