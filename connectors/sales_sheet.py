"""The validated-sales sheet (xlsx or CSV): its columns, each row as a typed `Sale`, and the
business rules that decide which rows may be keyed.

Every row is checked and every problem reported (row, column, reason); a bad row never
stops the others. Only a file that cannot be read at all (missing, no header row, a
column absent) raises `InputError`, before anything is queued.

Money is exact from the first read: an xlsx number cell (a binary double) is accepted
only when it lies within rounding noise of a whole number of cents, and becomes
Decimal("2544.16") through integer cents, never through float arithmetic; text amounts
are read digit by digit in the declared style (1.234,56 by default, as Spanish desktops
write them). Both come from `connectors.sheets`' exact number parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from connectors.sheets import Column, NumberStyle, SheetSchema, find_header
from connectors.sheets.cells import kinds, to_text
from connectors.sheets.dates import parse_dates
from connectors.sheets.grid import read_grid
from connectors.sheets.numbers import parse_numbers

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
OPTIONAL = frozenset({"consent", "notes"})
_YES = frozenset({"yes", "y", "si", "sí", "s", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0", ""})


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
    """One sale as it will be keyed; `row` is the sheet row a person would look at."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    row: int
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

    @model_validator(mode="after")
    def _four_eyes(self) -> Sale:
        # A sale approved by its own seller is a fraud signal: someone else must validate.
        if self.validator.casefold() == self.seller.casefold():
            raise ValueError("the validator is the seller (four-eyes rule)")
        return self

    def payload(self) -> dict[str, Any]:
        """JSON-ready: the amount as exact text ("2544.16"), the date in ISO."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    reason: str
    value: str = ""
    external_id: str | None = None


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


def _schema(sheet: str | None) -> SheetSchema:
    columns = tuple(Column(name, headers=headers, required=name not in OPTIONAL)
                    for name, headers in HEADERS.items())
    return SheetSchema(columns=columns, sheet=sheet)


def _consent(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().casefold()
    return True if text in _YES else False if text in _NO else None


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_EXPECTED = {"amount": "is not an amount like 1.234,56 with at most two decimals",
             "quantity": "is not a whole number", "sale_date": "is not a date (dd/mm/yyyy)",
             "consent": "is not yes or no"}


class _Columns:
    """Each column of the data rows parsed at once: values (None when blank) and which
    cells could not be read."""

    def __init__(self, cells: np.ndarray, mapping: Mapping[str, int], style: NumberStyle) -> None:
        width = cells.shape[1]
        self.raw = {name: cells[:, mapping[name]] if name in mapping and mapping[name] < width
                    else np.full(len(cells), None, object) for name in HEADERS}
        self.values: dict[str, list[Any]] = {}
        self.bad: dict[str, np.ndarray] = {}
        for name, column in self.raw.items():
            blank = kinds(column) == 0
            values, bad = self._parse(name, column, style)
            self.values[name] = [None if b else v for v, b in zip(values, blank, strict=True)]
            self.bad[name] = np.asarray(bad, bool) & ~blank

    @staticmethod
    def _parse(name: str, column: np.ndarray, style: NumberStyle) -> tuple[list[Any], Any]:
        if name == "amount":
            parsed = parse_numbers(column, scale=2, style=style)
            return [Decimal(int(v)).scaleb(-2) for v in parsed.values], parsed.bad
        if name == "quantity":
            parsed = parse_numbers(column, scale=None, style=style, integer=True)
            return [int(v) for v in parsed.values], parsed.bad
        if name == "sale_date":
            parsed = parse_dates(column, ("%d/%m/%Y",), False, kinds(column))
            return [None if np.isnat(v) else v.astype("datetime64[D]").item()
                    for v in parsed.values], parsed.bad
        if name == "consent":
            values = [_consent(v) for v in column]
            return values, [v is None for v in values]
        return list(to_text(column).astype(object)), np.zeros(len(column), bool)


def _check_row(row: int, n: int, parsed: _Columns, titles: Mapping[str, str],
               rules: SalesRules) -> tuple[Sale | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    data: dict[str, Any] = {"row": row}
    reported: set[str] = set()
    for name in HEADERS:
        value, raw = parsed.values[name][n], parsed.raw[name][n]
        if parsed.bad[name][n]:
            problems.append(RowProblem(row, titles[name], _EXPECTED[name], _show(raw)))
            reported.add(name)
        elif value is None and name not in OPTIONAL:
            problems.append(RowProblem(row, titles[name], "is missing"))
            reported.add(name)
        elif value is not None:
            data[name] = value
    try:
        sale = Sale.model_validate(data, context={"rules": rules})
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "validator"
            if name in reported:
                continue
            message = error["msg"].removeprefix("Value error, ")
            problems.append(RowProblem(row, titles.get(name, name), message,
                                       _show(parsed.raw[name][n]) if name in parsed.raw else ""))
        return None, problems
    return (None if problems else sale), problems


def read_sales(path: str | Path, *, rules: SalesRules | None = None, sheet: str | None = None,
               decimal_comma: bool = True) -> SalesSheet:
    """Every row of the sheet checked: the sales that may be keyed and the problems found.

    A later row repeating an earlier row's external id is rejected; the first stays."""
    rules = rules or SalesRules()
    schema = _schema(sheet)
    grid = read_grid(path, schema)
    header, mapping = find_header(grid, schema)
    body = grid.cells[header + 1:]
    kind = kinds(body.ravel()).reshape(body.shape) if body.size else np.zeros((0, 0), np.int8)
    indexes = [i for i in range(len(body)) if (kind[i] != 0).any()]
    cells = body[indexes] if indexes else np.empty((0, grid.cells.shape[1]), object)
    parsed = _Columns(cells, mapping, NumberStyle.COMMA if decimal_comma else NumberStyle.POINT)
    titles = {name: str(grid.cells[header, mapping[name]]).strip() if name in mapping
              else HEADERS[name][0] for name in HEADERS}
    sales: list[Sale] = []
    problems: list[RowProblem] = []
    ids: dict[int, str | None] = {}
    first_row: dict[str, int] = {}
    for n, index in enumerate(indexes):
        row = header + 2 + index  # as the spreadsheet numbers it
        external_id = parsed.values["external_id"][n]
        ids[row] = external_id
        sale, found = _check_row(row, n, parsed, titles, rules)
        if external_id:
            key = external_id.strip().casefold()
            if key in first_row:
                found.append(RowProblem(row, titles["external_id"],
                                        f"external id already on row {first_row[key]}",
                                        external_id))
            else:
                first_row[key] = row
        if found:
            problems.extend(RowProblem(p.row, p.column, p.reason, p.value, external_id)
                            for p in found)
        elif sale is not None:
            sales.append(sale)
    return SalesSheet(grid.file, grid.sheet, header + 1, tuple(sales), tuple(problems), ids)
