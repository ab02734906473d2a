"""A validated-sales workbook as a back office keeps it, with a few bad rows in it.

Layout of the xlsx (sheet "Sales"): a title in A1, row 2 blank, the header in row 3
(`HEADER_ROW`), data from row 4. Sale dates are real Excel dates, amounts numbers with two
decimals, quantity an integer, Consent "Yes"/"No"; Product, Currency, Payment method and
Channel hold the portal's codes (FIB-300, EUR, card, web...).

The CSV has the same columns and rows, header on the first line, `;`-separated, UTF-8 with
a byte-order mark, dates dd/mm/yyyy and decimal commas (1234,56), like Excel on a Spanish
desktop saves it.

A row is invalid, and must not be keyed, when (`Problem`):
  the validator is the seller; its external id already appeared on an earlier row (the
  first occurrence stays valid); the customer is missing; the amount is not above zero; the
  product is not one the portal sells; the amount is above 50,000.00; the sale date is text
  instead of a date.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HEADERS = ("External ID", "Sale date", "Customer", "Tax ID", "Product", "Quantity", "Amount",
           "Currency", "Payment method", "Channel", "Seller", "Validator", "Consent", "Notes")
HEADER_ROW = 3
AMOUNT_LIMIT = Decimal("50000.00")
PRODUCTS = ("FIB-300", "FIB-600", "FIB-1G", "MOB-10", "MOB-UNL", "TV-BASIC")
SELLERS = ("ana.ruiz", "pedro.gil", "lucia.mora", "raul.vidal", "sara.ortiz")
VALIDATORS = ("m.campos", "c.herrera", "l.navarro")
NOTES = ("", "", "", "", "Customer asked for the invoice by e-mail",
         "Porting from another operator", "Installation on Saturday morning",
         "+34 612 345 678 call after 5 pm", "-- second line for the same address --",
         "=Pending signed contract", "@Sales team: customer is a reseller",
         "Dirección: C/ Mayor 5, 3º izq.")
_FIRST_DAY = date(2026, 2, 2)


# Shared with demo.samples.invoices: names, tax ids, and where to put the bad rows.
FIRST_NAMES = ("Ana", "José", "María", "Íñigo", "Lucía", "Pedro", "Begoña", "Raúl", "Nuria",
               "Sergio", "Carmen", "Òscar", "Elena", "Javier", "Mónica", "Andrés")
SURNAMES = ("García", "Núñez", "Fernández", "López", "Martínez", "Peña", "Sánchez", "Gómez",
            "Ibáñez", "Ruiz", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Castaño")
COMPANIES = ("Talleres Peña S.L.", "Frutas Ibáñez e Hijos S.L.", "Clínica Dental Sonríe S.L.",
             "Asesoría López & Asociados S.L.", "Bar O'Donnell S.C.", "Construcciones Álvarez S.A.")
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def person(rng: random.Random) -> tuple[str, str]:
    """A customer's name and a valid-looking Spanish tax id (DNI, or CIF for companies)."""
    if rng.random() < 0.15:
        return rng.choice(COMPANIES), f"B{rng.randint(10_000_000, 99_999_999)}"
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
    number = rng.randint(10_000_000, 99_999_999)
    return name, f"{number}{_DNI_LETTERS[number % 23]}"


def spread(count: int, how_many: int, rng: random.Random) -> list[int]:
    """`how_many` distinct indexes in 1..count-1, spread through the range with some jitter."""
    if how_many <= 0:
        return []
    if how_many >= count:
        raise ValueError(f"cannot place {how_many} special rows among {count}")
    step = count / (how_many + 1)
    chosen: list[int] = []
    for k in range(1, how_many + 1):
        index = max(1, min(count - 1, int(k * step + rng.uniform(-step / 3, step / 3))))
        while index in chosen:
            index = index + 1 if index + 1 < count else 1
        chosen.append(index)
    return sorted(chosen)


class Problem(StrEnum):
    VALIDATOR_IS_SELLER = "validator is the seller"
    DUPLICATE_EXTERNAL_ID = "external id already on an earlier row"
    MISSING_CUSTOMER = "customer is missing"
    NEGATIVE_AMOUNT = "amount is negative"
    UNKNOWN_PRODUCT = "unknown product"
    AMOUNT_OVER_LIMIT = "amount above 50,000.00"
    TEXT_DATE = "sale date is text in a wrong format"


@dataclass(frozen=True)
class SaleRow:
    external_id: str
    sale_date: date | str  # a str only on TEXT_DATE rows
    customer: str
    tax_id: str
    product: str
    quantity: int
    amount: Decimal
    currency: str
    payment_method: str
    channel: str
    seller: str
    validator: str
    consent: bool
    notes: str
    problem: Problem | None = None

    def cells(self) -> tuple[object, ...]:
        return (self.external_id, self.sale_date, self.customer, self.tax_id, self.product,
                self.quantity, self.amount, self.currency, self.payment_method, self.channel,
                self.seller, self.validator, "Yes" if self.consent else "No", self.notes)


@dataclass(frozen=True)
class SalesSample:
    rows: tuple[SaleRow, ...]

    @property
    def valid_rows(self) -> list[SaleRow]:
        return [row for row in self.rows if row.problem is None]

    @property
    def invalid_rows(self) -> list[SaleRow]:
        return [row for row in self.rows if row.problem is not None]

    @property
    def valid_external_ids(self) -> list[str]:
        return [row.external_id for row in self.valid_rows]


def _valid_row(rng: random.Random, seed: int, index: int) -> SaleRow:
    customer, tax_id = person(rng)
    return SaleRow(
        external_id=f"SO{seed % 1000:03d}{index + 1:05d}",
        sale_date=_FIRST_DAY + timedelta(days=rng.randint(0, 55)),
        customer=customer, tax_id=tax_id, product=rng.choice(PRODUCTS),
        quantity=rng.choice((1, 1, 1, 2, 3)),
        amount=Decimal(rng.randint(990, 480_000)) / 100,
        currency=rng.choice(("EUR",) * 8 + ("USD", "GBP")),
        payment_method=rng.choice(("card", "card", "transfer", "cash")),
        channel=rng.choice(("phone", "web", "web", "store")),
        seller=rng.choice(SELLERS), validator=rng.choice(VALIDATORS),
        consent=rng.random() < 0.7, notes=rng.choice(NOTES),
    )


def _spoil(row: SaleRow, problem: Problem, earlier: list[SaleRow],
           rng: random.Random) -> SaleRow:
    row = replace(row, problem=problem)
    if problem is Problem.VALIDATOR_IS_SELLER:
        return replace(row, validator=row.seller)
    if problem is Problem.DUPLICATE_EXTERNAL_ID:
        original = rng.choice([r for r in earlier if r.problem is None])
        return replace(row, external_id=original.external_id, notes="re-sent by the store")
    if problem is Problem.MISSING_CUSTOMER:
        return replace(row, customer="")
    if problem is Problem.NEGATIVE_AMOUNT:
        return replace(row, amount=-row.amount)
    if problem is Problem.UNKNOWN_PRODUCT:
        return replace(row, product="FIB-10G")
    if problem is Problem.AMOUNT_OVER_LIMIT:
        return replace(row, amount=AMOUNT_LIMIT + Decimal(rng.randint(1, 4_000_000)) / 100)
    # Day first and above 12, so that it cannot be read as yyyy/mm/dd either.
    day = rng.randint(13, 28)
    return replace(row, sale_date=f"{row.sale_date:%Y}/{day}/{row.sale_date:%m}")


def generate_sales(count: int = 300, seed: int = 7, invalid: int = 12) -> SalesSample:
    """The rows of the sample, `invalid` of them bad, the same for the same arguments."""
    if count < 1 or invalid < 0:
        raise ValueError("count must be >= 1 and invalid >= 0")
    rng = random.Random(f"sales:{seed}")
    bad_at = dict(zip(spread(count, invalid, rng),
                      (list(Problem) * invalid)[:invalid], strict=True))
    rows: list[SaleRow] = []
    for index in range(count):
        row = _valid_row(rng, seed, index)
        if index in bad_at:
            row = _spoil(row, bad_at[index], rows, rng)
        rows.append(row)
    return SalesSample(rows=tuple(rows))


def expected_valid_external_ids(count: int = 300, seed: int = 7, invalid: int = 12) -> list[str]:
    return generate_sales(count, seed, invalid).valid_external_ids


def write_sales_workbook(path: Path, count: int = 300, seed: int = 7, invalid: int = 12) -> Path:
    path = Path(path)
    sample = generate_sales(count, seed, invalid)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sales"
    sheet["A1"] = f"Validated sales - batch {seed} - {len(sample.rows)} rows"
    sheet["A1"].font = Font(bold=True, size=14)
    for col, header in enumerate(HEADERS, start=1):
        sheet.cell(row=HEADER_ROW, column=col, value=header).font = Font(bold=True)
    for offset, row in enumerate(sample.rows, start=1):
        for col, value in enumerate(row.cells(), start=1):
            cell = sheet.cell(row=HEADER_ROW + offset, column=col, value=value)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, str):
                cell.data_type = "s"  # a note starting with '=' is text, not a formula
    for letter, width in zip("ABCDEFGHIJKLMN", (14, 12, 30, 12, 10, 9, 12, 9, 15, 9, 12, 12, 9, 40),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def _csv_value(value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def write_sales_csv(path: Path, count: int = 300, seed: int = 7, invalid: int = 12) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        for row in generate_sales(count, seed, invalid).rows:
            writer.writerow([_csv_value(value) for value in row.cells()])
    return path
