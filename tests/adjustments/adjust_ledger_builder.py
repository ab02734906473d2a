"""A ledger workbook as people keep them: merged titles, styles, formulas, a table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from connectors.xlsx_exact import save_exact

LedgerRow = tuple[str, str, Decimal, Decimal, Decimal, Decimal, str]
HEADERS = ("Invoice", "Customer", "Net", "VAT", "Total", "Charges", "Credits", "Open balance",
           "Status")
ADJ_HEADERS = ("Request", "Invoice", "Document", "Kind", "Net", "VAT", "Gross", "Reason",
               "Applied on")
THIN = Side(style="thin", color="999999")


def write_ledger(path: Path, rows: Sequence[LedgerRow]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ledger"
    sheet["A1"] = "Invoice ledger - customer billing"
    sheet["A1"].font = Font(bold=True, size=14, color="1F3864")
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells("A1:I1")
    sheet["A2"] = "Kept by billing; amounts in EUR"
    sheet["A2"].font = Font(italic=True)
    sheet.merge_cells("A2:D2")
    for col, title in enumerate(HEADERS, start=1):
        cell = sheet.cell(3, col, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3864")
        cell.border = Border(bottom=THIN)
    first = 4
    for r, (invoice, customer, net, vat, charges, credits, status) in enumerate(rows, start=first):
        sheet.cell(r, 1, invoice)
        name = sheet.cell(r, 2, customer)
        name.data_type, name.protection = "s", Protection(locked=False)  # a name, never a formula
        for col, value in ((3, net), (4, vat), (6, charges), (7, credits)):
            sheet.cell(r, col, value).number_format = "#,##0.00"
        sheet.cell(r, 5, f"=C{r}+D{r}").number_format = "#,##0.00"
        sheet.cell(r, 8, f"=E{r}+F{r}-G{r}").number_format = "#,##0.00;[Red]-#,##0.00"
        sheet.cell(r, 9, status).alignment = Alignment(horizontal="center")
        if r % 2:
            for col in range(1, 10):
                sheet.cell(r, col).fill = PatternFill("solid", fgColor="F2F2F2")
    last = first + len(rows) - 1
    total = last + 2
    sheet.cell(total, 1, "Total").font = Font(bold=True)
    sheet.merge_cells(start_row=total, start_column=1, end_row=total, end_column=2)
    for col in "CDEFGH":
        cell = sheet[f"{col}{total}"]
        cell.value = f"=SUM({col}{first}:{col}{last})"
        cell.font, cell.number_format = Font(bold=True), "#,##0.00"
        cell.border = Border(top=THIN, bottom=Side(style="double"))
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 28
    sheet.row_dimensions[1].height = 24
    sheet.freeze_panes = "A4"
    sheet.conditional_formatting.add(f"H{first}:H{last}", CellIsRule(
        operator="lessThan", formula=["0"], font=Font(color="C00000")))
    status = DataValidation(type="list", formula1='"open,closed"', allow_blank=False)
    sheet.add_data_validation(status)
    status.add(f"I{first}:I{last}")
    workbook.defined_names["LedgerTotal"] = DefinedName("LedgerTotal", attr_text=f"Ledger!$H${total}")
    _adjustments_sheet(workbook.create_sheet("Adjustments"))
    return save_exact(workbook, path)


def _adjustments_sheet(sheet) -> None:  # noqa: ANN001
    sheet.append(ADJ_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # one adjustment keyed by hand earlier, so that the table has a data row
    sheet.append(("MANUAL-1", "INV-0", "NC-000000", "credit", Decimal("1.00"), Decimal("0.21"),
                  Decimal("1.21"), "GOODWILL", date(2026, 1, 2)))
    for col in "EFG":
        sheet[f"{col}2"].number_format = "#,##0.00"
    sheet["I2"].number_format = "dd/mm/yyyy"
    sheet["D2"].font = Font(italic=True, color="7F7F7F")
    table = Table(displayName="AdjustmentsTable", ref="A1:I2")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    sheet.add_table(table)
    sheet.column_dimensions["C"].width = 14
