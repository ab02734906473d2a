"""Keying sales: validation, confirmation, search, paging and exports."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from decimal import Decimal

import openpyxl
import pytest
from portal_http_client import REFERENCE, PortalClient

from demo.portal import PortalServer


def _rows(portal: PortalServer, sql: str) -> list[tuple]:
    conn = sqlite3.connect(portal.config.db_path)
    try:
        return [tuple(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def test_new_sale_page_holds_the_form_in_an_iframe(logged_in: PortalClient) -> None:
    page = logged_in.get("/sales/new").text
    assert '<iframe name="entry" id="entry" src="/sales/form"' in page
    form = logged_in.get("/sales/form").text
    assert "onsubmit=\"return confirm('Save this sale?')\"" in form
    for name in ("external_id", "sale_date", "customer_name", "customer_tax_id", "product",
                 "quantity", "amount", "currency", "payment_method", "channel", "seller",
                 "validator", "consent", "notes", "csrf_token"):
        assert f'name="{name}"' in form


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"sale_date": "2026-03-15"}, "sale_date", "dd/mm/yyyy"),
    ({"sale_date": "31/02/2026"}, "sale_date", "not a real date"),
    ({"amount": "1234.56"}, "amount", "decimal comma"),
    ({"amount": "0,00"}, "amount", "greater than zero"),
    ({"amount": "-5,00"}, "amount", "decimal comma"),
    ({"quantity": "0"}, "quantity", "at least 1"),
    ({"quantity": "1,5"}, "quantity", "whole number"),
    ({"product": "FIB-10G"}, "product", "allowed values"),
    ({"currency": "JPY"}, "currency", "allowed values"),
    ({"payment_method": "cheque"}, "payment_method", "allowed values"),
    ({"channel": "fax"}, "channel", "allowed values"),
    ({"customer_name": "  "}, "customer_name", "is required"),
    ({"validator": ""}, "validator", "is required"),
])
def test_invalid_sale_shows_errors_and_keeps_values(logged_in: PortalClient, portal: PortalServer,
                                                    changes, field, message) -> None:
    reply = logged_in.save_sale(**changes)
    assert reply.status == 200
    assert 'id="error-summary"' in reply.text
    error = re.search(rf'<span class="field-error" id="error-{field}">([^<]+)<', reply.text)
    assert error and message in error.group(1)
    assert f'<li data-field="{field}">' in reply.text
    assert 'value="Ana Núñez Peña"' in reply.text or field == "customer_name"
    assert _rows(portal, "SELECT count(*) FROM sales") == [(0,)]


def test_saved_sale_is_found_listed_and_exported(logged_in: PortalClient,
                                                 portal: PortalServer) -> None:
    reply = logged_in.save_sale(notes="=HYPERLINK(\"x\") <b>bold</b>")
    assert reply.status == 200
    assert re.search(r'<p id="confirmation">Sale saved\. Reference '
                     r'<strong class="reference">S-\d{4}-000001</strong></p>', reply.text)
    reference = REFERENCE.search(reply.text).group(1)
    stored = _rows(portal, "SELECT reference, amount, sale_date, consent, keyed_by FROM sales")
    assert stored == [(reference, "1234.56", "2026-03-15", 1, "robot")]

    found = logged_in.get("/sales/search?external_id=EXT-0001").text
    assert f'<td class="reference">{reference}</td>' in found
    assert '<td class="amount num">1.234,56</td>' in found
    assert '<td class="sale-date">15/03/2026</td>' in found
    assert 'id="no-results">No sales found' in logged_in.get("/sales/search?external_id=NOPE").text
    assert reference in logged_in.get("/sales").text

    exported = logged_in.get("/sales/export.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.body.decode("utf-8-sig")), delimiter=";"))
    assert [(r["reference"], r["external_id"], r["amount"], r["sale_date"]) for r in rows] == [
        (reference, "EXT-0001", "1234,56", "15/03/2026")]

    workbook = openpyxl.load_workbook(io.BytesIO(logged_in.get("/sales/export.xlsx").body))
    header, *data = workbook["Sales"].iter_rows(values_only=True)
    record = dict(zip(header, data[0], strict=True))
    assert (record["reference"], record["external_id"]) == (reference, "EXT-0001")
    assert Decimal(str(record["amount"])) == Decimal("1234.56")
    assert record["notes"] == "=HYPERLINK(\"x\") <b>bold</b>"


def test_html_is_escaped(logged_in: PortalClient) -> None:
    logged_in.save_sale(external_id="<script>x</script>")
    page = logged_in.get("/sales").text
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_the_same_sale_saved_twice_is_stored_twice(logged_in: PortalClient,
                                                   portal: PortalServer) -> None:
    first, second = logged_in.save_sale(), logged_in.save_sale()
    assert REFERENCE.search(first.text).group(1) != REFERENCE.search(second.text).group(1)
    assert _rows(portal, "SELECT external_id, count(*) FROM sales GROUP BY 1 "
                         "HAVING count(*) > 1") == [("EXT-0001", 2)]
    assert 'id="result-count">2<' in logged_in.get("/sales/search?external_id=EXT-0001").text


def test_sales_list_pages_by_25(logged_in: PortalClient) -> None:
    for n in range(27):
        assert logged_in.save_sale(external_id=f"P-{n:03d}", amount="10").status == 200
    first = logged_in.get("/sales").text
    assert first.count('class="sale-row"') == 25
    assert 'id="page-info">1 of 2<' in first and 'id="next-page" href="/sales?page=2"' in first
    assert 'id="prev-page"' not in first
    second = logged_in.get("/sales?page=2").text
    assert second.count('class="sale-row"') == 2 and "P-026" in second
    assert 'id="prev-page" href="/sales?page=1"' in second and 'id="next-page"' not in second
