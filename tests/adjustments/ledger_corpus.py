"""Ledgers as finance teams keep them, written by openpyxl, XlsxWriter and LibreOffice.

Each has the Ledger and Adjustments sheets the ledger connector reads, plus what such
workbooks carry: charts, an image, comments, data validation, conditional formatting with
Excel 2010 extensions (a data bar), sparklines, rich text, a dynamic array (=UNIQUE), an
Adjustments table with (XlsxWriter, LibreOffice) or without (openpyxl) a totals row,
a sheet autofilter, a pivot table (LibreOffice), defined names, sheet protection, a hidden
sheet, and an .xlsm with a VBA project (the
vbaProject.bin is a crafted stand-in: only its bytes' survival is checked).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import xlsxwriter
from adjust_ledger_builder import write_ledger
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment

ROWS = [
    ("INV-1", "Ana Ruiz", D("100.00"), D("21.00"), D("0"), D("0"), "open"),
    ("INV-2", "Luis Gil", D("359.64"), D("75.52"), D("10.00"), D("0"), "open"),
    ("INV-3", "Marta Sol", D("75.40"), D("15.83"), D("0"), D("517.57"), "open"),
]
HEADERS = ("Invoice", "Customer", "Net", "VAT", "Total", "Charges", "Credits", "Open balance",
           "Status")
ADJ = ("Request", "Invoice", "Document", "Kind", "Net", "VAT", "Gross", "Reason", "Applied on")
MANUAL = ("MANUAL-1", "INV-0", "NC-000000", "credit", D("1.00"), D("0.21"), D("1.21"),
          "GOODWILL", date(2026, 1, 2))
KINDS = ("openpyxl", "xlsxwriter", "libreoffice", "libreoffice-pivot", "xlsm")
WITH_TOTALS = ("xlsxwriter", "libreoffice", "xlsm")  # an Adjustments table with a totals row


def tiny_png() -> bytes:
    """A 2x2 red PNG, made here (no image library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def fake_vba_project() -> bytes:
    # An OLE compound file's signature and some bytes: Excel would not run it, but the
    # editor must carry it byte for byte, which is all that is checked.
    return bytes.fromhex("d0cf11e0a1b11ae1") + bytes(range(256)) * 8


def openpyxl_ledger(path: Path) -> Path:
    write_ledger(path, ROWS)
    workbook = load_workbook(path)
    ledger = workbook["Ledger"]
    ledger["A4"].comment = Comment("Checked by billing", "ana")
    ledger["B5"] = CellRichText([TextBlock(InlineFont(b=True), "Luis"), " Gil"])
    ledger.protection.sheet = True
    rates = workbook.create_sheet("Rates")
    rates["A1"], rates["B1"] = "VAT", 21
    rates.sheet_state = "hidden"
    workbook.save(path)
    return path


def xlsxwriter_ledger(path: Path, *, vba: bool = False, totals: bool = True) -> Path:
    options = {"use_future_functions": True}
    workbook = xlsxwriter.Workbook(str(path), options)
    money = workbook.add_format({"num_format": "#,##0.00"})
    bold = workbook.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF"})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    italic = workbook.add_format({"italic": True})
    ledger = workbook.add_worksheet("Ledger")
    ledger.merge_range("A1:I1", "Invoice ledger - customer billing", bold)
    ledger.write_rich_string("A2", italic, "Kept by ", workbook.add_format({"bold": True}),
                             "billing", "; amounts in EUR")
    ledger.write_row(2, 0, HEADERS, bold)
    first = 4
    for r, (invoice, customer, net, vat, charges, credits, status) in enumerate(ROWS, start=first):
        ledger.write_string(f"A{r}", invoice)
        ledger.write_string(f"B{r}", customer)
        for col, value in (("C", net), ("D", vat), ("F", charges), ("G", credits)):
            ledger.write_number(f"{col}{r}", float(value), money)
        ledger.write_formula(f"E{r}", f"=C{r}+D{r}", money, float(net + vat))
        ledger.write_formula(f"H{r}", f"=E{r}+F{r}-G{r}", money,
                             float(net + vat + charges - credits))
        ledger.write_string(f"I{r}", status)
        ledger.add_sparkline(f"J{r}", {"range": f"Ledger!C{r}:G{r}"})
    last, total = first + len(ROWS) - 1, first + len(ROWS) + 1
    ledger.write(f"A{total}", "Total", bold)
    for col in "CDEFGH":
        ledger.write_formula(f"{col}{total}", f"=SUM({col}{first}:{col}{last})", money)
    ledger.write_comment("A4", "Checked by billing")
    ledger.data_validation(f"I{first}:I{last}", {"validate": "list", "source": ["open", "closed"]})
    ledger.conditional_format(f"H{first}:H{last}", {"type": "data_bar", "data_bar_2010": True})
    ledger.write_dynamic_array_formula(f"L{first}:L{first}", f"=UNIQUE(I{first}:I{last})", None,
                                       "open")
    chart = workbook.add_chart({"type": "column"})
    chart.add_series({"name": "Open balance", "categories": f"=Ledger!$A${first}:$A${last}",
                      "values": f"=Ledger!$H${first}:$H${last}"})
    ledger.insert_chart("N2", chart)
    ledger.insert_image("N20", "logo.png", {"image_data": _bytes_io(tiny_png())})
    ledger.autofilter(f"A3:I{last}")
    ledger.protect("", {"format_cells": True, "autofilter": True})
    adjustments = workbook.add_worksheet("Adjustments")
    columns = [{"header": h} for h in ADJ]
    columns[0]["total_string"] = "Total"
    for name, value in zip(("Net", "VAT", "Gross"), MANUAL[4:7], strict=True):
        # qualified, as Excel writes it: LibreOffice reads "[Gross]" alone as #NAME?
        columns[ADJ.index(name)].update({
            "total_function": f"=SUBTOTAL(109,AdjustmentsTable[{name}])",
            "total_value": float(value), "format": money})
    columns[-1]["format"] = day
    adjustments.add_table("A1:I3" if totals else "A1:I2", {
                                    "name": "AdjustmentsTable", "total_row": totals,
                                    "columns": columns, "data": [[
                                        *MANUAL[:4], *(float(v) for v in MANUAL[4:7]),
                                        MANUAL[7], MANUAL[8]]]})
    hidden = workbook.add_worksheet("Rates")
    hidden.write_row(0, 0, ("VAT", 21))
    hidden.hide()
    workbook.define_name("LedgerTotal", f"=Ledger!$H${total}")
    workbook.define_name("InvoiceList", f"=Ledger!$A${first}:$A${last}")
    workbook.define_name("AdjustmentRows", "=Adjustments!$A$1:$I$2")  # header and data rows
    if totals:
        workbook.define_name("AdjustmentsGrossTotal", "=Adjustments!$G$3")
    workbook.set_properties({"title": "Invoice ledger", "company": "Billing"})
    if vba:
        bin_path = path.with_name("vbaProject.bin")
        bin_path.write_bytes(fake_vba_project())
        workbook.add_vba_project(str(bin_path))
    workbook.close()
    return path


def _bytes_io(data: bytes):  # noqa: ANN202 - XlsxWriter wants a BytesIO
    from io import BytesIO

    return BytesIO(data)


_PIVOT = (
    '<table:data-pilot-tables><table:data-pilot-table table:name="StatusPivot" '
    'table:target-range-address="Rates.D1:Rates.E5" table:buttons="Rates.D1">'
    '<table:source-cell-range table:cell-range-address="Ledger.A3:Ledger.I6"/>'
    '<table:data-pilot-field table:source-field-name="Status" table:orientation="row" '
    'table:used-hierarchy="-1"/><table:data-pilot-field table:source-field-name="Net" '
    'table:orientation="data" table:function="sum"/><table:data-pilot-field '
    'table:source-field-name="" table:is-data-layout-field="true" table:orientation="column"/>'
    "</table:data-pilot-table></table:data-pilot-tables>")


def libreoffice_ledger(path: Path) -> Path:
    """The XlsxWriter ledger opened and saved by LibreOffice (its own package)."""
    work = path.parent / "lo-work"
    work.mkdir(exist_ok=True)
    made = convert(xlsxwriter_ledger(work / path.name), "xlsx:Calc MS Excel 2007 XML",
                   work / "out")
    shutil.move(made, path)
    return path


def libreoffice_pivot_ledger(path: Path) -> Path:
    """The XlsxWriter ledger (its table without a totals row: LibreOffice's own format has
    none to carry it) opened by LibreOffice, given a pivot table (net by status, on the
    hidden sheet) and saved by it as xlsx: its own package, pivot cache and all."""
    work = path.parent / "lo-work"
    work.mkdir(exist_ok=True)
    flat = convert(xlsxwriter_ledger(work / path.name, totals=False), "fods", work)
    text = flat.read_text(encoding="utf-8")
    end = text.index("</table:database-ranges>") + len("</table:database-ranges>")
    flat.write_text(text[:end] + _PIVOT + text[end:], encoding="utf-8")
    made = convert(flat, "xlsx:Calc MS Excel 2007 XML", work / "out")
    shutil.move(made, path)
    return path


_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def convert(source: Path, target: str, out_dir: Path, *, recalculate: bool = False) -> Path:
    """soffice --headless --convert-to, in a profile of its own (runs beside others).

    `recalculate`: LibreOffice set to recalculate Excel files on loading, as the editor's
    fullCalcOnLoad flag asks (its default for Excel 2007+ files is to trust the cached
    results, which Excel does not do for a workbook so flagged)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    if recalculate:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC, encoding="utf-8")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", target, "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=240)
    made = out_dir / f"{source.stem}.{target.split(':')[0]}"
    if not made.exists():
        raise FileNotFoundError(f"LibreOffice wrote no {made}")
    return made


def build(kind: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "openpyxl":
        return openpyxl_ledger(folder / "ledger.xlsx")
    if kind == "xlsxwriter":
        return xlsxwriter_ledger(folder / "ledger.xlsx")
    if kind == "libreoffice":
        return libreoffice_ledger(folder / "ledger.xlsx")
    if kind == "libreoffice-pivot":
        return libreoffice_pivot_ledger(folder / "ledger.xlsx")
    if kind == "xlsm":
        return xlsxwriter_ledger(folder / "ledger.xlsm", vba=True)
    raise ValueError(kind)
