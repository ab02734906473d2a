"""Cell values as the sheet XML holds them, read exactly and written exactly.

What an edit may put in a cell: `Decimal` or `int` (written digit for digit, never
through a float), `str` (always text, as an inline string: "=SUM(A1)" stays text, and the
shared-strings part is left untouched), `bool`, `date` (a day serial in the workbook's
date system), `Formula("SUM(A2:A9)")`, or `None` (the value removed, the style kept).
A float is refused: money must not pass through one.

Read values come back in the same types; numbers as the `Decimal` a person typed
(`typed_value`), errors as `CellError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from xml.sax.saxutils import escape

_FIFTEEN = Context(prec=15, rounding=ROUND_HALF_EVEN)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCHS = {False: date(1899, 12, 30), True: date(1904, 1, 1)}
MAX_TEXT = 32767


@dataclass(frozen=True)
class Formula:
    text: str  # without the leading "="

    def __post_init__(self) -> None:
        if self.text.startswith("="):
            object.__setattr__(self, "text", self.text[1:])
        if not self.text:
            raise ValueError("an empty formula")

    def __str__(self) -> str:
        return "=" + self.text


@dataclass(frozen=True)
class CellError:
    code: str  # "#N/A", "#REF!", ...

    def __str__(self) -> str:
        return self.code


CellValue = Decimal | int | str | bool | date | Formula | CellError | None


def typed_value(stored: Decimal) -> Decimal:
    """The decimal a person typed, from the digits a spreadsheet stored for it.

    A spreadsheet stores a typed 0.07 as the double nearest to it, written
    `0.07000000000000001` or `7.0000000000000007E-2`; a double holds 15 significant
    decimal digits faithfully, so rounding the text to 15 digits, in Decimal, gives back
    what was typed for every amount with cents below a trillion."""
    value = _FIFTEEN.plus(stored)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def number_text(value: Decimal | int) -> str:
    """The `<v>` text of a number: its own digits, or a ValueError when a spreadsheet's
    double could not hold them (more than 15 significant digits)."""
    if isinstance(value, int):
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    digits = len(value.normalize().as_tuple().digits)
    if digits > 15:
        raise ValueError(f"{value} has {digits} significant digits; a spreadsheet holds 15")
    return format(value, "f")


def date_serial(day: date, date1904: bool) -> int:
    return (day - _EPOCHS[date1904]).days


def _text_xml(text: str, p: str) -> str:
    if _ILLEGAL_XML.search(text):
        raise ValueError(f"text {text[:40]!r} holds control characters a workbook cannot store")
    if len(text) > MAX_TEXT:
        raise ValueError(f"text of {len(text)} characters; a cell holds {MAX_TEXT}")
    keep = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f"<{p}is><{p}t{keep}>{escape(text)}</{p}t></{p}is>"


def encode(value: CellValue, *, date1904: bool, prefix: str = "") -> tuple[str | None, str]:
    """(the `t` attribute or None, the cell's inner XML) for `value`."""
    p = prefix
    if value is None:
        return None, ""
    if isinstance(value, bool):
        return "b", f"<{p}v>{int(value)}</{p}v>"
    if isinstance(value, float):
        raise TypeError(f"{value!r} is a float; give a Decimal so that its digits stay exact")
    if isinstance(value, Decimal | int):
        return None, f"<{p}v>{number_text(value)}</{p}v>"
    if isinstance(value, datetime):
        raise TypeError(f"{value!r}: give a date; a time of day is not exact in a day serial")
    if isinstance(value, date):
        return None, f"<{p}v>{date_serial(value, date1904)}</{p}v>"
    if isinstance(value, Formula):
        if _ILLEGAL_XML.search(value.text):
            raise ValueError(f"formula {value} holds control characters")
        return None, f"<{p}f>{escape(value.text)}</{p}f>"
    if isinstance(value, str):
        return "inlineStr", _text_xml(value, p)
    raise TypeError(f"cannot write {type(value).__name__} {value!r} to a cell")


def same(before: CellValue, after: CellValue, *, date1904: bool) -> bool:
    """True when writing `after` over `before` would change nothing a reader sees."""
    if isinstance(after, date) and not isinstance(after, datetime):
        after = Decimal(date_serial(after, date1904))
    if isinstance(before, bool) or isinstance(after, bool):
        return type(before) is type(after) and before == after
    if isinstance(before, Decimal | int) and isinstance(after, Decimal | int):
        return Decimal(before) == Decimal(after)
    return type(before) is type(after) and before == after


def describe(value: CellValue) -> str:
    """How a value reads in a change list: exact digits, "=formula", "" for empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse_number(text: str) -> Decimal | None:
    try:
        return typed_value(Decimal(text))
    except InvalidOperation:
        return None
