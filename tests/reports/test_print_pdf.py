"""Workbooks fit to print, checked as PDF through LibreOffice: landscape, every column on
one page's width, header rows repeated on each page, no page holding a stray column."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from bots.reconcile import load_rules, reconcile_three_way
from connectors.recon_report import write_recon_report
from connectors.sheets import CellKind, ReportWorkbook, SheetSchema, TableColumn, load_sheet
from demo.samples.reconcile import write_reconcile_samples
from recipes.reconcile import _money_columns
from tests.reports.conftest import KnownStore, keep_artifact, produce_workbook
from tests.reports.test_report_libreoffice import tool

ROOT = Path(__file__).resolve().parents[2]


def to_pdf(workbook: Path, tmp_path: Path) -> list[str]:
    """The workbook printed to PDF by LibreOffice; the text of each page."""
    soffice, pdftotext = tool("soffice", "libreoffice-calc-nogui"), tool("pdftotext",
                                                                          "poppler-utils")
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                           "--norestore", "--convert-to", "pdf", "--outdir",
                           str(tmp_path / "pdf"), str(workbook)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = tmp_path / "pdf" / f"{workbook.stem}.pdf"
    keep_artifact(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # the first page as an image, for a person to look at
        subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(tmp_path / f"{workbook.stem}-page1")], check=True)
        keep_artifact(tmp_path / f"{workbook.stem}-page1.png")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def sheets_by_page(pages: list[str], titles: list[str]) -> list[str]:
    """Which sheet each page prints (its footer names it)."""
    found = []
    for page in pages:
        names = [t for t in titles if f"{t} · page" in page]
        assert len(names) == 1, page[-300:]
        found.append(names[0])
    return found


@pytest.mark.slow
def test_reconciliation_workbook_prints_one_page_per_sheet(tmp_path: Path) -> None:
    rules = load_rules(ROOT / "recipes/reconcile_rules/default.toml")
    files = write_reconcile_samples(tmp_path / "in")
    frames = {name: load_sheet(path, SheetSchema.from_mapping(rules.sources[name])).frame
              for name, path in files.items()}
    result = reconcile_three_way(frames["ledger"], {
        "bank": (frames["bank"], rules.passes["bank"]),
        "portal": (frames["portal_export"], rules.passes["portal"])})
    out = write_recon_report(result, tmp_path / "reconciliation.xlsx",
                             money_columns=_money_columns(rules)).workbook
    titles = load_workbook(out).sheetnames
    pages = to_pdf(out, tmp_path)
    # Every column on the page's width: one page per sheet for the demo's few hundred lines
    # (92 pages before, one of them holding only the Summary's "balanced").
    assert sheets_by_page(pages, titles) == titles
    assert "balanced" in pages[0] and "Input" in pages[0]


@pytest.mark.slow
def test_long_exceptions_table_repeats_its_header_on_every_page(tmp_path: Path) -> None:
    rows = 160
    frame = pd.DataFrame({
        "row": range(2, rows + 2), "external_id": [f"S-{n:05d}" for n in range(rows)],
        "column": ["Amount"] * rows,
        "reason": ["not an amount like 1.234,56: the cell holds text that is no number " * 2]
        * rows, "value": ["-12,5x"] * rows, "amount": [-1250] * rows})
    book = ReportWorkbook()
    book.add_table("Exceptions", frame, [
        TableColumn("row", "Row", CellKind.INTEGER), TableColumn("external_id", "External ID"),
        TableColumn("column", "Column"), TableColumn("reason", "Reason", width=60),
        TableColumn("value", "Value"), TableColumn("amount", "Amount", CellKind.MONEY)])
    out = book.save(tmp_path / "exceptions.xlsx")
    pages = to_pdf(out, tmp_path)
    assert 2 <= len(pages) <= 6  # one page wide, as many down as the rows need
    assert sheets_by_page(pages, ["Exceptions"]) == ["Exceptions"] * len(pages)
    for page in pages:
        assert "External ID" in page and "Reason" in page and "Amount" in page  # header
    assert "-12.50" in pages[0]  # a negative amount is a number, not text


@pytest.mark.slow
def test_productivity_workbook_prints_each_sheet_whole(known_store: KnownStore,
                                                      tmp_path: Path) -> None:
    workbook = produce_workbook(known_store).xlsx
    titles = load_workbook(workbook).sheetnames
    pages = to_pdf(workbook, tmp_path)
    printed = sheets_by_page(pages, titles)
    assert sorted(set(printed), key=titles.index) == titles
    assert len(pages) == len(titles)  # a few hundred rows at most: one page each
    notes = pages[printed.index("Notes")]
    # Written-out row heights: each note on lines of its own, none drawn over another.
    assert "Rounding: hours to 2 places" in notes
    assert "Items per hour: items / hours of handling" in " ".join(notes.split())
