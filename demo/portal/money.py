"""Amounts as the portal shows and accepts them: European style, "1.234,56"."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Either thousands grouped by dots, or no grouping at all; up to two decimals after a comma.
_EUROPEAN = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2})?$")


def parse_european(text: str) -> Decimal:
    """'1.234,56' -> Decimal('1234.56'). Raises ValueError on anything else, '1234.56' too."""
    cleaned = text.strip()
    if not _EUROPEAN.match(cleaned):
        raise ValueError(f"not an amount like 1.234,56: {text!r}")
    return Decimal(cleaned.replace(".", "").replace(",", ".")).quantize(CENT)


def format_european(value: Decimal, *, grouped: bool = True) -> str:
    """Decimal('-1234.5') -> '-1.234,50' (or '-1234,50' when not grouped)."""
    rounded = cents(value)
    text = f"{abs(rounded):,.2f}" if grouped else f"{abs(rounded):.2f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"-{text}" if rounded < 0 else text


def to_db(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def from_db(text: str) -> Decimal:
    return Decimal(text)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
