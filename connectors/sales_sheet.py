"""The validated-sales sheet (xlsx or CSV): its columns, each row as a typed `Sale`, and the
business rules that decide which rows may be keyed.

Every row is checked and every problem reported (row, column, reason); a bad row never
stops the others. Only a file that cannot be read at all (missing, no header row, a
column absent) raises `InputError`, before anything is queued. The reading is the
toolkit's (`connectors.sheets.rows`): the headers below are the defaults, and a column
mapping file (`-p columns=my_columns.toml`) names another workbook's headers.

Money is exact from the first read: an xlsx number cell (a binary double) is accepted
only when it lies within rounding noise of a whole number of cents, and becomes
Decimal("2544.16") through integer cents, never through float arithmetic; text amounts
are read digit by digit in the declared style (1.234,56 by default, as Spanish desktops
write them). Both come from `connectors.sheets`' exact number parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from bots.people import name_key
from connectors.sheets import ColumnMap, RowProblem, RowReader

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# field -> header texts accepted for it (the first is the one reports use)
HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("External ID", "Id externo"), "sale_date": ("Sale date", "Fecha venta"),
    "customer_name": ("Customer", "Cliente"), "customer_tax_id": ("Tax ID", "NIF"),
    "product": ("Product", "Producto"), "quantity": ("Quantity", "Cantidad"),
    "amount": ("Amount", "Importe"), "currency": ("Currency", "Moneda"),
    "payment_method": ("Payment method", "Forma de pago"), "channel": ("Channel", "Canal"),
    "seller": ("Seller", "Vendedor"), "validator": ("Validator", "Validador"),
    "consent": ("Consent", "Consentimiento"), "notes": ("Notes", "Notas"),
}


@dataclass(frozen=True)
class SalesRules:
    """What a sale may contain; the defaults are the demo portal's catalogue and limits."""

    products: frozenset[str] = frozenset({"FIB-300", "FIB-600", "FIB-1G", "MOB-10", "MOB-UNL",
                                          "TV-BASIC"})
    currencies: frozenset[str] = frozenset({"EUR", "USD", "GBP"})
    payment_methods: frozenset[str] = frozenset({"card", "transfer", "cash"})
    channels: frozenset[str] = frozenset({"phone", "web", "store"})
    max_amount: Decimal = Decimal("50000.00")

    def __post_init__(self) -> None:
        if self.max_amount <= 0:
            raise ValueError("max_amount must be positive")


def _rules(info: ValidationInfo) -> SalesRules:
    return (info.context or {}).get("rules") or SalesRules()


class Sale(BaseModel):
    """One sale as it will be keyed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    external_id: Annotated[Text, StringConstraints(max_length=30,
                                                   pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
    sale_date: date
    customer_name: Annotated[Text, StringConstraints(max_length=80)]
    customer_tax_id: Annotated[Text, StringConstraints(max_length=20)]
    product: Text
    quantity: int = Field(ge=1, le=999_999)
    amount: Decimal = Field(decimal_places=2)
    currency: Text
    payment_method: Text
    channel: Text
    seller: Annotated[Text, StringConstraints(max_length=40)]
    validator: Annotated[Text, StringConstraints(max_length=40)]
    consent: bool = False
    notes: Annotated[str, StringConstraints(max_length=500)] = ""

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("money must arrive as Decimal, never float")
        return value

    @field_validator("amount")
    @classmethod
    def _amount_limits(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        limit = _rules(info).max_amount
        if value <= 0:
            raise ValueError("must be greater than zero")
        if value > limit:
            raise ValueError(f"is above the limit of {limit:,.2f}")
        return value

    @field_validator("product", "currency", "payment_method", "channel")
    @classmethod
    def _allowed(cls, value: str, info: ValidationInfo) -> str:
        rules = _rules(info)
        allowed = {"product": rules.products, "currency": rules.currencies,
                   "payment_method": rules.payment_methods, "channel": rules.channels}
        options = allowed[str(info.field_name)]
        if value not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(sorted(options))}")
        return value

    @field_validator("validator")
    @classmethod
    def _four_eyes(cls, value: str, info: ValidationInfo) -> str:
        # A sale approved by its own seller is a fraud signal: someone else must validate.
        # Compared as people, not strings: `Sara Ortiz`, `sara.órtiz`, a Cyrillic `ѕ` or a
        # zero-width space do not make a second person (bots.people's folding).
        seller = info.data.get("seller")
        if seller is not None and name_key(value) == name_key(seller):
            raise ValueError("the validator is the seller (four-eyes rule)")
        return value

    def payload(self) -> dict[str, Any]:
        """JSON-ready: the amount as exact text ("2544.16"), the date in ISO."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class SalesSheet:
    file: str
    sheet: str | None
    header_row: int
    sales: tuple[Sale, ...]
    problems: tuple[RowProblem, ...]
    ids: Mapping[int, str | None] = field(default_factory=dict)  # row -> external id

    @property
    def rows(self) -> int:
        return len(self.ids)

    @property
    def rejected_rows(self) -> set[int]:
        return {p.row for p in self.problems}


def sales_columns(columns: ColumnMap | str | Path | None = None, *,
                  decimal_comma: bool | None = None) -> ColumnMap:
    """The sales columns: the default headers (English and Spanish), or a user's mapping
    file whose [columns] replace them field by field."""
    # Notes are free text a person wrote ("=pending contract", "+34 ... call after 5"):
    # the portal stores them as text, and every file the toolkit writes keeps them text.
    base = ColumnMap(headers=HEADERS, allow_formula_text=frozenset({"notes"}))
    if columns is not None:
        mine = columns if isinstance(columns, ColumnMap) else ColumnMap.load(columns)
        base = replace(mine, headers={**HEADERS, **mine.headers},
                       allow_formula_text=mine.allow_formula_text | {"notes"})
    if decimal_comma is not None:
        base = replace(base, decimal_comma=decimal_comma)
    return base


def sales_reader(path: str | Path, *, rules: SalesRules | None = None, sheet: str | None = None,
                 decimal_comma: bool | None = None,
                 columns: ColumnMap | str | Path | None = None) -> RowReader[Sale]:
    """Every row of a sales sheet checked, a batch at a time (flat memory)."""
    return RowReader(path, Sale, columns=sales_columns(columns, decimal_comma=decimal_comma),
                     sheet=sheet, key="external_id", context={"rules": rules or SalesRules()})


def read_sales(path: str | Path, *, rules: SalesRules | None = None, sheet: str | None = None,
               decimal_comma: bool = True,
               columns: ColumnMap | str | Path | None = None) -> SalesSheet:
    """Every row of the sheet checked: the sales that may be keyed and the problems found.

    A later row repeating an earlier row's external id is rejected; the first stays."""
    rows = sales_reader(path, rules=rules, sheet=sheet, decimal_comma=decimal_comma,
                        columns=columns).read()
    ids: dict[int, str | None] = {v.row: v.value.external_id for v in rows.valid}
    ids.update({p.row: p.key for p in rows.problems})
    return SalesSheet(rows.file, rows.sheet, rows.header_row, tuple(rows.values),
                      tuple(rows.problems), dict(sorted(ids.items())))
