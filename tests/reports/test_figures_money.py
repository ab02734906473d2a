"""Money is money in the reconciliation outputs: a bank balance reads as 116.966,00, not
11696600, in the workbook and in the CSV (issue 13)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from bots.reconcile import load_rules, reconcile_three_way
from connectors.recon_report import write_recon_report
from connectors.sheets import SheetSchema, load_sheet
from demo.samples.reconcile import write_reconcile_samples
from recipes.reconcile import _money_columns

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "recipes/reconcile_rules/default.toml")


def test_bank_balance_is_money_in_the_workbook_and_the_csv(tmp_path: Path) -> None:
    files = write_reconcile_samples(tmp_path / "in")
    frames = {name: load_sheet(path, SheetSchema.from_mapping(RULES.sources[name])).frame
              for name, path in files.items()}
    result = reconcile_three_way(frames["ledger"], {
        "bank": (frames["bank"], RULES.passes["bank"]),
        "portal": (frames["portal_export"], RULES.passes["portal"])})
    assert "balance" in _money_columns(RULES)
    out = write_recon_report(result, tmp_path / "r.xlsx", csv=tmp_path / "r.csv",
                             money_columns=_money_columns(RULES))
    balances = frames["bank"]["balance"].dropna()
    assert len(balances), "the demo bank statement has balances"
    expected = {Decimal(int(v)).scaleb(-2) for v in balances}

    book = load_workbook(out.workbook)
    seen: set[Decimal] = set()
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        if "bank balance" not in header:
            continue
        col = header.index("bank balance") + 1
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell = row[0]
            if cell.value is None:
                continue
            assert cell.number_format == "#,##0.00", (ws.title, cell.coordinate)
            seen.add(Decimal(str(cell.value)).quantize(Decimal("0.01")))
    assert seen and seen <= expected

    with out.csv.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    texts = {r["bank balance"] for r in rows if r["bank balance"]}
    assert texts and {Decimal(t) for t in texts} <= expected
    assert all("." in t for t in texts), "minor units written as a decimal, not cents"
