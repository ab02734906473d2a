"""The agents' sheet through its declared ColumnMap: every bad cell named (row, column as
the sheet calls it, reason), a missing header refuses the file before anything is queued."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from bots.errors import InputError
from connectors.sheets import read_rows
from demo.orders_world import HEADERS, sheet_requests, write_requests
from recipes.order_requests.requests import COLUMNS, Kind, OrderRequest


def test_the_demo_sheet_reads_with_its_two_bad_rows(tmp_path: Path) -> None:
    today = date(2026, 12, 3)
    path = write_requests(tmp_path / "r.xlsx", sheet_requests(today), today)
    rows = read_rows(path, OrderRequest, columns=COLUMNS, key="request_id")
    assert len(rows.valid) == 16
    assert {(p.row, p.key, p.column) for p in rows.problems} == {
        (18, "REQ-017", "Kind"), (19, "REQ-018", "Lines")}
    partial = next(v.value for v in rows.valid if v.value.request_id == "REQ-002")
    assert (partial.kind, partial.quantities) == (Kind.RETURN, {2: 2})


def test_spanish_headers_and_bad_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Solicitud", "Tipo", "Pedido", "Líneas", "Motivo", "Día", "Idioma"])
    sheet.append(["REQ-1", "Return", "ORD-1002", "1x1", "R01", "", "en"])
    sheet.append(["REQ-2", "return", "1002", "", "X9", "31/02/2026", "fr"])
    path = tmp_path / "es.xlsx"
    book.save(path)
    rows = read_rows(path, OrderRequest, columns=COLUMNS, key="request_id")
    assert [v.value.kind for v in rows.valid] == [Kind.RETURN]
    assert sorted(p.column for p in rows.problems) == ["Día", "Idioma", "Motivo", "Pedido"]


def test_a_missing_header_refuses_the_file(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append([h for h in HEADERS if h != "Kind"])
    book.active.append(["REQ-1", "ORD-1001"])
    path = tmp_path / "no_kind.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="Kind"):
        read_rows(path, OrderRequest, columns=COLUMNS, key="request_id")
