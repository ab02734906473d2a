"""Money as `Decimal`, never float: rounding rules, parsing, tax per rate, a float guard.

- `Rounding` is the declared rule for every rounding to the cent (half-up by default).
  It is an enum, so a policy file names it (`"half_even"`) and a typo is refused.
- `parse_money` reads both written conventions, `1,234.56` and `1.234,56`; without a
  convention it decides from the text and refuses what is ambiguous (`1,234`, `1.234`).
- `ensure_decimal` is the guard at every entrance: a float is refused, not converted,
  because `Decimal(0.1)` is 0.1000000000000000055511151231257827... and a cent-exact
  ledger cannot start from that.
- `money_context()` traps `decimal.FloatOperation`: inside it, building a Decimal from a
  float or comparing one with a float raises instead of silently working.
- `allocate` splits an amount in proportion to weights, to the cent, summing exactly.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


class Rounding(StrEnum):
    """How a value is brought to the cent. Examples for 0.125 / -0.125 / 0.121."""

    HALF_UP = "half_up"  # 0.13 / -0.13 / 0.12: ties away from zero, the usual invoice rule
    HALF_EVEN = "half_even"  # 0.12 / -0.12 / 0.12: ties to the even cent (banker's)
    HALF_DOWN = "half_down"  # 0.12 / -0.12 / 0.12: ties toward zero
    UP = "up"  # 0.13 / -0.13 / 0.13: any fraction away from zero
    DOWN = "down"  # 0.12 / -0.12 / 0.12: truncation
    CEILING = "ceiling"  # 0.13 / -0.12 / 0.13
    FLOOR = "floor"  # 0.12 / -0.13 / 0.12

    @classmethod
    def parse(cls, text: str | Rounding) -> Rounding:
        if isinstance(text, Rounding):
            return text
        try:
            return cls(str(text).strip().lower().replace("-", "_"))
        except ValueError:
            choices = ", ".join(rule.value for rule in cls)
            raise ValueError(f"unknown rounding rule {text!r} (one of: {choices})") from None

    @property
    def mode(self) -> str:
        return _MODES[self]

    def cents(self, value: Decimal | int) -> Decimal:
        return ensure_decimal(value).quantize(CENT, rounding=self.mode)


_MODES = {
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    Rounding.HALF_DOWN: decimal.ROUND_HALF_DOWN,
    Rounding.UP: decimal.ROUND_UP,
    Rounding.DOWN: decimal.ROUND_DOWN,
    Rounding.CEILING: decimal.ROUND_CEILING,
    Rounding.FLOOR: decimal.ROUND_FLOOR,
}


class Convention(StrEnum):
    """How an amount is written: which character separates the decimals."""

    POINT = "point"  # 1,234.56 (UK, US)
    COMMA = "comma"  # 1.234,56 (Spain, most of Europe)

    @property
    def decimal_mark(self) -> str:
        return "." if self is Convention.POINT else ","

    @property
    def group_mark(self) -> str:
        return "," if self is Convention.POINT else "."


def ensure_decimal(value: object, what: str = "amount") -> Decimal:
    """Decimal (finite) or int in, Decimal out; float, bool and text are refused."""
    if isinstance(value, float):
        raise TypeError(f"{what}: money must be Decimal, never float (got {value!r})")
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what}: expected a Decimal, got {type(value).__name__} {value!r}")
    result = value if isinstance(value, Decimal) else Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite amount")
    return result


def cents(value: Decimal | int, rule: Rounding = Rounding.HALF_UP) -> Decimal:
    return rule.cents(value)


def tax_at(net: Decimal, rate_percent: Decimal, rule: Rounding = Rounding.HALF_UP) -> Decimal:
    """The tax on `net` at `rate_percent` (21 for 21 %), rounded to the cent by `rule`."""
    net = ensure_decimal(net, "net")
    rate = ensure_decimal(rate_percent, "tax rate")
    if rate < 0:
        raise ValueError(f"tax rate cannot be negative, got {rate}")
    return rule.cents(net * rate / HUNDRED)


def allocate(total: Decimal, weights: Sequence[Decimal], rule: Rounding = Rounding.HALF_UP,
             ) -> list[Decimal]:
    """Split `total` (already in cents) in proportion to `weights`, each share rounded to the
    cent by `rule`; the cents that rounding leaves over (or takes too many) go to the share
    of the largest weight (the first one on a tie), so the shares always sum to `total`.

    allocate(15.00, [100, 50]) -> [10.00, 5.00]; allocate(0.05, [1, 1]) -> [0.02, 0.03]
    under half-up: both round to 0.03, and the largest (the first) gives the cent back.
    """
    total = ensure_decimal(total, "total")
    if total != total.quantize(CENT):
        raise ValueError(f"total {total} has more than two decimals; round it first")
    values = [ensure_decimal(w, "weight") for w in weights]
    if not values:
        raise ValueError("nothing to allocate over: no weights")
    if any(w < 0 for w in values):
        raise ValueError("weights cannot be negative")
    whole = sum(values, Decimal(0))
    if whole == 0:
        raise ValueError("weights sum to zero")
    # Multiply before dividing: total * w / whole is then exact whenever total == whole.
    shares = [rule.cents(total * w / whole) for w in values]
    largest = max(range(len(values)), key=lambda i: (values[i], -i))
    shares[largest] += total - sum(shares, Decimal(0))
    return shares


def minor_units(value: Decimal, scale: int = 2) -> int:
    """Decimal('12.34') -> 1234 (cents); refuses a value with finer fractions."""
    value = ensure_decimal(value)
    units = value.scaleb(scale)
    if units != units.to_integral_value():
        raise ValueError(f"{value} has more than {scale} decimals")
    return int(units)


_SPACES = re.compile(r"[\s\u00a0\u202f]")
_CURRENCY = re.compile(r"^(?:€|EUR)\s*|\s*(?:€|EUR)$", re.IGNORECASE)


def parse_money(text: str, convention: Convention | None = None, *,
                what: str = "amount") -> Decimal:
    """`'1.234,56'` or `'1,234.56'` (or `'-12,5'`, `'€ 3'`) -> Decimal, exactly as written.

    With `convention=None` a text holding both marks uses the last one as the decimal
    mark; a single mark followed by exactly three digits (`1,234`) is refused as
    ambiguous, since it means 1234 in one convention and 1.234 in the other.
    """
    if not isinstance(text, str):
        raise TypeError(f"{what}: expected text, got {type(text).__name__}")
    body = _CURRENCY.sub("", text.strip()).strip()
    sign = ""
    if body and body[0] in "+-":
        sign, body = ("-" if body[0] == "-" else ""), body[1:].lstrip()
    body = _SPACES.sub(" ", body)
    conv = convention or _guess(body, text, what)
    number = _strip_grouping(body, conv, text, what)
    try:
        return Decimal(sign + number)
    except decimal.InvalidOperation:
        raise ValueError(f"{what}: {text!r} is not an amount") from None


def _guess(body: str, original: str, what: str) -> Convention:
    last_point, last_comma = body.rfind("."), body.rfind(",")
    if last_point >= 0 and last_comma >= 0:
        return Convention.POINT if last_point > last_comma else Convention.COMMA
    mark = "." if last_point >= 0 else "," if last_comma >= 0 else ""
    if not mark:
        return Convention.POINT
    if body.count(mark) > 1:  # repeated: it can only be the grouping mark
        return Convention.COMMA if mark == "." else Convention.POINT
    decimals = body.rsplit(mark, 1)[1]
    if len(decimals) == 3:
        raise ValueError(f"{what}: {original!r} is ambiguous (a thousand and more, or one and"
                         " a fraction?); write its decimals too")
    return Convention.POINT if mark == "." else Convention.COMMA


_GROUPED = re.compile(r"^\d{1,3}(?:[ G]\d{3})+$")


def _strip_grouping(body: str, conv: Convention, original: str, what: str) -> str:
    integer, _, fraction = body.partition(conv.decimal_mark)
    if conv.decimal_mark in fraction or conv.group_mark in fraction or " " in fraction:
        raise ValueError(f"{what}: {original!r} is not an amount like "
                         f"{format_money(Decimal('1234.56'), conv)}")
    marked = integer.replace(conv.group_mark, "G")
    if ("G" in marked or " " in marked) and not _GROUPED.match(marked):
        raise ValueError(f"{what}: {original!r} has its thousands grouped wrongly")
    digits = marked.replace("G", "").replace(" ", "")
    if not digits.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(f"{what}: {original!r} is not an amount")
    return f"{digits}.{fraction}" if fraction else digits


def format_money(value: Decimal, convention: Convention = Convention.POINT, *,
                 grouped: bool = True, rule: Rounding = Rounding.HALF_UP) -> str:
    """Decimal('-1234.5') -> '-1,234.50' (POINT) or '-1.234,50' (COMMA)."""
    amount = rule.cents(value)
    text = f"{abs(amount):,.2f}" if grouped else f"{abs(amount):.2f}"
    if convention is Convention.COMMA:
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"-{text}" if amount < 0 else text


_PERCENT = re.compile(r"^(?P<number>.+?)\s*%$")


def parse_percentage(value: object, *, what: str = "percentage") -> Decimal:
    """A fraction: `Decimal('0.1')`, `'10%'`, `'10,5 %'` or `'0.105'` -> Decimal('0.105').

    Text with a `%` sign is a percent; a bare number is already a fraction, as a
    spreadsheet cell formatted `0%` stores it (10 % is the number 0.1).
    """
    if isinstance(value, (Decimal, int, float, bool)):
        return ensure_decimal(value, what)
    if not isinstance(value, str):
        raise TypeError(f"{what}: expected text or a Decimal, got {type(value).__name__}")
    match = _PERCENT.match(value.strip())
    if match:
        return parse_money(match["number"], what=what) / HUNDRED
    return parse_money(value, what=what)


@contextmanager
def money_context() -> Iterator[decimal.Context]:
    """A decimal context for money work: 28 digits, and any float that meets a Decimal
    (construction, comparison) raises `decimal.FloatOperation` instead of passing."""
    with decimal.localcontext() as context:
        context.prec = 28
        context.traps[decimal.FloatOperation] = True
        context.traps[decimal.InvalidOperation] = True
        yield context
