"""The formatted table writer: what openpyxl and calamine read back, and injection safety."""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from connectors.sheets import CellKind, ReportWorkbook, TableColumn, csv_safe, set_text, write_csv
from connectors.sheets.writer import sheet_title

RISKY = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "plain"]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": pd.array(RISKY, dtype="str"),
        "amount": np.array([123_456, -1, 0, 99_999_999_999, 5, -100_000], dtype=np.int64),
        "maybe": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
        "date": pd.to_datetime(["2024-01-31", None, "2024-02-29", "1999-12-31", "2024-06-01",
                                "2030-01-01"]),
        "count": np.arange(6),
        "note": pd.array(["a & b", "<tag>", "  padded ", None, "tab\tin", "ctl\x01char"],
                         dtype="str"),
    })


COLUMNS = [TableColumn("name", "Name"), TableColumn("amount", "Amount", CellKind.MONEY),
           TableColumn("maybe", "Maybe", CellKind.MONEY), TableColumn("date", "Date", CellKind.DATE),
           TableColumn("count", "Count", CellKind.INTEGER), TableColumn("note", "Note")]


def test_table_reads_back_exactly(tmp_path, frame):
    book = ReportWorkbook()
    book.add_table("Data", frame, COLUMNS, fill="FCE4D6")
    path = book.save(tmp_path / "out.xlsx")
    ws = load_workbook(path)["Data"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Amount", "Maybe", "Date", "Count", "Note")
    assert [r[0] for r in rows[1:]] == RISKY
    assert [Decimal(str(r[1])) for r in rows[1:]] == [
        Decimal("1234.56"), Decimal("-0.01"), Decimal("0"), Decimal("999999999.99"),
        Decimal("0.05"), Decimal("-1000")]
    assert [r[2] for r in rows[1:]] == [0.01, None, 0.03, 0.04, None, 0.06]
    assert [r[3].date().isoformat() if r[3] else None for r in rows[1:]] == [
        "2024-01-31", None, "2024-02-29", "1999-12-31", "2024-06-01", "2030-01-01"]
    assert [r[4] for r in rows[1:]] == [0, 1, 2, 3, 4, 5]
    assert [r[5] for r in rows[1:]] == ["a & b", "<tag>", "  padded ", None, "tab\tin", "ctlchar"]
    assert len(rows) == 7  # no template rows left behind


def test_table_is_formatted(tmp_path, frame):
    book = ReportWorkbook()
    book.add_table("Data", frame, COLUMNS, fill="FCE4D6")
    ws = load_workbook(book.save(tmp_path / "out.xlsx"))["Data"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F7"
    assert ws.dimensions == "A1:F7"
    assert ws["A1"].font.b
    assert ws["B2"].number_format == "#,##0.00"
    assert ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].fill.fgColor.rgb.endswith("FCE4D6")
    assert ws.column_dimensions["A"].width >= len(RISKY[0])
    assert 8 <= ws.column_dimensions["F"].width <= 60


def test_formula_like_text_is_written_as_text(tmp_path, frame):
    book = ReportWorkbook()
    book.add_table("Data", frame, COLUMNS)
    summary = book.sheet("Summary")
    set_text(summary["A1"], "=1+1")
    path = book.save(tmp_path / "out.xlsx")
    with zipfile.ZipFile(path) as package:
        xml = b"".join(package.read(n) for n in package.namelist() if n.startswith("xl/worksheets"))
    assert b"<f>" not in xml  # not a single formula anywhere
    book = load_workbook(path)
    ws = book["Data"]
    for row in range(2, 7):
        assert ws.cell(row, 1).data_type == "s"
        assert ws.cell(row, 1).quotePrefix  # stays text when someone edits the cell
    assert not ws.cell(7, 1).quotePrefix  # "plain"
    assert book["Summary"]["A1"].value == "=1+1" and book["Summary"]["A1"].data_type == "s"
    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()
    assert [r[0] for r in cells[1:]] == RISKY


def test_csv_is_safe_and_exact(tmp_path, frame):
    path = write_csv(tmp_path / "out.csv", frame, COLUMNS)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Name", "Amount", "Maybe", "Date", "Count", "Note"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in RISKY[:5]] + ["plain"]
    assert [r[1] for r in rows[1:]] == ["1234.56", "-0.01", "0.00", "999999999.99", "0.05",
                                        "-1000.00"]  # negative money is a number, not text
    assert rows[2][2] == "" and rows[2][3] == ""
    assert csv_safe(-5) == -5 and csv_safe("-5") == "'-5"


def test_large_table_streams(tmp_path):
    n = 50_000
    big = pd.DataFrame({"k": pd.array([f"K{i:06d}" for i in range(n)], dtype="str"),
                        "v": np.arange(n, dtype=np.int64)})
    book = ReportWorkbook()
    book.add_table("Big", big, [TableColumn("k"), TableColumn("v", kind=CellKind.MONEY)])
    path = book.save(tmp_path / "big.xlsx")
    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Big").to_python()
    assert len(cells) == n + 1
    assert cells[-1] == [f"K{n - 1:06d}", (n - 1) / 100]


def test_empty_table_and_titles(tmp_path):
    book = ReportWorkbook()
    book.add_table("a/b:c*d?[e]", pd.DataFrame({"x": pd.array([], dtype="str")}), [TableColumn("x")])
    ws = load_workbook(book.save(tmp_path / "e.xlsx")).worksheets[0]
    assert ws.title == "a_b_c_d__e_"
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [["x"]]
    assert len(sheet_title("x" * 40)) == 31
    with pytest.raises(ValueError):
        book.add_table("t", pd.DataFrame({"x": [1]}), [TableColumn("y")])


def test_save_leaves_nothing_behind_on_failure(tmp_path, frame, monkeypatch):
    book = ReportWorkbook()
    book.add_table("Data", frame, COLUMNS)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("connectors.sheets.writer.splice_tables", broken)
    with pytest.raises(OSError):
        book.save(tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_decimals_in_free_form_sheets_keep_their_digits(tmp_path):
    book = ReportWorkbook()
    book.sheet("Summary")["A1"] = Decimal("0.07")
    path = book.save(tmp_path / "d.xlsx")
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml")
    assert b"<v>0.07</v>" in xml
