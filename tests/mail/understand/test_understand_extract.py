"""Known-answer tables for fact extraction: amounts, IBANs, dates, references."""

from __future__ import annotations

from datetime import date

import pytest

from bots.mail.understand.config import load_rules
from bots.mail.understand.extract import extract_facts

RULES = load_rules().extract
DECEMBER = date(2026, 12, 3)


def facts(text: str, language: str = "es", received: date = DECEMBER) -> dict[str, list[str]]:
    return extract_facts(text, language, received, RULES).facts


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("importe 1.234,56 €", "es", ["1234.56"]),
    ("total EUR 1,234.56", "en", ["1234.56"]),
    ("£1,234.5 owed", "en", ["1234.50"]),
    ("$99", "en", ["99.00"]),
    ("me cobraron 45,90 euros", "es", ["45.90"]),
    ("1 234,56 €", "es", ["1234.56"]),
    ("1.234 €", "es", ["1234.00"]),  # ambiguous: money has two decimals at most
    ("1,234 EUR", "en", ["1234.00"]),
    ("1.234 €", "en", ["1234.00"]),
    ("1,234 €", "es", ["1234.00"]),
    ("0,5 €", "es", ["0.50"]),
    ("12.000.000,00 euros", "es", ["12000000.00"]),
    ("3 dollars and 4 pounds", "en", ["3.00", "4.00"]),
    ("pedido 123456 de 3 unidades", "es", []),  # a number without currency is no amount
    ("europa 200", "es", []),  # "eur" inside a word is no currency
    ("9" * 40 + " €", "es", []),  # a run of digits too long to be money
    ("€ 123456789012345678", "en", []),
    ("0,001 € y -5 €", "es", ["5.00"]),  # three decimals are no amount; the sign is not kept
], ids=lambda v: str(v))
def test_amounts(text: str, language: str, expected: list[str]) -> None:
    assert facts(text, language)["amount"] == expected


@pytest.mark.parametrize(("text", "expected", "note"), [
    ("IBAN ES91 2100 0418 4502 0005 1332", ["ES9121000418450200051332"], None),
    ("iban: es9121000418450200051332.", ["ES9121000418450200051332"], None),
    ("GB82 WEST 1234 5698 7654 32 gracias", ["GB82WEST12345698765432"], None),
    ("DE89 3704 0044 0532 0130 00", ["DE89370400440532013000"], None),
    ("ES91 2100 0418 4502 0005 1333", [], "invalid IBAN ES9121000418450200051333"),  # check digits
    ("ES91 2100 0418 4502 0005", [], "invalid IBAN ES912100041845020005"),  # too short
    ("pedido ORD-123456", [], None),
])
def test_ibans(text: str, expected: list[str], note: str | None) -> None:
    result = extract_facts(text, "es", DECEMBER, RULES)
    assert result.facts["iban"] == expected
    assert [n.split(" (")[0] for n in result.notes] == ([note] if note else [])


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("pagaré el 15/01/2027", "es", ["2027-01-15"]),
    ("el 1-2-27", "es", ["2027-02-01"]),
    ("on 2026-12-24", "en", ["2026-12-24"]),
    ("el 1 de diciembre de 2026", "es", ["2026-12-01"]),
    ("el 5 de enero", "es", ["2027-01-05"]),  # no year: the nearest to the mail's arrival
    ("el 20 de noviembre", "es", ["2026-11-20"]),
    ("el 3 de sept. de 2026", "es", ["2026-09-03"]),
    ("on December 1st, 2026", "en", ["2026-12-01"]),
    ("by 1 Dec 2026", "en", ["2026-12-01"]),
    ("by Jan 5", "en", ["2027-01-05"]),
    ("the 12/25/2026 delivery", "en", ["2026-12-25"]),  # only one reading is a date
    ("31/02/2026", "es", []),  # no such day
    # relative to the arrival, Thursday 3 December 2026
    ("les pago mañana", "es", ["2026-12-04"]),
    ("pasado mañana sin falta", "es", ["2026-12-05"]),
    ("llamen por la mañana", "es", []),  # morning, not tomorrow
    ("el viernes hago la transferencia", "es", ["2026-12-04"]),
    ("el próximo jueves", "es", ["2026-12-10"]),
    ("a final de mes", "es", ["2026-12-31"]),
    ("I'll pay tomorrow", "en", ["2026-12-04"]),
    ("the day after tomorrow", "en", ["2026-12-05"]),
    ("next Monday or by the end of the month", "en", ["2026-12-07", "2026-12-31"]),
    ("I wrote today", "en", []),
    ("INV-2026-0005", "en", []),
])
def test_dates(text: str, language: str, expected: list[str]) -> None:
    assert facts(text, language)["date"] == expected


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("factura INV-2026-0012", "invoice", ["INV-2026-0012"]),
    ("Invoice number: 2026/0005", "invoice", ["2026/0005"]),
    ("pedido ORD-123456 y order no. 778899", "order", ["ORD-123456", "778899"]),
    ("cliente CLI-00042", "customer", ["CLI-00042"]),
    ("customer number 123456", "customer", ["123456"]),
])
def test_references(text: str, kind: str, expected: list[str]) -> None:
    assert facts(text)[kind] == expected
