"""Server-side validation of the invoice adjustment form."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from demo.portal.catalog import ADJUSTMENT_KINDS, REASON_CODES
from demo.portal.ledger import Adjustment
from demo.portal.money import parse_european

FIELDS: dict[str, str] = {
    "kind": "Type",
    "net_amount": "Net amount",
    "tax_amount": "Tax amount",
    "reason": "Reason",
    "request_reference": "Request reference",
    "note": "Note",
}
MAX_LENGTH = {"request_reference": 40, "note": 500}


def _amount(text: str, label: str, *, allow_zero: bool) -> Decimal:
    if not text:
        raise ValueError(f"{label} is required")
    try:
        value = parse_european(text)
    except ValueError:
        raise ValueError(f"{label} must be written with a decimal comma, like 1.234,56") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{label} must be greater than zero" if not allow_zero
                         else f"{label} cannot be negative")
    return value


def validate_adjustment(form: Mapping[str, str]) -> tuple[Adjustment | None, dict[str, str]]:
    values = {name: (form.get(name) or "").strip() for name in FIELDS}
    errors: dict[str, str] = {}
    if values["kind"] not in ADJUSTMENT_KINDS:
        errors["kind"] = "Choose charge or credit"
    if values["reason"] not in REASON_CODES:
        errors["reason"] = "Reason is not one of the allowed codes"
    for name, limit in MAX_LENGTH.items():
        if len(values[name]) > limit:
            errors[name] = f"{FIELDS[name]} is longer than {limit} characters"
    amounts: dict[str, Decimal] = {}
    for name in ("net_amount", "tax_amount"):
        try:
            amounts[name] = _amount(values[name], FIELDS[name],
                                    allow_zero=name == "tax_amount")
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        return None, errors
    return Adjustment(kind=values["kind"], net_amount=amounts["net_amount"],
                      tax_amount=amounts["tax_amount"], reason_code=values["reason"],
                      request_reference=values["request_reference"], note=values["note"]), {}
