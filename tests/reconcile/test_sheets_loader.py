"""Declared-schema loading of messy sheets: headers below titles, merged cells, European
numbers, mixed dates, totals rows; and errors that say where and what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from bots.errors import BusinessError, InputError
from connectors.sheets import (
    Column,
    ColumnType,
    NumberStyle,
    SchemaError,
    SheetSchema,
    load_sheet,
)
from connectors.sheets.numbers import parse_numbers

BANK = SheetSchema(
    columns=(
        Column("booked", ColumnType.DATE, headers=("Fecha operación",)),
        Column("value_date", ColumnType.DATE, headers=("Fecha valor",)),
        Column("concept", headers=("Concepto",)),
        Column("amount", ColumnType.MONEY, headers=("Importe",)),
        Column("balance", ColumnType.MONEY, headers=("Saldo",), required=False),
    ),
    date_formats=("%d/%m/%Y", "%Y-%m-%d"),
)


def messy_statement(path) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "Movimientos"
    ws["A1"] = "BANCO EJEMPLO, S.A."
    ws.merge_cells("A1:E1")
    ws["A2"] = "Extracto de la cuenta ES76 0000 1111"
    ws.merge_cells("A2:E2")
    ws.append([])
    ws.append(["Fecha operación", "Fecha valor", " Concepto ", "Importe", "Saldo"])
    ws.append([dt.date(2024, 3, 5), "05/03/2024", "  TRANSF FRA INV-2024-00001  ", "1.234,56",
               "11.234,56"])  # row 5
    ws.append([45357, "2024-03-06", "RECIBO LUZ", "-50,00", "11.184,56"])  # Excel serial
    for _ in range(2):  # a number cell for the amount; and the line, repeated
        ws.append(["07/03/2024", 45358.0, "=HYPERLINK(\"x\")", 12.5, None])
        ws.cell(ws.max_row, 3).data_type = "s"  # text that looks like a formula
    ws.append(["08/03/2024", dt.datetime(2024, 3, 8, 14, 30), "Total Energies SA", "(1.000,00)",
               "10.197,06"])  # a customer called Total, and a negative in parentheses
    ws.append([None] * 5)
    ws.append(["TOTAL", None, None, "209,56", None])
    book.save(path)


def test_messy_bank_statement_loads(tmp_path):
    path = tmp_path / "statement.xlsx"
    messy_statement(path)
    loaded = load_sheet(path, BANK)
    frame = loaded.frame
    assert loaded.header_row == 4
    assert loaded.headers["concept"] == "Concepto"
    assert frame["source_row"].tolist() == [5, 6, 7, 8, 9]
    assert frame["amount"].dtype == np.int64  # exact cents, never float
    assert frame["amount"].tolist() == [123_456, -5_000, 1_250, 1_250, -100_000]
    assert frame["balance"].dtype == "Int64"
    assert frame["balance"].isna().tolist() == [False, False, True, True, False]
    assert frame["booked"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-07", "2024-03-08"]
    assert frame["value_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-07", "2024-03-08"]
    assert frame["concept"].tolist()[:3] == ["TRANSF FRA INV-2024-00001", "RECIBO LUZ",
                                             '=HYPERLINK("x")']
    assert [(d.row, d.reason) for d in loaded.dropped] == [(10, "blank"), (11, "totals")]
    assert loaded.dropped[1].cells == ("TOTAL", "209,56")
    # the duplicated line loads as a row like any other: the engine flags it
    assert frame.iloc[2, 1:].tolist() == frame.iloc[3, 1:].tolist()


def test_csv_with_semicolons_and_european_numbers(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Informe de cobros;;\n;;\nFecha;Cliente;Importe\n"
                    "05/03/2024;Acme;1.234,56\n06/03/2024;Ñandú;\u2212 7,5\n ; ;\u00a0\n"
                    "Totales;;1.227,06\n", encoding="utf-8")
    schema = SheetSchema(columns=(Column("date", ColumnType.DATE, headers=("Fecha",)),
                                  Column("customer", headers=("Cliente",)),
                                  Column("amount", ColumnType.MONEY, headers=("Importe",))),
                         date_formats=("%d/%m/%Y",))
    loaded = load_sheet(path, schema)
    assert loaded.frame["amount"].tolist() == [123_456, -750]
    assert loaded.frame["customer"].tolist() == ["Acme", "Ñandú"]
    assert loaded.frame["source_row"].tolist() == [4, 5]
    assert [d.reason for d in loaded.dropped] == ["blank", "totals"]


@pytest.mark.parametrize(("text", "style", "cents"), [
    ("1,234.56", NumberStyle.POINT, 123_456),
    ("1.234,56", NumberStyle.COMMA, 123_456),
    ("1 234,5", NumberStyle.COMMA, 123_450),
    ("1'234.50", NumberStyle.POINT, 123_450),
    ("-0,01", NumberStyle.COMMA, -1),
    ("(12.00)", NumberStyle.POINT, -1_200),
    ("12,00-", NumberStyle.COMMA, -1_200),
    ("€ 1.000", NumberStyle.COMMA, 100_000),
    ("EUR 3,10", NumberStyle.COMMA, 310),
    ("1234", NumberStyle.AUTO, 123_400),
    ("0.10", NumberStyle.AUTO, 10),
    ("1.234.567,89", NumberStyle.AUTO, 123_456_789),
])
def test_money_text_in_both_conventions(text, style, cents):
    parsed = parse_numbers(np.array([text], dtype=object), scale=2, style=style)
    assert not parsed.bad[0]
    assert parsed.values[0] == cents


@pytest.mark.parametrize(("text", "style"), [
    ("1,234", NumberStyle.AUTO),  # a thousand, or one and a bit? nothing says
    ("12.345", NumberStyle.POINT),  # three decimals of a cent
    ("1.2.3", NumberStyle.POINT),
    ("12,5,0", NumberStyle.COMMA),
    ("abc", NumberStyle.POINT),
    ("--5", NumberStyle.POINT),
    ("(5", NumberStyle.POINT),
])
def test_unreadable_money_is_bad_not_guessed(text, style):
    parsed = parse_numbers(np.array([text], dtype=object), scale=2, style=style)
    assert parsed.bad[0]


def test_money_from_number_cells_is_exact():
    cells = np.array([1234.56, 0.1 + 0.2, 19.99, -0.07, 12.345], dtype=object)
    parsed = parse_numbers(cells, scale=2, style=NumberStyle.POINT)
    assert parsed.values[:4].tolist() == [123_456, 30, 1_999, -7]
    assert parsed.bad.tolist() == [False, False, False, False, True]  # a third decimal


def test_auto_style_reads_a_column_by_its_unambiguous_cells():
    cells = np.array(["1.234", "5,50", "7"], dtype=object)
    parsed = parse_numbers(cells, scale=2, style=NumberStyle.AUTO)
    assert parsed.values.tolist() == [123_400, 550, 700]  # 5,50 says: comma decimals


def test_decimal_columns_hold_decimals(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("Code,Rate\nA,0.125\nB,1.5\n")
    schema = SheetSchema(columns=(Column("code"), Column("rate", ColumnType.DECIMAL)))
    frame = load_sheet(path, schema).frame
    assert frame["rate"].tolist() == [Decimal("0.125"), Decimal("1.5")]


def test_bad_cell_names_file_sheet_row_column_and_expectation(tmp_path):
    path = tmp_path / "statement.xlsx"
    messy_statement(path)
    book = __import__("openpyxl").load_workbook(path)
    book["Movimientos"]["D6"] = "cincuenta"
    book.save(path)
    with pytest.raises(InputError) as caught:
        load_sheet(path, BANK)
    error = caught.value
    assert (error.file, error.sheet, error.row, error.column) == (
        str(path), "Movimientos", 6, "amount")
    assert "1.234,56" in error.expected and error.got == "cincuenta"
    assert isinstance(error, BusinessError) and isinstance(error, ValueError)
    assert "row 6" in str(error) and "'amount'" in str(error)


def test_missing_required_value_is_an_error(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Fecha;Cliente;Importe\n05/03/2024;;1,00\n06/03/2024;B;1,00\n")
    schema = SheetSchema(columns=(Column("date", ColumnType.DATE, headers=("Fecha",)),
                                  Column("customer", headers=("Cliente",)),
                                  Column("amount", ColumnType.MONEY, headers=("Importe",))),
                         date_formats=("%d/%m/%Y",))
    with pytest.raises(InputError) as caught:
        load_sheet(path, schema)
    assert (caught.value.row, caught.value.column) == (2, "customer")
    assert "missing" in str(caught.value)


def test_bad_date_names_the_declared_formats(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Date,Amount\n2024-13-45,1.00\n")
    schema = SheetSchema(columns=(Column("date", ColumnType.DATE), Column("amount", ColumnType.MONEY)))
    with pytest.raises(InputError) as caught:
        load_sheet(path, schema)
    assert caught.value.row == 2 and "%Y-%m-%d" in caught.value.expected


def test_header_not_found_names_the_missing_column(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("Fecha,Cliente\n05/03/2024,A\n")
    schema = SheetSchema(columns=(Column("date", ColumnType.DATE, headers=("Fecha",)),
                                  Column("amount", ColumnType.MONEY, headers=("Importe", "Amount"))))
    with pytest.raises(InputError) as caught:
        load_sheet(path, schema)
    assert caught.value.column == "amount" and "Importe" in caught.value.expected


def test_missing_file_sheet_and_encoding_are_input_errors(tmp_path):
    schema = SheetSchema(columns=(Column("a"),), sheet="Nope")
    with pytest.raises(InputError, match="file not found"):
        load_sheet(tmp_path / "none.xlsx", schema)
    path = tmp_path / "statement.xlsx"
    messy_statement(path)
    with pytest.raises(InputError) as caught:
        load_sheet(path, schema)
    assert caught.value.sheet == "Nope" and "Movimientos" in caught.value.expected
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="encoding"):
        load_sheet(latin, SheetSchema(columns=(Column("a"),)))
    assert load_sheet(latin, SheetSchema(columns=(Column("a"),), encoding="cp1252")).frame[
        "a"].tolist() == ["café"]


def test_ids_typed_as_numbers_read_as_their_digits(tmp_path):
    path = tmp_path / "l.xlsx"
    book = Workbook()
    book.active.append(["Invoice", "Amount"])
    book.active.append([12345, 10])
    book.save(path)
    frame = load_sheet(path, SheetSchema(columns=(Column("invoice", headers=("Invoice",)),
                                                  Column("amount", ColumnType.MONEY)))).frame
    assert frame["invoice"].tolist() == ["12345"] and frame["amount"].tolist() == [1_000]


def test_schema_refuses_bad_declarations():
    with pytest.raises(ValueError):
        Column("a", "money-ish")
    with pytest.raises(SchemaError):
        SheetSchema(columns=(Column("a"), Column("a")))
    with pytest.raises(SchemaError):
        SheetSchema(columns=(Column("a"),), date_formats=("dd/mm/yyyy",))
    with pytest.raises(SchemaError):
        SheetSchema.from_mapping({"columns": [{"name": "a", "kind": "text"}]})


def test_schema_from_toml_table():
    schema = SheetSchema.from_mapping({
        "sheet": "Ledger", "number_style": "comma", "date_formats": ["%d/%m/%Y"],
        "columns": [{"name": "amount", "type": "money", "headers": ["Importe"]}]})
    assert schema.columns[0].type is ColumnType.MONEY and schema.columns[0].headers == ("Importe",)
    assert schema.number_style is NumberStyle.COMMA


def test_load_of_a_large_sheet_keeps_money_exact(tmp_path):
    n = 5_000
    rng = np.random.default_rng(3)
    cents = rng.integers(-10**9, 10**9, n)
    path = tmp_path / "big.csv"
    body = "\n".join(f"K{i},{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"
                      for i, c in enumerate(cents))
    path.write_text("Key,Amount\n" + body + "\n")
    frame = load_sheet(path, SheetSchema(columns=(Column("key"), Column("amount", ColumnType.MONEY))
                                         )).frame
    pd.testing.assert_series_equal(frame["amount"], pd.Series(cents, name="amount"))
