"""Exports of every keyed sale, the way legacy systems write them.

The CSV is what a European installation produces: `;` between fields, decimal commas,
dd/mm/yyyy dates, UTF-8 with a byte-order mark so that Excel shows the accents.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date, datetime

from flask import Blueprint, Response
from openpyxl import Workbook

from demo.portal.money import format_european, from_db
from demo.portal.sales_store import all_sales
from demo.portal.state import db

bp = Blueprint("exports", __name__)

COLUMNS = ("reference", "external_id", "sale_date", "customer_name", "customer_tax_id",
           "product", "quantity", "amount", "currency", "payment_method", "channel", "seller",
           "validator", "consent", "notes", "keyed_by", "keyed_at")


def _csv_cell(row: sqlite3.Row, column: str) -> str:
    value = row[column]
    if column == "amount":
        return format_european(from_db(value), grouped=False)
    if column == "sale_date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if column == "consent":
        return "Y" if value else "N"
    return "" if value is None else str(value)


@bp.route("/sales/export.csv")
def export_csv() -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in all_sales(db()):
        writer.writerow([_csv_cell(row, column) for column in COLUMNS])
    body = "\ufeff" + buffer.getvalue()
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=sales_export.csv"})


def _xlsx_cell(row: sqlite3.Row, column: str) -> object:
    value = row[column]
    if column == "amount":
        return from_db(value)  # openpyxl writes a Decimal as a plain spreadsheet number
    if column == "sale_date":
        return date.fromisoformat(value)
    if column == "keyed_at":
        return datetime.fromisoformat(value)
    if column == "consent":
        return "Y" if value else "N"
    return value


@bp.route("/sales/export.xlsx")
def export_xlsx() -> Response:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "Sales"
    sheet.append(COLUMNS)
    formats = {"amount": "#,##0.00", "sale_date": "DD/MM/YYYY", "keyed_at": "DD/MM/YYYY HH:MM:SS"}
    for index, row in enumerate(all_sales(db()), start=2):
        for col, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=index, column=col, value=_xlsx_cell(row, column))
            if column in formats:
                cell.number_format = formats[column]
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with '=' stays text, not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=sales_export.xlsx"})
