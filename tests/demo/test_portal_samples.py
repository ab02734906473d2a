"""The sample inputs: the sales workbook and CSV, and the adjustment requests."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime
from decimal import Decimal

import openpyxl
from portal_http_client import PortalClient

from demo.portal import PortalServer
from demo.portal.db import connect
from demo.portal.ledger import get_invoice
from demo.samples import invoices as inv
from demo.samples import sales


def test_workbook_layout_and_bad_rows(tmp_path) -> None:
    path = sales.write_sales_workbook(tmp_path / "sales.xlsx", count=300, seed=7, invalid=12)
    sheet = openpyxl.load_workbook(path)["Sales"]
    assert "Validated sales" in sheet["A1"].value
    assert all(cell.value is None for cell in sheet[2])
    assert tuple(cell.value for cell in sheet[sales.HEADER_ROW]) == sales.HEADERS
    rows = list(sheet.iter_rows(min_row=sales.HEADER_ROW + 1, values_only=True))
    assert len(rows) == 300
    sample = sales.generate_sales(300, 7, 12)
    assert len(sample.invalid_rows) == 12
    assert set(Counter(row.problem for row in sample.invalid_rows)) == set(sales.Problem)
    positions = [i for i, row in enumerate(sample.rows) if row.problem]
    assert positions[0] > 5 and positions[-1] < 295
    valid = sample.valid_external_ids
    assert len(valid) == 288 == len(set(valid))
    assert valid == sales.expected_valid_external_ids(300, 7, 12)
    text_dates = [row for row in rows if isinstance(row[1], str)]
    assert len(text_dates) == sum(1 for r in sample.rows if r.problem is sales.Problem.TEXT_DATE)
    assert all(isinstance(row[1], datetime) for row in rows if not isinstance(row[1], str))
    assert all(isinstance(row[6], int | float) for row in rows)
    formulas = [row[13] for row in rows if row[13] and row[13].startswith("=")]
    assert formulas and all(isinstance(note, str) for note in formulas)


def test_sales_rows_follow_the_rules(tmp_path) -> None:
    sample = sales.generate_sales(300, 7, 12)
    for row in sample.valid_rows:
        assert row.validator != row.seller and row.customer
        assert Decimal("0") < row.amount <= sales.AMOUNT_LIMIT
        assert row.product in sales.PRODUCTS
    seen: set[str] = set()
    for row in sample.rows:
        duplicate = row.external_id in seen
        assert duplicate == (row.problem is sales.Problem.DUPLICATE_EXTERNAL_ID)
        seen.add(row.external_id)


def test_samples_are_deterministic(tmp_path) -> None:
    assert sales.generate_sales(50, 3, 5) == sales.generate_sales(50, 3, 5)
    assert sales.generate_sales(50, 3, 5) != sales.generate_sales(50, 4, 5)
    first = sales.write_sales_csv(tmp_path / "a.csv", 40, 9, 4).read_bytes()
    assert first == sales.write_sales_csv(tmp_path / "b.csv", 40, 9, 4).read_bytes()


def test_csv_has_the_same_rows(tmp_path) -> None:
    path = sales.write_sales_csv(tmp_path / "sales.csv", count=60, seed=5, invalid=7)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle, delimiter=";"))
    sample = sales.generate_sales(60, 5, 7)
    assert tuple(header) == sales.HEADERS and len(rows) == 60
    assert [r[0] for r in rows] == [row.external_id for row in sample.rows]
    first = sample.rows[0]
    assert rows[0][1] == first.sale_date.strftime("%d/%m/%Y")  # type: ignore[union-attr]
    assert rows[0][6] == f"{first.amount:.2f}".replace(".", ",")


def test_adjustment_requests_are_keyable_where_valid(portal: PortalServer, tmp_path) -> None:
    db_path = portal.config.db_path
    inv.seed_invoices(db_path, count=40, seed=7)
    path = inv.write_adjustment_requests(tmp_path / "requests.xlsx", db_path, count=30, seed=7)
    sheet = openpyxl.load_workbook(path)["Requests"]
    assert tuple(c.value for c in sheet[1]) == inv.COLUMNS
    assert sheet.max_row == 31
    plan = inv.plan_adjustment_requests(db_path, count=30, seed=7)
    assert {r.problem for r in plan if r.problem} == set(inv.Problem)
    client = PortalClient(portal.url)
    client.login()
    conn = connect(db_path)
    for request in plan:
        invoice = get_invoice(conn, request.invoice_id)
        if request.problem in (None, inv.Problem.CREDIT_OVER_BALANCE, inv.Problem.INVOICE_CLOSED):
            assert invoice is not None
            net, tax = inv.expected_amounts(invoice, request)
            token = client.csrf(f"/invoices/{invoice.id}")
            page = client.post(f"/invoices/{invoice.id}/adjust", {
                "kind": request.kind, "reason": request.reason_code, "csrf_token": token,
                "net_amount": f"{net:.2f}".replace(".", ","),
                "tax_amount": f"{tax:.2f}".replace(".", ","),
                "request_reference": request.request_id}).text
            saved = 'id="adjustment-result"' in page
            assert saved == (request.problem is None), (request, page[-800:])
    conn.close()
