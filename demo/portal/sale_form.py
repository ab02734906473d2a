"""Server-side validation of the sales entry form, with the messages the form shows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from demo.portal.catalog import CHANNELS, CURRENCIES, PAYMENT_METHODS, PRODUCTS
from demo.portal.money import parse_european

FIELDS: dict[str, str] = {
    "external_id": "External ID",
    "sale_date": "Sale date",
    "customer_name": "Customer name",
    "customer_tax_id": "Customer tax ID",
    "product": "Product",
    "quantity": "Quantity",
    "amount": "Amount",
    "currency": "Currency",
    "payment_method": "Payment method",
    "channel": "Channel",
    "seller": "Seller",
    "validator": "Validator",
    "consent": "Consent",
    "notes": "Notes",
}
OPTIONAL = frozenset({"consent", "notes"})
MAX_LENGTH: dict[str, int] = {
    "external_id": 30, "customer_name": 80, "customer_tax_id": 20, "seller": 40,
    "validator": 40, "notes": 500,
}
CHOICES: dict[str, Mapping[str, str]] = {
    "product": PRODUCTS, "currency": CURRENCIES, "payment_method": PAYMENT_METHODS,
    "channel": CHANNELS,
}
_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_QUANTITY = re.compile(r"^\d{1,6}$")
MAX_AMOUNT = Decimal("999999.99")


@dataclass(frozen=True)
class Sale:
    external_id: str
    sale_date: date
    customer_name: str
    customer_tax_id: str
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


def _parse_date(text: str) -> date:
    match = _DATE.match(text)
    if not match:
        raise ValueError("must be a date written dd/mm/yyyy")
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("is not a real date") from None


def _parse_amount(text: str) -> Decimal:
    try:
        amount = parse_european(text)
    except ValueError:
        raise ValueError("must be written with a decimal comma, like 1.234,56") from None
    if amount <= 0:
        raise ValueError("must be greater than zero")
    if amount > MAX_AMOUNT:
        raise ValueError("is too large for this form")
    return amount


def _parse_quantity(text: str) -> int:
    if not _QUANTITY.match(text) or int(text) < 1:
        raise ValueError("must be a whole number of at least 1")
    return int(text)


def validate_sale(form: Mapping[str, str]) -> tuple[Sale | None, dict[str, str]]:
    """The sale, or None and an error message per field name."""
    values = {name: (form.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    for name, label in FIELDS.items():
        value = values[name]
        if not value and name not in OPTIONAL:
            errors[name] = f"{label} is required"
        elif len(value) > MAX_LENGTH.get(name, 200):
            errors[name] = f"{label} is longer than {MAX_LENGTH.get(name, 200)} characters"
        elif name in CHOICES and value not in CHOICES[name]:
            errors[name] = f"{label} is not one of the allowed values"
    parsed: dict[str, object] = {}
    parsers = {"sale_date": _parse_date, "amount": _parse_amount, "quantity": _parse_quantity}
    for name, parse in parsers.items():
        if name in errors:
            continue
        try:
            parsed[name] = parse(values[name])
        except ValueError as exc:
            errors[name] = f"{FIELDS[name]} {exc}"
    if errors:
        return None, {name: errors[name] for name in FIELDS if name in errors}
    text_fields = {name: values[name] for name in FIELDS if name not in parsers}
    text_fields["consent"] = values["consent"] not in ("", "0", "off")  # type: ignore[assignment]
    return Sale(**text_fields, **parsed), {}  # type: ignore[arg-type]
